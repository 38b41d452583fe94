"""Agencies under the name they bore on a day, and agencies as today's organisation sees them.

A renamed agency has AgencyName rows covering every day; an agency never renamed has none and
bears `Agency.name` on every day (agencies.models.AgencyName). Records are shown under the
name in force on their date: an activity on its start date, a message on the day it was sent.

`NameBook` reads every AgencyName row in one query, the first time a name is asked, so a list
of any length costs that one query. `Lineage` reads every agency's (id, successor, parent) in
one query and answers, in Python, which agency carries a closed one's work today (following a
merge of merges) and which agencies sit under one (following `parent` down).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone

from .models import Agency, AgencyName


def as_date(when: date | datetime | None) -> date:
    """`when` as a local calendar day: a datetime in the portal's time zone, today when None."""
    if when is None:
        return timezone.localdate()
    if isinstance(when, datetime):
        return timezone.localdate(when) if timezone.is_aware(when) else when.date()
    return when


class NameBook:
    """The names agencies bore over time, read once (one query over AgencyName, whatever the
    number of rows or of records shown), then answered from memory.

    `name(agency, on)` and `short_name(agency, on)` give the name in force on `on` (a date, or
    a datetime read as its local day); an agency without AgencyName rows, or a day no row
    covers, gives the agency's current name.
    """

    def __init__(self, rows: Iterable[AgencyName] | None = None) -> None:
        self._rows: dict[int, list[AgencyName]] | None = None
        if rows is not None:
            self._index(rows)

    def _index(self, rows: Iterable[AgencyName]) -> None:
        by_agency: dict[int, list[AgencyName]] = defaultdict(list)
        for row in rows:
            by_agency[row.agency_id].append(row)
        self._rows = dict(by_agency)

    @property
    def rows(self) -> dict[int, list[AgencyName]]:
        """Every agency's AgencyName rows by agency id (the one query, on first use)."""
        if self._rows is None:
            self._index(AgencyName.objects.order_by("agency_id", "valid_from", "pk"))
        return self._rows  # type: ignore[return-value]

    def entry(self, agency: Agency, on: date | datetime | None) -> AgencyName | None:
        """The AgencyName row of `agency` in force on `on`, or None (never renamed, or no row
        covers that day)."""
        day = as_date(on)
        for row in self.rows.get(agency.pk, ()):
            if row.in_force(day):
                return row
        return None

    def name(self, agency: Agency, on: date | datetime | None) -> str:
        """The full name `agency` bore on `on` (its current name when no row says otherwise)."""
        row = self.entry(agency, on)
        return row.name if row else agency.name

    def short_name(self, agency: Agency, on: date | datetime | None) -> str:
        """The short name `agency` bore on `on` (its current short name when no row says
        otherwise; the full name when that is empty)."""
        row = self.entry(agency, on)
        if row:
            return row.short_name or row.name
        return agency.short_name or agency.name

    def former_names(self, agency: Agency) -> list[AgencyName]:
        """The rows of names `agency` bore before today's, oldest first."""
        today = timezone.localdate()
        return [
            row
            for row in self.rows.get(agency.pk, ())
            if row.valid_until is not None and row.valid_until <= today
        ]


class Lineage:
    """Which agency carries another's work today, and which sit under one.

    Built from one query of every agency's (id, successor_id, parent_id, closed_on);
    `agencies` may be given instead when the caller has the rows already (no query then).
    A successor carries an agency's work only from the agency's `closed_on` (its first day
    out): an agency whose closing is scheduled still carries its own work until then, though
    its successor is recorded already. `on` is the day asked about (today when None). Cycles
    in the data (which the admin's validation should prevent) are cut, never followed forever.
    """

    def __init__(self, agencies: Iterable[Agency] | None = None, on: date | None = None) -> None:
        self.by_id: dict[int, Agency] = {}
        day = on or timezone.localdate()
        if agencies is None:
            rows = list(Agency.objects.values_list("pk", "successor_id", "parent_id", "closed_on"))
        else:
            self.by_id = {a.pk: a for a in agencies}
            rows = [(a.pk, a.successor_id, a.parent_id, a.closed_on) for a in self.by_id.values()]
        # Successions in effect on `day` only (closed_on is the first day out).
        rows = [
            (pk, succ if closed_on is not None and closed_on <= day else None, parent)
            for pk, succ, parent, closed_on in rows
        ]
        self.successor: dict[int, int | None] = {pk: succ for pk, succ, _parent in rows}
        self._predecessors: dict[int, list[int]] = defaultdict(list)
        self._children: dict[int, list[int]] = defaultdict(list)
        for pk, succ, parent in rows:
            if succ is not None and succ != pk:
                self._predecessors[succ].append(pk)
            if parent is not None and parent != pk:
                self._children[parent].append(pk)

    def current(self, agency_id: int) -> int:
        """The agency that carries `agency_id`'s work today: its successor's successor … up to
        one without a successor (itself when it has none)."""
        seen = {agency_id}
        here = agency_id
        while (nxt := self.successor.get(here)) is not None and nxt not in seen:
            seen.add(nxt)
            here = nxt
        return here

    def current_agency(self, agency: Agency) -> Agency | None:
        """The Agency row carrying `agency`'s work today (`agency` itself when it carries its
        own), or None when this lineage was built without the rows (Lineage(agencies))."""
        current = self.current(agency.pk)
        return agency if current == agency.pk else self.by_id.get(current)

    @staticmethod
    def _closure(start: int, edges: dict[int, list[int]]) -> set[int]:
        found = {start}
        todo = [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in found:
                    found.add(nxt)
                    todo.append(nxt)
        return found

    def with_predecessors(self, agency_id: int) -> set[int]:
        """`agency_id` and every agency whose work it took over, transitively (a merge of
        merges)."""
        return self._closure(agency_id, self._predecessors)

    def with_descendants(self, agency_id: int) -> set[int]:
        """`agency_id` and every agency under it (`parent`, transitively)."""
        return self._closure(agency_id, self._children)

    def renamed_by_succession(self) -> dict[int, int]:
        """For each agency whose work another carries today: its id → that agency's id."""
        return {pk: current for pk in self.successor if (current := self.current(pk)) != pk}
