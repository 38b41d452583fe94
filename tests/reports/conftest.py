"""What the reports tests share: a renderer that stands in for WeasyPrint, private storage
per test, the periods, the agency reports in each state and the data set (made by
tests/factories.py, once per module where a module shares them), helpers that draft and issue
versions as the pages do, and the tools that read a PDF back (poppler-utils).

WeasyPrint takes about a second a document. Every test here gets `fake_renderer` (autouse):
the PDF template is still rendered (a broken template still fails the drafting) and the result
is a tiny valid one-page PDF; `rendered_words` reads what the PDF would say. Tests that read
the PDF WeasyPrint makes ask for `real_renderer`: the PDF's own tests, the security tests and
the end-to-end ones.
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext

from activities.models import Activity
from agencies.models import User
from reports import pdf
from reports.consolidation import issue_report, start_drafting
from reports.models import AgencyReport, ConsolidatedReport, ReportingPeriod
from tests.factories import (
    make_activity,
    make_agency_report,
    make_periods,
    make_report_dataset,
    make_user,
)
from tests.support import FakeRenderer, own_queue, redis_worker_app, shared_data

# ---------------------------------------------------------------------------- the renderer


@pytest.fixture(autouse=True)
def fake_renderer(request, monkeypatch) -> list[str]:
    """reports.pdf.render_pdf without WeasyPrint (tests.support.FakeRenderer): the HTML of
    each document it rendered, in order. Not applied to a test that asks for
    `real_renderer`."""
    if "real_renderer" in request.fixturenames:
        return []
    renderer = FakeRenderer()
    monkeypatch.setattr(pdf, "render_pdf", renderer)
    return renderer.rendered


@pytest.fixture
def rendered_words(fake_renderer) -> Callable[..., str]:
    """The text of a document the fake renderer was given (the last one unless `index` says
    otherwise), its HTML tags stripped and its words separated by one space: what its PDF
    would say, for a test that checks what the PDF says, not how WeasyPrint lays it out."""

    def read(index: int = -1) -> str:
        return " ".join(unescape(strip_tags(fake_renderer[index])).split())

    return read


@pytest.fixture
def real_renderer() -> None:
    """WeasyPrint itself, for a test that reads the PDF it makes."""


@pytest.fixture
def poppler() -> Callable[..., str]:
    """Run a poppler-utils tool (pdftotext, pdfinfo, pdffonts, pdfdetach); its output."""

    def run(tool: str, *args: str | Path) -> str:
        if shutil.which(tool) is None:
            pytest.fail(
                f"`{tool}` is missing: install poppler-utils (apt-get install poppler-utils)"
            )
        result = subprocess.run(
            [tool, *map(str, args)], capture_output=True, text=True, check=True, timeout=60
        )
        return result.stdout

    return run


@pytest.fixture
def pdf_words(poppler) -> Callable[[ConsolidatedReport | Path | str], str]:
    """The text of a version's PDF (or of a PDF file), its words separated by one space."""

    def read(source: ConsolidatedReport | Path | str) -> str:
        path = source.pdf.path if isinstance(source, ConsolidatedReport) else source
        return " ".join(poppler("pdftotext", "-layout", path, "-").split())

    return read


class Recorder(http.server.ThreadingHTTPServer):
    """A local HTTP server that records every connection and request made to it."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    def verify_request(self, request, client_address) -> bool:
        self.connections.append(client_address)  # any TCP connection, even without a request
        return True


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 5

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"root:x:0:0:secret")

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[Recorder]:
    server = Recorder()
    # Polled every 50 ms (not Python's 0.5 s), so that shutting it down does not wait.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def fetched(monkeypatch) -> list[tuple[str, bool]]:
    """Every URL WeasyPrint asked the fetcher for, and whether it was served."""
    calls: list[tuple[str, bool]] = []
    real = pdf.fetch_url

    def spy(url: str):
        try:
            response = real(url)
        except Exception:
            calls.append((url, False))
            raise
        calls.append((url, True))
        return response

    monkeypatch.setattr(pdf, "fetch_url", spy)
    return calls


# ---------------------------------------------------------------------------- files


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path) -> Path:
    """Each test stores its PDFs and XLSX files in its own folder, so they can be counted."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    return location


@pytest.fixture
def stored(private_files) -> Callable[[str], list[Path]]:
    """The files of one suffix ("pdf", "xlsx") in this test's storage."""

    def files(suffix: str) -> list[Path]:
        return sorted(private_files.rglob(f"*.{suffix}")) if private_files.exists() else []

    return files


# ---------------------------------------------------------------------------- messages


@pytest.fixture
def vi() -> Callable[..., str]:
    """A message as a Vietnamese user reads it (the catalogue's text once translated), with
    its placeholders filled from keyword arguments."""

    def translate(message: str, **values) -> str:
        with translation.override("vi"):
            text = gettext(message)
        return text % values if values else text

    return translate


@pytest.fixture
def failed_message(vi) -> Callable[[str], str]:
    """What a version failed for `reason` says."""
    return lambda reason: (
        vi("%(reason)s Nothing was lost: draft it again.") % {"reason": vi(reason)}
    )


@pytest.fixture
def stale_text(vi) -> str:
    return vi(
        "The drafting was interrupted (the worker stopped or did not answer in time). "
        "Nothing was lost: draft it again."
    )


# ---------------------------------------------------------------------------- people and periods


@pytest.fixture
def boss(db) -> User:
    """A manager of SLDTBXH, who sends its report."""
    return make_user("boss", "SLDTBXH", "manager", full_name="Võ Thành Công")


@pytest.fixture
def periods(db) -> dict[str, ReportingPeriod]:
    """The periods of 2019 and 2020, by code, with every reporting agency's draft."""
    return make_periods(2019, 2020)


