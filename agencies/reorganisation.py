"""Reorganising the province on a date: merge, split, rename and close agencies, and the
issuing authority that signs the province's reports from that date.

Since 1/7/2025 (Resolution 202/2025/QH15; Law 72/2025/QH15 on local government) Bà Rịa - Vũng
Tàu is part of Hồ Chí Minh City, the district level is gone, and wards, communes and special
zones took over its work. The portal follows such changes as data: agencies work between dates
(`established_on`, `closed_on`), bear dated names (AgencyName), pass their work to a successor,
and their memberships end on the closing day, kept.

A call takes a list of operations (a file is one call) and is one transaction:

- `preview(operations, actor)` does the whole work inside a savepoint that is rolled back and
  returns what it would change;
- `apply(operations, actor, reason)` does the same work and keeps it.

Both return a `Summary`, so a preview and the application that follows never disagree. Every
operation is checked before anything is written; any problem raises ReorganisationError with
every message (in Vietnamese, naming the operation and the code) and nothing changes.

A date in the future schedules the change: everything in the portal reads dates, so an agency
closed tomorrow still works today. The daily task `agencies.tasks.apply_scheduled_names`
(apply_scheduled_names below) makes today's names, kinds and pending drafts follow on the day.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activities.models import Activity
from doingoai.dates import check_plausible_date
from doingoai.jsonfiles import JSONFileError, parse_json_text
from doingoai.text import change_reason, clean_text
from reports import periods as report_periods
from reports.models import AgencyReport, IssuingAuthority, ReportingPeriod

from . import permissions
from .models import Agency, AgencyName, Duty, DutyAssignment, Membership, Reorganisation, User

CODE_RE = re.compile(r"^[A-Z0-9_]+$", re.ASCII)
CODE_MAX = Agency._meta.get_field("code").max_length
NAME_MAX = Agency._meta.get_field("name").max_length
SHORT_NAME_MAX = Agency._meta.get_field("short_name").max_length
EDITABLE = Activity.EDITABLE_STATUSES


class ReorganisationError(Exception):
    """The operations cannot be applied; `messages` lists every problem (Vietnamese, for the
    user). Nothing was written."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


# ---------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class NewAgency:
    """An agency a merge or a split creates: it works from the operation's date. `parent` is
    the code of the agency it sits under (e.g. the city for a ward); `short_name` defaults to
    the name."""

    code: str
    name: str
    kind: str
    short_name: str = ""
    parent: str = ""


@dataclass(frozen=True)
class Merge:
    """`sources` (codes, at least one) close on `effective_on` and pass their work to `into`:
    the code of an agency in operation that day, or a NewAgency created that day."""

    sources: tuple[str, ...]
    into: str | NewAgency
    effective_on: date
    reason: str = ""
    label: str = ""


@dataclass(frozen=True)
class Split:
    """`source` closes on `effective_on`; its work goes to each of `into` (at least two: codes
    of agencies in operation that day or NewAgency); the first is its successor."""

    source: str
    into: tuple[str | NewAgency, ...]
    effective_on: date
    reason: str = ""
    label: str = ""


@dataclass(frozen=True)
class Rename:
    """Agency `code` bears `name` (and `short_name`, by default the name) from `effective_on`;
    records dated before keep the old name. `kind`, when given, changes the agency's kind on
    that day too (the province's People's Committee becoming the city's)."""

    code: str
    name: str
    effective_on: date
    short_name: str = ""
    kind: str = ""
    reason: str = ""
    label: str = ""


@dataclass(frozen=True)
class Close:
    """Agency `code` no longer works from `effective_on` (dissolved); `successor`, when given,
    is the code of the agency that takes over its work."""

    code: str
    effective_on: date
    successor: str = ""
    reason: str = ""
    label: str = ""


@dataclass(frozen=True)
class Authority:
    """Who issues the province's consolidated report from `effective_on`: a new
    reports.IssuingAuthority (the header of Decree 30/2020 Appendix I, the place in the date
    line, the number suffix, the recipients and the signature block)."""

    effective_on: date
    issuer_parent: str
    issuer: str
    place: str
    number_suffix: str
    signer_title: str
    signer_authority: str = ""
    signer_name: str = ""
    recipients: str = ""
    archive: str = ""
    reason: str = ""
    label: str = ""


Operation = Merge | Split | Rename | Close | Authority
AUTHORITY = "authority"
KIND_OF = {
    Merge: Reorganisation.Kind.MERGE,
    Split: Reorganisation.Kind.SPLIT,
    Rename: Reorganisation.Kind.RENAME,
    Close: Reorganisation.Kind.CLOSE,
    Authority: AUTHORITY,
}


def operation_kind_label(kind: str) -> str:
    """The Vietnamese (portal language) label of an operation kind, the authority included."""
    if kind == AUTHORITY:
        return _("Issuing authority")
    return str(Reorganisation.Kind(kind).label)


# ---------------------------------------------------------------------------- the summary


@dataclass(frozen=True)
class AgencyLine:
    """An agency created: code, name, kind label, parent code, first day in operation."""

    code: str
    name: str
    kind: str
    parent: str
    established_on: date


@dataclass(frozen=True)
class ClosedLine:
    """An agency closed on `closed_on` (its first day out of operation), with its successor."""

    code: str
    name: str
    closed_on: date
    successor: str


@dataclass(frozen=True)
class RenamedLine:
    """A rename: the old and new names, the day, and the kinds (values) when it changes too."""

    code: str
    old_name: str
    new_name: str
    on: date
    old_kind: str = ""
    new_kind: str = ""

    @property
    def kind_change(self) -> str:
        """ "Provincial leadership → People's Committee of a …" (labels), "" without a change."""
        if not self.new_kind:
            return ""
        labels = dict(Agency.Kind.choices)
        old, new = (labels.get(kind, kind) for kind in (self.old_kind, self.new_kind))
        return f"{old} → {new}"


@dataclass(frozen=True)
class MembershipLine:
    """A membership ended on `ended_on` (its agency closed); `role` is the role's label."""

    username: str
    full_name: str
    agency: str
    role: str
    ended_on: date


@dataclass(frozen=True)
class DraftLine:
    """A pending activity (draft or returned) of a closed agency, and where it goes ("" when
    the agency has no successor: it stays and can no longer be submitted). `on` is the day it
    moves (the closing day; a move scheduled ahead is made by the daily task)."""

    activity_id: int
    title: str
    agency: str
    successor: str
    on: date


@dataclass(frozen=True)
class ReportLine:
    """An agency's draft report for a period (period code such as 2025-H1), added or removed
    when the expected reports are brought in line with the organisation."""

    agency: str
    agency_name: str
    period: str


@dataclass(frozen=True)
class PendingReportLine:
    """A periodic report a closing agency is expected to send (reports.periods.expected_by_period:
    it works on the period's last day) and has not sent, whose deadline is on or after the
    closing day `closed_on`. Its successor (code and name; "" without one) sends it in its
    place (reports.agency_reports.report_actors_ids); without one nobody can once it closes.
    `period` is the code (2026-H1), `period_label` its label."""

    agency: str
    agency_name: str
    period: str
    period_label: str
    deadline: date
    closed_on: date
    successor: str = ""
    successor_name: str = ""

    @property
    def text(self) -> str:
        """The line the preview, the summary and the command show, in the active language."""
        values = {
            "period": self.period_label or self.period,
            "deadline": dmy(self.deadline),
            "successor": self.successor_name or self.successor,
            "date": dmy(self.closed_on),
        }
        if self.successor:
            return (
                _(
                    "Report for %(period)s not sent (due %(deadline)s): the successor "
                    "%(successor)s will send it in its place"
                )
                % values
            )
        return (
            _(
                "Report for %(period)s not sent (due %(deadline)s): nobody will be able to "
                "send it: send it before %(date)s"
            )
            % values
        )


@dataclass(frozen=True)
class UserLine:
    username: str
    full_name: str


