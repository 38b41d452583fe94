"""When an agency's report counts as sent: submitted or accepted (a returned one is back with the
agency), one definition (AgencyReport.SENT_STATUSES) that the report, its queryset, the
completeness table, the province's figures and the status table all ask."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reports import completeness
from reports.agency_reports import WORKFLOW
from reports.figures import period_figures
from reports.models import AgencyReport

pytestmark = pytest.mark.django_db

SENT = {"submitted", "accepted"}


def test_sent_means_submitted_or_accepted_everywhere(states, period):
    assert set(AgencyReport.SENT_STATUSES) == SENT
    assert set(states) == {"draft", "submitted", "accepted", "returned"}
    today = timezone.localdate()
    for status, report in states.items():
        sent = status in SENT
        assert report.was_sent is sent, status
        assert AgencyReport.objects.sent().filter(pk=report.pk).exists() is sent, status
        state = completeness.state_of(report.status, report.submitted_at, period, today)
        assert (state in {"on_time", "late"}) is sent, status
        assert (status in WORKFLOW["return"].sources) is sent, status  # a sent one is returned
    submissions = period_figures(period)["submissions"]
    assert submissions["sent"] == AgencyReport.objects.sent().filter(period=period).count() == 2
