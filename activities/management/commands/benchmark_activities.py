"""Benchmarks of the activities issue, each printed as a ratio to a baseline of the same run.

1. Import of N rows (preview + commit): our importer, django-import-export's default per-row
   import of the same rows (dry run + real run), and a plain bulk_create of the same rows.
2. The activity list with M activities in the database: server time of the page against a raw
   SQL count of the same filter.
3. The inbox with K messages: the same comparison.
4. The export of E real activities (the generated ones): the XLSX export's typed cells
   (doingoai.xlsx) and the CSV export against the plain-cells writer the XLSX export had before
   (each value appended as openpyxl makes it), over the same rows in the same run.

Run it on a throw-away PostgreSQL database: `make bench` does.
"""

from __future__ import annotations

import io
import json
import random
import statistics
import time

import tablib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from openpyxl import Workbook

from activities.exchange.models import Message, MessageRecipient
from activities.exports import EXPORT_MAX_ROWS, escape, export_records, to_csv, to_xlsx
from activities.filters import ActivityFilter
from activities.imports import COLUMNS, SHEET_DATE_FORMAT, check_rows, import_rows, read_sheet
from activities.models import Activity, ActivityCountry
from activities.resources import ActivityResource
from agencies import permissions
from agencies.models import Agency, User
from agencies.services import create_account


def _account(username: str, agency: str, role: str) -> User:
    """A benchmark account (create_account is idempotent)."""
    return create_account(
        actor=None, username=username, agency_code=agency, role=role, password="DoiNgoai@2026"
    ).user


