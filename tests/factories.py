"""The tests' data, built through the portal's services as its users build it: the cast, an
activity in any status, an agency report in any status, a consolidated version, a message
with its recipients, a difficulty, an answer.

Plain functions: the first argument is who acts (or what is acted on), everything else is a
keyword with a Vietnamese default that makes a sensible record. A service's refusal is not
caught: a factory asked for something the rules forbid fails the test that asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone

from activities import services as activity_services
from activities.exchange import services as exchange_services
from activities.exchange.models import Message
from activities.models import Activity
from activities.services import ActivityData, get_or_create_partner
from agencies.models import Agency, Duty, User
from agencies.services import create_account
from reports import agency_reports, consolidation, pdf
from reports.models import AgencyReport, ConsolidatedReport, ReportingPeriod
from reports.periods import ensure_periods, parse_code
from tests.support import DISTRICTS, FakeRenderer

PASSWORD = "Pw-for-tests-1"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESULTS = "Tổ chức 2 đoàn công tác, tiếp 1 đoàn Nhật Bản."
_WEASYPRINT = pdf.render_pdf  # what make_consolidated_report replaces unless told otherwise

# ---------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Member:
    """One of the fixed cast: an account and its one role in one agency."""

    username: str
    agency: str | None
    role: str | None
    full_name: str = ""
    superuser: bool = False


# The fixed cast (STYLE rule 10), by the name tests call them: tests/conftest.py's fixtures
# and the permission matrix's world are made from this one table.
CAST: dict[str, Member] = {
    # a staff member of a department (Sở Lao động - Thương binh và Xã hội)
    "staff": Member("staff", "SLDTBXH", "staff", "Nguyễn Thị Lan"),
    # a manager of a district People's Committee (TP Vũng Tàu)
    "manager": Member("manager", "VUNGTAU", "manager", "Trần Văn Minh"),
    # a reviewer of Sở Ngoại vụ, the focal point
    "reviewer": Member("reviewer", "SNGV", "reviewer", "Lê Hoàng Nam"),
    # provincial leadership (UBND tỉnh): reads, never writes
    "leader": Member("leader", "UBNDTINH", "leader", "Phạm Quốc Hùng"),
    # a signed-in account that belongs to no agency
    "outsider": Member("outsider", None, None),
    # a superuser who belongs to no agency
    "admin": Member("quantri", None, None, superuser=True),
}


def make_user(
    username: str,
    agency: str | None = None,
    role: str | None = None,
    *,
    password: str = PASSWORD,
    **fields,
) -> User:
    """An account with `role` in the agency of code `agency`, made by the accounts service
    (`fields`: full_name, email, superuser). Raises AccountError as the service does."""
    return create_account(
        actor=None,
        username=username,
        agency_code=agency,
        role=role,
        password=password,
        **fields,
    ).user


def make_member(name: str) -> User:
    """The member of the cast called `name` ("staff", "manager", "reviewer", "leader",
    "outsider", "admin"), as CAST describes them."""
    member = CAST[name]
    if member.agency is None and not member.superuser:
        # No service makes an account of no agency (the accounts service refuses one): this
        # is the one account made directly.
        return User.objects.create_user(member.username, password=PASSWORD)
    return make_user(
        member.username,
        member.agency,
        member.role,
        full_name=member.full_name,
        superuser=member.superuser,
    )


def agencies(*codes: str) -> list[Agency]:
    """The agencies of these codes, in the directory's order."""
    return list(Agency.objects.filter(code__in=codes))


def _agency(agency: Agency | str) -> Agency:
    return agency if isinstance(agency, Agency) else Agency.objects.get(code=agency)


# ---------------------------------------------------------------------------- files


