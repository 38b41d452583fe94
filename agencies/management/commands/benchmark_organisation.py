"""Benchmarks of the organisation over time (issue 11), each printed against a baseline of the
same run.

1. The 1/7/2025 merger (`reorganise` on agencies/data/reorganisations/example-2025-07-01.json)
   with N activities in the database: the command's preview (--dry-run) and its application,
   against a raw UPDATE of the same agencies' closed_on plus a COUNT of their activities (and,
   for scale, the same plus a raw UPDATE of their pending drafts, the rows apply moves).
2. The activity list after the merger: a reviewer filtering a new ward "by today's agency"
   and "as reported", and the closed district's former manager: server time against a raw
   SQL count of the same rows, and the page's query count.
3. The completeness page, the directory and the plan page with the seeded agencies (after
   the merger), then with 200 more agencies (duty assignments; half of them closed at
   various dates, a few scheduled to close): time and query count of each, ratio more/seeded.

Run it on a throw-away PostgreSQL database: `make bench-organisation` does.
"""

from __future__ import annotations

import io
import random
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.filters import BY_TODAY, ActivityFilter
from activities.models import Activity
from agencies.models import Agency, Duty, DutyAssignment, User
from agencies.plans import plan_in_force
from agencies.reorganisation import Merge, Split, load_document
from agencies.services import create_account
from reports.models import AgencyReport, ReportingPeriod
from reports.periods import ensure_periods, sync_agency_reports

MERGER = Path(settings.BASE_DIR) / "agencies/data/reorganisations/example-2025-07-01.json"
WARD = "PHUONG_DONGLUA"  # the merger's ward made of BARIA and LONGDIEN
DISTRICT = "VUNGTAU"  # a district the merger closes (split into two wards)
MORE_AGENCIES = 200


def _account(username: str, agency: str, role: str) -> User:
    """A benchmark account (create_account is idempotent)."""
    return create_account(
        actor=None, username=username, agency_code=agency, role=role, password="DoiNgoai@2026"
    ).user


class QueryCount:
    """Counts the queries run on the default connection inside `with QueryCount() as count:`
    (`count.queries`). An execute wrapper, not connection.queries: the test client's
    request_started signal resets that log, and it keeps at most 9,000 entries."""

    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCount:
        self._wrapping = connection.execute_wrapper(self)
        self._wrapping.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapping.__exit__(*exc)


def _closed_sources(operations) -> list[str]:
    """The codes of the agencies the merger closes (the sources of its merges and splits)."""
    codes: list[str] = []
    for op in operations:
        if isinstance(op, Merge):
            codes += [c for c in op.sources if c not in codes]
        elif isinstance(op, Split):
            codes.append(op.source)
    return codes


