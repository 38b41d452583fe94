"""The workflow and rules of activities, through the services that every entry point uses."""

from __future__ import annotations

import threading
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from activities import services
from activities.models import Activity, Partner
from activities.services import ActivityConflict, ActivityError, NewPartner
from agencies.models import Agency, Duty
from tests.factories import activity_data, make_activity, make_user
from tests.support import postgres_only

pytestmark = pytest.mark.django_db


def test_staff_creates_a_draft_and_the_history_says_who(staff):
    activity = make_activity(staff)
    assert activity.status == Activity.Status.DRAFT
    assert list(activity.countries.values_list("country", flat=True)) == ["JP"]
    record = activity.history.get()
    assert record.history_user == staff
    assert record.history_change_reason == "Tạo mới"


def test_staff_cannot_log_for_another_agency(staff):
    with pytest.raises(ActivityError, match="không được cập nhật hoạt động cho"):
        services.create_activity(actor=staff, data=activity_data(agency="SYT"))
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_date": date(2020, 3, 5), "end_date": date(2020, 3, 4)},
            "end_date",
            "Ngày kết thúc không được trước ngày bắt đầu.",
        ),
        (
            {
                "kind": "aid",
                "aid": {
                    "committed_amount": Decimal(-5),
                    "currency": "USD",
                    "committed_vnd": Decimal(1),
                },
            },
            "committed_amount",
            "Số tiền không được âm.",
        ),
        (
            {"kind": "aid", "aid": {"committed_amount": Decimal(5), "currency": "XYZ"}},
            "currency",
            "Loại tiền “XYZ” không hợp lệ.",
        ),
        (
            {"kind": "aid", "aid": {"committed_amount": Decimal(5)}},
            "currency",
            "Hãy chọn loại tiền",
        ),
        (
            {"kind": "aid", "aid": {"committed_amount": Decimal(5), "currency": "USD"}},
            "committed_vnd",
            "quy đổi ra VNĐ",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(staff, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        services.create_activity(actor=staff, data=activity_data(**overrides))
    assert message in " ".join(exc.value.message_dict[field])
    assert not Activity.objects.exists()


def test_a_duty_of_another_agency_is_refused(staff):
    with pytest.raises(ValidationError) as exc:
        services.create_activity(
            actor=staff, data=activity_data(duty=Duty.objects.get(ref="III.4.2"))
        )
    assert "không được giao cho" in exc.value.message_dict["duty"][0]
    # The agency's own duty (III.3.1, coordinating) and one naming it are accepted.
    activity = services.create_activity(
        actor=staff, data=activity_data(duty=Duty.objects.get(ref="III.3.1"))
    )
    assert activity.duty.ref == "III.3.1"


def test_aid_in_vnd_fills_the_vnd_equivalent(staff):
    activity = services.create_activity(
        actor=staff,
        data=activity_data(
            kind="aid",
            aid={"committed_amount": Decimal("1500000.00"), "currency": "VND", "sector": "social"},
        ),
    )
    assert activity.committed_vnd == Decimal(1500000)


def test_aid_fields_are_cleared_for_other_kinds(staff):
    activity = services.create_activity(
        actor=staff,
        data=activity_data(kind="meeting", aid={"committed_amount": Decimal(5), "currency": "USD"}),
    )
    assert activity.committed_amount is None and activity.currency == ""


def test_a_new_partner_is_created_once_and_can_be_the_donor(staff):
    new = NewPartner(name="Quỹ  Hòa Bình", kind="ngo", country="JP", is_donor=True)
    first = services.create_activity(
        actor=staff,
        data=activity_data(
            kind="aid", new_partner=new, aid={"committed_amount": Decimal(10), "currency": "VND"}
        ),
    )
    second = services.create_activity(actor=staff, data=activity_data(new_partner=new))
    partner = Partner.objects.get()
    assert partner.name == "Quỹ Hòa Bình"
    assert first.donor == partner
    assert list(second.partners.all()) == [partner]
    assert "quy hoa binh" in first.search_text


def test_full_workflow_submit_return_fix_resubmit_accept(staff, reviewer):
    activity = make_activity(staff)
    activity = services.submit_activity(actor=staff, activity=activity, version=activity.version)
    assert activity.status == "submitted" and activity.submitted_at
    with pytest.raises(ActivityError):
        services.update_activity(
            actor=staff,
            activity=activity,
            version=activity.version,
            data=activity_data(title="Sửa khi đã gửi"),
        )
    with pytest.raises(ActivityError, match="Hãy nêu lý do"):
        services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="   "
        )
    activity = services.return_activity(
        actor=reviewer, activity=activity, version=activity.version, reason="Thiếu biên bản"
    )
    assert (activity.status, activity.return_reason) == ("returned", "Thiếu biên bản")
    activity = services.update_activity(
        actor=staff,
        activity=activity,
        version=activity.version,
        data=activity_data(title="Đã bổ sung biên bản"),
    )
    activity = services.submit_activity(actor=staff, activity=activity, version=activity.version)
    activity = services.accept_activity(actor=reviewer, activity=activity, version=activity.version)
    assert activity.status == "accepted" and activity.reviewed_by == reviewer
    reasons = list(
        activity.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["Tạo mới", "Đã gửi", "Thiếu biên bản", "Chỉnh sửa", "Đã gửi", "Đã tiếp nhận"]


def test_an_accepted_activity_is_locked_and_only_a_reviewer_reopens_it(staff, reviewer):
    activity = make_activity(staff, status="accepted", reviewer=reviewer)
    with pytest.raises(ActivityError):
        services.update_activity(
            actor=staff, activity=activity, version=activity.version, data=activity_data(title="x")
        )
    with pytest.raises(ActivityError, match="Chỉ chuyên viên thẩm định"):
        services.reopen_activity(
            actor=staff, activity=activity, version=activity.version, reason="Sai ngày"
        )
    activity = services.reopen_activity(
        actor=reviewer, activity=activity, version=activity.version, reason="Sai ngày"
    )
    assert activity.status == "returned" and activity.is_editable


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_only_reviewers_accept_or_return(cast, staff, role):
    activity = make_activity(staff, status="submitted")
    with pytest.raises(ActivityError):
        services.accept_activity(actor=cast[role], activity=activity, version=activity.version)
    with pytest.raises(ActivityError):
        services.return_activity(
            actor=cast[role], activity=activity, version=activity.version, reason="x"
        )
    activity.refresh_from_db()
    assert activity.status == "submitted"


def test_a_stale_version_is_refused_never_silently_overwritten(staff, reviewer):
    activity = make_activity(staff, status="submitted")
    loaded_version = activity.version
    services.accept_activity(actor=reviewer, activity=activity, version=loaded_version)
    with pytest.raises(ActivityConflict, match="vừa được người khác thay đổi"):
        services.return_activity(
            actor=reviewer, activity=activity, version=loaded_version, reason="Thiếu"
        )
    activity.refresh_from_db()
    assert activity.status == "accepted"


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_at_once_one_wins_the_other_is_told(staff, reviewer):
    second = make_user("reviewer2", "SNGV", "reviewer")
    activity = make_activity(staff, status="submitted")
    version = activity.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, accept):
        try:
            barrier.wait()
            if accept:
                services.accept_activity(actor=user, activity=activity, version=version)
            else:
                services.return_activity(
                    actor=user, activity=activity, version=version, reason="Thiếu"
                )
            outcomes.append("ok")
        except ActivityConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(reviewer, True)),
        threading.Thread(target=act, args=(second, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    activity.refresh_from_db()
    assert activity.version == version + 1
    assert activity.history.count() == 3  # created, submitted, one decision


def test_review_many_skips_what_someone_else_handled(staff, reviewer):
    a = make_activity(staff, status="submitted")
    b = make_activity(staff, status="submitted", title="Hội nghị")
    services.accept_activity(actor=reviewer, activity=b, version=b.version)
    result = services.review_many(
        actor=reviewer, versions={a.pk: a.version, b.pk: b.version}, action="accept"
    )
    assert [x.pk for x in result.done] == [a.pk]
    assert [pk for pk, _why in result.skipped] == [b.pk]


def test_bulk_review_does_not_tell_what_a_draft_is(staff, reviewer):
    draft = make_activity(staff)
    result = services.review_many(
        actor=reviewer, versions={draft.pk: draft.version}, action="accept"
    )
    assert result.skipped == [(draft.pk, "không tìm thấy")]


def visible(user) -> set[str]:
    return set(Activity.objects.visible_to(user).values_list("title", flat=True))


def test_who_sees_what(cast, staff, reviewer, syt_staff):
    make_activity(staff, title="nháp SLDTBXH")
    make_activity(staff, status="submitted", title="đã gửi SLDTBXH")
    make_activity(staff, status="accepted", reviewer=reviewer, title="đã nhận SLDTBXH")
    make_activity(staff, status="returned", reviewer=reviewer, title="trả lại SLDTBXH")
    make_activity(
        syt_staff,
        agency="SYT",
        title="nháp SYT",
        co_organisers=[Agency.objects.get(code="SLDTBXH")],
    )
    make_activity(syt_staff, agency="SYT", title="nháp SYT riêng")
    assert visible(staff) == {
        "nháp SLDTBXH",
        "đã gửi SLDTBXH",
        "đã nhận SLDTBXH",
        "trả lại SLDTBXH",
        "nháp SYT",
    }
    assert visible(syt_staff) == {"nháp SYT", "nháp SYT riêng"}
    assert visible(cast["reviewer"]) == {"đã gửi SLDTBXH", "đã nhận SLDTBXH"}
    assert visible(cast["leader"]) == {"đã nhận SLDTBXH"}
    assert visible(cast["manager"]) == set()
    assert visible(cast["outsider"]) == set()
    assert len(visible(cast["admin"])) == 6


def test_co_organisers_read_but_do_not_edit(staff, syt_staff):
    activity = make_activity(
        syt_staff, agency="SYT", co_organisers=[Agency.objects.get(code="SLDTBXH")]
    )
    assert not Activity.objects.editable_by(staff).filter(pk=activity.pk).exists()
    with pytest.raises(ActivityError):
        services.update_activity(
            actor=staff,
            activity=activity,
            version=activity.version,
            data=activity_data(agency="SYT"),
        )


@pytest.mark.parametrize(
    "query",
    ["doan cong tac nhat ban", "ĐOÀN CÔNG TÁC", "vung tau", "lao dong nuoc ngoai", "nhật"],
)
def test_search_ignores_accents_and_case(staff, query):
    make_activity(staff)
    make_activity(staff, title="Hội nghị tổng kết", place="Bà Rịa", description="")
    assert [a.title for a in Activity.objects.search(query)] == ["Đoàn công tác Nhật Bản"]


def test_renaming_a_partner_refreshes_the_search(staff):
    partner = services.get_or_create_partner(name="Quỹ ABC", kind="ngo")
    make_activity(staff, partners=[partner])
    assert Activity.objects.search("quy abc").count() == 1
    partner.name = "Quỹ Hòa Bình"
    partner.save()
    assert Activity.objects.search("quy abc").count() == 0
    assert Activity.objects.search("hoa binh").count() == 1


@pytest.mark.postgres
def test_postgresql_has_a_trigram_index_for_the_search():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'activities_activity_search_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition


@pytest.mark.parametrize(
    "typed",
    [
        unicodedata.normalize("NFD", "Tổng lãnh sự quán Lào"),
        "Tổng lãnh sự quán\u202e Lào",
        "Tổng lãnh sự\tquán  Lào\x00",
    ],
)
def test_a_partner_typed_in_another_form_is_the_partner_already_known(typed):
    known = services.get_or_create_partner(
        name="Tổng lãnh sự quán Lào", kind=Partner.Kind.CONSULATE, country="LA"
    )
    assert (
        services.get_or_create_partner(name=typed, kind=Partner.Kind.CONSULATE, country="LA")
        == known
    )
    assert Partner.objects.count() == 1
