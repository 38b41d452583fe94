"""Which plan applies when: the plans the province implements follow one another in time
(164/KH-UBND from 25/11/2019, then the plan that replaces it), and every page, report and
duty list asks this module instead of taking "the" plan."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from .models import Plan


def plan_in_force(on: date | None = None) -> Plan | None:
    """The plan in force on `on` (today when None); when none is, the latest that began
    before it (a plan that ended keeps being followed until another is loaded). None when no
    plan began by then. One query."""
    on = on or timezone.localdate()
    return Plan.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


def plan_for_period(start: date, end: date) -> Plan | None:
    """The plan a reporting period from `start` to `end` follows: the one in force on its last
    day, or, when a plan begins only after that, the one in force on its first. One query
    (two when the last day has none)."""
    return plan_in_force(end) or plan_in_force(start)