@pytest.fixture
def h1(periods) -> ReportingPeriod:
    return periods["2020-H1"]


@pytest.fixture
def period(db) -> ReportingPeriod:
    """2020-H1, when only the periods of 2020 exist."""
    return make_periods(2020)["2020-H1"]


@pytest.fixture
def report(period) -> AgencyReport:
    """The SLDTBXH draft for the first six months of 2020."""
    return period.agency_reports.get(agency__code="SLDTBXH")


# ---------------------------------------------------------------------------- activities


@pytest.fixture
def fresh() -> Callable[[AgencyReport], AgencyReport]:
    """The report as the database has it now."""
    return lambda report: AgencyReport.objects.get(pk=report.pk)


@pytest.fixture
def counted_in() -> Callable[[ReportingPeriod], list[Activity]]:
    """The activities a period's report must count, found without the code under test."""

    def counted(period: ReportingPeriod) -> list[Activity]:
        return [
            a
            for a in Activity.objects.select_related("agency").order_by("pk")
            if a.status == "accepted" and period.start_date <= a.start_date <= period.end_date
        ]

    return counted


# The agencies whose report of 2020-H1 `states` brings to each status.
REPORT_STATES = {"draft": "SLDTBXH", "submitted": "SYT", "accepted": "HLHPN", "returned": "SGDDT"}


@pytest.fixture(scope="module")
def module_report_states(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:
    """The reports of 2020-H1 of REPORT_STATES, made once for the module that asks for them
    (tests/support.py shared_data): SLDTBXH's an untouched draft, the others written and sent
    by a manager of their own (mgrsyt, mgrhlhpn, mgrsgddt), then accepted or returned for
    "Thiếu số liệu" by a reviewer who is not the cast's. Their ids by status."""

    def build() -> dict[str, int]:
        period = make_periods(2020)["2020-H1"]
        reviewer = make_user("states-reviewer", "SNGV", "reviewer")
        return {
            status: make_agency_report(
                period,
                code,
                status=status,
                sender=None
                if status == "draft"
                else make_user(f"mgr{code.lower()}", code, "manager"),
                reviewer=reviewer,
            ).pk
            for status, code in REPORT_STATES.items()
        }

    with shared_data(django_db_blocker, build) as ids:
        yield ids


@pytest.fixture
def states(module_report_states, period) -> dict[str, AgencyReport]:
    """The report of 2020-H1 in each status (module_report_states), read again for this
    test."""
    return {status: AgencyReport.objects.get(pk=pk) for status, pk in module_report_states.items()}


@pytest.fixture(scope="module")
def module_dataset(django_db_setup, django_db_blocker) -> Iterator[dict[str, list[int]]]:
    """make_report_dataset made once for a module (tests/support.py shared_data) by members of
    its own, not the cast: the activities' ids. A module whose tests may all see the data set
    asks for it with `pytest.mark.usefixtures("module_dataset")`; `dataset` then reads it."""

    def build() -> dict[str, list[int]]:
        made = make_report_dataset(
            staff=make_user("dataset-staff", "SLDTBXH", "staff"),
            manager=make_user("dataset-manager", "VUNGTAU", "manager"),
            reviewer=make_user("dataset-reviewer", "SNGV", "reviewer"),
            syt_staff=make_user("dataset-syt", "SYT", "staff"),
        )
        return {key: [activity.pk for activity in rows] for key, rows in made.items()}

    with shared_data(django_db_blocker, build) as ids:
        yield ids


@pytest.fixture
def dataset(request, h1) -> dict[str, list[Activity]]:
    """tests/factories.py's make_report_dataset, by its key: the module's (read again for
    this test) where the module shares one, otherwise made for this test by the cast."""
    if "module_dataset" in request.fixturenames:
        shared = request.getfixturevalue("module_dataset")
        return {key: [Activity.objects.get(pk=pk) for pk in ids] for key, ids in shared.items()}
    cast = {
        name: request.getfixturevalue(name)
        for name in ("staff", "manager", "reviewer", "syt_staff")
    }
    return make_report_dataset(**cast)


# ---------------------------------------------------------------------------- versions


@pytest.fixture
def build_now(django_capture_on_commit_callbacks) -> Callable[..., ConsolidatedReport]:
    """A new version of `period`, drafted by the (eager) task once the transaction commits."""

    def build(period: ReportingPeriod, actor) -> ConsolidatedReport:
        with django_capture_on_commit_callbacks(execute=True):
            report = start_drafting(actor=actor, period=period)
        report.refresh_from_db()
        return report

    return build


@pytest.fixture
def issue_now(django_capture_on_commit_callbacks) -> Callable[..., ConsolidatedReport]:
    """`report` issued by `actor`, the leaders told (after commit)."""

    def issue(report: ConsolidatedReport, actor) -> ConsolidatedReport:
        with django_capture_on_commit_callbacks(execute=True):
            issued = issue_report(actor=actor, report=report)
        issued.refresh_from_db()
        return issued

    return issue


@pytest.fixture
def two_ready(h1, staff, reviewer, build_now) -> tuple[ConsolidatedReport, ...]:
    """Versions 1 and 2 of 2020-H1, both ready."""
    make_activity(staff, status="accepted", reviewer=reviewer)
    return build_now(h1, reviewer), build_now(h1, reviewer)


@pytest.fixture
def queue() -> Iterator[str]:
    """A Redis queue of this test's own, for a real worker (tests/support.py own_queue)."""
    with own_queue("reports-test") as name:
        yield name


@pytest.fixture
def worker_app(queue):
    """The reports' tasks on a Celery app sending through Redis to `queue`."""
    with redis_worker_app(queue, "reports") as app:
        yield app
