"""What the report pages answer to input no page of theirs sends: a crafted agency in the
reminder form is a 404; a form whose hidden version is missing or broken says the form was
incomplete and to reload (not that someone else changed the report), keeps the text typed,
and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from doingoai.forms import MAX_INTEGER
from reports.forms import INCOMPLETE_FORM
from reports.models import AgencyReport, ConsolidatedReport
from tests.factories import make_activity

pytestmark = pytest.mark.django_db

BROKEN_VERSIONS = [None, "", "abc", "²", "0", "99999999999999999999", str(MAX_INTEGER + 1)]


def said(response) -> list[str]:
    """The flash messages a response carries to the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def alerts(html: str) -> list[str]:
    """The texts of the form's own alerts (templates/_form_errors.html)."""
    return re.findall(r'data-testid="form-errors">(.*?)</div>', html, re.S)


def with_version(data: dict, version: str | None) -> dict:
    return data if version is None else data | {"version": version}


@pytest.fixture
def ready(h1, staff, reviewer, build_now) -> ConsolidatedReport:
    """A ready draft of the province's report for 2020-H1."""
    make_activity(staff, status="accepted", reviewer=reviewer)
    return build_now(h1, reviewer)


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999", str(MAX_INTEGER + 1), "0"])
def test_a_crafted_agency_to_remind_is_404_and_reminds_nobody(client, reviewer, period, value):
    client.force_login(reviewer)
    response = client.post(reverse("reports:remind", args=[period.code]), {"agency": value})
    assert response.status_code == 404
    assert not AgencyReport.objects.filter(reminded_at__isnull=False).exists()


@pytest.mark.parametrize("version", BROKEN_VERSIONS)
def test_an_agency_report_form_without_its_version_says_to_reload(
    client, staff, report, vi, fresh, version
):
    client.force_login(staff)
    data = with_version({"results": "Kết quả đã viết", "action": "save"}, version)
    response = client.post(report.get_absolute_url(), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert alerts(html) == [escape(vi(str(INCOMPLETE_FORM)))]
    assert "Kết quả đã viết</textarea>" in html
    assert (fresh(report).version, fresh(report).results) == (1, "")


@pytest.mark.parametrize("version", BROKEN_VERSIONS)
def test_a_narrative_without_its_version_is_shown_again_with_its_text(
    client, reviewer, ready, vi, version
):
    client.force_login(reviewer)
    sections = {s: getattr(ready, s) for s in ready.SECTIONS}
    data = with_version(sections | {"situation": "Tình hình do Sở viết."}, version)
    response = client.post(ready.get_absolute_url(), data)
    assert response.status_code == 200  # not a redirect: the text typed is on the page
    html = response.content.decode()
    assert alerts(html) == [escape(vi(str(INCOMPLETE_FORM)))]
    assert "Tình hình do Sở viết.</textarea>" in html
    assert escape(vi("Please correct the errors below; nothing was saved.")) in html
    conflict = vi(
        "This version changed since you opened the page (now: %(status)s). Reload "
        "the page and check it again; nothing was done."
    )
    assert escape(conflict.split("(")[0]) not in html
    before = ready.version
    ready.refresh_from_db()
    assert (ready.version, ready.situation) == (before, sections["situation"])


@pytest.mark.parametrize("version", BROKEN_VERSIONS)
def test_issuing_without_the_version_says_the_form_was_incomplete(
    client, reviewer, ready, vi, version
):
    client.force_login(reviewer)
    url = reverse("reports:consolidated-issue", args=[ready.pk])
    response = client.post(url, with_version({}, version))
    assert response.status_code == 302
    assert said(response) == [vi(str(INCOMPLETE_FORM))]
    ready.refresh_from_db()
    assert (ready.status, ready.number) == (ConsolidatedReport.Status.READY, None)
