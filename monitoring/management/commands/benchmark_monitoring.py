"""Benchmarks of the monitoring pages (issue 13, "Performance"), each against the same
aggregation written as one raw SQL statement, in the same run.

For each page (the overview, plan implementation and one busy and one empty cell of it, the
agency scorecard and its XLSX, the calendar and its iCalendar feed, and the leader's home
page) as the province's leader (every agency) and as a district's staff member (their
agency and those under it): the server time of the page through django.test.Client (one
warm-up request, then the median and the nearest-rank p95 of `--repeat` requests), its query
count, and the median time of one raw SQL statement computing what the page shows for the
same user; their ratio, and whether the page stays within the 300 ms budget.

With --explain, the slowest query of each page's counted request is run again under
`EXPLAIN (ANALYZE, BUFFERS)` and its plan's scans of the activities table are printed.

Run it on a throw-away PostgreSQL database holding `generate_sample_data`'s activities:
`make bench-monitoring N=100000` does. The data is not made here: the command measures
whatever the database holds.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.exchange.models import Message
from activities.models import Activity
from agencies.models import Agency, User
from agencies.plans import plan_in_force
from agencies.services import create_account
from monitoring.observances import SHOWN_PER_DATE
from monitoring.plan import half_years
from monitoring.scope import Scope, monitoring_scope
from reports.models import AgencyReport, ReportingPeriod

BUDGET_MS = 300
LEADER = ("bench.lanhdao", "UBNDTINH", "leader")
# A district's staff member: their district and the agencies under it (none are seeded
# under a district; the scope rule is the same).
STAFF = ("bench.canbo.vungtau", "VUNGTAU", "staff")
ACCEPTED = Activity.Status.ACCEPTED.value


@dataclass
class Timing:
    """Times of repeated calls, in milliseconds."""

    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        """Nearest rank: with 7 to 19 runs, the slowest."""
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Case:
    """One page requested by one user, and the raw statement it is compared with."""

    page: str
    role: str
    user: User
    url: str
    params: dict[str, str]
    raw: tuple[str, list]


@dataclass
class Result:
    """A case's figures; `page` None when the page did not answer 200 (`status`)."""

    case: Case
    status: int
    page: Timing | None = None
    raw: Timing | None = None
    rows: int = 0
    queries: int = 0
    runs: list[tuple[float, str]] = field(default_factory=list)
    size: int = 0

    @property
    def slowest(self) -> list[tuple[float, str]]:
        """The slowest query of the counted request, as (ms, sql with its parameters)."""
        return sorted(self.runs, reverse=True)[:1]


def _scope_sql(scope: Scope, column: str) -> tuple[str, list]:
    """The SQL condition "`column` is an agency in scope", and its parameters."""
    if scope.is_province:
        return "TRUE", []
    return f"{column} = ANY(%s)", [sorted(scope.agency_ids)]


def _planned_statuses(scope: Scope) -> list[str]:
    """The statuses of the activities shown beside the calendar's dates: the accepted ones
    in scope, and for a member what they read of their own agencies (every status; the
    benchmark's member has no agency under theirs)."""
    return [ACCEPTED] if scope.is_province else list(Activity.Status.values)


def _half_years(year: int) -> dict[str, tuple[date, date]]:
    """The four half-years of plan implementation by their code ("2025-H1" … "2026-H2"), the
    previous year's first, as the plan page takes them (monitoring.plan.half_years)."""
    return {w.code: (w.start, w.end) for w in half_years([year - 1, year])}


