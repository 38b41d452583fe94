"""Realistic Vietnamese sample data, fast enough for 100,000 activities (bulk inserts): the
activities (some returned once or twice before their acceptance, `return_count`), then what
the monitoring pages read beside them: the agencies' periodic reports of the periods past
their deadline (sent on time, late, returned or missing) and Sở Ngoại vụ's requests for
information (answered, overdue or still due)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from activities.exchange.models import Message, MessageRecipient
from activities.models import Activity, ActivityCountry, Partner
from agencies.models import ActivityKind, Agency, DutyAssignment, User
from agencies.services import create_account
from doingoai.text import fold
from reports.models import AgencyReport

PARTNERS = [
    ("Tổng Lãnh sự quán Nhật Bản tại TP. Hồ Chí Minh", "consulate", "JP"),
    ("Tổng Lãnh sự quán Hàn Quốc tại TP. Hồ Chí Minh", "consulate", "KR"),
    ("Tổng Lãnh sự quán Lào tại TP. Hồ Chí Minh", "consulate", "LA"),
    ("Tổng Lãnh sự quán Campuchia tại TP. Hồ Chí Minh", "consulate", "KH"),
    ("Tổng Lãnh sự quán Cuba tại TP. Hồ Chí Minh", "consulate", "CU"),
    ("Tổng Lãnh sự quán Nga tại TP. Hồ Chí Minh", "consulate", "RU"),
    ("Tổng Lãnh sự quán Thái Lan tại TP. Hồ Chí Minh", "consulate", "TH"),
    ("Tổ chức Plan International", "ngo", "GB"),
    ("Tổ chức Tầm nhìn Thế giới (World Vision)", "ngo", "US"),
    ("Quỹ Nhi đồng Liên hợp quốc (UNICEF)", "international", "US"),
    ("Tổ chức Hỗ trợ Người khuyết tật Hàn Quốc", "ngo", "KR"),
    ("Hội Hữu nghị Nhật - Việt tỉnh Chiba", "friendship", "JP"),
    ("Hội Hữu nghị Việt Nam - Cuba tỉnh", "friendship", "CU"),
    ("Tỉnh Chiba", "locality", "JP"),
    ("Tỉnh Gyeongsangbuk", "locality", "KR"),
    ("Công ty TNHH Posco Việt Nam", "fdi", "KR"),
    ("Công ty TNHH Hyosung Vina", "fdi", "KR"),
    ("Tổ chức Đông Tây Hội ngộ (East Meets West)", "ngo", "US"),
    ("Tổ chức Hỗ trợ Y tế Đức", "ngo", "DE"),
    ("Đại sứ quán Úc tại Hà Nội", "embassy", "AU"),
]

TITLES = {
    "inbound": ["Đón đoàn công tác {p}", "Tiếp đoàn đại biểu {p} thăm và làm việc"],
    "outbound": [
        "Đoàn công tác của tỉnh thăm và làm việc tại {c}",
        "Đoàn giao lưu hữu nghị đi {c}",
    ],
    "event": ["Lễ kỷ niệm Quốc khánh {c}", "Chương trình giao lưu nhân kỷ niệm quan hệ với {c}"],
    "new_year_visit": ["Chúc mừng năm mới {p}"],
    "aid": ["Vận động viện trợ từ {p}", "Tiếp nhận dự án tài trợ của {p}"],
    "training": [
        "Tập huấn kỹ năng đối ngoại Nhân dân năm {y}",
        "Bồi dưỡng kiến thức đối ngoại cho cán bộ cơ sở",
    ],
    "commendation": ["Khen thưởng tập thể, cá nhân có thành tích trong công tác đối ngoại năm {y}"],
    "exchange": ["Giao lưu văn hóa học sinh với đoàn {c}", "Chương trình giao lưu thanh niên {c}"],
    "promotion": ["Quảng bá hình ảnh Bà Rịa - Vũng Tàu tại {c}"],
    "foreign_workers": ["Kiểm tra tình hình lao động nước ngoài tại doanh nghiệp {p}"],
    "legal_comment": ["Góp ý dự thảo văn bản về công tác đối ngoại Nhân dân"],
    "meeting": [
        "Hội nghị tổng kết công tác đối ngoại Nhân dân năm {y}",
        "Họp triển khai kế hoạch công tác đối ngoại Nhân dân năm {y}",
    ],
    "other": ["Hoạt động đối ngoại Nhân dân khác"],
}
PLACES = [
    "TP Vũng Tàu",
    "TP Bà Rịa",
    "TX Phú Mỹ",
    "Long Điền",
    "Đất Đỏ",
    "Xuyên Mộc",
    "Châu Đức",
    "Côn Đảo",
    "TP. Hồ Chí Minh",
]
COUNTRY_NAMES = {
    "JP": "Nhật Bản",
    "KR": "Hàn Quốc",
    "LA": "Lào",
    "KH": "Campuchia",
    "CU": "Cuba",
    "RU": "Nga",
    "TH": "Thái Lan",
    "US": "Hoa Kỳ",
    "GB": "Anh",
    "DE": "Đức",
    "AU": "Úc",
}


FIRST_DAY = date(2019, 12, 15)
# One request for information per this many activities (200 for 100,000).
ACTIVITIES_PER_REQUEST = 500
REQUEST_SUBJECTS = [
    "Báo cáo kết quả đón đoàn nước ngoài",
    "Cung cấp thông tin về các dự án viện trợ phi chính phủ nước ngoài",
    "Báo cáo tình hình lao động nước ngoài trên địa bàn",
    "Đề xuất hoạt động nhân kỷ niệm Quốc khánh các nước đối tác",
]


def _last_day(agency: Agency) -> list[date]:
    """The agency's last working day, when it closed (closed_on is the first day out)."""
    return [agency.closed_on - timedelta(days=1)] if agency.closed_on else []