@dataclass(frozen=True)
class AuthorityLine:
    valid_from: date
    issuer_parent: str
    issuer: str
    place: str


@dataclass
class OperationResult:
    """What one operation changed. `reorganisation_id` is the Reorganisation row written
    (None in a preview and for an issuing authority, which has no such row)."""

    kind: str
    effective_on: date
    label: str
    reason: str
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    created: list[AgencyLine] = field(default_factory=list)
    closed: list[ClosedLine] = field(default_factory=list)
    renamed: list[RenamedLine] = field(default_factory=list)
    memberships_ended: list[MembershipLine] = field(default_factory=list)
    drafts_moved: list[DraftLine] = field(default_factory=list)
    drafts_stranded: list[DraftLine] = field(default_factory=list)
    assignments_copied: int = 0
    coordination_copied: int = 0
    reports_added: list[ReportLine] = field(default_factory=list)
    reports_removed: list[ReportLine] = field(default_factory=list)
    reports_pending: list[PendingReportLine] = field(default_factory=list)
    authority: AuthorityLine | None = None
    reorganisation_id: int | None = None

    @property
    def kind_label(self) -> str:
        return operation_kind_label(self.kind)

    @property
    def is_scheduled(self) -> bool:
        return self.effective_on > timezone.localdate()

    @property
    def agencies_text(self) -> str:
        """ ": A, B → C" (": A" for a rename; "" for an issuing authority)."""
        if self.kind == Reorganisation.Kind.RENAME:
            return f": {', '.join(self.sources)}"
        if not (self.sources or self.targets):
            return ""
        return f": {', '.join(self.sources)} → {', '.join(self.targets) or '—'}"

    def as_changes(self) -> dict[str, Any]:
        """The JSON stored in Reorganisation.changes (dates as ISO strings)."""
        data = asdict(self)
        for key in ("kind", "effective_on", "label", "reason", "reorganisation_id"):
            data.pop(key)
        return _jsonable(data)


