"""A successor's home page lists its closed predecessor's reports still to send (it sends them
in its place, reports.periods.report_actors_ids); an unrelated agency's does not."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from agencies import reorganisation as reorg
from agencies.reorganisation import Close
from reports.periods import ensure_periods
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Hội Cựu chiến binh closes after 2026-H1 ended (14/06/2026), into Ủy ban MTTQ.
CLOSING = date(2026, 6, 16)


def agency_reports_block(client, user) -> str:
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    return html.split('data-testid="agency-reports"')[1].split("</ul>")[0]


def test_the_successor_sees_its_predecessors_unsent_report_and_others_do_not(client):
    ensure_periods([2026])
    successor = make_user("mttq-m", "UBMTTQ", "manager")
    other = make_user("syt-m", "SYT", "manager")
    reorg.apply([Close("HCCB", CLOSING, successor="UBMTTQ")], actor=None)
    predecessor_report = reverse("reports:agency-report", args=["2026-H1", "HCCB"])
    assert predecessor_report in agency_reports_block(client, successor)
    assert predecessor_report not in agency_reports_block(client, other)
