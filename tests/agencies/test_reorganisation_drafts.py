"""Handing a closed agency's pending drafts to its successor is a bulk operation: its cost
does not grow with the drafts, and each draft's history says who moved it, why, and still
names its partners and co-organisers."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Activity, Partner
from agencies import reorganisation as reorg
from agencies.reorganisation import Merge
from tests.factories import make_activity, make_user

pytestmark = pytest.mark.django_db

PAST = date(2025, 7, 1)


def drafts(author, agency: str, count: int) -> list[Activity]:
    partner, _ = Partner.objects.get_or_create(
        name="Hội Hữu nghị Nhật - Việt", kind="friendship", country="JP"
    )
    made = [
        make_activity(author, agency=agency, title=f"Dự thảo {n}", co_organisers=["BARIA"])
        for n in range(count)
    ]
    for activity in made:
        activity.partners.add(partner)
    return made


def merge_cost(actor, source: str, into: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        reorg.apply([Merge((source,), into, PAST)], actor=actor)
    return len(queries)


def test_the_merge_costs_the_same_with_3_or_30_drafts(manager, admin_user):
    drafts(manager, "VUNGTAU", 3)
    drafts(make_user("canbo.phumy", "PHUMY", "staff"), "PHUMY", 30)
    few = merge_cost(admin_user, "VUNGTAU", "LONGDIEN")
    many = merge_cost(admin_user, "PHUMY", "DATDO")
    assert many == few
    assert Activity.objects.filter(agency__code="DATDO").count() == 30


def test_a_moved_drafts_history_names_who_why_and_its_partners(manager, admin_user):
    [draft] = drafts(manager, "VUNGTAU", 1)
    reorg.apply([Merge(("VUNGTAU",), "BARIA", PAST)], actor=admin_user)
    draft.refresh_from_db()
    assert draft.agency.code == "BARIA" and draft.version == 2
    last = draft.history.order_by("-history_id").first()
    assert last.history_type == "~"
    assert last.history_user == admin_user
    assert last.agency_id == draft.agency_id
    assert "01/07/2025" in last.history_change_reason
    assert [p.partner.name for p in last.partners.all()] == ["Hội Hữu nghị Nhật - Việt"]
    assert [c.agency.code for c in last.co_organisers.all()] == ["BARIA"]