@dataclass
class Summary:
    """What a call changed (applied) or would change (a preview): each operation's result,
    the users left with no membership in force on the day their last one ended ("who needs a
    new membership"), and warnings (pending drafts that stay with a closed agency)."""

    applied: bool
    operations: list[OperationResult]
    users_without_membership: list[UserLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def _all(self, name: str) -> list:
        return [line for result in self.operations for line in getattr(result, name)]

    @property
    def created(self) -> list[AgencyLine]:
        return self._all("created")

    @property
    def closed(self) -> list[ClosedLine]:
        return self._all("closed")

    @property
    def renamed(self) -> list[RenamedLine]:
        return self._all("renamed")

    @property
    def memberships_ended(self) -> list[MembershipLine]:
        return self._all("memberships_ended")

    @property
    def drafts_moved(self) -> list[DraftLine]:
        return self._all("drafts_moved")

    @property
    def drafts_stranded(self) -> list[DraftLine]:
        return self._all("drafts_stranded")

    @property
    def reports_added(self) -> list[ReportLine]:
        return self._all("reports_added")

    @property
    def reports_removed(self) -> list[ReportLine]:
        return self._all("reports_removed")

    @property
    def reports_pending(self) -> list[PendingReportLine]:
        return self._all("reports_pending")

    @property
    def authorities(self) -> list[AuthorityLine]:
        return [r.authority for r in self.operations if r.authority is not None]

    @property
    def reorganisation_ids(self) -> list[int]:
        return [r.reorganisation_id for r in self.operations if r.reorganisation_id]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def dmy(day: date | None) -> str:
    """A day as the portal prints it, dd/mm/yyyy."""
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


def parse_date(value: str | date) -> date:
    """A day written YYYY-MM-DD or DD/MM/YYYY (a date is returned as it is). Raises
    ValueError with a Vietnamese message otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.") % {"value": value}
    )


def summary_lines(summary: Summary) -> list[str]:
    """The summary as lines of text in the active language, for the command's output: each
    operation, then agencies created, closed, renamed, memberships ended, drafts moved or left,
    reports added and removed, the users who need a new membership, and the warnings."""
    lines: list[str] = []
    for result in summary.operations:
        head = f"• {result.kind_label} — {dmy(result.effective_on)}"
        head += result.agencies_text
        if result.reorganisation_id:
            head += f" (#{result.reorganisation_id})"
        if result.is_scheduled:
            head += " " + _("(scheduled)")
        lines.append(head)
        for line in result.created:
            lines.append(
                "    "
                + _("new agency %(code)s “%(name)s” (%(kind)s), in operation from %(date)s")
                % {
                    "code": line.code,
                    "name": line.name,
                    "kind": line.kind,
                    "date": dmy(line.established_on),
                }
            )
        for line in result.closed:
            lines.append(
                "    "
                + _("%(code)s “%(name)s” closes on %(date)s; successor: %(successor)s")
                % {
                    "code": line.code,
                    "name": line.name,
                    "date": dmy(line.closed_on),
                    "successor": line.successor or "—",
                }
            )
        for line in result.renamed:
            lines.append(
                "    "
                + _("%(code)s: “%(old)s” → “%(new)s” from %(date)s")
                % {
                    "code": line.code,
                    "old": line.old_name,
                    "new": line.new_name,
                    "date": dmy(line.on),
                }
                + (f" ({line.kind_change})" if line.kind_change else "")
            )
        if result.assignments_copied or result.coordination_copied:
            lines.append(
                "    "
                + _("duty assignments copied: %(count)d; coordination links copied: %(links)d")
                % {"count": result.assignments_copied, "links": result.coordination_copied}
            )
        if result.authority is not None:
            lines.append(
                "    "
                + _("issuing authority from %(date)s: %(parent)s / %(issuer)s, %(place)s")
                % {
                    "date": dmy(result.authority.valid_from),
                    "parent": result.authority.issuer_parent,
                    "issuer": result.authority.issuer,
                    "place": result.authority.place,
                }
            )
    sections = [
        (
            _("Memberships ended"),
            [
                f"{m.username} ({m.full_name or '—'}), {m.agency}, {m.role}, {dmy(m.ended_on)}"
                for m in summary.memberships_ended
            ],
        ),
        (
            _("Pending drafts moved to the successor"),
            [
                f"#{d.activity_id} “{d.title}”: {d.agency} → {d.successor} ({dmy(d.on)})"
                for d in summary.drafts_moved
            ],
        ),
        (
            _("Pending drafts left with a closed agency"),
            [f"#{d.activity_id} “{d.title}”: {d.agency}" for d in summary.drafts_stranded],
        ),
        (
            _("Expected reports added"),
            [f"{r.agency} — {r.period}" for r in summary.reports_added],
        ),
        (
            _("Draft reports removed"),
            [f"{r.agency} — {r.period}" for r in summary.reports_removed],
        ),
        (
            _("Expected reports not sent yet by a closing agency"),
            [f"{r.agency}: {r.text}" for r in summary.reports_pending],
        ),
        (
            _("Users who need a new membership"),
            [f"{u.username} ({u.full_name or '—'})" for u in summary.users_without_membership],
        ),
        (_("Warnings"), summary.warnings),
    ]
    for title, items in sections:
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines.extend(f"    {item}" for item in items)
    return lines


_DATE_FIELDS = {"established_on", "closed_on", "on", "ended_on", "valid_from", "deadline"}


def _lines(cls: type, items: Any) -> list:
    names = set(cls.__dataclass_fields__)
    out = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        values = {
            k: (date.fromisoformat(v) if k in _DATE_FIELDS and isinstance(v, str) else v)
            for k, v in item.items()
            if k in names
        }
        try:
            out.append(cls(**values))
        except TypeError:  # a row written by an older version: shown without it
            continue
    return out


def summary_of(row: Reorganisation) -> Summary:
    """The Summary of an applied reorganisation, read back from its `changes` (one operation;
    the users left without a membership are on the first row of the call)."""
    changes = row.changes or {}
    result = OperationResult(
        kind=row.kind,
        effective_on=row.effective_on,
        label=str(row.pk),
        reason=row.reason,
        sources=list(changes.get("sources", [])),
        targets=list(changes.get("targets", [])),
        created=_lines(AgencyLine, changes.get("created")),
        closed=_lines(ClosedLine, changes.get("closed")),
        renamed=_lines(RenamedLine, changes.get("renamed")),
        memberships_ended=_lines(MembershipLine, changes.get("memberships_ended")),
        drafts_moved=_lines(DraftLine, changes.get("drafts_moved")),
        drafts_stranded=_lines(DraftLine, changes.get("drafts_stranded")),
        assignments_copied=int(changes.get("assignments_copied") or 0),
        coordination_copied=int(changes.get("coordination_copied") or 0),
        reports_added=_lines(ReportLine, changes.get("reports_added")),
        reports_removed=_lines(ReportLine, changes.get("reports_removed")),
        reports_pending=_lines(PendingReportLine, changes.get("reports_pending")),
        reorganisation_id=row.pk,
    )
    return Summary(
        applied=True,
        operations=[result],
        users_without_membership=_lines(UserLine, changes.get("users_without_membership")),
    )


# ---------------------------------------------------------------------------- checking


@dataclass
class _State:
    """An agency as the operations checked so far leave it (nothing is written yet)."""

    code: str
    established_on: date | None
    closed_on: date | None
    kind: str
    pk: int | None = None
    parent: str = ""

    def works_on(self, day: date) -> bool:
        began = self.established_on is None or self.established_on <= day
        return began and (self.closed_on is None or day < self.closed_on)


class _Checker:
    """Checks a call's operations in order against the database and against each other."""

    def __init__(self, operations: list[Operation]) -> None:
        self.operations = operations
        self.errors: list[str] = []
        self.agencies = {
            code: _State(code, established, closed, kind, pk, parent or "")
            for pk, code, established, closed, kind, parent in Agency.objects.values_list(
                "pk", "code", "established_on", "closed_on", "kind", "parent__code"
            )
        }
        self.involved: dict[str, str] = {}  # code -> label of the operation it is in
        # code -> (label, day) of each operation that needs the agency working on that day:
        # as a successor, a merge or split target, or a new agency's parent.
        self.relied: dict[str, list[tuple[str, date]]] = {}
        # (code, day, label) of each agency the call closes, for the agencies under it.
        self.closed_here: list[tuple[str, date, str]] = []
        self.authority_days: set[date] = set(
            IssuingAuthority.objects.values_list("valid_from", flat=True)
        )
        self.label = ""

    def error(self, message: str) -> None:
        self.errors.append(f"{self.label}: {message}")

    def known(self, code: str) -> _State | None:
        state = self.agencies.get(code)
        if state is None:
            self.error(_("there is no agency of code “%(code)s”.") % {"code": code or "—"})
        return state

    def take_part(self, code: str, day: date) -> None:
        """`code` is changed by this operation: not by another of the call, and by no
        reorganisation on or after `day` already recorded."""
        if code in self.involved:
            self.error(
                _(
                    "%(code)s is already changed by %(other)s: one call changes an agency in "
                    "one operation only."
                )
                % {"code": code, "other": self.involved[code]}
            )
            return
        self.involved[code] = self.label
        state = self.agencies.get(code)
        if state is None or state.pk is None:
            return
        later = (
            Reorganisation.objects.filter(effective_on__gte=day)
            .filter(Q(sources__pk=state.pk) | Q(targets__pk=state.pk))
            .order_by("effective_on")
            .first()
        )
        if later is not None:
            self.error(
                _(
                    "%(code)s already has a reorganisation on %(date)s (%(kind)s, #%(id)s): "
                    "operations on an agency follow one another in time."
                )
                % {
                    "code": code,
                    "date": dmy(later.effective_on),
                    "kind": later.get_kind_display(),
                    "id": later.pk,
                }
            )

    def closing(self, code: str, day: date) -> _State | None:
        """`code` closes (or is renamed) on `day`: it must exist, work that day, have begun
        before it."""
        state = self.known(code)
        if state is None:
            return None
        if state.closed_on is not None and state.closed_on <= day:
            self.error(
                _("%(code)s is already closed by %(date)s (closed on %(closed)s).")
                % {"code": code, "date": dmy(day), "closed": dmy(state.closed_on)}
            )
        elif state.established_on is not None and day <= state.established_on:
            self.error(
                _(
                    "%(date)s is not after the day %(code)s began to work (%(began)s): an "
                    "agency is reorganised after its first day."
                )
                % {"code": code, "date": dmy(day), "began": dmy(state.established_on)}
            )
        return state

    def receiving(self, code: str, day: date, source_codes: set[str]) -> _State | None:
        """`code`, an existing agency, receives work on `day`: it must work that day."""
        state = self.known(code)
        if state is None:
            return None
        if code in source_codes:
            self.error(_("%(code)s cannot be merged into itself.") % {"code": code})
        elif state.closed_on is not None and state.closed_on <= day:
            self.error(
                _("%(code)s is closed (since %(closed)s): it cannot take over work on %(date)s.")
                % {"code": code, "closed": dmy(state.closed_on), "date": dmy(day)}
            )
        elif state.established_on is not None and state.established_on > day:
            self.error(
                _("%(code)s does not work yet on %(date)s (it begins on %(began)s).")
                % {"code": code, "date": dmy(day), "began": dmy(state.established_on)}
            )
        return state

    def name(self, name: str, short_name: str, what: str) -> None:
        if not name:
            self.error(_("the name of %(what)s is empty.") % {"what": what})
        elif len(name) > NAME_MAX:
            self.error(
                _("the name of %(what)s is longer than %(max)d characters.")
                % {"what": what, "max": NAME_MAX}
            )
        if len(short_name or name) > SHORT_NAME_MAX:
            self.error(
                _(
                    "the short name of %(what)s is longer than %(max)d characters: give a "
                    "shorter one."
                )
                % {"what": what, "max": SHORT_NAME_MAX}
            )

    def kind(self, kind: str, what: str) -> None:
        if kind not in Agency.Kind.values:
            self.error(
                _("“%(kind)s” is not a kind of agency (for %(what)s); use one of: %(kinds)s.")
                % {"kind": kind or "—", "what": what, "kinds": ", ".join(Agency.Kind.values)}
            )

    def new_agency(self, new: NewAgency, day: date) -> None:
        code = new.code
        if not CODE_RE.match(code) or len(code) > CODE_MAX:
            self.error(
                _(
                    "“%(code)s” is not a valid code: capital letters without accents, digits "
                    "and underscores, at most %(max)d characters."
                )
                % {"code": code or "—", "max": CODE_MAX}
            )
        elif code in self.agencies:
            self.error(_("the code %(code)s is already used by an agency.") % {"code": code})
        self.name(new.name, new.short_name, code or _("the new agency"))
        self.kind(new.kind, code or _("the new agency"))
        if new.parent:
            parent = self.known(new.parent)
            if parent is not None and not parent.works_on(day):
                self.error(
                    _("%(parent)s, the parent of %(code)s, does not work on %(date)s.")
                    % {"parent": new.parent, "code": code, "date": dmy(day)}
                )
            self.rely(new.parent, day)
        self.take_part(code, day)
        if code and code not in self.agencies:
            self.agencies[code] = _State(code, day, None, new.kind, parent=new.parent)

    def target(self, target: str | NewAgency, day: date, source_codes: set[str]) -> None:
        if isinstance(target, NewAgency):
            self.new_agency(target, day)
        else:
            self.receiving(target, day, source_codes)
            if target not in source_codes:  # else refused already: merged into itself
                self.take_part(target, day)
                self.rely(target, day)

    def rely(self, code: str, day: date) -> None:
        """This operation needs `code` working on `day` (its successor, target or parent):
        no later operation of the call may close it on or before that day (an earlier one
        that does is refused already: the agency does not work that day)."""
        self.relied.setdefault(code, []).append((self.label, day))

    def closes(self, code: str, day: date) -> None:
        """This operation closes `code` on `day`: no operation of the call may need it working
        on or after that day (it would succeed to, receive or sit under a closed agency)."""
        for label, needed_on in self.relied.get(code, []):
            if label != self.label and day <= needed_on:
                self.error(
                    _(
                        "%(code)s would close on %(date)s, but %(other)s needs it working on "
                        "%(needed)s (as successor, target or parent): close it later, or change "
                        "that operation."
                    )
                    % {"code": code, "date": dmy(day), "other": label, "needed": dmy(needed_on)}
                )
        self.closed_here.append((code, day, self.label))

    def successor_fits(self, code: str, successor_kind: str | None) -> None:
        """The focal point and the leadership close only into an agency that can hold their
        members' roles: their reviewers and leaders review and issue the province's reports,
        and ending their memberships with nobody to take over leaves nobody who does."""
        state = self.agencies.get(code)
        if state is None:
            return
        roles = {
            Agency.Kind.FOCAL_POINT: Membership.Role.REVIEWER,
            **{kind: Membership.Role.LEADER for kind in Agency.LEADERSHIP},
        }
        role = roles.get(state.kind)
        if role is None:
            return
        if successor_kind is None:
            self.error(
                _(
                    "%(code)s (%(kind)s) cannot close without a successor: its members review "
                    "or issue the reports; give a successor of the same kind."
                )
                % {"code": code, "kind": Agency.Kind(state.kind).label}
            )
        elif not Membership.role_fits(role, Agency(kind=successor_kind)):
            self.error(
                _(
                    "%(code)s (%(kind)s) cannot pass its work to an agency of kind "
                    "%(other)s: its members' role (%(role)s) would have no agency to hold it."
                )
                % {
                    "code": code,
                    "kind": Agency.Kind(state.kind).label,
                    "other": Agency.Kind(successor_kind).label
                    if successor_kind in Agency.Kind.values
                    else successor_kind or "—",
                    "role": Membership.Role(role).label,
                }
            )

    def target_kind(self, target: str | NewAgency) -> str | None:
        if isinstance(target, NewAgency):
            return target.kind
        state = self.agencies.get(target)
        return state.kind if state is not None else None

    def check_children(self) -> None:
        """An agency closed by the call must have no agency under it still working after the
        day it closes: re-parent those first (in the admin) or close them in the same call."""
        for code, day, label in self.closed_here:
            children = sorted(
                child.code
                for child in self.agencies.values()
                if child.parent == code and child.pk is not None and child.works_on(day)
            )
            if children:
                self.label = label
                self.error(
                    _(
                        "%(code)s still has agencies under it working on %(date)s: %(children)s. "
                        "Give them another parent in the admin first, or close them in the "
                        "same file."
                    )
                    % {"code": code, "date": dmy(day), "children": ", ".join(children)}
                )

    def check(self) -> None:
        for number, op in enumerate(self.operations, 1):
            kind = KIND_OF[type(op)]
            self.label = op.label or _("Operation %(number)d (%(kind)s)") % {
                "number": number,
                "kind": operation_kind_label(kind).lower(),
            }
            try:
                check_plausible_date(op.effective_on)
            except ValueError as exc:
                self.error(str(exc))
                continue
            getattr(self, f"check_{kind}")(op)
        self.check_children()

    def close_states(self, codes: list[str], day: date) -> None:
        for code in codes:
            state = self.agencies.get(code)
            if state is not None:
                state.closed_on = day

    def check_merge(self, op: Merge) -> None:
        day = op.effective_on
        if not op.sources:
            self.error(_("a merge needs at least one agency to merge."))
        sources = set()
        for code in op.sources:
            if code in sources:
                self.error(_("%(code)s is named twice.") % {"code": code})
                continue
            sources.add(code)
            self.closing(code, day)
            self.take_part(code, day)
            self.closes(code, day)
            self.successor_fits(code, self.target_kind(op.into))
        self.target(op.into, day, sources)
        self.close_states(list(sources), day)

    def check_split(self, op: Split) -> None:
        day = op.effective_on
        self.closing(op.source, day)
        self.take_part(op.source, day)
        self.closes(op.source, day)
        if op.into:
            self.successor_fits(op.source, self.target_kind(op.into[0]))
        if len(op.into) < 2:
            self.error(
                _("a split needs at least two agencies to split %(code)s into.")
                % {"code": op.source}
            )
        for target in op.into:
            self.target(target, day, {op.source})
        self.close_states([op.source], day)

    def check_rename(self, op: Rename) -> None:
        day = op.effective_on
        state = self.closing(op.code, day)
        self.take_part(op.code, day)
        self.name(op.name, op.short_name, op.code)
        if op.kind:
            self.kind(op.kind, op.code)
        if state is not None and state.pk is not None and op.kind and op.kind != state.kind:
            misfits = sorted(
                {
                    str(Membership.Role(role).label)
                    for role in Membership.objects.filter(agency_id=state.pk)
                    .in_force(day)
                    .values_list("role", flat=True)
                    if not Membership.role_fits(role, Agency(kind=op.kind))
                }
            )
            if misfits:
                self.error(
                    _("%(code)s cannot become %(kind)s while members hold the roles: %(roles)s.")
                    % {
                        "code": op.code,
                        "kind": Agency.Kind(op.kind).label,
                        "roles": ", ".join(misfits),
                    }
                )
        if state is not None and state.pk is not None:
            last = (
                AgencyName.objects.filter(agency_id=state.pk)
                .order_by(models.F("valid_from").desc(nulls_last=True))
                .first()
            )
            if last is not None and last.valid_from is not None and last.valid_from >= day:
                self.error(
                    _("%(code)s already bears a name from %(from)s: rename it after that day.")
                    % {"code": op.code, "from": dmy(last.valid_from)}
                )
            else:
                if last is None:
                    last = Agency.objects.only("name", "short_name").get(pk=state.pk)
                same_kind = not op.kind or op.kind == state.kind
                if (
                    op.name == last.name
                    and (op.short_name or op.name) == last.short_name
                    and same_kind
                ):
                    self.error(
                        _("the new name is the same as the current name of %(code)s: “%(name)s”.")
                        % {"code": op.code, "name": op.name}
                    )

    def check_close(self, op: Close) -> None:
        day = op.effective_on
        self.closing(op.code, day)
        self.take_part(op.code, day)
        self.closes(op.code, day)
        if op.successor:
            if op.successor == op.code:
                self.error(_("%(code)s cannot succeed itself.") % {"code": op.code})
            else:
                state = self.known(op.successor)
                if state is not None and not state.works_on(day):
                    self.error(
                        _("the successor %(code)s does not work on %(date)s.")
                        % {"code": op.successor, "date": dmy(day)}
                    )
                elif state is not None:
                    self.rely(op.successor, day)
                if state is not None:
                    self.successor_fits(op.code, state.kind)
        else:
            self.successor_fits(op.code, None)
        self.close_states([op.code], day)

    def check_authority(self, op: Authority) -> None:
        if op.effective_on in self.authority_days:
            self.error(
                _("an issuing authority from %(date)s exists already.")
                % {"date": dmy(op.effective_on)}
            )
        self.authority_days.add(op.effective_on)
        required = {
            "issuer_parent": _("the body above the issuer"),
            "issuer": _("the issuer"),
            "place": _("the place in the date line"),
            "number_suffix": _("the number suffix"),
            "signer_title": _("the signer's title"),
        }
        for name, what in required.items():
            if not getattr(op, name):
                self.error(_("%(what)s is empty.") % {"what": what})
        for name in (*required, "signer_authority", "signer_name", "archive"):
            limit = IssuingAuthority._meta.get_field(name).max_length
            if len(getattr(op, name)) > limit:
                self.error(
                    _("%(field)s is longer than %(max)d characters.")
                    % {
                        "field": IssuingAuthority._meta.get_field(name).verbose_name,
                        "max": limit,
                    }
                )


def _clean_line(value: Any) -> str:
    return clean_text(str(value or "")).strip()


def _clean_new(new: NewAgency) -> NewAgency:
    return NewAgency(
        code=_clean_line(new.code),
        name=_clean_line(new.name),
        kind=_clean_line(new.kind),
        short_name=_clean_line(new.short_name),
        parent=_clean_line(new.parent),
    )


def _clean_target(target: str | NewAgency) -> str | NewAgency:
    return _clean_new(target) if isinstance(target, NewAgency) else _clean_line(target)


def clean_operation(op: Operation) -> Operation:
    """`op` with its text as the portal stores text (doingoai.text.clean_text, ends stripped)."""
    common = {"reason": clean_text(op.reason or "", multiline=True).strip()}
    if isinstance(op, Merge):
        return replace(
            op,
            sources=tuple(_clean_line(c) for c in op.sources),
            into=_clean_target(op.into),
            **common,
        )
    if isinstance(op, Split):
        return replace(
            op,
            source=_clean_line(op.source),
            into=tuple(_clean_target(t) for t in op.into),
            **common,
        )
    if isinstance(op, Rename):
        return replace(
            op,
            code=_clean_line(op.code),
            name=_clean_line(op.name),
            short_name=_clean_line(op.short_name),
            kind=_clean_line(op.kind),
            **common,
        )
    if isinstance(op, Close):
        return replace(op, code=_clean_line(op.code), successor=_clean_line(op.successor), **common)
    return replace(
        op,
        issuer_parent=_clean_line(op.issuer_parent),
        issuer=_clean_line(op.issuer),
        place=_clean_line(op.place),
        number_suffix=_clean_line(op.number_suffix),
        signer_title=_clean_line(op.signer_title),
        signer_authority=_clean_line(op.signer_authority),
        signer_name=_clean_line(op.signer_name),
        recipients=clean_text(op.recipients or "", multiline=True).strip(),
        archive=_clean_line(op.archive),
        **common,
    )


def check(operations: list[Operation]) -> list[Operation]:
    """The operations cleaned, once every one is checked against the database and against the
    others (in order: an agency created by an earlier operation may be a later one's parent or
    successor). Raises ReorganisationError with every problem."""
    if not operations:
        raise ReorganisationError([_("There is no operation to apply.")])
    cleaned = [clean_operation(op) for op in operations]
    checker = _Checker(cleaned)
    checker.check()
    if checker.errors:
        raise ReorganisationError(checker.errors)
    return cleaned


# ---------------------------------------------------------------------------- applying


def history_reason(kind: str, day: date, reorganisation_id: int | None) -> str:
    """The history change reason of every row an operation changes, in the portal's language:
    "Sắp xếp tổ chức: <kind> <date> (#id)"."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Reorganisation: %(kind)s %(date)s (#%(id)s)") % {
            "kind": operation_kind_label(kind).lower(),
            "date": dmy(day),
            "id": reorganisation_id or "—",
        }
    return change_reason(text)


class _Applier:
    def __init__(self, actor: User | None, reason: str) -> None:
        self.actor = actor
        self.reason = reason
        self.by_code = {a.code: a for a in Agency.objects.all()}
        self.today = timezone.localdate()
        self.affected_users: set[int] = set()
        self.warnings: list[str] = []

    def stamp(self, instance: models.Model, why: str) -> models.Model:
        instance._change_reason = why
        if self.actor is not None:
            instance._history_user = self.actor
        return instance

    def agency(self, code: str) -> Agency:
        return self.by_code[code]

    # -- pieces shared by the operations

    def create(self, new: NewAgency, day: date, why: str, result: OperationResult) -> Agency:
        parent = self.by_code.get(new.parent) if new.parent else None
        agency = Agency(
            code=new.code,
            name=new.name,
            short_name=new.short_name or new.name,
            kind=new.kind,
            parent=parent,
            established_on=day,
        )
        self.stamp(agency, why).save()
        self.by_code[agency.code] = agency
        result.created.append(
            AgencyLine(
                agency.code,
                agency.name,
                str(Agency.Kind(agency.kind).label),
                new.parent,
                day,
            )
        )
        return agency

    def target(self, target: str | NewAgency, day: date, why: str, result) -> Agency:
        if isinstance(target, NewAgency):
            return self.create(target, day, why, result)
        return self.agency(target)

    def close(self, agency: Agency, day: date, successor: Agency | None, why: str, result) -> None:
        agency.closed_on = day
        agency.successor = successor
        self.stamp(agency, why).save(update_fields=["closed_on", "successor", "search_text"])
        result.closed.append(
            ClosedLine(agency.code, agency.name, day, successor.code if successor else "")
        )
        self.end_memberships(agency, day, why, result)
        self.pending_drafts(agency, day, successor, why, result)
        self.pending_reports(agency, day, successor, result)

    def pending_reports(
        self, agency: Agency, day: date, successor: Agency | None, result: OperationResult
    ) -> None:
        """The periodic reports `agency` (closing on `day`) is expected to send and has not
        sent, for the periods whose deadline is on or after `day` (PendingReportLine): its
        successor sends them in its place; without one, they must be sent before `day`.
        Three queries (the periods, who is expected for them, the reports sent)."""
        periods = list(
            ReportingPeriod.objects.filter(deadline__gte=day, end_date__lt=day).order_by(
                "end_date", "kind"
            )
        )
        if not periods:
            return
        expected = report_periods.expected_by_period(periods)
        sent = set(
            AgencyReport.objects.filter(agency=agency, period__in=periods)
            .sent()
            .values_list("period_id", flat=True)
        )
        for period in periods:
            if agency.pk in expected[period.pk] and period.pk not in sent:
                result.reports_pending.append(
                    PendingReportLine(
                        agency.code,
                        agency.name,
                        period.code,
                        str(period.label),
                        period.deadline,
                        day,
                        successor.code if successor else "",
                        successor.name if successor else "",
                    )
                )

    def end_memberships(self, agency: Agency, day: date, why: str, result) -> None:
        ending = (
            agency.memberships.in_force(day).select_related("user").order_by("user__username", "pk")
        )
        for membership in ending:
            membership.ended_on = day
            self.stamp(membership, why).save(update_fields=["ended_on"])
            self.affected_users.add(membership.user_id)
            result.memberships_ended.append(
                MembershipLine(
                    membership.user.username,
                    membership.user.get_full_name(),
                    agency.code,
                    str(Membership.Role(membership.role).label),
                    day,
                )
            )

    def pending_drafts(
        self, agency: Agency, day: date, successor: Agency | None, why: str, result
    ) -> None:
        drafts = list(agency.activities.filter(status__in=EDITABLE).order_by("pk"))
        for activity in drafts:
            line = DraftLine(
                activity.pk, activity.title, agency.code, successor.code if successor else "", day
            )
            if successor is None:
                result.drafts_stranded.append(line)
                continue
            result.drafts_moved.append(line)
        if successor is not None and day <= self.today:
            move_drafts(drafts, successor, why, self.actor)
        if drafts and successor is None:
            self.warnings.append(
                _(
                    "%(count)d pending activities of %(code)s (draft or returned) stay with it "
                    "and can no longer be submitted from %(date)s: it has no successor."
                )
                % {"count": len(drafts), "code": agency.code, "date": dmy(day)}
            )

    def copy_duties(self, sources: list[Agency], target: Agency, day: date, why: str, result):
        """`target` takes the duty assignments and coordination links of `sources` in the
        plans not ended before `day` (lead wins over support; the sources keep theirs)."""
        current = Q(duty__plan__valid_until__isnull=True) | Q(duty__plan__valid_until__gte=day)
        wanted: dict[int, str] = {}
        for duty_id, role in DutyAssignment.objects.filter(current, agency__in=sources).values_list(
            "duty_id", "role"
        ):
            if wanted.get(duty_id) != DutyAssignment.Role.LEAD:
                wanted[duty_id] = role
        have = {a.duty_id: a for a in DutyAssignment.objects.filter(agency=target)}
        for duty_id, role in sorted(wanted.items()):
            existing = have.get(duty_id)
            if existing is None:
                assignment = DutyAssignment(duty_id=duty_id, agency=target, role=role)
                self.stamp(assignment, why).save()
                result.assignments_copied += 1
            elif role == DutyAssignment.Role.LEAD and existing.role != role:
                existing.role = role
                self.stamp(existing, why).save(update_fields=["role"])
                result.assignments_copied += 1
        plan_current = Q(plan__valid_until__isnull=True) | Q(plan__valid_until__gte=day)
        duties = (
            Duty.objects.filter(plan_current, coordinating_agencies__in=sources)
            .exclude(coordinating_agencies=target)
            .distinct()
        )
        for duty in duties:
            self.stamp(duty, why)
            duty.coordinating_agencies.add(target)
            result.coordination_copied += 1

    # -- the operations

    def record(self, op: Operation, result: OperationResult) -> Reorganisation:
        row = Reorganisation.objects.create(
            kind=result.kind,
            effective_on=op.effective_on,
            reason=op.reason or self.reason,
            created_by=self.actor,
        )
        result.reorganisation_id = row.pk
        return row

    def apply_merge(self, op: Merge, result: OperationResult, row: Reorganisation, why: str):
        day = op.effective_on
        sources = [self.agency(code) for code in op.sources]
        target = self.target(op.into, day, why, result)
        self.copy_duties(sources, target, day, why, result)
        for source in sources:
            self.close(source, day, target, why, result)
        row.sources.set(sources)
        row.targets.set([target])
        result.sources = [s.code for s in sources]
        result.targets = [target.code]

    def apply_split(self, op: Split, result: OperationResult, row: Reorganisation, why: str):
        day = op.effective_on
        source = self.agency(op.source)
        targets = [self.target(t, day, why, result) for t in op.into]
        for target in targets:
            self.copy_duties([source], target, day, why, result)
        self.close(source, day, targets[0], why, result)
        row.sources.set([source])
        row.targets.set(targets)
        result.sources = [source.code]
        result.targets = [t.code for t in targets]

    def apply_rename(self, op: Rename, result: OperationResult, row: Reorganisation, why: str):
        day = op.effective_on
        agency = self.agency(op.code)
        short_name = op.short_name or op.name
        last = (
            AgencyName.objects.filter(agency=agency)
            .order_by(models.F("valid_from").desc(nulls_last=True))
            .first()
        )
        if last is None:
            old_name, old_short = agency.name, agency.short_name
            self.stamp(
                AgencyName(agency=agency, name=old_name, short_name=old_short, valid_until=day),
                why,
            ).save()
        else:
            old_name = last.name
            last.valid_until = day
            self.stamp(last, why).save(update_fields=["valid_until"])
        self.stamp(
            AgencyName(agency=agency, name=op.name, short_name=short_name, valid_from=day), why
        ).save()
        old_kind = agency.kind
        new_kind = op.kind if op.kind and op.kind != old_kind else ""
        if day <= self.today:
            agency.name, agency.short_name = op.name, short_name
            if new_kind:
                agency.kind = new_kind
            self.stamp(agency, why).save()
        result.renamed.append(
            RenamedLine(
                agency.code,
                old_name,
                op.name,
                day,
                old_kind if new_kind else "",
                new_kind,
            )
        )
        row.sources.set([agency])
        row.targets.set([agency])
        result.sources = result.targets = [agency.code]

    def apply_close(self, op: Close, result: OperationResult, row: Reorganisation, why: str):
        agency = self.agency(op.code)
        successor = self.agency(op.successor) if op.successor else None
        self.close(agency, op.effective_on, successor, why, result)
        row.sources.set([agency])
        row.targets.set([successor] if successor else [])
        result.sources = [agency.code]
        result.targets = [successor.code] if successor else []

    def apply_authority(self, op: Authority, result: OperationResult) -> None:
        authority = IssuingAuthority(
            valid_from=op.effective_on,
            issuer_parent=op.issuer_parent,
            issuer=op.issuer,
            place=op.place,
            number_suffix=op.number_suffix,
            recipients=op.recipients,
            archive=op.archive,
            signer_authority=op.signer_authority,
            signer_title=op.signer_title,
            signer_name=op.signer_name,
        )
        with translation.override(settings.LANGUAGE_CODE):
            why = change_reason(
                _("Reorganisation: %(kind)s %(date)s")
                % {"kind": operation_kind_label(AUTHORITY).lower(), "date": dmy(op.effective_on)}
            )
        self.stamp(authority, why).save()
        result.authority = AuthorityLine(
            authority.valid_from, authority.issuer_parent, authority.issuer, authority.place
        )

    def apply(self, op: Operation, number: int) -> OperationResult:
        kind = KIND_OF[type(op)]
        result = OperationResult(
            kind=kind,
            effective_on=op.effective_on,
            label=op.label or str(number),
            reason=op.reason or self.reason,
        )
        if kind == AUTHORITY:
            self.apply_authority(op, result)
            return result
        row = self.record(op, result)
        why = history_reason(kind, op.effective_on, row.pk)
        getattr(self, f"apply_{kind}")(op, result, row, why)
        return result


def move_draft(activity: Activity, successor: Agency, why: str, actor: User | None) -> None:
    """Give one pending activity (draft or returned) of a closed agency to its successor: see
    move_drafts."""
    move_drafts([activity], successor, why, actor)


# The activity's many-to-many fields its history follows (Activity.history m2m_fields).
HISTORY_M2M = ("partners", "co_organisers")
MOVE_BATCH = 1000


def move_drafts(
    activities: list[Activity], successor: Agency, why: str, actor: User | None
) -> None:
    """Give pending activities (draft or returned) of a closed agency to its successor, with
    the reorganisation as the history's reason; their version moves on (a form opened before
    cannot overwrite them). In bulk: one UPDATE, then the history rows ("~", by `actor`, with
    `why`) and their partners and co-organisers, a few queries per 1,000 activities (a merger
    hands over thousands of drafts: one save each took 7 queries, 26 s for 7,568)."""
    if not activities:
        return
    ids = [activity.pk for activity in activities]
    for start in range(0, len(ids), MOVE_BATCH):
        Activity.objects.filter(pk__in=ids[start : start + MOVE_BATCH]).update(
            agency=successor, version=F("version") + 1
        )
    for activity in activities:
        activity.agency = successor
        activity.version += 1
    records = Activity.history.bulk_history_create(
        activities,
        batch_size=MOVE_BATCH,
        update=True,
        default_user=actor,
        default_change_reason=why,
    )
    record_of = {record.id: record.pk for record in records}
    for name in HISTORY_M2M:
        through = Activity._meta.get_field(name).remote_field.through
        history_model = apps.get_model("activities", f"HistoricalActivity_{name}")
        columns = [f.attname for f in through._meta.fields]
        rows = [
            history_model(history_id=record_of[row["activity_id"]], **row)
            for start in range(0, len(ids), MOVE_BATCH)
            for row in through.objects.filter(
                activity_id__in=ids[start : start + MOVE_BATCH]
            ).values(*columns)
        ]
        history_model.objects.bulk_create(rows, batch_size=MOVE_BATCH)


def _report_keys() -> set[tuple[int, int]]:
    return set(AgencyReport.objects.values_list("agency_id", "period_id"))


def sync_expected_reports(since: date | None = None) -> None:
    """Bring the agencies' draft reports in line with the organisation
    (reports.periods.sync_agency_reports): those of the periods still open, and, for a
    reorganisation dated in the past (`since`, its earliest date), of every period that ended
    on or after it, so that an agency expected for a period already over has its draft to send
    late instead of being counted missing with nothing to write."""
    today = timezone.localdate()
    scope = Q(deadline__gte=today)
    if since is not None:
        scope |= Q(end_date__gte=since)
    report_periods.sync_agency_reports(ReportingPeriod.objects.filter(scope))


def _attribute_reports(
    results: list[OperationResult], before: set[tuple[int, int]], after: set[tuple[int, int]]
) -> None:
    """Each report added or removed goes to the operation whose agencies hold it (else to the
    first operation)."""
    changed = (after - before) | (before - after)
    if not changed:
        return
    agencies = {
        a.pk: a for a in Agency.objects.filter(pk__in={agency_id for agency_id, _p in changed})
    }
    period_codes = {
        p.pk: p.code for p in ReportingPeriod.objects.filter(pk__in={p for _a, p in changed})
    }
    owners: dict[str, OperationResult] = {}
    for result in results:
        for code in (*result.sources, *result.targets):
            owners.setdefault(code, result)
    for keys, attr in ((after - before, "reports_added"), (before - after, "reports_removed")):
        for agency_id, period_id in sorted(keys):
            agency = agencies[agency_id]
            owner = owners.get(agency.code, results[0])
            getattr(owner, attr).append(
                ReportLine(agency.code, agency.name, period_codes.get(period_id, "?"))
            )


def _users_without_membership(user_ids: set[int], results: list[OperationResult]):
    """The users among `user_ids` left with no membership in force on the day their
    memberships ended (or today, if later)."""
    ended_on: dict[str, date] = {}
    for result in results:
        for line in result.memberships_ended:
            ended_on[line.username] = max(ended_on.get(line.username, line.ended_on), line.ended_on)
    today = timezone.localdate()
    left = []
    for user in User.objects.filter(pk__in=user_ids).order_by("username"):
        day = max(ended_on.get(user.username, today), today)
        if not user.memberships.in_force(day).exists():
            left.append(UserLine(user.username, user.get_full_name()))
    return left


def _named_codes(operations: list[Operation]) -> set[str]:
    """Every agency code the operations name (sources, targets, parents, successors)."""
    codes: set[str] = set()
    for op in operations:
        for name in ("sources", "into", "source", "code", "successor"):
            value = getattr(op, name, None)
            values = value if isinstance(value, tuple) else (value,)
            for item in values:
                if isinstance(item, NewAgency):
                    codes.update((item.code, item.parent))
                elif isinstance(item, str):
                    codes.add(item)
    return {_clean_line(code) for code in codes if code}


def _execute(operations: list[Operation], actor: User | None, reason: str) -> Summary:
    reason = clean_text(reason or "", multiline=True).strip()
    with transaction.atomic():
        # The agencies named are locked before they are checked: two administrators applying
        # at once cannot both pass the checks on the same agency (PostgreSQL; SQLite writes
        # one transaction at a time anyway).
        list(
            Agency.objects.select_for_update()
            .filter(code__in=_named_codes(operations) if operations else [])
            .values_list("pk", flat=True)
        )
        operations = check(operations)
        before = _report_keys()
        applier = _Applier(actor, reason)
        results = [applier.apply(op, n) for n, op in enumerate(operations, 1)]
        permissions.sync_role_permissions()
        sync_expected_reports(min((op.effective_on for op in operations), default=None))
        _attribute_reports(results, before, _report_keys())
        for user in User.objects.filter(pk__in=applier.affected_users):
            permissions.sync_user_groups(user)
        left = _users_without_membership(applier.affected_users, results)
        for result in results:
            if result.reorganisation_id:
                changes = result.as_changes()
                if result is results[0] and left:
                    changes["users_without_membership"] = _jsonable([asdict(line) for line in left])
                Reorganisation.objects.filter(pk=result.reorganisation_id).update(changes=changes)
        return Summary(
            applied=True,
            operations=results,
            users_without_membership=left,
            warnings=applier.warnings,
        )


class _Rollback(Exception):
    def __init__(self, summary: Summary) -> None:
        self.summary = summary


def apply(operations: list[Operation], actor: User | None, reason: str = "") -> Summary:
    """Apply `operations` (in order) as one transaction: every one is checked first, then
    agencies are created, closed (successor, memberships ended on the day, pending drafts to
    the successor) or renamed (AgencyName rows), duty assignments copied to the agencies that
    take over, issuing authorities added, the expected draft reports brought in line, role
    groups re-synchronised, and one Reorganisation row written per merge, split, rename or
    close (its `changes` name all it changed). `reason` (the decision behind it) goes to the
    rows of operations without their own. Raises ReorganisationError (nothing written)."""
    return _execute(operations, actor, reason)


def preview(operations: list[Operation], actor: User | None, reason: str = "") -> Summary:
    """What apply would change, by doing the same work in a savepoint rolled back: the
    Summary apply would return, with `applied` False and no Reorganisation ids. Raises
    ReorganisationError as apply does."""
    try:
        with transaction.atomic():
            raise _Rollback(_execute(operations, actor, reason))
    except _Rollback as rollback:
        summary = rollback.summary
    for result in summary.operations:
        result.reorganisation_id = None
    summary.applied = False
    return summary


# ---------------------------------------------------------------------------- the file

# The fields of each operation in a reorganisation file (docs/reorganise.md).
FILE_FIELDS = {
    "merge": {"op", "effective_on", "reason", "sources", "into"},
    "split": {"op", "effective_on", "reason", "source", "into"},
    "rename": {"op", "effective_on", "reason", "code", "name", "short_name", "kind"},
    "close": {"op", "effective_on", "reason", "code", "successor"},
    "authority": {
        "op",
        "effective_on",
        "reason",
        "issuer_parent",
        "issuer",
        "place",
        "number_suffix",
        "signer_authority",
        "signer_title",
        "signer_name",
        "recipients",
        "archive",
    },
}
NEW_AGENCY_FIELDS = {"code", "name", "short_name", "kind", "parent"}
DOCUMENT_FIELDS = {"effective_on", "reason", "operations", "comment"}


@dataclass
class Document:
    """A reorganisation file read: its operations (in order) and the reason of the whole."""

    operations: list[Operation]
    reason: str


def _text(value: Any, key: str, errors: list[str], *, lines: bool = False) -> str:
    """The text of field `key` (missing or null: ""). Any other type is refused with an error
    naming the field (a number, a list or an object is no name or code); with `lines`, a list
    of texts is taken too, one line each ("recipients")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if lines and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    if lines:
        errors.append(_("“%(field)s” must be a text or a list of texts.") % {"field": key})
    else:
        errors.append(_("“%(field)s” must be a text in double quotes.") % {"field": key})
    return ""