def sheet(n: int) -> bytes:
    """N correct rows for SLDTBXH, as a user would fill in the template."""
    workbook = Workbook(write_only=True)
    rows = workbook.create_sheet()
    rows.append([str(c.header) for c in COLUMNS])
    for i in range(n):
        values = {
            "agency": "SLDTBXH",
            "kind": "Đón đoàn nước ngoài vào",
            "title": f"Đón đoàn công tác thử số {i}",
            "start_date": f"{1 + i % 28:02d}/03/2020",
            "end_date": f"{1 + i % 28:02d}/03/2020",
            "place": "Vũng Tàu",
            "duty": "III.3.2",
            "countries": "JP; Hàn Quốc",
        }
        rows.append([values.get(c.key, "") for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain_xlsx(activities) -> bytes:
    """The XLSX export as it was written before typed cells: each value appended as openpyxl
    makes a cell of it, texts escaped as in the CSV export (the baseline of bench_export)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Activities")
    for row in export_records(activities):
        sheet.append(["" if v is None else escape(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Benchmark import and list pages; prints ratios (use a throw-away database)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--list-activities", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--messages", type=int, default=50_000)
        parser.add_argument("--export-rows", type=int, default=EXPORT_MAX_ROWS)

    def handle(self, *args, **options) -> None:
        if "bench" not in str(settings.DATABASES["default"]["NAME"]):
            raise CommandError("Run this on a database whose name contains 'bench'.")
        self.stdout.write(f"database: {connection.vendor}")
        self.bench_import(options["rows"])
        self.bench_list(options["list_activities"], options["repeat"])
        self.bench_inbox(options["messages"], options["repeat"])
        self.bench_export(options["export_rows"])

    # 1. Import --------------------------------------------------------------------------
    def bench_import(self, n: int) -> None:
        if n <= 0:
            return
        user = _account("bench.import", "SLDTBXH", "staff")
        content = sheet(n)
        agency = Agency.objects.get(code="SLDTBXH")

        def clear() -> None:
            Activity.history.filter(agency=agency).delete()
            Activity.objects.filter(agency=agency).delete()

        clear()
        # As the pages do it: read and check for the preview, keep the rows as JSON, then
        # check them again and save them on confirmation.
        started = time.perf_counter()
        rows = read_sheet("bench.xlsx", content)
        preview = check_rows(user=user, rows=rows)
        assert preview.ok, preview.errors[:3]
        kept = json.dumps(rows)
        result = import_rows(user=user, rows=[tuple(r) for r in json.loads(kept)])
        ours = time.perf_counter() - started
        assert result.created == n
        data = preview.rows
        clear()

        def plain_activities() -> list[Activity]:
            return Activity.objects.bulk_create(
                [
                    Activity(
                        agency=d.agency,
                        kind=d.kind,
                        title=d.title,
                        start_date=d.start_date,
                        end_date=d.end_date,
                        place=d.place,
                        duty=d.duty,
                        created_by=user,
                    )
                    for d in data
                ],
                batch_size=1000,
            )

        started = time.perf_counter()
        with transaction.atomic():
            plain_activities()
        plain = time.perf_counter() - started
        clear()

        # The same records the import writes: each activity, its history row, its countries.
        started = time.perf_counter()
        with transaction.atomic():
            created = plain_activities()
            Activity.history.bulk_history_create(created, batch_size=1000, default_user=user)
            ActivityCountry.objects.bulk_create(
                [
                    ActivityCountry(activity=a, country=c)
                    for a, d in zip(created, data, strict=True)
                    for c in set(d.countries)
                ],
                batch_size=2000,
            )
        plain_same = time.perf_counter() - started
        clear()

        dataset = tablib.Dataset(
            headers=["agency", "kind", "title", "start_date", "end_date", "place"]
        )
        for d in data:
            dataset.append(
                [
                    d.agency.code,
                    d.kind,
                    d.title,
                    date_format(d.start_date, SHEET_DATE_FORMAT),
                    date_format(d.end_date, SHEET_DATE_FORMAT),
                    d.place,
                ]
            )
        resource = ActivityResource()
        started = time.perf_counter()
        dry = resource.import_data(dataset, dry_run=True)
        real = resource.import_data(dataset, dry_run=False, use_transactions=True)
        default = time.perf_counter() - started
        assert not dry.has_errors() and not real.has_errors()
        clear()

        self.stdout.write(f"\nImport of {n:,} rows (preview + commit)")
        self.stdout.write(f"  ours                   {ours:8.2f} s  {n / ours:9,.0f} rows/s")
        self.stdout.write(f"  import-export per-row  {default:8.2f} s  {n / default:9,.0f} rows/s")
        self.stdout.write(
            f"  bulk_create, same records (activity, its history, countries) "
            f"{plain_same:6.2f} s  {n / plain_same:9,.0f} rows/s"
        )
        self.stdout.write(
            f"  bulk_create, activity rows alone {plain:6.2f} s  {n / plain:9,.0f} rows/s"
        )
        self.stdout.write(
            f"  ours vs import-export: {default / ours:.1f}x the throughput (goal >= 5x)"
        )
        self.stdout.write(
            f"  ours vs bulk_create of the same records: {ours / plain_same:.1f}x the time "
            f"(goal <= 2x); vs the activity rows alone: {ours / plain:.1f}x"
        )

    # 2. List ----------------------------------------------------------------------------
    def bench_list(self, total: int, repeat: int) -> None:
        if total <= 0:
            return
        have = Activity.objects.count()
        if have < total:
            call_command(
                "generate_sample_data",
                activities=total - have,
                not_production=True,
                stdout=io.StringIO(),
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load
        reviewer = _account("bench.reviewer", "SNGV", "reviewer")
        staff = User.objects.get(username="mau.vungtau")
        client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0])
        self.stdout.write(
            f"\nList page with {Activity.objects.count():,} activities "
            f"(median of {repeat}, server time in-process)"
        )
        cases = [
            ("reviewer, all I may see", reviewer, "activities:list", {}),
            ("reviewer, search 'nhat ban'", reviewer, "activities:list", {"q": "nhat ban"}),
            (
                "reviewer, kind + country + year",
                reviewer,
                "activities:list",
                {
                    "kind": "inbound",
                    "country": "JP",
                    "date_from": "01/01/2022",
                    "date_to": "31/12/2022",
                },
            ),
            ("district staff, my agency", staff, "activities:mine", {}),
        ]
        for label, user, url_name, params in cases:
            base = (
                Activity.objects.of_agencies(user)
                if url_name == "activities:mine"
                else Activity.objects.visible_to(user)
            )
            self._page_vs_count(
                client,
                label,
                user,
                reverse(url_name),
                params,
                ActivityFilter(params, queryset=base).qs,
                repeat,
            )

    # 3. Inbox ---------------------------------------------------------------------------
    def bench_inbox(self, total: int, repeat: int) -> None:
        if total <= 0:
            return
        rng = random.Random(164)
        agencies = list(Agency.objects.all()[:20])
        sender = _account("bench.reviewer", "SNGV", "reviewer")
        district = _account("bench.district", "VUNGTAU", "manager")
        kinds = [Message.Kind.INFORMATION, Message.Kind.REQUEST, Message.Kind.GUIDANCE]
        for start in range(0, total, 5000):
            batch = [
                Message(
                    sender_agency=rng.choice(agencies),
                    sent_by=sender,
                    kind=rng.choice(kinds),
                    subject=f"Văn bản thử {start + i}",
                    body="Nội dung trao đổi.",
                    search_text=f"van ban thu {start + i}",
                )
                for i in range(min(5000, total - start))
            ]
            created = Message.objects.bulk_create(batch)
            MessageRecipient.objects.bulk_create(
                [
                    MessageRecipient(
                        message=m, agency=a, read_at=None if rng.random() < 0.2 else timezone.now()
                    )
                    for m in created
                    for a in rng.sample(agencies, 3)
                    if a != m.sender_agency
                ]
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0])
        self.stdout.write(
            f"\nInbox with {Message.objects.count():,} messages, "
            f"{MessageRecipient.objects.count():,} recipient rows, "
            f"{len(agencies)} agencies (median of {repeat})"
        )
        for label, user, url_name in [
            ("district inbox", district, "exchange:inbox"),
            ("SNGV sent", sender, "exchange:outbox"),
        ]:
            mine = permissions.message_agency_ids(user)
            base = (
                Message.objects.filter(recipients__agency_id__in=mine).distinct()
                if url_name == "exchange:inbox"
                else Message.objects.filter(sender_agency_id__in=mine)
            )
            self._page_vs_count(client, label, user, reverse(url_name), {}, base, repeat)

    # 4. Export --------------------------------------------------------------------------
    def bench_export(self, rows: int) -> None:
        if rows <= 0:
            return
        have = Activity.objects.count()
        if have < rows:
            call_command(
                "generate_sample_data",
                activities=rows - have,
                not_production=True,
                stdout=io.StringIO(),
            )
        last = Activity.objects.order_by("pk").values_list("pk", flat=True)[rows - 1]
        activities = Activity.objects.filter(pk__lte=last).order_by("pk")
        with translation.override("vi"):
            figures = {
                label: min(self._seconds(write, activities) for _i in range(3))
                for label, write in [
                    ("plain cells (before)", _plain_xlsx),
                    ("typed cells", to_xlsx),
                    ("CSV", to_csv),
                ]
            }
        baseline = figures["plain cells (before)"]
        self.stdout.write(f"\nExport of {rows:,} activities (best of 3, the same rows)")
        for label, seconds in figures.items():
            self.stdout.write(
                f"  {label:22s} {seconds:6.2f} s · {seconds / baseline:4.2f}x the plain cells"
            )

    @staticmethod
    def _seconds(write, activities) -> float:
        started = time.perf_counter()
        write(activities)
        return time.perf_counter() - started

    def _page_vs_count(self, client, label, user, url, params, queryset, repeat) -> None:
        """Print a page's median server time against a raw SQL count of the same rows."""
        client.force_login(user)
        client.get(url, params, secure=True)
        page_ms = self._median(lambda: client.get(url, params, secure=True), repeat)
        sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()

        def raw_count() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS t", sql_params)
                cursor.fetchone()

        count_ms = self._median(raw_count, repeat)
        self.stdout.write(
            f"  {label:34s} page {page_ms:7.1f} ms · raw count "
            f"{count_ms:6.1f} ms · ratio {page_ms / count_ms:5.1f}x"
        )

    @staticmethod
    def _median(func, repeat: int) -> float:
        times = []
        for _i in range(repeat):
            started = time.perf_counter()
            func()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)