class Command(BaseCommand):
    help = (
        "Benchmark the 2025 merger, the activity list by today's agency and the organisation "
        "pages as agencies grow; prints ratios (use a throw-away database)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--activities", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=20, help="page requests per median")
        parser.add_argument("--more-agencies", type=int, default=MORE_AGENCIES)

    def handle(self, *args, **options) -> None:
        if "bench" not in str(settings.DATABASES["default"]["NAME"]):
            raise CommandError("Run this on a database whose name contains 'bench'.")
        if Agency.objects.filter(code=WARD).exists():
            raise CommandError("The merger is already applied: use a fresh database.")
        self.today = timezone.localdate()
        self.stdout.write(f"database: {connection.vendor}; today {self.today:%d/%m/%Y}")
        self.prepare(options["activities"])
        self.client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0])
        self.reviewer = _account("bench.reviewer", "SNGV", "reviewer")
        # The district's manager, before the merger ends the membership.
        self.former = _account("bench.manager.vungtau", DISTRICT, "manager")
        self.bench_merger()
        self.bench_list(options["repeat"])
        self.bench_growth(options["more_agencies"], options["repeat"])

    # 0. Data -----------------------------------------------------------------------------
    def prepare(self, total: int) -> None:
        """The reporting periods from 2020 to this year with their reports (two thirds of
        those past their deadline sent), and `total` activities of the seeded agencies."""
        started = time.perf_counter()
        ensure_periods(range(2020, self.today.year + 1))
        have = Activity.objects.count()
        if have < total:
            call_command(
                "generate_sample_data",
                activities=total - have,
                not_production=True,
                stdout=io.StringIO(),
            )
        self._send_reports()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load
        self.stdout.write(
            f"data: {Activity.objects.count():,} activities, {Agency.objects.count()} agencies, "
            f"{ReportingPeriod.objects.count()} periods, "
            f"{AgencyReport.objects.count():,} agency reports "
            f"({time.perf_counter() - started:.1f} s to make)"
        )

    def _send_reports(self) -> None:
        """Two thirds of the draft reports of periods past their deadline marked accepted,
        sent on their deadline (the others stay missing)."""
        for report in (
            AgencyReport.objects.filter(
                status=AgencyReport.Status.DRAFT, period__deadline__lt=self.today
            )
            .select_related("period")
            .order_by("pk")
        ):
            if report.pk % 3:
                AgencyReport.objects.filter(pk=report.pk).update(
                    status=AgencyReport.Status.ACCEPTED,
                    submitted_at=timezone.make_aware(
                        datetime.combine(report.period.deadline, datetime.min.time())
                    ),
                )

    # 1. The merger -----------------------------------------------------------------------
    def bench_merger(self) -> None:
        document = load_document(MERGER.read_bytes())
        sources = _closed_sources(document.operations)
        source_ids = list(Agency.objects.filter(code__in=sources).values_list("pk", flat=True))
        day = document.operations[0].effective_on
        theirs = Activity.objects.filter(agency_id__in=source_ids)
        pending = theirs.filter(status__in=Activity.EDITABLE_STATUSES).count()
        self.stdout.write(
            f"\nThe merger of {day:%d/%m/%Y} ({MERGER.name}: {len(document.operations)} "
            f"operations, {len(sources)} agencies closed) with {Activity.objects.count():,} "
            f"activities, {theirs.count():,} of them by the closed agencies, {pending:,} pending "
            f"(draft or returned, moved to the successor)"
        )

        def command(*extra: str) -> tuple[float, int, str]:
            out = io.StringIO()
            with QueryCount() as queries:
                started = time.perf_counter()
                call_command("reorganise", str(MERGER), *extra, stdout=out, stderr=io.StringIO())
                seconds = time.perf_counter() - started
            return seconds, queries.queries, out.getvalue()

        def baseline(move_drafts: bool) -> None:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE agencies_agency SET closed_on = %s WHERE id = ANY(%s)",
                        [day, source_ids],
                    )
                    cursor.execute(
                        "SELECT COUNT(*) FROM activities_activity WHERE agency_id = ANY(%s)",
                        [source_ids],
                    )
                    cursor.fetchone()
                    if move_drafts:
                        cursor.execute(
                            "UPDATE activities_activity SET version = version + 1 "
                            "WHERE agency_id = ANY(%s) AND status = ANY(%s)",
                            [source_ids, list(Activity.EDITABLE_STATUSES)],
                        )
                transaction.set_rollback(True)

        preview_s, preview_q, _out = command("--dry-run")
        base_ms = self._median(lambda: baseline(False), 5)
        base_drafts_ms = self._median(lambda: baseline(True), 5)
        apply_s, apply_q, out = command()
        assert Agency.objects.filter(code=WARD).exists(), out[-2000:]
        base_s, base_drafts_s = base_ms / 1000, base_drafts_ms / 1000
        self.stdout.write(
            f"  baseline: raw UPDATE closed_on + COUNT their activities {base_s:8.4f} s "
            "(median of 5, rolled back)"
        )
        self.stdout.write(
            f"  baseline + raw UPDATE of their {pending:,} pending drafts  {base_drafts_s:8.4f} s"
        )
        for label, seconds, queries in [
            ("reorganise --dry-run (preview)", preview_s, preview_q),
            ("reorganise (apply)", apply_s, apply_q),
        ]:
            self.stdout.write(
                f"  {label:32s} {seconds:8.2f} s · {queries:6,} queries · "
                f"{seconds / base_s:8.0f}x the baseline · "
                f"{seconds / base_drafts_s:6.0f}x the baseline with the drafts"
            )

    # 2. The activity list ----------------------------------------------------------------
    def bench_list(self, repeat: int) -> None:
        ward = Agency.objects.get(code=WARD)
        self.stdout.write(
            f"\nActivity list after the merger ({WARD} = BARIA + LONGDIEN), "
            f"{Activity.objects.count():,} activities "
            f"(median of {repeat}, server time in-process)"
        )
        cases = [
            ("reviewer, ward by today's agency", self.reviewer, "activities:list",
             {"agency": ward.pk, "grouping": BY_TODAY}),
            ("reviewer, ward as reported", self.reviewer, "activities:list",
             {"agency": ward.pk}),
            ("reviewer, a closed district as reported", self.reviewer, "activities:list",
             {"agency": Agency.objects.get(code="BARIA").pk}),
            ("reviewer, all, by today's, by agency", self.reviewer, "activities:list",
             {"grouping": BY_TODAY, "sort": "agency"}),
            ("former district manager, mine", self.former, "activities:mine", {}),
            ("former district manager, all", self.former, "activities:list", {}),
        ]  # fmt: skip
        for label, user, url_name, params in cases:
            base = (
                Activity.objects.of_agencies(user)
                if url_name == "activities:mine"
                else Activity.objects.visible_to(user)
            )
            queryset = ActivityFilter({k: str(v) for k, v in params.items()}, queryset=base).qs
            self._page_vs_count(label, user, reverse(url_name), params, queryset, repeat)

    def _page_vs_count(self, label, user, url, params, queryset, repeat) -> None:
        """Print a page's median server time and query count against a raw SQL count of
        the same rows."""
        self.client.force_login(user)
        response = self.client.get(url, params, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        with QueryCount() as queries:
            self.client.get(url, params, secure=True)
        page_ms = self._median(lambda: self.client.get(url, params, secure=True), repeat)
        sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()
        rows = 0

        def raw_count() -> None:
            nonlocal rows
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS t", sql_params)
                rows = cursor.fetchone()[0]

        count_ms = self._median(raw_count, repeat)
        self.stdout.write(
            f"  {label:40s} {rows:7,} rows · page {page_ms:7.1f} ms, "
            f"{queries.queries:2d} queries · raw count {count_ms:6.1f} ms · "
            f"ratio {page_ms / count_ms:5.1f}x"
        )

    # 3. The pages as agencies grow -------------------------------------------------------
    def bench_growth(self, more: int, repeat: int) -> None:
        pages = [
            ("completeness", reverse("reports:completeness"), {}),
            ("completeness, by today's agency", reverse("reports:completeness"),
             {"group": "current"}),
            ("completeness, 2025", reverse("reports:completeness"), {"year": "2025"}),
            ("directory", reverse("agencies:list"), {}),
            ("directory, with the closed", reverse("agencies:list"), {"closed": "1"}),
            ("plan", reverse("agencies:plan"), {}),
        ]  # fmt: skip
        self.client.force_login(self.reviewer)
        seeded = self._pages(pages, repeat)
        seeded_label = self._agencies_label()
        self.add_agencies(more)
        grown = self._pages(pages, repeat)
        self.stdout.write(
            f"\nOrganisation pages as a reviewer (median of {repeat}): seeded = {seeded_label}; "
            f"+{more} = {self._agencies_label()}"
        )
        for label, _url, _params in pages:
            (ms0, q0, size0), (ms1, q1, size1) = seeded[label], grown[label]
            self.stdout.write(
                f"  {label:32s} seeded {ms0:6.1f} ms, {q0:2d} queries, {size0 / 1024:5.0f} KB · "
                f"+{more} {ms1:6.1f} ms, {q1:2d} queries, {size1 / 1024:5.0f} KB · "
                f"ratio time {ms1 / ms0:4.1f}x, queries {q1 / q0:3.1f}x"
            )

    def _agencies_label(self) -> str:
        working = Agency.objects.in_operation(self.today).count()
        return f"{Agency.objects.count()} agencies ({working} in operation today)"

    def _pages(self, pages, repeat: int) -> dict[str, tuple[float, int, int]]:
        """Each page's median time (ms), query count and size (bytes)."""
        figures = {}
        for label, url, params in pages:
            response = self.client.get(url, params, secure=True)
            assert response.status_code == 200, (url, response.status_code)
            with QueryCount() as queries:
                self.client.get(url, params, secure=True)
            ms = self._median(lambda u=url, p=params: self.client.get(u, p, secure=True), repeat)
            figures[label] = (ms, queries.queries, len(response.content))
        return figures

    def add_agencies(self, count: int) -> None:
        """`count` communes and wards under the city, each with one to three duties of the
        plan in force: the even ones closed at dates spread from 2020 to a year ahead (their
        successor the next one), the others working since the start or established on a date
        in 2025; then their expected reports (two thirds of the past ones sent)."""
        rng = random.Random(11)
        city = Agency.objects.get(code="UBNDTINH")
        plan = plan_in_force()
        duties = list(Duty.objects.filter(plan=plan, ref__startswith="III."))
        span = (self.today + timedelta(days=365) - date(2020, 1, 1)).days
        made: list[Agency] = []
        for i in reversed(range(count)):  # the successor (i + 1) first
            closed = i % 2 == 0
            kind = Agency.Kind.WARD if i % 3 else Agency.Kind.COMMUNE
            word = "phường" if kind == Agency.Kind.WARD else "xã"
            established = None if i % 4 < 2 else date(2025, 7, 1)
            closed_on = date(2020, 1, 1) + timedelta(days=rng.randrange(span)) if closed else None
            if closed_on and established and closed_on <= established:
                established = None
            agency = Agency.objects.create(
                code=f"BENCH_{i:03d}",
                name=f"Ủy ban nhân dân {word} Thử Nghiệm {i}",
                short_name=f"UBND {word} Thử Nghiệm {i}",
                kind=kind,
                parent=city,
                established_on=established,
                closed_on=closed_on,
                successor=made[-1] if closed and made else None,
            )
            made.append(agency)
        DutyAssignment.objects.bulk_create(
            [
                DutyAssignment(duty=duty, agency=agency, role=rng.choice(["lead", "support"]))
                for agency in made
                for duty in rng.sample(duties, rng.randint(1, 3))
            ]
        )
        sync_agency_reports(ReportingPeriod.objects.all())
        self._send_reports()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    @staticmethod
    def _median(func, repeat: int) -> float:
        """The median time of `repeat` calls of `func`, in milliseconds."""
        times = []
        for _i in range(repeat):
            started = time.perf_counter()
            func()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)