def _codes_list(value: Any, key: str, errors: list[str]) -> list[str] | None:
    """Field `key`, a list of agency codes (texts); None, with an error, otherwise."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(_("“%(field)s” must be a list of agency codes (texts).") % {"field": key})
        return None
    return value


def read_document(data: Any) -> Document:
    """The operations of a reorganisation file (parsed JSON; the format is docs/reorganise.md):
    {"effective_on": "2025-07-01", "reason": "…", "operations": [{"op": "merge", …}, …]}.
    Each operation's date defaults to the file's. Raises ReorganisationError naming each
    problem's operation ("Thao tác 3 (merge)"); the operations are checked against the
    database later, by preview and apply."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ReorganisationError([_("The file must hold one JSON object with “operations”.")])
    for key in sorted(set(data) - DOCUMENT_FIELDS):
        errors.append(_("Unknown field “%(field)s” at the top of the file.") % {"field": key})
    default_day = None
    if data.get("effective_on") is not None:
        try:
            default_day = parse_date(_file_date(data["effective_on"]))
        except ValueError as exc:
            errors.append(str(exc))
    items = data.get("operations")
    if not isinstance(items, list) or not items:
        errors.append(_("The file has no “operations” list."))
        items = []
    operations: list[Operation] = []
    for number, item in enumerate(items, 1):
        kind = item.get("op") if isinstance(item, dict) else None
        label = _("Operation %(number)d (%(kind)s)") % {
            "number": number,
            "kind": _file_kind_label(kind),
        }
        found: list[str] = []
        op = _read_operation(item, kind, default_day, label, found)
        errors.extend(f"{label}: {message}" for message in found)
        if op is not None and not found:
            operations.append(op)
    reason = _text(data.get("reason"), "reason", errors)
    _text(data.get("comment"), "comment", errors)
    if errors:
        raise ReorganisationError(errors)
    return Document(operations, reason)


