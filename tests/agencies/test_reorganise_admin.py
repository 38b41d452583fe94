"""The reorganisation pages of the admin (issue 11): the form → the preview (nothing changed)
→ the confirmation (applied, then the Reorganisation's read-only page with what it changed);
the same from an uploaded file; bad input shown on the form with nothing changed; and nobody
but an administrator with the add permission reaches them."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext, override

from agencies import reorganisation as reorg
from agencies.models import Agency, Reorganisation, User
from agencies.reorganisation import Merge, NewAgency, ReorganisationError
from tests.factories import make_activity, make_user
from tests.support import snapshot

pytestmark = pytest.mark.django_db

ADD = reverse("admin:agencies_reorganisation_add")
LIST = reverse("admin:agencies_reorganisation_changelist")

MERGE = {
    "kind": "merge",
    "effective_on": "01/07/2025",
    "agencies": ["VUNGTAU", "BARIA"],
    "new_code": "PHUONG_VT",
    "new_name": "Ủy ban nhân dân phường Hải Đăng",
    "new_short_name": "UBND phường Hải Đăng",
    "new_kind": "ward",
    "new_parent": "UBNDTINH",
    "reason": "Nghị quyết 1685/NQ-UBTVQH15",
}


def in_portal_language(function, *args):
    """What `function(*args)` gives in the portal's language, the admin's."""
    with override(settings.LANGUAGE_CODE):
        return function(*args)


def signed_document(response) -> str:
    html = response.content.decode()
    return unescape(re.search(r'name="document" value="([^"]+)"', html).group(1))


def test_the_form_previews_then_applies(client, admin_user):
    manager = make_user("ld.vt", "VUNGTAU", "manager", full_name="Trần Văn Minh")
    draft = make_activity(manager, agency="VUNGTAU", title="Đón đoàn Hàn Quốc")
    client.force_login(admin_user)
    assert client.get(ADD).status_code == 200

    before = snapshot()
    preview = client.post(ADD, MERGE)
    assert preview.status_code == 200
    assert snapshot() == before  # the preview changed nothing
    html = preview.content.decode()
    for shown in ("PHUONG_VT", "ld.vt", "Trần Văn Minh", "Đón đoàn Hàn Quốc", "VUNGTAU"):
        assert shown in html, shown
    assert [u.username for u in preview.context["summary"].users_without_membership] == ["ld.vt"]
    assert in_portal_language(gettext, "Users who need a new membership") in html

    response = client.post(ADD, {"confirm": "1", "document": signed_document(preview)})
    row = Reorganisation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:agencies_reorganisation_change", args=[row.pk])
    assert (row.kind, row.effective_on, row.created_by) == ("merge", date(2025, 7, 1), admin_user)
    assert row.reason == "Nghị quyết 1685/NQ-UBTVQH15"
    assert Agency.objects.get(code="VUNGTAU").successor.code == "PHUONG_VT"
    draft.refresh_from_db()
    assert draft.agency.code == "PHUONG_VT"
    assert draft.history.first().history_user == admin_user

    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.user, entry.is_addition()) == (str(row.pk), admin_user, True)
    page = client.get(response.url)
    assert page.status_code == 200
    detail = page.content.decode()
    assert "ld.vt" in detail and "PHUONG_VT" in detail and "Đón đoàn Hàn Quốc" in detail
    assert 'name="_save"' not in detail  # read-only
    listing = client.get(LIST).content.decode()
    assert "VUNGTAU" in listing and "PHUONG_VT" in listing


def test_the_detail_cannot_be_changed_or_deleted(client, admin_user):
    client.force_login(admin_user)
    client.post(ADD, {"confirm": "1", "document": signed_document(client.post(ADD, MERGE))})
    row = Reorganisation.objects.get()
    url = reverse("admin:agencies_reorganisation_change", args=[row.pk])
    client.post(url, {"reason": "changed"})
    row.refresh_from_db()
    assert row.reason == "Nghị quyết 1685/NQ-UBTVQH15"
    assert (
        client.get(reverse("admin:agencies_reorganisation_delete", args=[row.pk])).status_code
        == 403
    )


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_bad_input_is_shown_on_the_form_and_nothing_changes(client, admin_user):
    client.force_login(admin_user)
    before = snapshot()
    response = client.post(
        ADD, MERGE | {"new_parent": "", "agencies": ["VUNGTAU"], "new_code": "BARIA"}
    )
    assert response.status_code == 200
    new = NewAgency("BARIA", MERGE["new_name"], "ward", MERGE["new_short_name"])
    with override(settings.LANGUAGE_CODE), pytest.raises(ReorganisationError) as caught:
        reorg.check([Merge(("VUNGTAU",), new, date(2025, 7, 1), label="x")])
    (expected,) = caught.value.messages
    (shown,) = form_errors(response)
    assert "BARIA" in shown and shown.endswith(expected.removeprefix("x: "))
    response = client.post(ADD, MERGE | {"kind": "rename"})
    assert form_errors(response) == [
        in_portal_language(gettext, "Choose exactly one agency to split, rename or close.")
    ]
    response = client.post(ADD, {"effective_on": "01/07/2025"})
    assert form_errors(response) == [
        in_portal_language(gettext, "Choose the kind of reorganisation, or a file.")
    ]
    assert snapshot() == before


def test_a_tampered_confirmation_changes_nothing(client, admin_user):
    client.force_login(admin_user)
    before = snapshot()
    response = client.post(ADD, {"confirm": "1", "document": "forged"})
    assert response.status_code == 302 and response.url == ADD
    assert snapshot() == before


def test_a_confirmation_refused_by_the_service_changes_nothing(client, admin_user):
    client.force_login(admin_user)
    signed = signed_document(client.post(ADD, MERGE))
    client.post(ADD, {"confirm": "1", "document": signed})
    before = snapshot()
    response = client.post(ADD, {"confirm": "1", "document": signed})  # twice: refused
    assert response.status_code == 302 and response.url == ADD
    assert snapshot() == before


def test_an_uploaded_file_previews_then_applies(client, admin_user):
    client.force_login(admin_user)
    content = json.dumps(
        {
            "effective_on": "2025-07-01",
            "reason": "Quyết định thử",
            "operations": [
                {"op": "close", "code": "HCCB", "successor": "UBMTTQ"},
                {"op": "rename", "code": "SYT", "name": "Sở Y tế Thành phố"},
            ],
        }
    ).encode()
    upload = SimpleUploadedFile("ops.json", content, content_type="application/json")
    preview = client.post(ADD, {"file": upload})
    assert preview.status_code == 200 and not Reorganisation.objects.exists()
    assert "HCCB" in preview.content.decode()
    response = client.post(ADD, {"confirm": "1", "document": signed_document(preview)})
    assert response.status_code == 302 and response.url == LIST
    assert Reorganisation.objects.count() == 2
    assert Agency.objects.get(code="SYT").name == "Sở Y tế Thành phố"


def test_a_bad_file_is_refused_on_the_form(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        ADD, {"file": SimpleUploadedFile("x.json", b"{ not json", "application/json")}
    )
    with override(settings.LANGUAGE_CODE), pytest.raises(ReorganisationError) as caught:
        reorg.load_document(b"{ not json")
    assert response.status_code == 200 and form_errors(response) == caught.value.messages
    assert not Reorganisation.objects.exists()


@pytest.mark.parametrize("role", ["staff", "manager", "reviewer", "leader", "outsider"])
def test_members_of_agencies_get_the_login_page(client, cast, role):
    client.force_login(cast[role])
    for url in (ADD, LIST):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    before = Reorganisation.objects.count()
    client.post(ADD, MERGE)
    assert Reorganisation.objects.count() == before
    assert Agency.objects.get(code="VUNGTAU").closed_on is None


def test_staff_without_the_add_permission_are_refused(client):
    user = User.objects.create_user("it.staff", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_reorganisation"))
    client.force_login(user)
    assert client.get(LIST).status_code == 200
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, MERGE).status_code == 403
    assert Agency.objects.get(code="VUNGTAU").closed_on is None
    user.user_permissions.add(Permission.objects.get(codename="add_reorganisation"))
    client.force_login(User.objects.get(pk=user.pk))
    assert client.get(ADD).status_code == 200


def test_the_list_keeps_its_query_count_as_reorganisations_grow(
    client, admin_user, django_assert_max_num_queries
):
    from agencies import reorganisation as reorg

    client.force_login(admin_user)
    reorg.apply([reorg.Close("HCCB", date(2025, 7, 1))], actor=admin_user)
    client.get(LIST)
    with django_assert_max_num_queries(20) as first:
        client.get(LIST)
    reorg.apply(
        [reorg.Close(code, date(2025, 7, 1)) for code in ("HND", "LDLD", "TINHDOAN", "HLHPN")],
        actor=admin_user,
    )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(LIST).status_code == 200