def pdf_upload(name: str = "bien-ban.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    """A file as a browser uploads it: a small PDF unless `content` says otherwise."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _uploads(files: Iterable[str | UploadedFile]) -> list[UploadedFile]:
    return [pdf_upload(f) if isinstance(f, str) else f for f in files]


# ---------------------------------------------------------------------------- activities


def activity_data(*, agency: Agency | str = "SLDTBXH", **fields) -> ActivityData:
    """What a user enters about an activity: an inbound delegation from Japan to Vũng Tàu,
    2 to 3/3/2020, unless `fields` (any ActivityData field) say otherwise. Co-organisers
    may be given by code."""
    co_organisers = [_agency(a) for a in fields.pop("co_organisers", ())]
    values = dict(
        agency=_agency(agency),
        kind="inbound",
        title="Đoàn công tác Nhật Bản",
        start_date=date(2020, 3, 2),
        end_date=date(2020, 3, 3),
        place="Vũng Tàu",
        description="Làm việc về lao động nước ngoài",
        countries=["JP"],
        co_organisers=co_organisers,
    )
    return ActivityData(**(values | fields))


def activity_form(*, agency: str = "SLDTBXH", **fields) -> dict:
    """The POST of the new-activity form as a browser sends it: an inbound delegation to
    `agency` on 2 to 3/3/2020, unless `fields` (form field names) say otherwise."""
    return {
        "agency": Agency.objects.get(code=agency).pk,
        "kind": "inbound",
        "title": "Đón đoàn",
        "start_date": "02/03/2020",
        "end_date": "03/03/2020",
        **fields,
    }


def make_activity(
    actor: User,
    *,
    agency: Agency | str = "SLDTBXH",
    status: str = "draft",
    reviewer: User | None = None,
    reason: str = "Thiếu biên bản",
    attachments: Sequence[str | UploadedFile] = (),
    **fields,
) -> Activity:
    """An activity of `agency` recorded by `actor` and brought to `status` (draft,
    submitted, accepted, returned) through the services, as users do: `actor` submits it,
    `reviewer` accepts it or returns it for `reason`. `attachments` (file names or uploads)
    are added while it is a draft; `fields` are activity_data's (co_organisers, countries,
    aid, partners, title, dates…)."""
    if status in {"accepted", "returned"} and reviewer is None:
        raise ValueError(f"an activity {status} needs the reviewer who decided")
    activity = activity_services.create_activity(
        actor=actor, data=activity_data(agency=agency, **fields)
    )
    for upload in _uploads(attachments):
        activity_services.add_attachment(actor=actor, activity=activity, upload=upload)
    if attachments:
        activity.refresh_from_db()  # each file moved its version on
    if status in {"submitted", "accepted", "returned"}:
        activity = activity_services.submit_activity(
            actor=actor, activity=activity, version=activity.version
        )
    if status == "accepted":
        activity = activity_services.accept_activity(
            actor=reviewer, activity=activity, version=activity.version
        )
    if status == "returned":
        activity = activity_services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason=reason
        )
    return activity


# ---------------------------------------------------------------------------- periods and reports


def make_periods(*years: int) -> dict[str, ReportingPeriod]:
    """The reporting periods of `years` (each with every reporting agency's draft), and any
    made before, by code ("2020-H1", "2020")."""
    ensure_periods(list(years))
    return {p.code: p for p in ReportingPeriod.objects.all()}


def period_of(code: str) -> ReportingPeriod:
    """The period of `code` ("2020-H1", "2020"), made with its year's periods if missing."""
    kind, year = parse_code(code)
    period = ReportingPeriod.objects.filter(kind=kind, year=year).first()
    if period is None:
        ensure_periods([year])
        period = ReportingPeriod.objects.get(kind=kind, year=year)
    return period


def agency_report(period: ReportingPeriod | str, agency: Agency | str) -> AgencyReport:
    """The report of `agency` for `period` (a period or its code), as the periods made it."""
    if isinstance(period, str):
        period = period_of(period)
    return period.agency_reports.get(agency=_agency(agency))


def write_agency_report(
    actor: User,
    report: AgencyReport,
    *,
    results: str = RESULTS,
    difficulties: str = "",
    proposals: str = "",
    version: int | None = None,
) -> AgencyReport:
    """What the agency writes in its report, saved by `actor` at `version` (the report's
    own unless given). Raises ReportError, ReportConflict as the service does."""
    return agency_reports.save_agency_report(
        actor=actor,
        report=report,
        version=report.version if version is None else version,
        results=results,
        difficulties=difficulties,
        proposals=proposals,
    )


