"""An activity in each state, as each role meets it: its page, its files and its history
(404 to whoever may not read it), the edit page, the moves and the edit its page offers,
and what a post by someone who may not changes (nothing).

The four activities are made once for the module by members of their own (a staff member
of SLDTBXH and a reviewer of Sở Ngoại vụ, not the cast's); every test reads them again and
runs in a savepoint, so what one test changes is gone for the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Attachment
from agencies.models import Agency
from tests.factories import make_activity, make_user
from tests.support import shared_data

pytestmark = pytest.mark.django_db

STATUSES = ("draft", "submitted", "accepted", "returned")
WORLD_REVIEWER = "Hoàng Minh Đức"  # the full name of the reviewer who returned one


@pytest.fixture(scope="module")
def each_state(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:
    """One activity of SLDTBXH in each state, each with a file added while it was a draft:
    their ids by status."""

    def build() -> dict[str, int]:
        staff = make_user("canbo-sld", "SLDTBXH", "staff", full_name="Đặng Thu Hà")
        reviewer = make_user("thamdinh-sngv", "SNGV", "reviewer", full_name=WORLD_REVIEWER)
        return {
            status: make_activity(
                staff,
                status=status,
                reviewer=reviewer,
                reason="Thiếu",
                title=f"Hoạt động {status}",
                attachments=["bien-ban.pdf"],
            ).pk
            for status in STATUSES
        }

    with shared_data(django_db_blocker, build) as ids:
        yield ids


@pytest.fixture
def activities(each_state, db) -> dict[str, Activity]:
    """The activity in each state, read again for this test."""
    return {status: Activity.objects.get(pk=pk) for status, pk in each_state.items()}


def detail_urls(activity: Activity) -> list[str]:
    urls = [activity.get_absolute_url()]
    urls += [a.get_absolute_url() for a in activity.attachments.all()]
    return urls


# (role, status) -> may read the activity, its files and its history
READ = {
    "staff": {"draft", "submitted", "accepted", "returned"},
    "manager": set(),  # another agency (VUNGTAU)
    "reviewer": {"submitted", "accepted"},
    "leader": {"accepted"},
    "outsider": set(),
    "admin": {"draft", "submitted", "accepted", "returned"},
}


@pytest.mark.parametrize("role", list(READ))
@pytest.mark.parametrize("status", ["draft", "submitted", "accepted", "returned"])
def test_activity_page_and_files_are_404_for_those_who_may_not_read(
    client, cast, activities, role, status
):
    client.force_login(cast[role])
    expected = 200 if status in READ[role] else 404
    for url in detail_urls(activities[status]):
        assert client.get(url).status_code == expected, url


def test_editing_is_for_drafts_and_returned_of_ones_own_agency(client, cast, activities):
    for status, expected in [
        ("draft", 200),
        ("returned", 200),
        ("submitted", 404),
        ("accepted", 404),
    ]:
        client.force_login(cast["staff"])
        url = reverse("activities:edit", args=[activities[status].pk])
        assert client.get(url).status_code == expected, status
    for role in ("manager", "reviewer", "leader", "outsider"):
        client.force_login(cast[role])
        assert (
            client.get(reverse("activities:edit", args=[activities["draft"].pk])).status_code == 404
        )


# role -> the statuses in which it may change the activity (drafts and returned ones of an
# agency it acts for; the superuser acts for every working agency)
EDIT = {"staff": {"draft", "returned"}, "admin": {"draft", "returned"}}


@pytest.mark.parametrize("role", list(READ))
def test_get_activity_for_fetches_what_the_role_may_read_or_edit_and_404_otherwise(
    cast, activities, role
):
    user = cast[role]
    for status, activity in activities.items():
        for editable, allowed in ((False, READ[role]), (True, EDIT.get(role, set()))):
            if status in allowed:
                fetched = services.get_activity_for(user, activity.pk, editable=editable)
                assert fetched == activity, (status, editable)
            else:
                with pytest.raises(Http404):
                    services.get_activity_for(user, activity.pk, editable=editable)
    with pytest.raises(Http404):  # no such activity: the same answer
        services.get_activity_for(user, max(a.pk for a in activities.values()) + 1)


def test_reviewer_returns_with_reason_and_staff_sees_it(client, staff, reviewer, activities):
    activity = activities["submitted"]
    client.force_login(reviewer)
    url = reverse("activities:return", args=[activity.pk])
    response = client.post(url, {"version": activity.version, "reason": ""}, follow=True)
    assert "Hãy nêu lý do" in response.content.decode()
    client.post(url, {"version": activity.version, "reason": "Bổ sung danh sách đoàn"})
    client.force_login(staff)
    html = client.get(activity.get_absolute_url()).content.decode()
    assert "Bổ sung danh sách đoàn" in html
    assert "Bị trả lại" in html


# (role, status) -> the moves the activity page offers, read from the status table
OFFERED = {
    ("staff", "draft"): {"submit"},
    ("staff", "returned"): {"submit"},
    ("staff", "submitted"): set(),
    ("staff", "accepted"): set(),
    ("co_organiser", "draft"): set(),
    ("reviewer", "submitted"): {"accept", "return"},
    ("reviewer", "accepted"): {"reopen"},
    ("leader", "accepted"): set(),
    ("admin", "draft"): {"submit"},
    ("admin", "submitted"): {"accept", "return"},
    ("admin", "accepted"): {"reopen"},
}


@pytest.mark.parametrize(("role", "status"), list(OFFERED))
def test_the_page_offers_exactly_the_moves_of_the_table(
    request, client, cast, activities, role, status
):
    activity, user = activities.get(status), cast.get(role)
    if role == "co_organiser":  # SYT's staff, on a draft of SLDTBXH that SYT co-organises
        activity = request.getfixturevalue("draft_with_file")
        user = request.getfixturevalue("syt_staff")
    client.force_login(user)
    html = client.get(activity.get_absolute_url()).content.decode()
    offered = set(re.findall(r'data-testid="action-([a-z]+)"', html))
    assert offered == OFFERED[role, status]
    for name in offered:
        assert f'action="{reverse(f"activities:{name}", args=[activity.pk])}"' in html
    # A move that needs a reason has its own labelled box.
    for name in offered & {"return", "reopen"}:
        assert f'<label class="form-label" for="id_reason_{name}">' in html
    # The reason of a return shows only while the activity waits for its agency.
    assert ('data-testid="return-reason"' in html) == (status == "returned")


def test_the_page_offers_the_edit_exactly_to_those_the_edit_page_lets_in(client, cast, activities):
    for role, user in cast.items():
        client.force_login(user)
        for status, activity in activities.items():
            page = client.get(activity.get_absolute_url())
            if page.status_code == 404:
                continue
            edit = reverse("activities:edit", args=[activity.pk])
            offered = f'href="{edit}"' in page.content.decode()
            assert offered == (client.get(edit).status_code == 200), (role, status)
            assert offered == Activity.objects.editable_by(user).filter(pk=activity.pk).exists()


@pytest.mark.parametrize(
    "role",
    [
        "staff",
        "admin",
    ],
)
def test_nobody_is_offered_to_edit_or_submit_for_an_agency_that_no_longer_works(
    client, cast, activities, role
):
    Agency.objects.filter(code="SLDTBXH").update(closed_on=timezone.localdate())
    draft = activities["draft"]
    client.force_login(cast[role])
    html = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="action-submit"' not in html
    assert reverse("activities:edit", args=[draft.pk]) not in html
    with pytest.raises(services.ActivityError):
        services.submit_activity(actor=cast[role], activity=draft, version=draft.version)


def test_the_return_reason_goes_once_the_activity_is_resubmitted(client, staff, activities):
    activity = activities["returned"]
    services.submit_activity(actor=staff, activity=activity, version=activity.version)
    client.force_login(staff)
    html = client.get(activity.get_absolute_url()).content.decode()
    assert 'data-testid="return-reason"' not in html
    assert "text-bg-primary" in html  # the submitted badge


def test_staff_cannot_accept_by_forging_a_post(client, staff, activities):
    activity = activities["submitted"]
    client.force_login(staff)
    response = client.post(
        reverse("activities:accept", args=[activity.pk]), {"version": activity.version}, follow=True
    )
    assert "không được thẩm định" in response.content.decode()
    activity.refresh_from_db()
    assert activity.status == "submitted"


def test_history_shows_who_did_what(client, staff, reviewer, activities):
    client.force_login(staff)
    html = client.get(activities["returned"].get_absolute_url()).content.decode()
    assert "Tạo mới" in html and "Đã gửi" in html and "Thiếu" in html
    assert WORLD_REVIEWER in html  # the reviewer who returned it


def test_removing_a_file_asks_first(client, staff, activities):
    activity = activities["draft"]
    attachment = activity.attachments.get()
    client.force_login(staff)
    url = reverse("activities:attachment-delete", args=[activity.pk, attachment.pk])
    assert "Không thể hoàn tác" in client.get(url).content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    client.post(url)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
