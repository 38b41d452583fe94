"""The reorganisation form offers only agencies not closed (each by name and code); the list
of reorganisations names the agencies, not only their codes."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from agencies import reorganisation as reorg
from agencies.models import Agency

pytestmark = pytest.mark.django_db

ADD = reverse("admin:agencies_reorganisation_add")
LIST = reverse("admin:agencies_reorganisation_changelist")


def test_the_form_lists_agencies_not_closed_by_name_and_code(client, admin_user):
    Agency.objects.create(
        code="XA_CU",
        name="UBND xã Cũ",
        short_name="Xã Cũ",
        kind="commune",
        closed_on=date(2025, 7, 1),
    )
    Agency.objects.create(
        code="XA_SAU",
        name="UBND xã Sau",
        short_name="Xã Sau",
        kind="commune",
        established_on=date(2099, 1, 1),
    )
    client.force_login(admin_user)
    form = client.get(ADD).context["form"]
    for name in ("agencies", "into", "new_parent"):
        codes = {code for code, _label in form.fields[name].choices if code}
        codes = {str(code) for code in codes}
        assert "XA_CU" not in codes, name
        assert {"XA_SAU", "VUNGTAU"} <= codes, name
    labels = dict(form.fields["agencies"].choices)
    vungtau = Agency.objects.get(code="VUNGTAU")
    assert labels["VUNGTAU"] == f"{vungtau.name} (VUNGTAU)"

    # A closed agency posted anyway is refused by the form, nothing changed.
    response = client.post(
        ADD, {"kind": "close", "effective_on": "01/08/2025", "agencies": ["XA_CU"]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["agencies"]
    assert Agency.objects.get(code="XA_CU").closed_on == date(2025, 7, 1)


def test_the_list_names_the_agencies(client, admin_user):
    vungtau = Agency.objects.get(code="VUNGTAU")
    reorg.apply([reorg.Close(code="VUNGTAU", effective_on=date(2025, 7, 1))], actor=admin_user)
    client.force_login(admin_user)
    html = client.get(LIST).content.decode()
    assert f"{vungtau.name} (VUNGTAU)" in html