def make_agency_report(
    period: ReportingPeriod | str = "2020-H1",
    agency: Agency | str = "SLDTBXH",
    *,
    status: str = "draft",
    writer: User | None = None,
    sender: User | None = None,
    reviewer: User | None = None,
    reason: str = "Thiếu số liệu",
    results: str = RESULTS,
    difficulties: str = "",
    proposals: str = "",
) -> AgencyReport:
    """The report of `agency` for `period` brought to `status` (draft, submitted, accepted,
    returned) through the services: written by `writer` (by `sender` if no writer; a draft
    with neither is left empty), sent by `sender` (a manager of the agency), accepted or
    returned for `reason` by `reviewer`."""
    if status != "draft" and sender is None:
        raise ValueError(f"a report {status} needs the manager who sent it")
    if status in {"accepted", "returned"} and reviewer is None:
        raise ValueError(f"a report {status} needs the reviewer who decided")
    report = agency_report(period, agency)
    writer = writer or sender
    if writer is not None:
        report = write_agency_report(
            writer, report, results=results, difficulties=difficulties, proposals=proposals
        )
    if status == "draft":
        return report
    report = agency_reports.submit_agency_report(
        actor=sender, report=report, version=report.version
    )
    if status == "accepted":
        report = agency_reports.accept_agency_report(
            actor=reviewer, report=report, version=report.version
        )
    if status == "returned":
        report = agency_reports.return_agency_report(
            actor=reviewer, report=report, version=report.version, reason=reason
        )
    return report


def make_consolidated_report(
    period: ReportingPeriod | str = "2020-H1",
    *,
    actor: User,
    status: str = "ready",
    error: str = "Máy chủ dừng.",
    real_pdf: bool = False,
) -> ConsolidatedReport:
    """A version of the province's report for `period`, started by `actor` (a reviewer) and
    brought to `status`: queued, failed (for `error`), ready (drafted here, not by a
    worker), issued (numbered). Unless `real_pdf`, its PDFs come from the fake renderer
    whenever WeasyPrint itself is in place (a test's own fake renderer is left alone)."""
    if isinstance(period, str):
        period = period_of(period)
    version = consolidation.start_drafting(actor=actor, period=period, enqueue=False)
    if status == "failed":
        consolidation.mark_failed(version.pk, error)
    if status in {"queued", "failed"}:
        version.refresh_from_db()
        return version
    fake = not real_pdf and pdf.render_pdf is _WEASYPRINT
    with mock.patch.object(pdf, "render_pdf", FakeRenderer()) if fake else nullcontext():
        version = consolidation.build_version(version.pk, version.task_id)
        if status == "issued":
            version = consolidation.issue_report(actor=actor, report=version)
    version.refresh_from_db()
    return version


# ---------------------------------------------------------------------------- messages


def message_form(*, sender: str = "SNGV", to: Sequence[str] = ("VUNGTAU",), **fields) -> dict:
    """The POST of the new-message form: information from `sender` to the agencies `to`,
    unless `fields` (form field names) say otherwise."""
    return {
        "sender_agency": Agency.objects.get(code=sender).pk,
        "kind": "information",
        "recipients": [a.pk for a in Agency.objects.filter(code__in=to)],
        "subject": "Thông báo",
        "body": "Nội dung",
        **fields,
    }


def send_message(
    actor: User,
    *,
    sender: Agency | str = "SNGV",
    to: Sequence[Agency | str] = ("VUNGTAU",),
    kind: str = "information",
    subject: str = "Thông báo",
    body: str = "Nội dung.",
    due_date: date | None = None,
    attachments: Sequence[str | UploadedFile] = (),
    activity: Activity | None = None,
) -> Message:
    """A message `actor` sends for `sender` to the agencies `to` (codes or agencies), with
    PDF `attachments` (file names or uploads). Raises MessageError as the service does."""
    return exchange_services.send_message(
        actor=actor,
        sender_agency=_agency(sender),
        recipients=[_agency(a) for a in to],
        kind=kind,
        subject=subject,
        body=body,
        due_date=due_date,
        activity=activity,
        attachments=_uploads(attachments),
    )


