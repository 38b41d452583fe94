"""The notifications page and the profile's e-mail choices: each user reads and changes only
their own; a bad choice saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities import services as activity_services
from notifications.context_processors import unread_counts
from notifications.models import EmailChoice, EmailPreference, Kind, Notification
from notifications.services import Event, notify
from tests.factories import make_activity, make_user

pytestmark = pytest.mark.django_db


def tell(user, key: str, kind: Kind = Kind.ACTIVITY_RETURNED, title: str = "Đón đoàn") -> None:
    notify([user], Event(kind=kind, key=key, title=title, url="/activities/"))


def test_the_list_shows_only_the_users_own_notifications(client, staff, manager):
    tell(staff, "mine", title="Của tôi")
    tell(manager, "theirs", title="Của người khác")
    client.force_login(staff)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Của tôi" in page and "Của người khác" not in page
    assert "Hoạt động bị trả lại" in page  # the kind, in Vietnamese


def test_another_users_notification_is_not_found_and_stays_unread(client, staff, manager):
    tell(manager, "theirs")
    theirs = Notification.objects.get()
    client.force_login(staff)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, staff):
    tell(staff, "mine")
    mine = Notification.objects.get()
    client.force_login(staff)
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/activities/"
    mine.refresh_from_db()
    first = mine.read_at
    assert first is not None
    client.get(reverse("notifications:open", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.read_at == first  # the first reading is kept


def test_mark_all_read_and_the_unread_filter(client, staff):
    tell(staff, "a", title="Thông báo A")
    tell(staff, "b", title="Thông báo B")
    client.force_login(staff)
    first = Notification.objects.get(event="a")
    client.post(reverse("notifications:read", args=[first.pk]), {"next": "/notifications/"})
    unread = client.get(reverse("notifications:list"), {"unread": "1"}).content.decode()
    assert "Thông báo B" in unread and "Thông báo A" not in unread
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "Đã đánh dấu tất cả thông báo là đã đọc." in response.content.decode()
    assert not Notification.objects.unread().exists()


def test_mark_read_does_not_follow_a_next_to_another_site(client, staff):
    tell(staff, "a")
    client.force_login(staff)
    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")


def test_the_list_filters_by_kind(client, staff):
    tell(staff, "a", title="Bị trả lại")
    tell(staff, "b", kind=Kind.REPORT_ISSUED, title="Đã ban hành")
    client.force_login(staff)
    page = client.get(reverse("notifications:list"), {"kind": "report_issued"}).content.decode()
    assert "Đã ban hành" in page and "Bị trả lại" not in page
    # An unknown kind is ignored, not an error.
    assert client.get(reverse("notifications:list"), {"kind": "x"}).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_takes_the_same_queries_whatever_the_number(
    client, staff, count, django_assert_num_queries
):
    for i in range(count):
        tell(staff, f"e{i}", title=f"Thông báo {i}")
    client.force_login(staff)
    client.get(reverse("notifications:list"))  # the session is read once
    # The session, the user, the navigation's memberships, the plan in force (footer), the
    # unread notifications and messages (one query), the page's count and its rows.
    with django_assert_num_queries(7):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200


def test_the_profile_saves_the_email_choices(client, staff):
    client.force_login(staff)
    page = client.get(reverse("profile")).content.decode()
    assert "Nhận thư điện tử về việc gì, vào lúc nào" in page
    form = {
        "first_name": "Lan",
        "last_name": "Nguyễn",
        "email": "lan@sld.gov.vn",
        Kind.ACTIVITY_RETURNED: EmailChoice.DIGEST,
        Kind.REPORT_ISSUED: EmailChoice.NEVER,
    }
    assert client.post(reverse("profile"), form).status_code == 302
    chosen = dict(EmailPreference.objects.filter(user=staff).values_list("kind", "choice"))
    assert chosen == {Kind.ACTIVITY_RETURNED: "digest", Kind.REPORT_ISSUED: "never"}


def test_a_bad_choice_or_address_saves_nothing(client, staff):
    client.force_login(staff)
    before = (staff.first_name, staff.email)
    bad_choice = {
        "first_name": "Mới",
        "last_name": "Tên",
        "email": "lan@sld.gov.vn",
        Kind.ACTIVITY_RETURNED: "sometimes",
    }
    response = client.post(reverse("profile"), bad_choice)
    assert response.status_code == 200
    assert (
        "Hãy chọn cách nhận: gửi ngay, gộp vào thư tóm tắt hằng ngày, hoặc không gửi thư."
        in response.content.decode()
    )
    bad_address = {**bad_choice, Kind.ACTIVITY_RETURNED: "digest", "email": "không-phải-thư"}
    assert client.post(reverse("profile"), bad_address).status_code == 200
    staff.refresh_from_db()
    assert (staff.first_name, staff.email) == before
    assert not EmailPreference.objects.filter(user=staff).exists()


def test_an_account_of_no_agency_has_its_notifications_page_too(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Anh/chị chưa có thông báo nào" in page


def test_the_unread_count_is_the_users_own(client, staff, manager):
    make_user("khac", "SLDTBXH", "staff")
    tell(staff, "a")
    tell(staff, "b")
    tell(manager, "c")
    client.force_login(staff)
    response = client.get(reverse("notifications:list"))
    assert response.context["unread_notifications"] == 2


def test_the_navigations_two_counts_cost_one_query(staff, django_assert_num_queries):
    tell(staff, "a")
    with django_assert_num_queries(1):
        counts = unread_counts(staff)
    assert counts == {"notifications": 1, "messages": 0}


def test_opening_what_a_notification_announces_marks_it_read(client, staff, manager, reviewer):
    activity = make_activity(staff, status="submitted")
    returned = activity_services.return_activity(
        actor=reviewer, activity=activity, version=activity.version, reason="Thiếu biên bản"
    )
    mine = Notification.objects.get(recipient=staff)
    other = make_activity(staff, title="Hoạt động khác")
    client.force_login(staff)
    client.get(reverse("activities:detail", args=[other.pk]))  # another page: still unread
    mine.refresh_from_db()
    assert mine.read_at is None
    client.get(returned.get_absolute_url())  # e.g. from the e-mail's link
    mine.refresh_from_db()
    assert mine.read_at is not None