def _file_date(value: Any) -> str:
    """A date field of a file: a text; ValueError otherwise (a number such as 20250701)."""
    if not isinstance(value, str):
        raise ValueError(
            _("“effective_on” must be a date in double quotes, YYYY-MM-DD or DD/MM/YYYY.")
        )
    return value


def _file_kind_label(kind: Any) -> str:
    """The Vietnamese label (lower case) of an operation's "op" in a file ("merge" → "hợp
    nhất"), the value itself when it is no operation (the error then names it), "?" when
    missing."""
    if isinstance(kind, str):
        known = {value: value for value in Reorganisation.Kind.values} | {AUTHORITY: AUTHORITY}
        if kind.strip().lower() in known:
            return operation_kind_label(kind.strip().lower()).lower()
        return kind or "?"
    return "?"


def _read_target(value: Any, errors: list[str]) -> str | NewAgency | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        unknown = sorted(set(value) - NEW_AGENCY_FIELDS)
        if unknown:
            errors.append(
                _("unknown field(s) of a new agency: %(fields)s.") % {"fields": ", ".join(unknown)}
            )
        found: list[str] = []
        new = NewAgency(
            **{
                key: _text(value.get(key), key, found)
                for key in ("code", "name", "kind", "short_name", "parent")
            }
        )
        errors.extend(found)
        return None if found else new
    errors.append(_("“into” names an agency by its code or describes a new one {code, name, …}."))
    return None