def send_request(
    actor: User,
    *,
    sender: Agency | str = "SNGV",
    to: Sequence[Agency | str] = DISTRICTS,
    subject: str = "Báo cáo hoạt động đón đoàn 6 tháng",
    body: str = "Đề nghị các địa phương báo cáo.",
    due_date: date | None = None,
    **options,
) -> Message:
    """A request for information, by default Sở Ngoại vụ's to the eight districts, to be
    answered within a week (`due_date`); `options` as send_message's."""
    return send_message(
        actor,
        sender=sender,
        to=to,
        kind="request",
        subject=subject,
        body=body,
        due_date=due_date or timezone.localdate() + timedelta(days=7),
        **options,
    )


def report_difficulty(
    actor: User,
    *,
    sender: Agency | str = "SLDTBXH",
    to: Sequence[Agency | str] = (),
    subject: str = "Vướng mắc thủ tục",
    body: str = "Chưa rõ quy trình tiếp nhận.",
    **options,
) -> Message:
    """A report of a difficulty, by default Sở Lao động's; it always reaches Sở Ngoại vụ."""
    return send_message(
        actor, sender=sender, to=to, kind="difficulty", subject=subject, body=body, **options
    )


def reply(
    actor: User,
    message: Message,
    *,
    agency: Agency | str = "VUNGTAU",
    body: str = "Đã đón 3 đoàn.",
    attachments: Sequence[str | UploadedFile] = (),
) -> Message:
    """The answer `actor` sends to `message` for the recipient `agency`. Raises MessageError
    as the service does."""
    return exchange_services.reply_to_message(
        actor=actor,
        message=message,
        agency=_agency(agency),
        body=body,
        attachments=_uploads(attachments),
    )


# ---------------------------------------------------------------------------- a report's data set

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
H1_START, H1_END = date(2019, 12, 15), date(2020, 6, 14)  # Decree 09/2019: 15/12 to 14/6


def _dated_message(manager: User, kind: str, subject: str, when: datetime) -> Message:
    """A message of Vũng Tàu to Sở Ngoại vụ, dated `when` (the service dates it now)."""
    sent = send_message(
        manager,
        sender="VUNGTAU",
        to=["SNGV"],
        kind=kind,
        subject=subject,
        body="Chậm cấp phép cho đoàn vào.",
    )
    Message.objects.filter(pk=sent.pk).update(created_at=when)
    return sent


