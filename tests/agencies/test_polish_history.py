"""An agency's history in the admin reads as the portal writes: an empty value "—" (not
"None", not "deleted … (pk=None)"), dates dd/mm/yyyy, a kind by its label."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from agencies.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_en(client, admin_user, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(admin_user)
    with translation.override("en"):
        yield client


def test_an_agency_closed_with_a_successor_reads_plainly_in_its_history(admin_en):
    heir = Agency.objects.create(
        code="PHUONG_MOI", name="UBND phường Mới", short_name="Phường Mới", kind="ward"
    )
    old = Agency.objects.create(
        code="PHUONG_CU", name="UBND phường Cũ", short_name="Phường Cũ", kind="district"
    )
    old.closed_on = date(2025, 7, 1)
    old.successor = heir
    old.kind = Agency.Kind.WARD
    old.save()

    response = admin_en.get(reverse("admin:agencies_agency_history", args=[old.pk]))
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    assert "None" not in html.split('id="change-history"')[1].split("</table>")[0]
    assert "pk=None" not in html
    assert "— &nbsp;&rarr;&nbsp;&nbsp;01/07/2025" in html
    assert f"— &nbsp;&rarr;&nbsp;&nbsp;{heir}" in html
    assert "People&#x27;s Committee &nbsp;&rarr;&nbsp;&nbsp;Ward People&#x27;s Committee" in html