def _read_operation(
    item: Any, kind: Any, default_day: date | None, label: str, errors: list[str]
) -> Operation | None:
    if not isinstance(item, dict):
        errors.append(_("an operation is a JSON object."))
        return None
    if kind not in FILE_FIELDS:
        errors.append(
            _("“op” must be one of %(kinds)s.") % {"kinds": ", ".join(sorted(FILE_FIELDS))}
        )
        return None
    unknown = sorted(set(item) - FILE_FIELDS[kind])
    if unknown:
        errors.append(_("unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    day = default_day
    if item.get("effective_on") is not None:
        try:
            day = parse_date(_file_date(item["effective_on"]))
        except ValueError as exc:
            errors.append(str(exc))
            return None
    if day is None:
        errors.append(_("no date: give “effective_on” here or at the top of the file."))
        return None
    found: list[str] = []

    def text(key: str, *, lines: bool = False) -> str:
        return _text(item.get(key), key, found, lines=lines)

    common = {"effective_on": day, "reason": text("reason"), "label": label}
    op: Operation | None = None
    if kind == "merge":
        sources = _codes_list(item.get("sources"), "sources", found)
        into = _read_target(item.get("into"), found)
        if sources is not None and into is not None:
            op = Merge(tuple(sources), into, **common)
    elif kind == "split":
        into = item.get("into")
        if not isinstance(into, list):
            found.append(_("“into” of a split is a list of agencies."))
        else:
            targets = [_read_target(t, found) for t in into]
            source = text("source")
            if all(t is not None for t in targets):
                op = Split(source, tuple(targets), **common)
    elif kind == "rename":
        op = Rename(
            text("code"),
            text("name"),
            short_name=text("short_name"),
            kind=text("kind"),
            **common,
        )
    elif kind == "close":
        op = Close(text("code"), successor=text("successor"), **common)
    else:
        op = Authority(
            **{
                key: text(key, lines=key == "recipients")
                for key in (
                    "issuer_parent",
                    "issuer",
                    "place",
                    "number_suffix",
                    "signer_title",
                    "signer_authority",
                    "signer_name",
                    "recipients",
                    "archive",
                )
            },
            **common,
        )
    errors.extend(found)
    return None if found else op


def load_document(text: str | bytes) -> Document:
    """read_document of a file's content (UTF-8 JSON, a byte order mark accepted). Raises
    ReorganisationError when doingoai.jsonfiles.parse_json_text refuses it (not UTF-8, not
    JSON, with the line and column, or nested absurdly deep) or when read_document does."""
    try:
        data = parse_json_text(text)
    except JSONFileError as exc:
        raise ReorganisationError([str(exc)]) from None
    return read_document(data)


# ---------------------------------------------------------------------------- the daily task


def apply_scheduled_names(today: date | None = None) -> int:
    """On each day: every renamed agency bears the AgencyName row in force today (and the kind
    a rename in force gave it), the pending drafts of agencies closed by today move to their
    successor (as a reorganisation applied ahead scheduled), and the users whose memberships
    ended today get their role groups re-synchronised. Returns how many agencies changed name
    or kind. Idempotent."""
    today = today or timezone.localdate()
    changed = 0
    in_force = AgencyName.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_until__isnull=True) | Q(valid_until__gt=today),
    ).select_related("agency")
    kinds = _scheduled_kinds(today)
    with transaction.atomic():
        for row in in_force:
            agency = row.agency
            short_name = row.short_name or row.name
            kind = kinds.get(agency.pk, (agency.kind, None))[0]
            if (agency.name, agency.short_name, agency.kind) == (row.name, short_name, kind):
                continue
            rename = kinds.get(agency.pk, (None, None))[1] or _rename_row(agency, row.valid_from)
            agency.name, agency.short_name, agency.kind = row.name, short_name, kind
            why = history_reason(
                Reorganisation.Kind.RENAME, row.valid_from or today, rename.pk if rename else None
            )
            agency._change_reason = why
            agency.save()
            changed += 1
        _move_scheduled_drafts(today)
        for user in User.objects.filter(memberships__ended_on=today).distinct():
            permissions.sync_user_groups(user)
    return changed


