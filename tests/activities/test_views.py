"""Activity pages: who gets in and who gets a 404, forms, review, files and query counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from activities import services
from activities.forms import CHOOSE_MOVE, STALE_PAGE
from activities.models import Activity, Attachment
from activities.workflow import BULK_MOVES
from agencies.models import Agency, Duty
from tests.factories import PDF_BYTES, make_activity, pdf_upload

pytestmark = pytest.mark.django_db


def test_the_activity_pages_open_for_their_users(client, staff, reviewer):
    activity = make_activity(staff)
    client.force_login(staff)
    for url in [
        reverse("activities:list"),
        reverse("activities:mine"),
        reverse("activities:create"),
        activity.get_absolute_url(),
        reverse("activities:edit", args=[activity.pk]),
        reverse("activities:form-kind-fields") + "?kind=aid",
        reverse("activities:form-duties") + "?agency=1",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    client.force_login(reviewer)
    assert client.get(reverse("activities:review")).status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [("staff", 200), ("manager", 200), ("reviewer", 200), ("leader", 404), ("outsider", 404)],
)
def test_only_those_who_log_for_an_agency_get_the_new_activity_form(client, cast, role, expected):
    client.force_login(cast[role])
    assert client.get(reverse("activities:create")).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("reviewer", 200),
        ("admin", 200),
        ("staff", 404),
        ("manager", 404),
        ("leader", 404),
        ("outsider", 404),
    ],
)
def test_review_queue_is_for_reviewers_only(client, cast, role, expected):
    client.force_login(cast[role])
    assert client.get(reverse("activities:review")).status_code == expected


def form_data(**overrides) -> dict:
    values = {
        "agency": Agency.objects.get(code="SLDTBXH").pk,
        "kind": "aid",
        "title": "Vận động tài trợ xe lăn",
        "start_date": "02/03/2020",
        "end_date": "03/03/2020",
        "place": "Bà Rịa",
        "countries": ["KR"],
        "new_partner_name": "Korea Disability Foundation",
        "new_partner_kind": "ngo",
        "new_partner_country": "KR",
        "donor_is_new_partner": "on",
        "aid_type": "non_project",
        "sector": "social",
        "committed_amount": "25.000,50",
        "currency": "USD",
        "committed_vnd": "600.000.000",
        "duty": Duty.objects.get(ref="III.3.1").pk,
    }
    values.update(overrides)
    return values


def test_staff_creates_an_aid_activity_with_an_attachment(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("activities:create"), {**form_data(), "attachments": [pdf_upload("quyet-dinh.pdf")]}
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == activity.get_absolute_url()
    assert activity.committed_amount == 25000.5 and activity.committed_vnd == 600000000
    assert activity.donor.name == "Korea Disability Foundation"
    attachment = Attachment.objects.get()
    assert attachment.original_name == "quyet-dinh.pdf"
    assert "quyet-dinh" not in attachment.file.name  # stored under a random name
    download = client.get(attachment.get_absolute_url())
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "01/03/2020"}, "Ngày kết thúc không được trước ngày bắt đầu."),
        ({"start_date": "2020/03/02"}, "Nhập ngày theo dạng ngày/tháng/năm"),
        ({"committed_amount": "-5"}, "Số tiền không được âm."),
        ({"currency": "XYZ"}, "Hãy chọn một lựa chọn hợp lệ"),
        ({"duty": "PLACEHOLDER"}, "Hãy chọn một lựa chọn hợp lệ"),
        ({"agency": "PLACEHOLDER_AGENCY"}, "Hãy chọn một lựa chọn hợp lệ"),
    ],
)
def test_bad_input_shows_a_vietnamese_error_and_saves_nothing(client, staff, overrides, message):
    if overrides.get("duty") == "PLACEHOLDER":
        overrides["duty"] = Duty.objects.get(ref="III.4.2").pk  # a duty of SGDDT
    if overrides.get("agency") == "PLACEHOLDER_AGENCY":
        overrides["agency"] = Agency.objects.get(code="SYT").pk  # not the user's agency
    client.force_login(staff)
    response = client.post(reverse("activities:create"), form_data(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "dữ liệu chưa được lưu" in html
    assert not Activity.objects.exists()
    assert 'value="Vận động tài trợ xe lăn"' in html  # what the user typed is kept


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf_upload("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100), "không phải là tệp PDF"),
        (pdf_upload("bao-cao.pdf", b"%PDF-" + b"0" * (30 * 1024 * 1024)), "mỗi tệp tối đa 20"),
        (pdf_upload("rong.pdf", b""), None),
    ],
)
def test_disguised_or_oversize_files_are_refused(client, staff, upload, message):
    client.force_login(staff)
    response = client.post(reverse("activities:create"), {**form_data(), "attachments": [upload]})
    assert response.status_code == 200
    if message:
        assert message in response.content.decode()
    assert not Activity.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name", ["activities:form-kind-fields", "activities:form-duties"])
def test_form_parts_are_only_for_those_who_log(client, cast, name):
    client.force_login(cast["outsider"])
    assert client.get(reverse(name), {"kind": "aid", "agency": 1}).status_code == 404
    client.force_login(cast["leader"])
    assert client.get(reverse(name), {"kind": "aid", "agency": 1}).status_code == 404


def test_kind_fields_part_shows_aid_fields_only_for_aid(client, staff):
    client.force_login(staff)
    url = reverse("activities:form-kind-fields")
    assert "Nhà tài trợ" in client.get(url, {"kind": "aid"}).content.decode()
    assert "Nhà tài trợ" not in client.get(url, {"kind": "meeting"}).content.decode()


def test_duty_options_follow_the_agency(client, staff):
    client.force_login(staff)
    html = client.get(
        reverse("activities:form-duties"), {"agency": Agency.objects.get(code="SLDTBXH").pk}
    ).content.decode()
    assert "III.3.1" in html and "III.4.1" not in html
    html = client.get(
        reverse("activities:form-duties"), {"agency": Agency.objects.get(code="SYT").pk}
    ).content.decode()
    assert "III.5.1" not in html  # not the user's agency: no duties offered


def test_edit_with_a_stale_version_tells_the_user(client, staff, draft_with_file):
    activity = draft_with_file
    client.force_login(staff)
    response = client.post(
        reverse("activities:edit", args=[activity.pk]),
        {**form_data(kind="meeting"), "version": activity.version - 1 or 99},
    )
    assert "vừa được người khác thay đổi" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "Đoàn công tác Nhật Bản"


def test_bulk_review_from_the_queue(client, staff, reviewer):
    a = make_activity(staff, status="submitted", title="A")
    b = make_activity(staff, status="submitted", title="B")
    client.force_login(reviewer)
    response = client.post(
        reverse("activities:review"),
        {
            "versions": [f"{a.pk}:{a.version}", f"{b.pk}:{b.version}"],
            "action": "return",
            "reason": "",
        },
        follow=True,
    )
    assert "Hãy nêu lý do" in response.content.decode()
    assert Activity.objects.filter(status="submitted").count() == 2
    response = client.post(
        reverse("activities:review"),
        {"versions": [f"{a.pk}:{a.version}", f"{b.pk}:{b.version}"], "action": "accept"},
        follow=True,
    )
    assert "Đã tiếp nhận 2 hoạt động." in response.content.decode()
    assert Activity.objects.filter(status="accepted").count() == 2


def test_the_review_queue_offers_the_bulk_moves_of_the_table(client, staff, reviewer):
    a = make_activity(staff, status="submitted", title="A")
    b = make_activity(staff, status="submitted", title="B")
    client.force_login(reviewer)
    html = client.get(reverse("activities:review")).content.decode()
    buttons = re.findall(r'<button class="btn btn-(\w+)" name="action" value="(\w+)"', html)
    assert buttons == [(move.style, move.name) for move in BULK_MOVES]
    for move in BULK_MOVES:
        assert f'data-testid="bulk-{move.name}">{move.bulk.label}</button>' in html
    # What the queue says once the moves are made is the row's too.
    response = client.post(
        reverse("activities:review"),
        {"versions": [f"{a.pk}:{a.version}", f"{b.pk}:{b.version}"], "action": "return"}
        | {"reason": "Thiếu danh sách đoàn"},
        follow=True,
    )
    assert "Đã trả lại 2 hoạt động." in response.content.decode()
    assert Activity.objects.filter(status="returned").count() == 2


@pytest.mark.parametrize("action", [None, "", "submit", "reopen", "xoa"])
def test_a_bulk_post_without_a_bulk_move_says_to_choose_one(client, staff, reviewer, action):
    a = make_activity(staff, status="submitted")
    client.force_login(reviewer)
    data = {"versions": [f"{a.pk}:{a.version}"]}
    if action is not None:
        data["action"] = action
    response = client.post(reverse("activities:review"), data, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert said == [str(CHOOSE_MOVE)]
    html = response.content.decode()
    assert "Trường này là bắt buộc" not in html and "Hãy chọn một lựa chọn hợp lệ" not in html
    a.refresh_from_db()
    assert a.status == "submitted"


@pytest.mark.parametrize("version", [None, "", "abc", "0", "-3"])
def test_an_edit_without_a_readable_version_says_to_reload(client, staff, draft_with_file, version):
    draft = draft_with_file
    data = form_data(kind="meeting", title="Đổi tên")
    if version is not None:
        data["version"] = version
    client.force_login(staff)
    response = client.post(reverse("activities:edit", args=[draft.pk]), data)
    assert response.status_code == 200
    alert = re.search(r'data-testid="form-errors">(.*?)</div>\n', response.content.decode())
    assert alert and str(STALE_PAGE) in alert.group(1)
    draft.refresh_from_db()
    assert draft.title == "Đoàn công tác Nhật Bản"


def actions(activity: Activity) -> list[tuple[str, dict]]:
    attachment = activity.attachments.get()
    version = {"version": activity.version}
    return [
        (reverse("activities:submit", args=[activity.pk]), version),
        (reverse("activities:accept", args=[activity.pk]), version),
        (reverse("activities:return", args=[activity.pk]), {**version, "reason": "x"}),
        (reverse("activities:reopen", args=[activity.pk]), {**version, "reason": "x"}),
        (
            reverse("activities:edit", args=[activity.pk]),
            {**form_data(kind="meeting", title="Đổi tên"), **version},
        ),
        (reverse("activities:attachment-delete", args=[activity.pk, attachment.pk]), {}),
    ]


@pytest.mark.parametrize("role", ["manager", "reviewer", "leader", "outsider", "co_organiser"])
def test_nobody_else_changes_a_draft_by_posting(client, cast, syt_staff, draft_with_file, role):
    draft = draft_with_file
    user = syt_staff if role == "co_organiser" else cast[role]
    client.force_login(user)
    for url, data in actions(draft):
        response = client.post(url, data)
        assert response.status_code in (302, 404), url
    draft.refresh_from_db()
    assert (draft.status, draft.title) == ("draft", "Đoàn công tác Nhật Bản")
    assert draft.attachments.count() == 1
    # The co-organiser reads it, but is offered no edit.
    if role == "co_organiser":
        html = client.get(draft.get_absolute_url()).content.decode()
        assert reverse("activities:edit", args=[draft.pk]) not in html


def test_editing_with_a_forged_agency_is_refused(client, staff, draft_with_file):
    draft = draft_with_file
    client.force_login(staff)
    response = client.post(
        reverse("activities:edit", args=[draft.pk]),
        {**form_data(agency=Agency.objects.get(code="SYT").pk), "version": draft.version},
    )
    assert response.status_code == 200
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    draft.refresh_from_db()
    assert draft.agency.code == "SLDTBXH"


def bulk(staff, count: int) -> None:
    for i in range(count):
        make_activity(staff, title=f"Hoạt động {i}", countries=["JP", "KR"])


@pytest.mark.parametrize("url_name", ["activities:list", "activities:mine"])
def test_list_query_count_does_not_grow_with_rows(
    client, staff, url_name, django_assert_num_queries
):
    bulk(staff, 3)
    client.force_login(staff)
    url = reverse(url_name)
    client.get(url)
    # session, user, the user's agency rights, count, the navigation's memberships, the unread
    # count, the filter's agency and duty choices, the page of rows (agency and duty joined),
    # their countries, the names agencies bore
    with django_assert_num_queries(12):
        client.get(url, {"q": "hoat dong"})
    bulk(staff, 30)
    with django_assert_num_queries(12):
        response = client.get(url, {"q": "hoat dong"})
    assert response.context["page"].paginator.count == 33
    assert len(response.context["page"].object_list) == 25


def test_detail_and_queue_query_counts_do_not_grow(
    client, staff, syt_staff, reviewer, django_assert_num_queries
):
    activity = make_activity(staff, status="submitted", countries=["JP", "KR", "TH"])
    bulk(staff, 5)
    client.force_login(reviewer)
    client.get(activity.get_absolute_url())
    # session, user, the user's agency rights, activity, history with its users, the
    # navigation's memberships, the unread count, countries, partners, co-organisers,
    # attachments, the user's notifications about the page marked read
    with django_assert_num_queries(14):
        client.get(activity.get_absolute_url())
    for _round in range(3):  # more history, more countries
        activity = services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="Bổ sung"
        )
        activity = services.submit_activity(
            actor=staff, activity=activity, version=activity.version
        )
    activity.countries.create(country="US")
    with django_assert_num_queries(14):
        response = client.get(activity.get_absolute_url())
    assert len(response.context["history"]) == 8
    # session, user, the user's agency rights, per-agency counts, count, page rows, their
    # countries, the navigation's memberships, the unread count
    with django_assert_num_queries(11):
        before = client.get(reverse("activities:review"))
    # More rows in the queue, from a second agency too (drafts never enter it).
    for i in range(5):
        make_activity(staff, status="submitted", title=f"Chờ {i}", countries=["JP", "KR"])
        make_activity(syt_staff, agency="SYT", status="submitted", title=f"Chờ {i}")
    with django_assert_num_queries(11):
        after = client.get(reverse("activities:review"))
    assert len(after.context["page"].object_list) == len(before.context["page"].object_list) + 10
    assert [a.waiting for a in after.context["per_agency"]] == [6, 5]


def test_a_very_long_list_is_counted_only_up_to_the_cap(client, staff, monkeypatch):
    from doingoai.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 5)
    bulk(staff, 7)
    client.force_login(staff)
    response = client.get(reverse("activities:mine"))
    assert "Hơn 5 hoạt động: hãy lọc để thu hẹp danh sách." in response.content.decode()
    bulk_response = client.get(reverse("activities:mine"), {"q": "hoat dong 1"})
    assert "1 hoạt động" in bulk_response.content.decode()


@pytest.mark.parametrize(
    ("committed", "disbursed", "shown"),
    [
        ("1,23", "0,13", ["1,23 USD", "0,13 USD"]),
        ("1.234,57", "25.000", ["1.234,57 USD", "25.000 USD"]),
        ("25.000,50", "0,10", ["25.000,50 USD", "0,10 USD"]),
    ],
)
def test_the_activity_page_shows_amounts_to_the_cent(client, staff, committed, disbursed, shown):
    client.force_login(staff)
    client.post(
        reverse("activities:create"),
        form_data(committed_amount=committed, disbursed_amount=disbursed),
    )
    html = client.get(Activity.objects.get().get_absolute_url()).content.decode()
    for text in shown:
        assert text in html
