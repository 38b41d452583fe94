"""Benchmark of the consolidated report: a year of N activities across 40 agencies, built end
to end (aggregation + PDF + XLSX annex) as the worker builds it, against the naive design that
puts every activity in a bordered table of the PDF. Each build runs in a fresh process, so its
peak memory (ru_maxrss) is its own. Prints the ratio of the two.

Run it on a throw-away PostgreSQL database: `make bench-reports` does.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from activities.models import Activity
from agencies.models import Agency, Duty, DutyAssignment
from reports import documents, pdf
from reports.consolidation import build_version, start_drafting
from reports.figures import activities_between, period_figures
from reports.models import ConsolidatedReport
from reports.periods import ensure_periods, get_period

YEAR = 2020
AGENCIES = 40


def pages(rendered: bytes) -> str:
    """The page count as poppler's pdfinfo reads it ("?" without poppler-utils)."""
    try:
        info = subprocess.run(["pdfinfo", "-"], input=rendered, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    found = re.search(rb"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    return found[1].decode() if found else "?"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Benchmark the consolidated report's build against a full-table PDF (bench DB only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--activities", type=int, default=5000)
        parser.add_argument(
            "--naive-rows",
            type=int,
            default=None,
            help="rows of the naive full table (default: all activities of the year)",
        )
        parser.add_argument("--child", choices=["build", "naive"], help=argparse.SUPPRESS)

    def handle(self, *args, activities: int, naive_rows: int | None, child: str | None, **o):
        if "bench" not in str(settings.DATABASES["default"]["NAME"]):
            raise CommandError("Run this on a database whose name contains 'bench'.")
        if child == "build":
            return self.child_build()
        if child == "naive":
            return self.child_naive(naive_rows)
        self.prepare(activities)
        counted = activities_between(*self.bounds()).count()
        self.stdout.write(f"database: {connection.vendor}; year {YEAR}: {counted} activities")
        ours = self.run_child("build")
        naive = self.run_child("naive", *([f"--naive-rows={naive_rows}"] if naive_rows else []))
        self.stdout.write(
            f"our build (aggregation + PDF + XLSX): {ours['seconds']:.2f} s, "
            f"peak {ours['peak_mb']:.0f} MB — figures {ours['figures']:.2f} s, "
            f"PDF {ours['pdf']:.2f} s ({ours['pages']} pages), XLSX {ours['xlsx']:.2f} s"
        )
        self.stdout.write(
            f"naive full table ({naive['rows']} rows in the PDF): {naive['seconds']:.2f} s, "
            f"peak {naive['peak_mb']:.0f} MB ({naive['pages']} pages)"
        )
        self.stdout.write(
            f"ratio naive/ours: time x{naive['seconds'] / ours['seconds']:.1f}, "
            f"memory x{naive['peak_mb'] / ours['peak_mb']:.1f}"
        )
        budget = "within" if ours["seconds"] <= 10 and ours["peak_mb"] <= 500 else "OVER"
        self.stdout.write(f"budget 10 s / 500 MB: {budget}")

    def bounds(self):
        period = get_period(str(YEAR))
        return period.start_date, period.end_date

    def prepare(self, count: int) -> None:
        """40 reporting agencies and `count` accepted activities in the year."""
        ensure_periods([YEAR - 1, YEAR])
        duty = Duty.objects.filter(ref__startswith="III.").first()
        existing = Agency.objects.exclude(code="UBNDTINH").count()
        for i in range(existing, AGENCIES):
            agency = Agency.objects.create(
                code=f"BENCH{i:02d}",
                name=f"Đơn vị thử nghiệm {i}",
                short_name=f"Đơn vị {i}",
                kind=Agency.Kind.OTHER,
            )
            DutyAssignment.objects.create(duty=duty, agency=agency, role="support")
        have = Activity.objects.count()
        if have < count:
            call_command(
                "generate_sample_data", activities=count - have, not_production=True, stdout=None
            )
        start, end = self.bounds()
        # Every activity accepted and dated inside the year, spread evenly over its days.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE activities_activity SET status = 'accepted', "
                "start_date = %s::date + (id %% %s)::integer, "
                "end_date = %s::date + (id %% %s)::integer",
                [start, (end - start).days + 1, start, (end - start).days + 1],
            )

    def run_child(self, kind: str, *extra: str) -> dict:
        result = subprocess.run(
            [sys.executable, "manage.py", "benchmark_reports", f"--child={kind}", *extra],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise CommandError(result.stderr[-2000:])
        return json.loads(result.stdout.strip().splitlines()[-1])

    def child_build(self) -> None:
        period = get_period(str(YEAR))
        report = start_drafting(actor=None, period=period, enqueue=False)
        began = time.perf_counter()
        figures = period_figures(period)
        t_figures = time.perf_counter()
        report.figures = figures
        rendered = documents.render_pdf(report)
        t_pdf = time.perf_counter()
        documents.render_xlsx(report)
        t_xlsx = time.perf_counter()
        # The real thing, as the worker runs it, for the total.
        full_began = time.perf_counter()
        build_version(report.pk, report.task_id)
        seconds = time.perf_counter() - full_began
        ConsolidatedReport.objects.filter(pk=report.pk).delete()
        self.stdout.write(
            json.dumps(
                {
                    "seconds": seconds,
                    "figures": t_figures - began,
                    "pdf": t_pdf - t_figures,
                    "xlsx": t_xlsx - t_pdf,
                    "pages": pages(rendered),
                    "peak_mb": peak_mb(),
                }
            )
        )

    def child_naive(self, rows: int | None) -> None:
        start, end = self.bounds()
        activities = activities_between(start, end).select_related("agency").order_by("start_date")
        if rows:
            activities = activities[:rows]
        began = time.perf_counter()
        listed = list(
            activities.values_list(
                "agency__short_name",
                "kind",
                "title",
                "start_date",
                "end_date",
                "place",
                "participants_vietnamese",
            )
        )
        rendered = pdf.render_pdf(
            "reports/pdf/benchmark_full_table.html",
            {
                "doc": {"title": "BÁO CÁO", "summary": "Danh sách đầy đủ", "year": YEAR},
                "rows": listed,
            },
        )
        seconds = time.perf_counter() - began
        self.stdout.write(
            json.dumps(
                {
                    "seconds": seconds,
                    "rows": len(listed),
                    "pages": pages(rendered),
                    "peak_mb": peak_mb(),
                }
            )
        )