class Command(BaseCommand):
    help = "Create sample agencies' staff, partners and N activities (development only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--activities", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=164)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument(
            "--not-production",
            action="store_true",
            help="confirm that this database is not a real one (needed when DEBUG is off)",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "Sample data is for development only: set DEBUG=1, or pass --not-production "
                "for a benchmark database."
            )
        rng = random.Random(options["seed"])
        started = timezone.now()
        staff = self._staff()
        partners = self._partners()
        duties = {}
        for assignment in DutyAssignment.objects.filter(duty__ref__startswith="III."):
            duties.setdefault(assignment.agency_id, []).append(assignment.duty_id)
        agencies = [
            agency
            for agency in Agency.objects.exclude(kind__in=Agency.LEADERSHIP)
            if agency.closed_on is None or agency.closed_on > FIRST_DAY
        ]
        total = options["activities"]
        made = 0
        while made < total:
            count = min(options["batch"], total - made)
            self._batch(rng, count, agencies, staff, partners, duties)
            made += count
            self.stdout.write(f"{made}/{total}")
        sent = self._send_reports(rng)
        requests = self._requests(rng, max(3, total // ACTIVITIES_PER_REQUEST), agencies, staff)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} activities in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f}/s); "
                f"{sent} periodic reports sent, {requests} requests for information"
            )
        )

    def _staff(self) -> dict[int, User]:
        """A staff account for each agency working today (none for a closed one: its
        activities are written with no author)."""
        staff = {}
        for agency in Agency.objects.active().exclude(kind__in=Agency.LEADERSHIP):
            username = f"mau.{agency.code.lower()}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_account(
                    actor=None,
                    username=username,
                    agency_code=agency.code,
                    role="staff",
                    password="DoiNgoai@2026",
                ).user
            staff[agency.pk] = user
        return staff

    def _partners(self) -> list[Partner]:
        return [
            Partner.objects.get_or_create(name=name, country=country, defaults={"kind": kind})[0]
            for name, kind, country in PARTNERS
        ]

    @transaction.atomic
    def _batch(self, rng, count, agencies, staff, partners, duties) -> None:
        statuses = ["accepted"] * 7 + ["submitted"] * 2 + ["draft", "returned"]
        kinds = ActivityKind.values
        activities, countries, chosen = [], [], []
        now = timezone.now()
        for _i in range(count):
            # Within the days the agency worked: after it began, before it closed.
            agency, first, last = rng.choice(agencies), None, None
            while first is None or last < first:
                agency = rng.choice(agencies)
                first = max(FIRST_DAY, agency.established_on or FIRST_DAY)
                last = min([FIRST_DAY + timedelta(days=7 * 365 - 1), *_last_day(agency)])
            kind = rng.choice(kinds)
            partner = rng.choice(partners)
            country = partner.country.code
            start = first + timedelta(days=rng.randrange(0, (last - first).days + 1))
            title = rng.choice(TITLES[kind]).format(
                p=partner.name, c=COUNTRY_NAMES.get(country, country), y=start.year
            )
            status = rng.choice(statuses)
            # A returned activity was sent back once or twice; an accepted one sometimes
            # once before its acceptance (the scorecard's "accepted at first submission").
            if status == "returned":
                returns = rng.choice([1, 1, 1, 2])
            else:
                returns = int(status == "accepted" and rng.random() < 0.15)
            activity = Activity(
                agency=agency,
                duty_id=rng.choice(duties[agency.pk])
                if agency.pk in duties and rng.random() < 0.7
                else None,
                kind=kind,
                title=title,
                start_date=start,
                end_date=min(start + timedelta(days=rng.choice([0, 0, 1, 2, 4])), last),
                place=rng.choice(PLACES),
                description=f"{title}. Trao đổi về hợp tác giữa hai bên.",
                outcome="Hai bên thống nhất tiếp tục tăng cường giao lưu, hợp tác.",
                participants_vietnamese=rng.randrange(5, 200),
                participants_foreign=rng.randrange(0, 40),
                status=status,
                created_by=staff.get(agency.pk),
                submitted_at=now if status != "draft" else None,
                reviewed_at=now if status in {"accepted", "returned"} else None,
                return_reason="Đề nghị bổ sung biên bản làm việc." if status == "returned" else "",
                return_count=returns,
            )
            if kind == ActivityKind.AID_MOBILISATION:
                amount = Decimal(rng.randrange(5, 500) * 1000)
                activity.donor = partner
                activity.aid_type = rng.choice(Activity.AidType.values)
                activity.sector = rng.choice(Activity.Sector.values)
                activity.currency = "USD"
                activity.committed_amount = amount
                activity.disbursed_amount = amount * Decimal("0.6")
                activity.committed_vnd = amount * 25000
            activity.search_text = fold(
                f"{title} {activity.place} {activity.description} {partner.name}"
            )
            activities.append(activity)
            countries.append(country)
            chosen.append(partner.pk)
        created = Activity.objects.bulk_create(activities, batch_size=2000)
        Activity.history.bulk_history_create(
            created, batch_size=2000, default_change_reason="Dữ liệu mẫu"
        )
        ActivityCountry.objects.bulk_create(
            [
                ActivityCountry(activity=a, country=c)
                for a, c in zip(created, countries, strict=True)
            ],
            batch_size=5000,
        )
        Activity.partners.through.objects.bulk_create(
            [
                Activity.partners.through(activity_id=a.pk, partner_id=p)
                for a, p in zip(created, chosen, strict=True)
            ],
            batch_size=5000,
        )

    @transaction.atomic
    def _send_reports(self, rng) -> int:
        """The drafts of the periods past their deadline, sent: 60 % accepted on or before
        the deadline, 15 % accepted 1 to 45 days late, 5 % returned, the other 20 % left
        missing. Returns how many were sent."""
        today = timezone.localdate()
        drafts = list(
            AgencyReport.objects.filter(
                status=AgencyReport.Status.DRAFT,
                submitted_at=None,
                period__deadline__lt=today,
            )
            .select_related("period")
            .order_by("pk")
        )
        sent = []
        for report in drafts:
            draw = rng.random()
            if draw >= 0.8:
                continue
            deadline = report.period.deadline
            late = draw >= 0.6
            day = deadline + timedelta(days=rng.randint(1, 45) if late else -rng.randint(0, 20))
            report.status = (
                AgencyReport.Status.RETURNED if draw >= 0.75 else AgencyReport.Status.ACCEPTED
            )
            report.submitted_at = timezone.make_aware(datetime.combine(day, time(9)))
            report.reviewed_at = report.submitted_at + timedelta(days=3)
            sent.append(report)
        AgencyReport.objects.bulk_update(
            sent, ["status", "submitted_at", "reviewed_at"], batch_size=1000
        )
        return len(sent)

    @transaction.atomic
    def _requests(self, rng, count, agencies, staff) -> int:
        """`count` requests for information Sở Ngoại vụ sent over the last two years to three
        to eight agencies in operation, each to be answered within 7 to 30 days: 60 % of the
        recipients answered (a reply of their own), the others not (overdue once the date
        has passed). Returns `count`."""
        sender = Agency.objects.get(code="SNGV")
        working = [a for a in agencies if a.closed_on is None and a.pk != sender.pk]
        today = timezone.localdate()
        sent_on = [today - timedelta(days=rng.randrange(0, 730)) for _i in range(count)]
        requests = Message.objects.bulk_create(
            [
                Message(
                    sender_agency=sender,
                    kind=Message.Kind.REQUEST,
                    subject=rng.choice(REQUEST_SUBJECTS),
                    body="Đề nghị các cơ quan, địa phương báo cáo về Sở Ngoại vụ.",
                    due_date=day + timedelta(days=rng.randint(7, 30)),
                )
                for day in sent_on
            ]
        )
        recipients, replies = [], []
        for request, day in zip(requests, sent_on, strict=True):
            request.created_at = timezone.make_aware(datetime.combine(day, time(8)))
            for agency in rng.sample(working, min(len(working), rng.randint(3, 8))):
                recipient = MessageRecipient(message=request, agency=agency)
                if rng.random() < 0.6:
                    answered = min(day + timedelta(days=rng.randint(1, 35)), today)
                    recipient.read_at = request.created_at + timedelta(hours=2)
                    reply = Message(
                        sender_agency=agency,
                        sent_by=staff.get(agency.pk),
                        kind=Message.Kind.REPLY,
                        subject=f"Trả lời: {request.subject}",
                        body="Kính gửi Sở Ngoại vụ báo cáo theo đề nghị.",
                        thread=request,
                        in_reply_to=request,
                    )
                    replies.append((recipient, reply, answered))
                recipients.append(recipient)
        Message.objects.bulk_create([reply for _r, reply, _d in replies])
        for recipient, reply, answered in replies:
            recipient.answer = reply
            reply.created_at = timezone.make_aware(datetime.combine(answered, time(15)))
        # bulk_create stamps created_at now (auto_now_add); bulk_update writes the days chosen.
        Message.objects.bulk_update(
            [*requests, *(reply for _r, reply, _d in replies)], ["created_at"], batch_size=1000
        )
        MessageRecipient.objects.bulk_create(recipients, batch_size=2000)
        return count