def _rename_row(agency: Agency, day: date | None) -> Reorganisation | None:
    if day is None:
        return None
    return Reorganisation.objects.filter(
        kind=Reorganisation.Kind.RENAME, effective_on=day, sources=agency
    ).first()


def _scheduled_kinds(today: date) -> dict[int, tuple[str, Reorganisation]]:
    """agency id -> (kind, rename) for the renames in force today that change a kind not yet
    changed (the agency still has the kind the rename changed from)."""
    kinds: dict[int, tuple[str, Reorganisation]] = {}
    renames = Reorganisation.objects.filter(
        kind=Reorganisation.Kind.RENAME, effective_on__lte=today
    ).order_by("effective_on", "pk")
    for rename in renames:
        for line in rename.changes.get("renamed", []):
            if not line.get("new_kind"):
                continue
            agency = Agency.objects.filter(code=line["code"]).only("pk", "kind").first()
            if agency is not None and agency.kind == line.get("old_kind"):
                kinds[agency.pk] = (line["new_kind"], rename)
    return kinds


def _move_scheduled_drafts(today: date) -> None:
    pending = (
        Activity.objects.filter(
            status__in=EDITABLE,
            agency__closed_on__lte=today,
            agency__successor__isnull=False,
        )
        .select_related("agency__successor")
        .order_by("pk")
    )
    by_agency: dict[int, list[Activity]] = {}
    for activity in pending:
        by_agency.setdefault(activity.agency_id, []).append(activity)
    for drafts in by_agency.values():
        closed = drafts[0].agency
        row = (
            Reorganisation.objects.filter(effective_on=closed.closed_on, sources=closed)
            .exclude(kind=Reorganisation.Kind.RENAME)
            .first()
        )
        kind = row.kind if row else Reorganisation.Kind.CLOSE
        why = history_reason(kind, closed.closed_on, row.pk if row else None)
        successor = closed.successor
        seen = {closed.pk}
        while (
            successor.closed_on is not None
            and successor.closed_on <= today
            and successor.successor_id is not None
            and successor.successor_id not in seen
        ):
            seen.add(successor.pk)
            successor = successor.successor
        move_drafts(drafts, successor, why, None)
