"""`python manage.py build_report --period …`: a version drafted in the foreground, the paths
of its files printed; a bad or missing period, a drafting in progress and a failure are clear
command errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reports import consolidation, documents
from reports.models import ConsolidatedReport

# The command drafts versions on top of the one data set, each test in a savepoint of it.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_dataset")]

Status = ConsolidatedReport.Status


@pytest.mark.parametrize(("code", "kind"), [("2020-H1", "half"), ("2020", "year")])
def test_build_report_prints_the_paths_of_both_files(dataset, code, kind):
    out = io.StringIO()

    call_command("build_report", "--period", code, stdout=out)

    report = ConsolidatedReport.objects.get()
    assert (report.period.kind, report.status, report.created_by) == (kind, Status.READY, None)
    lines = out.getvalue().splitlines()
    assert lines[1:] == [report.pdf.path, report.xlsx.path]
    assert Path(lines[1]).read_bytes().startswith(b"%PDF-")
    assert Path(lines[2]).read_bytes().startswith(b"PK")


def test_build_report_refuses_a_bad_code_and_a_missing_period(periods, vi):
    with pytest.raises(CommandError) as bad:
        call_command("build_report", "--period", "2020-H3")
    assert str(bad.value) == vi(
        "“%(code)s” is not a period: write 2020-H1 for six months or 2020 for a year."
    ) % {"code": "2020-H3"}
    with pytest.raises(CommandError) as missing:
        call_command("build_report", "--period", "2031")
    assert str(missing.value) == vi(
        "The period %(code)s does not exist yet: create it with "
        "`python manage.py create_periods --from %(year)s`."
    ) % {"code": "2031", "year": 2031}
    assert not ConsolidatedReport.objects.exists()


def test_build_report_refuses_while_a_build_is_in_progress(h1, reviewer, vi):
    consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)

    with pytest.raises(
        CommandError,
        match=re.escape(
            vi("A version of this report is already being drafted; wait until it is ready.")
        ),
    ):
        call_command("build_report", "--period", "2020-H1")
    assert ConsolidatedReport.objects.count() == 1


def test_build_report_that_fails_leaves_a_failed_version_not_a_stuck_one(
    h1, monkeypatch, failed_message
):
    def broken(version):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(documents, "render_pdf", broken)

    with pytest.raises(CommandError) as failed:
        call_command("build_report", "--period", "2020-H1")
    report = ConsolidatedReport.objects.get()
    assert report.status == Status.FAILED and report.finished_at
    assert report.error == failed_message("An unexpected error stopped the drafting.")
    assert str(failed.value).startswith(report.error)
    assert "template exploded" in str(failed.value)  # the operator sees the cause