class Command(BaseCommand):
    help = (
        "Time each monitoring page against one raw SQL statement of the same figures, as a "
        "leader and as a district's staff member (use a throw-away database)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=9, help="requests per median (≥ 1)")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="EXPLAIN (ANALYZE, BUFFERS) the slowest query of each page (PostgreSQL)",
        )

    def handle(self, *args, repeat: int, explain: bool, **options) -> None:
        name = str(settings.DATABASES["default"]["NAME"])
        if "bench" not in name and "test" not in name:
            raise CommandError("Run this on a database whose name contains 'bench'.")
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        if connection.vendor == "postgresql":
            # The planner's statistics, as autovacuum would make them after a bulk load
            # (VACUUM, for index-only scans, cannot run inside a transaction: a test's).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.today = timezone.localdate()
        self.year = self.today.year
        self.client = Client(
            HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0], raise_request_exception=False
        )
        leader = self._account(*LEADER)
        staff = self._account(*STAFF)
        cases = self.cases(leader, "leader") + self.cases(staff, "staff")
        self.stdout.write(
            f"database: {connection.vendor}; today {self.today:%d/%m/%Y}; "
            f"{Activity.objects.count():,} activities, "
            f"{Activity.objects.filter(status=ACCEPTED).count():,} accepted; "
            f"staff scope {STAFF[1]}: "
            f"{monitoring_scope(staff).activities().count():,} accepted; "
            f"{Agency.objects.count()} agencies, "
            f"{AgencyReport.objects.sent().count():,} periodic reports sent, "
            f"{Message.objects.filter(kind=Message.Kind.REQUEST).count():,} requests"
        )
        results = [self.measure(case, repeat) for case in cases]
        self.print_table(results, repeat)
        if explain and connection.vendor == "postgresql":
            self.print_explain(results)

    @staticmethod
    def _account(username: str, agency: str, role: str) -> User:
        """A benchmark account (create_account is idempotent)."""
        return create_account(
            actor=None, username=username, agency_code=agency, role=role, password="DoiNgoai@2026"
        ).user

    # The pages -------------------------------------------------------------------------
    def cases(self, user: User, role: str) -> list[Case]:
        """Each page `user` is measured on, with its raw statement for the user's scope;
        the home page for the leader only (a member's home page is their work, not the
        overview). Reads the plan's cells and the calendar's days first (a few queries)."""
        scope = monitoring_scope(user)
        assert scope is not None, user
        year = str(self.year)
        busy, empty = self._cells(scope)
        cases = [
            ("overview", "monitoring:overview", {"year": year}, self.raw_overview(scope)),
            ("plan", "monitoring:plan", {"year": year}, self.raw_plan(scope)),
            ("plan cell, busy", "monitoring:plan_cell", busy[0], self.raw_cell(scope, busy[1])),
            ("plan cell, empty", "monitoring:plan_cell", empty[0], self.raw_cell(scope, empty[1])),
            ("agencies", "monitoring:agencies", {}, self.raw_scorecard(scope)),
            ("agencies.xlsx", "monitoring:agencies_xlsx", {}, self.raw_scorecard(scope)),
            ("calendar", "monitoring:calendar", {"year": year}, self.raw_calendar(scope)),
            ("calendar.ics", "monitoring:calendar_ics", {"year": year}, self.raw_ics()),
        ]
        if role == "leader":
            cases.append(("home /", "home", {}, self.raw_overview(scope)))
        return [
            Case(page, role, user, reverse(url_name), params, raw)
            for page, url_name, params, raw in cases
        ]

    def _cells(self, scope: Scope) -> tuple[tuple[dict, tuple], tuple[dict, tuple]]:
        """The busiest cell of plan implementation in the user's scope (the duty and ended
        half-year of this or last year with the most accepted activities) and an empty one
        (a duty of the plan with none in an ended half-year), each as (the cell page's
        parameters, (duty id, first day, last day))."""
        plan = plan_in_force()
        where, params = _scope_sql(scope, "a.agency_id")
        cells = []
        with connection.cursor() as cursor:
            for code, (start, end) in _half_years(self.year).items():
                if end >= self.today:
                    continue
                cursor.execute(
                    "SELECT d.id, COUNT(a.id) FROM agencies_duty d "
                    "LEFT JOIN activities_activity a ON a.duty_id = d.id AND a.status = %s "
                    f"AND a.start_date BETWEEN %s AND %s AND {where} "
                    "WHERE d.plan_id = %s GROUP BY d.id",
                    [ACCEPTED, start, end, *params, plan.pk],
                )
                cells += [(count, duty_id, code, start, end) for duty_id, count in cursor]
        busiest, quietest = (
            ({"duty": str(duty_id), "window": code}, (duty_id, start, end))
            for _count, duty_id, code, start, end in (max(cells), min(cells))
        )
        return busiest, quietest

    # The raw statements ----------------------------------------------------------------
    def raw_overview(self, scope: Scope) -> tuple[str, list]:
        """Accepted activities per month and per kind (with participants) for this year and
        the last, per partner country both years, aid of this year by sector and by donor
        (committed VND, and disbursed converted at the committed amount's rate), and the 5
        latest issued consolidated reports, and the dates of the next 30 days with the
        activities planned around them (the calendar's panel): one statement."""
        where, params = _scope_sql(scope, "agency_id")
        first, last = date(self.year - 1, 1, 1), date(self.year, 12, 31)
        upcoming, upcoming_params = self._planned_sql(
            scope, self.today, self.today + timedelta(days=30), _planned_statuses(scope)
        )
        disbursed = """CASE WHEN currency = 'VND' THEN disbursed_amount
            WHEN committed_amount > 0 AND committed_vnd IS NOT NULL
            THEN disbursed_amount * committed_vnd / committed_amount END"""
        sql = f"""
            WITH a AS (
                SELECT id, kind, start_date, EXTRACT(YEAR FROM start_date)::int AS y,
                       participants_vietnamese, participants_foreign, sector, donor_id,
                       committed_vnd, {disbursed} AS disbursed_vnd
                FROM activities_activity
                WHERE status = %s AND start_date BETWEEN %s AND %s AND {where}
            ), aid AS (SELECT * FROM a WHERE kind = 'aid' AND y = %s)
            SELECT 'month', y, EXTRACT(MONTH FROM start_date)::text, COUNT(*), NULL, NULL
                FROM a GROUP BY y, EXTRACT(MONTH FROM start_date)
            UNION ALL
            SELECT 'kind', y, kind, COUNT(*), SUM(participants_vietnamese),
                   SUM(participants_foreign)
                FROM a GROUP BY y, kind
            UNION ALL
            SELECT 'country', a.y, c.country, COUNT(DISTINCT a.id), NULL, NULL
                FROM a JOIN activities_activitycountry c ON c.activity_id = a.id
                GROUP BY a.y, c.country
            UNION ALL
            SELECT 'sector', COUNT(*), sector, SUM(committed_vnd), SUM(disbursed_vnd),
                   COUNT(*) FILTER (WHERE committed_vnd IS NULL)
                FROM aid GROUP BY sector
            UNION ALL
            SELECT 'donor', COUNT(*), p.name, SUM(committed_vnd), SUM(disbursed_vnd),
                   COUNT(*) FILTER (WHERE committed_vnd IS NULL)
                FROM aid LEFT JOIN activities_partner p ON p.id = aid.donor_id
                GROUP BY aid.donor_id, p.name
            UNION ALL
            (SELECT 'report', r.period_id, r.number::text, r.version, NULL, NULL
                FROM reports_consolidatedreport r WHERE r.status = 'issued'
                ORDER BY r.issued_on DESC, r.id DESC LIMIT 5)
            UNION ALL
            SELECT 'upcoming', p.observance_id, p.title, p.total, NULL, NULL FROM ({upcoming}) p
        """
        return sql, [ACCEPTED, first, last, *params, self.year, *upcoming_params]

    def raw_plan(self, scope: Scope) -> tuple[str, list]:
        """Every duty of the plan in force with, for each of the four half-years, its
        accepted activities and the agencies that acted, and its activities of each year;
        for a partial scope only the duties assigned to its agencies or that they acted
        on."""
        where, params = _scope_sql(scope, "a.agency_id")
        assigned, assigned_params = _scope_sql(scope, "da.agency_id")
        windows = list(_half_years(self.year).values())
        figures, figure_params = [], []
        for start, end in windows:
            figures += [
                "COUNT(a.id) FILTER (WHERE a.start_date BETWEEN %s AND %s)",
                "COUNT(DISTINCT a.agency_id) FILTER (WHERE a.start_date BETWEEN %s AND %s)",
            ]
            figure_params += [start, end, start, end]
        for start, end in (windows[0:2], windows[2:4]):
            figures.append("COUNT(a.id) FILTER (WHERE a.start_date BETWEEN %s AND %s)")
            figure_params += [start[0], end[1]]
        partial = (
            ""
            if scope.is_province
            else "HAVING COUNT(a.id) > 0 OR EXISTS (SELECT 1 FROM agencies_dutyassignment da "
            f"WHERE da.duty_id = d.id AND {assigned})"
        )
        sql = f"""
            SELECT d.id, d.ref, d.summary, d.recurrence, {", ".join(figures)}
            FROM agencies_duty d
            LEFT JOIN activities_activity a
                ON a.duty_id = d.id AND a.status = %s AND a.start_date BETWEEN %s AND %s
                AND {where}
            WHERE d.plan_id = %s
            GROUP BY d.id
            {partial}
            ORDER BY d.position, d.id
        """
        return sql, [
            *figure_params,
            ACCEPTED,
            windows[0][0],
            windows[-1][1],
            *params,
            plan_in_force().pk,
            *([] if scope.is_province else assigned_params),
        ]

    def raw_cell(self, scope: Scope, cell: tuple) -> tuple[str, list]:
        """A cell's first page of 25 activities with their agency and the total, and the
        duty's assigned agencies in scope with whether they acted."""
        duty_id, start, end = cell
        where, params = _scope_sql(scope, "a.agency_id")
        assigned, assigned_params = _scope_sql(scope, "da.agency_id")
        sql = f"""
            WITH a AS (
                SELECT a.id, a.title, a.start_date, a.agency_id
                FROM activities_activity a
                WHERE a.status = %s AND a.duty_id = %s AND a.start_date BETWEEN %s AND %s
                      AND {where}
            )
            (SELECT 'activity', a.id, a.title, g.short_name, (SELECT COUNT(*) FROM a)
                FROM a JOIN agencies_agency g ON g.id = a.agency_id
                ORDER BY a.start_date, a.id LIMIT 25)
            UNION ALL
            SELECT 'assigned', g.id, g.short_name, NULL,
                   (SELECT COUNT(*) FROM a WHERE a.agency_id = g.id)
                FROM agencies_dutyassignment da JOIN agencies_agency g ON g.id = da.agency_id
                WHERE da.duty_id = %s AND {assigned}
        """
        return sql, [ACCEPTED, duty_id, start, end, *params, duty_id, *assigned_params]

    def raw_scorecard(self, scope: Scope) -> tuple[str, list]:
        """Per agency of the last ended period (those with its report, or with activities
        in it): activities logged (not drafts), accepted, accepted at first submission,
        returns; the report's state; the median days late of its late reports whose deadline
        falls in the three years up to the period's; its overdue requests."""
        period = (
            ReportingPeriod.objects.filter(end_date__lt=self.today)
            .order_by("-end_date", "-kind")
            .first()
        )
        acts, acts_params = _scope_sql(scope, "agency_id")
        late, late_params = _scope_sql(scope, "r.agency_id")
        req, req_params = _scope_sql(scope, "mr.agency_id")
        agencies, agencies_params = _scope_sql(scope, "g.id")
        local = "(r.submitted_at AT TIME ZONE %s)::date"
        sql = f"""
            WITH acts AS (
                SELECT agency_id, COUNT(*) AS logged,
                       COUNT(*) FILTER (WHERE status = %s) AS accepted,
                       COUNT(*) FILTER (WHERE status = %s AND return_count = 0) AS first_time,
                       SUM(return_count) AS returns
                FROM activities_activity
                WHERE status <> 'draft' AND start_date BETWEEN %s AND %s AND {acts}
                GROUP BY agency_id
            ), late AS (
                SELECT r.agency_id,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY {local} - p.deadline) AS days
                FROM reports_agencyreport r
                JOIN reports_reportingperiod p ON p.id = r.period_id
                WHERE r.status IN ('submitted', 'accepted') AND {local} > p.deadline
                      AND p.deadline > %s AND p.deadline <= %s AND {late}
                GROUP BY r.agency_id
            ), req AS (
                SELECT mr.agency_id, COUNT(*) AS overdue
                FROM activities_messagerecipient mr
                JOIN activities_message m ON m.id = mr.message_id
                WHERE m.kind = 'request' AND mr.answer_id IS NULL AND m.due_date < %s
                      AND {req}
                GROUP BY mr.agency_id
            )
            SELECT g.id, g.name, acts.logged, acts.first_time, acts.accepted, acts.returns,
                   rep.status, rep.submitted_at, late.days, req.overdue
            FROM agencies_agency g
            LEFT JOIN reports_agencyreport rep ON rep.agency_id = g.id AND rep.period_id = %s
            LEFT JOIN acts ON acts.agency_id = g.id
            LEFT JOIN late ON late.agency_id = g.id
            LEFT JOIN req ON req.agency_id = g.id
            WHERE (rep.id IS NOT NULL OR acts.agency_id IS NOT NULL) AND {agencies}
            ORDER BY g.name, g.id
        """
        tz = settings.TIME_ZONE
        deadline = period.deadline
        return sql, [
            ACCEPTED,
            ACCEPTED,
            period.start_date,
            period.end_date,
            *acts_params,
            tz,
            tz,
            deadline.replace(year=deadline.year - 3, day=min(deadline.day, 28)),
            deadline,
            *late_params,
            self.today,
            *req_params,
            period.pk,
            *agencies_params,
        ]

    @staticmethod
    def _occurrences_sql(first: date, last: date) -> tuple[str, list]:
        """The active observances' days from `first` to `last`: a yearly one in each year
        of the range (29/2 on 28/2 in a common year), a dated one on its date."""
        sql = """
            SELECT * FROM (
                SELECT o.id, o.title, o.country, o.kind, o.since_year, o.source,
                       COALESCE(o.on_date, make_date(y, o.month,
                           CASE WHEN o.month = 2 AND o.day = 29
                                AND NOT (y %% 4 = 0 AND (y %% 100 <> 0 OR y %% 400 = 0))
                           THEN 28 ELSE o.day END)) AS day
                FROM monitoring_observance o CROSS JOIN generate_series(%s, %s) AS y
                WHERE o.active AND (o.on_date IS NULL OR y = %s)
            ) occurrence
            WHERE day BETWEEN %s AND %s
        """
        return sql, [first.year, last.year, first.year, first, last]

    def raw_calendar(self, scope: Scope) -> tuple[str, list]:
        """This year's observances with the activities planned around them that the page
        names (see _planned_sql)."""
        return self._planned_sql(
            scope, date(self.year, 1, 1), date(self.year, 12, 31), _planned_statuses(scope)
        )

    def _planned_sql(
        self, scope: Scope, first: date, last: date, statuses: list[str]
    ) -> tuple[str, list]:
        """The observances' days from `first` to `last`, each with the first ten of the
        activities of `statuses` in scope (what the user reads: a leader the accepted ones,
        a member their agencies' of every state) that start from 30 days before to 7 days
        after it and are linked to its country, or for a day of no country are of the kind
        that marks it (a New-Year visit, else an event), and how many there are (the page
        names ten and links the others); columns (observance id, day, activity id, title,
        total). The days are read first (as the page does) and written into the statement
        as values, so that each window is an index range: joined to a table of days, the
        planner scans every accepted activity."""
        occurrences, occ_params = self._occurrences_sql(first, last)
        with connection.cursor() as cursor:
            cursor.execute(occurrences, occ_params)
            found = [(pk, day, country, kind) for pk, _t, country, kind, _y, _s, day in cursor]
        where, params = _scope_sql(scope, "a.agency_id")
        values = ", ".join(["(%s, %s::date, %s, %s)"] * len(found)) or "(0, NULL::date, '', '')"
        windows = " OR ".join(["a.start_date BETWEEN %s AND %s"] * len(found)) or "FALSE"
        window_params = [
            bound for _pk, day, *_o in found for bound in (day - timedelta(30), day + timedelta(7))
        ]
        sql = f"""
            WITH o(id, day, country, kind) AS (VALUES {values}),
            near AS MATERIALIZED (
                SELECT a.id, a.title, a.start_date, a.kind, c.country
                FROM activities_activity a
                LEFT JOIN activities_activitycountry c ON c.activity_id = a.id
                WHERE a.status = ANY(%s) AND ({windows}) AND {where}
            ), matched AS (
                SELECT DISTINCT o.id AS oid, m.id, m.title, m.start_date
                FROM o JOIN near m
                    ON m.start_date BETWEEN o.day - 30 AND o.day + 7
                    AND CASE WHEN o.country = ''
                        THEN m.kind = CASE WHEN o.kind = 'new_year_visit'
                                           THEN 'new_year_visit' ELSE 'event' END
                        ELSE m.country = o.country END
            ), ranked AS (
                SELECT matched.*, COUNT(*) OVER (PARTITION BY oid) AS total,
                       ROW_NUMBER() OVER (PARTITION BY oid ORDER BY start_date, id) AS rank
                FROM matched
            )
            SELECT o.id AS observance_id, o.day, r.id AS activity_id, r.title, r.total
            FROM o LEFT JOIN ranked r ON r.oid = o.id AND r.rank <= %s
            ORDER BY o.day, o.id, r.start_date, r.id
        """
        return sql, [
            *(value for occurrence in found for value in occurrence),
            statuses,
            *window_params,
            *params,
            SHOWN_PER_DATE,
        ]

    def raw_ics(self) -> tuple[str, list]:
        """This year's observances (the feed carries no activity)."""
        occurrences, params = self._occurrences_sql(date(self.year, 1, 1), date(self.year, 12, 31))
        return f"{occurrences} ORDER BY day, id", params

    # Measuring -------------------------------------------------------------------------
    def _get(self, case: Case):
        response = self.client.get(case.url, case.params, secure=True)
        streamed = response.streaming
        return response, b"".join(response.streaming_content) if streamed else response.content

    def measure(self, case: Case, repeat: int) -> Result:
        """The page's and the raw statement's timings (one warm-up each), the page's query
        count and slowest queries, the raw statement's row count; only the status when the
        page does not answer 200 (the others are still measured)."""
        self.client.force_login(case.user)
        response, body = self._get(case)
        if response.status_code != 200:
            return Result(case, response.status_code)
        with CaptureQueriesContext(connection) as log:
            self._get(case)
        runs = [(float(query["time"]) * 1000, query["sql"]) for query in log.captured_queries]
        page = _timed(lambda: self._get(case), repeat)
        sql, params = case.raw

        def run_raw() -> int:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return len(cursor.fetchall())

        rows = run_raw()
        raw = _timed(run_raw, repeat)
        return Result(case, 200, page, raw, rows, len(runs), runs, len(body))

    def print_table(self, results: list[Result], repeat: int) -> None:
        # Wall times on a shared machine grow with its load: the table says what it was.
        load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
        self.stdout.write(
            f"\nServer time in-process (django.test.Client), median, p95 and fastest of "
            f"{repeat} after one warm-up; raw = the page's figures as one SQL statement for "
            f"the same user (rows: its rows), timed the same way; budget {BUDGET_MS} ms (on "
            f"the median); load average {load} on {os.cpu_count()} CPUs\n"
        )
        header = (
            f"{'page':18s} {'role':6s} {'rows':>5s} {'median':>8s} {'p95':>8s} {'fastest':>8s} "
            f"{'raw':>8s} {'ratio':>7s} {'queries':>7s} {'KB':>6s}  ≤{BUDGET_MS} ms"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in results:
            if r.page is None:
                self.stdout.write(f"{r.case.page:18s} {r.case.role:6s} HTTP {r.status}")
                continue
            verdict = "yes" if r.page.median <= BUDGET_MS else "NO"
            self.stdout.write(
                f"{r.case.page:18s} {r.case.role:6s} {r.rows:5d} {r.page.median:6.1f}ms "
                f"{r.page.p95:6.1f}ms {min(r.page.times):6.1f}ms {r.raw.median:6.1f}ms "
                f"{r.page.median / r.raw.median:6.1f}x {r.queries:7d} {r.size / 1024:6.0f}  "
                f"{verdict}"
            )

    def print_explain(self, results: list[Result]) -> None:
        """For each page: the slowest query of its counted request under EXPLAIN (ANALYZE,
        BUFFERS) (its time, its scans of activities_activity), and the sequential scans of
        the activities' tables in the plans of all its queries (EXPLAIN without running)."""
        self.stdout.write(
            "\nThe slowest query of each page, EXPLAIN (ANALYZE, BUFFERS), and the sequential "
            "scans of activities_* tables in the plans of all its queries:"
        )
        for r in results:
            seq_scans = sorted(
                {
                    " ".join(line.strip().lstrip("-> ").split()[:4])
                    for _ms, sql in r.runs
                    for line in _plan(sql, analyze=False)
                    if "Seq Scan on activities_" in line
                }
            )
            for ms, sql in r.slowest:
                plan = _plan(sql, analyze=True)
                execution = next((line for line in plan if line.startswith("Execution")), "")
                self.stdout.write(
                    f"  {r.case.page} as {r.case.role}: slowest {ms:.1f} ms in the request, "
                    f"{execution.strip().lower()}; sequential scans of activities_* in its "
                    f"{r.queries} queries: {', '.join(seq_scans) or 'none'}"
                )
                self.stdout.write(f"    {' '.join(sql.split())[:160]}")
                for line in plan:
                    if "activities_activity " in line and "Scan" in line:
                        self.stdout.write(f"    {' '.join(line.split())}")


def _plan(sql: str, *, analyze: bool) -> list[str]:
    """The lines of the query plan of `sql`, a statement as it was sent (its parameters in
    it), run with buffers when `analyze`."""
    options = "ANALYZE, BUFFERS" if analyze else "COSTS OFF"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}")
        return [line for (line,) in cursor.fetchall()]


def _timed(func: Callable[[], object], repeat: int) -> Timing:
    """`func` called `repeat` times, each call's wall time in milliseconds."""
    times = []
    for _i in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return Timing(times)