def make_report_dataset(
    *, staff: User, manager: User, reviewer: User, syt_staff: User
) -> dict[str, list[Activity]]:
    """The periods of 2019 and 2020, and for the first six months of 2020 activities of every
    kind that counts and of every kind that must not (not accepted, outside the period), the
    same period of 2019, agency reports and difficulty messages: `staff` (SLDTBXH),
    `manager` (VUNGTAU) and `syt_staff` (SYT) record, `reviewer` accepts, and returns SYT's
    report, sent by a manager of SYT made here (`syt_staff`'s username + "-manager"). The
    activities by "counted", "not_counted" and "previous"."""
    h1 = make_periods(2019, 2020)["2020-H1"]
    duty = {ref: Duty.objects.get(ref=ref) for ref in ("III.3.1", "III.7.1")}
    water = get_or_create_partner(name="Quỹ Nước sạch Quốc tế", kind="ngo", country="US")
    friends = get_or_create_partner(name="Hội Hữu nghị Đức - Việt", kind="ngo", country="DE")
    counted = [
        make_activity(
            staff,
            status="accepted",
            reviewer=reviewer,
            title="Đón đoàn Bộ Y tế, Lao động và Phúc lợi Nhật Bản",
            duty=duty["III.3.1"],
            participants_vietnamese=10,
            participants_foreign=5,
        ),
        make_activity(
            staff,
            status="accepted",
            reviewer=reviewer,
            kind="outbound",
            title="Đoàn công tác sang Hàn Quốc",
            start_date=date(2020, 1, 10),
            end_date=date(2020, 1, 15),
            countries=["KR"],
            duty=duty["III.3.1"],
            participants_vietnamese=4,
        ),
        make_activity(
            manager,
            agency="VUNGTAU",
            status="accepted",
            reviewer=reviewer,
            kind="aid",
            title="Dự án nước sạch cho trường học",
            start_date=date(2020, 4, 1),
            end_date=date(2020, 4, 1),
            countries=["US"],
            duty=duty["III.7.1"],
            partners=[water],
            aid={"donor": water, "sector": "health", "committed_vnd": 1_500_000_000},
        ),
        make_activity(
            manager,
            agency="VUNGTAU",
            status="accepted",
            reviewer=reviewer,
            kind="aid",
            title="Học bổng cho học sinh nghèo",
            start_date=date(2020, 5, 20),
            end_date=date(2020, 5, 20),
            countries=["DE"],
            partners=[friends],
            aid={"donor": friends, "sector": "education", "committed_vnd": 500_000_000},
        ),
        make_activity(  # the first day of the period counts
            manager,
            agency="VUNGTAU",
            status="accepted",
            reviewer=reviewer,
            kind="event",
            title="Gặp mặt hữu nghị Việt - Nhật - Hàn",
            start_date=H1_START,
            end_date=H1_START,
            countries=["JP", "KR"],
            participants_vietnamese=100,
            participants_foreign=50,
        ),
        make_activity(  # and the last day
            syt_staff,
            agency="SYT",
            status="accepted",
            reviewer=reviewer,
            kind="training",
            title="Tập huấn y tế cộng đồng",
            start_date=H1_END,
            end_date=H1_END,
            countries=[],
        ),
    ]
    not_counted = [
        make_activity(staff, status="submitted", title="Chờ duyệt", start_date=date(2020, 2, 2)),
        make_activity(staff, status="draft", title="Bản nháp", start_date=date(2020, 2, 3)),
        make_activity(
            manager,
            agency="VUNGTAU",
            status="returned",
            reviewer=reviewer,
            title="Bị trả lại",
            start_date=date(2020, 2, 4),
            end_date=date(2020, 2, 4),
        ),
        make_activity(
            staff,
            status="accepted",
            reviewer=reviewer,
            title="Ngày sau kỳ",
            start_date=H1_END + timedelta(days=1),
            end_date=H1_END + timedelta(days=1),
        ),
        make_activity(
            staff,
            status="accepted",
            reviewer=reviewer,
            title="Ngày trước kỳ",
            start_date=H1_START - timedelta(days=1),
            end_date=H1_START - timedelta(days=1),
        ),
    ]
    previous = [  # 6 months of 2019: 15/12/2018 to 14/6/2019
        make_activity(
            staff,
            status="accepted",
            reviewer=reviewer,
            title="Đoàn Nhật Bản 2019",
            start_date=date(2019, 3, 1),
            end_date=date(2019, 3, 1),
        ),
        make_activity(
            manager,
            agency="VUNGTAU",
            status="accepted",
            reviewer=reviewer,
            kind="aid",
            title="Viện trợ 2019",
            start_date=date(2019, 2, 1),
            end_date=date(2019, 2, 1),
            countries=["US"],
            aid={"donor": water, "sector": "health", "committed_vnd": 1_000_000_000},
        ),
    ]
    make_activity(staff, status="submitted", title="2019 chưa duyệt", start_date=date(2019, 4, 1))

    make_agency_report(
        h1,
        "VUNGTAU",
        status="submitted",
        sender=manager,
        results="Đã tổ chức các hoạt động theo kế hoạch.",
        difficulties="Thiếu kinh phí đón đoàn.",
        proposals="Đề nghị bổ sung kinh phí đối ngoại.",
    )
    # Not sent (a draft; a report returned to its agency): what these agencies wrote is not
    # the province's yet.
    write_agency_report(
        staff,
        agency_report(h1, "SLDTBXH"),
        results="",
        difficulties="Bản nháp chưa gửi.",
        proposals="Đề xuất chưa gửi.",
    )
    make_agency_report(
        h1,
        "SYT",
        status="returned",
        sender=make_user(f"{syt_staff.username}-manager", "SYT", "manager"),
        reviewer=reviewer,
        difficulties="Báo cáo bị trả lại.",
    )
    _dated_message(
        manager, "difficulty", "Vướng mắc thủ tục", datetime(2020, 3, 10, 9, 0, tzinfo=LOCAL)
    )
    _dated_message(
        manager, "difficulty", "Sau kỳ báo cáo", datetime(2020, 6, 15, 9, 0, tzinfo=LOCAL)
    )
    _dated_message(
        manager, "information", "Thông tin thường", datetime(2020, 3, 11, 9, 0, tzinfo=LOCAL)
    )
    return {"counted": counted, "not_counted": not_counted, "previous": previous}
