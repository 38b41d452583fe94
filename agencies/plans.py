"""Which plan applies when, and plans as files.

The plans the province implements follow one another in time (the first one is loaded by a
data migration; the plan that replaces it is loaded from a file): every page, report and duty
list asks this module instead of taking "the" plan. A plan travels as a JSON document (the
format is described field by field in docs/plans.md): `export_plan` writes one, `load_plan`
reads one, checked as a whole before anything is written.

Section IV of a plan is tracked here too: each agency the IV.1 duty assigns records its own
implementing programme (`record_programme`), and Sở Ngoại vụ records the yearly evaluation of
IV.2 (`record_evaluation`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from doingoai.dates import check_plausible_date
from doingoai.files import DOCX, PDF, true_name, validate_attachment
from doingoai.text import CHANGE_REASON_MAX, clean_text

from .models import (
    ActivityKind,
    Agency,
    Duty,
    DutyAssignment,
    ImplementingProgramme,
    LegalBasis,
    Plan,
    PlanEvaluation,
    User,
    in_operation_q,
)
from .permissions import Action, can, reviews_province


def plan_in_force(on: date | None = None) -> Plan | None:
    """The plan in force on `on` (today when None); when none is, the latest that began
    before it (a plan that ended keeps being followed until another is loaded). None when no
    plan began by then. One query."""
    on = on or timezone.localdate()
    return Plan.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


def plan_in_force_id(on: date | None = None) -> models.QuerySet:
    """The id of the plan plan_in_force(on) returns, as a sub-query to filter by (no query of
    its own)."""
    return Plan.objects.in_force_id(on)


def plan_for_period(start: date, end: date) -> Plan | None:
    """The plan a reporting period from `start` to `end` follows: the one in force on its last
    day, or, when a plan begins only after that, the one in force on its first. One query
    (two when the last day has none)."""
    return plan_in_force(end) or plan_in_force(start)


class PlanCalendar:
    """Every plan's dates read once (one query), then which plan applies on any day answered
    in Python, as plan_in_force does: for a sheet of many rows of different dates (an import
    resolving each row's duty ref in the plan of its date) or a list grouped by plan."""

    def __init__(self) -> None:
        self.plans = list(Plan.objects.order_by("-valid_from"))

    def on(self, day: date | None = None) -> Plan | None:
        """The plan in force on `day` (today when None); when none is, the latest that began
        before it; None when none began by then (plan_in_force's rule, no query)."""
        day = day or timezone.localdate()
        return next((plan for plan in self.plans if plan.valid_from <= day), None)


def dmy(day: date | None) -> str:
    """A day as documents print it, dd/mm/yyyy (the project's short date format)."""
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


def plan_citation(plan: Plan) -> str:
    """How a report cites `plan`, in Vietnamese as the plan's own data is: "Kế hoạch số
    {number} ngày {dd/mm/yyyy} của {issuer} {subject}" (no subject: the citation stops at
    the issuer)."""
    text = f"Kế hoạch số {plan.number} ngày {dmy(plan.issued_on)} của {plan.issuer}"
    return f"{text} {plan.subject}" if plan.subject else text


def plan_status(plan: Plan, on: date | None = None) -> str:
    """ "in_force", "ended" or "upcoming" on `on` (today when None), from the plan's dates."""
    on = on or timezone.localdate()
    if plan.valid_from > on:
        return "upcoming"
    if plan.valid_until is not None and plan.valid_until < on:
        return "ended"
    return "in_force"


# --------------------------------------------------------------------------- the plan file

PLAN_FIELDS = (
    "number",
    "issued_on",
    "issuer",
    "title",
    "subject",
    "implements",
    "signer",
    "valid_from",
    "valid_until",
    "legal_bases",
    "duties",
)
BASIS_FIELDS = ("document_type", "number", "issued_on", "issuer", "title")
DUTY_FIELDS = (
    "ref",
    "heading",
    "summary",
    "text",
    "recurrence",
    "activity_kinds",
    "assignments",
    "coordinating",
)
ASSIGNMENT_FIELDS = ("agency", "role")
# Fields that must hold text; the others of their object may be empty.
PLAN_REQUIRED = ("number", "issuer", "title")
BASIS_REQUIRED = ("document_type", "number", "issuer", "title")
DUTY_REQUIRED = ("ref", "heading", "text")


class PlanError(Exception):
    """A plan file (or a section IV record) that cannot be taken: `messages` lists every
    problem, each in the active language (Vietnamese in the portal) and naming its place in
    the file, e.g. "duties[3].assignments[1]: …". Nothing was written."""

    def __init__(self, messages: Iterable[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def export_plan(plan: Plan) -> dict[str, Any]:
    """The plan as the document load_plan reads (docs/plans.md): plain JSON values, dates as
    "YYYY-MM-DD", legal bases and duties in their order, each duty's assignments lead first
    then by agency code, its coordinating agencies by code. Five queries."""
    duties = (
        plan.duties.order_by("position", "pk")
        .prefetch_related(
            models.Prefetch(
                "assignments",
                queryset=DutyAssignment.objects.select_related("agency").order_by(
                    "role", "agency__code"
                ),
            ),
            models.Prefetch("coordinating_agencies", queryset=Agency.objects.order_by("code")),
        )
        .all()
    )
    return {
        "number": plan.number,
        "issued_on": plan.issued_on.isoformat(),
        "issuer": plan.issuer,
        "title": plan.title,
        "subject": plan.subject,
        "implements": plan.implements,
        "signer": plan.signer,
        "valid_from": plan.valid_from.isoformat(),
        "valid_until": plan.valid_until.isoformat() if plan.valid_until else None,
        "legal_bases": [
            {
                "document_type": basis.document_type,
                "number": basis.number,
                "issued_on": basis.issued_on.isoformat(),
                "issuer": basis.issuer,
                "title": basis.title,
            }
            for basis in plan.legal_bases.order_by("position", "pk")
        ],
        "duties": [
            {
                "ref": duty.ref,
                "heading": duty.heading,
                "summary": duty.summary,
                "text": duty.text,
                "recurrence": duty.recurrence,
                "activity_kinds": list(duty.activity_kinds or []),
                "assignments": [
                    {"agency": a.agency.code, "role": a.role} for a in duty.assignments.all()
                ],
                "coordinating": [agency.code for agency in duty.coordinating_agencies.all()],
            }
            for duty in duties
        ],
    }


class _Checker:
    """Reads a plan document, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, place: str, message: str) -> None:
        self.errors.append(f"{place}: {message}" if place else message)

    def fields(self, obj: Any, place: str, known: tuple[str, ...]) -> dict | None:
        if not isinstance(obj, dict):
            self.error(place or _("the file"), _("expected an object {…}."))
            return None
        for key in obj:
            if key not in known:
                self.error(
                    f"{place}.{key}" if place else str(key),
                    _("unknown field; the fields are: %(fields)s.") % {"fields": ", ".join(known)},
                )
        return obj

    def text(
        self,
        obj: dict,
        key: str,
        place: str,
        *,
        required: bool,
        max_length: int | None,
    ) -> str:
        where = f"{place}.{key}" if place else key
        value = obj.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(where, _("expected text."))
            return ""
        # Empty once cleaned as the portal stores text: zero-width and control characters
        # removed, the ends stripped ("\u200b \n\t" is empty).
        if required and not clean_text(value, multiline=True).strip():
            self.error(where, _("must not be empty."))
        if max_length is not None and len(value) > max_length:
            self.error(
                where,
                _("%(length)d characters; at most %(limit)d.")
                % {"length": len(value), "limit": max_length},
            )
        return value

    def day(
        self, obj: dict, key: str, place: str, *, required: bool = True, plausible: bool = False
    ) -> date | None:
        where = f"{place}.{key}" if place else key
        value = obj.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            self.error(where, _("expected a date written YYYY-MM-DD."))
            return None
        try:
            if len(value) != len("YYYY-MM-DD"):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            self.error(
                where,
                _("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": value},
            )
            return None
        if plausible:
            try:
                check_plausible_date(day)
            except ValueError as exc:
                self.error(where, str(exc))
                return None
        return day

    def codes(self, value: Any, where: str) -> list:
        if not isinstance(value, list):
            self.error(where, _("expected a list […]."))
            return []
        return value


def _max_length(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length


@dataclass
class _Document:
    """A plan document checked, as Python values."""

    plan: dict
    bases: list[dict]
    duties: list[dict]


def _check_document(data: Any, replace: bool) -> tuple[_Document, Plan | None, list[str]]:
    """Check everything that needs no other plan: shapes, texts, dates, refs, codes, kinds.
    Returns the values, the plan of the same number (when one exists) and the problems.
    Two queries (the agencies named, the plan of that number)."""
    check = _Checker()
    doc = _Document(plan={}, bases=[], duties=[])
    if check.fields(data, "", PLAN_FIELDS) is None:
        return doc, None, check.errors
    for key in ("number", "issuer", "title", "subject", "implements", "signer"):
        doc.plan[key] = check.text(
            data, key, "", required=key in PLAN_REQUIRED, max_length=_max_length(Plan, key)
        )
    doc.plan["issued_on"] = check.day(data, "issued_on", "", plausible=True)
    doc.plan["valid_from"] = check.day(data, "valid_from", "", plausible=True)
    doc.plan["valid_until"] = check.day(data, "valid_until", "", required=False, plausible=True)
    if (
        doc.plan["issued_on"]
        and doc.plan["valid_from"]
        and doc.plan["issued_on"] > doc.plan["valid_from"]
    ):
        check.error(
            "issued_on",
            _("a plan is issued on or before the day it begins to apply (valid_from %(day)s).")
            % {"day": dmy(doc.plan["valid_from"])},
        )
    if (
        doc.plan["valid_from"]
        and doc.plan["valid_until"]
        and doc.plan["valid_until"] < doc.plan["valid_from"]
    ):
        check.error("valid_until", _("a plan ends after it begins (valid_from)."))

    numbers: dict[str, int] = {}
    for i, raw in enumerate(check.codes(data.get("legal_bases", []), "legal_bases")):
        place = f"legal_bases[{i}]"
        if check.fields(raw, place, BASIS_FIELDS) is None:
            continue
        basis = {
            key: check.text(
                raw,
                key,
                place,
                required=key in BASIS_REQUIRED,
                max_length=_max_length(LegalBasis, key),
            )
            for key in ("document_type", "number", "issuer", "title")
        }
        basis["issued_on"] = check.day(raw, "issued_on", place)
        if basis["number"] in numbers:
            check.error(
                f"{place}.number",
                _("the document “%(number)s” is already listed at legal_bases[%(index)d].")
                % {"number": basis["number"], "index": numbers[basis["number"]]},
            )
        numbers.setdefault(basis["number"], i)
        doc.bases.append(basis)

    ref_validators = Duty._meta.get_field("ref").validators
    refs: dict[str, int] = {}
    named_codes: list[tuple[str, str]] = []  # (place, code)
    for i, raw in enumerate(check.codes(data.get("duties", []), "duties")):
        place = f"duties[{i}]"
        if check.fields(raw, place, DUTY_FIELDS) is None:
            continue
        duty = {
            key: check.text(
                raw, key, place, required=key in DUTY_REQUIRED, max_length=_max_length(Duty, key)
            )
            for key in ("ref", "heading", "summary", "text")
        }
        if duty["ref"]:
            try:
                for validator in ref_validators:
                    validator(duty["ref"])
            except ValidationError:
                check.error(
                    f"{place}.ref",
                    _("“%(ref)s” is not a section reference such as III.2.3.")
                    % {"ref": duty["ref"]},
                )
            if duty["ref"] in refs:
                check.error(
                    f"{place}.ref",
                    _("the reference “%(ref)s” is already used by duties[%(index)d].")
                    % {"ref": duty["ref"], "index": refs[duty["ref"]]},
                )
            refs.setdefault(duty["ref"], i)
        recurrence = raw.get("recurrence")
        if recurrence not in Duty.Recurrence.values:
            check.error(
                f"{place}.recurrence",
                _("unknown recurrence “%(value)s”; use one of: %(values)s.")
                % {"value": recurrence, "values": ", ".join(Duty.Recurrence.values)},
            )
        duty["recurrence"] = recurrence
        kinds = check.codes(raw.get("activity_kinds", []), f"{place}.activity_kinds")
        for j, kind in enumerate(kinds):
            if kind not in ActivityKind.values:
                check.error(
                    f"{place}.activity_kinds[{j}]",
                    _("unknown activity kind “%(value)s”; use one of: %(values)s.")
                    % {"value": kind, "values": ", ".join(ActivityKind.values)},
                )
        if len(set(map(str, kinds))) != len(kinds):
            check.error(f"{place}.activity_kinds", _("a kind is listed twice."))
        duty["activity_kinds"] = kinds
        duty["assignments"] = []
        seen: set[str] = set()
        assignments = check.codes(raw.get("assignments", []), f"{place}.assignments")
        for j, item in enumerate(assignments):
            where = f"{place}.assignments[{j}]"
            if check.fields(item, where, ASSIGNMENT_FIELDS) is None:
                continue
            code, role = item.get("agency"), item.get("role")
            if role not in DutyAssignment.Role.values:
                check.error(
                    f"{where}.role",
                    _("unknown role “%(value)s”; use lead or support.") % {"value": role},
                )
            if not isinstance(code, str) or not code:
                check.error(f"{where}.agency", _("expected an agency code."))
                continue
            if code in seen:
                check.error(where, _("the agency “%(code)s” is assigned twice.") % {"code": code})
            seen.add(code)
            named_codes.append((where, code))
            duty["assignments"].append((code, role))
        duty["coordinating"] = []
        for j, code in enumerate(check.codes(raw.get("coordinating", []), f"{place}.coordinating")):
            where = f"{place}.coordinating[{j}]"
            if not isinstance(code, str) or not code:
                check.error(where, _("expected an agency code."))
                continue
            if code in duty["coordinating"]:
                check.error(where, _("the agency “%(code)s” is listed twice.") % {"code": code})
            named_codes.append((where, code))
            duty["coordinating"].append(code)
        doc.duties.append(duty)

    known = {
        code: (established, closed)
        for code, established, closed in Agency.objects.filter(
            code__in={code for _place, code in named_codes}
        ).values_list("code", "established_on", "closed_on")
    }
    start, end = doc.plan["valid_from"], doc.plan["valid_until"]
    for where, code in named_codes:
        if code not in known:
            check.error(where, _("the agency code “%(code)s” does not exist.") % {"code": code})
            continue
        # The agency must work on some day of the plan's validity.
        established, closed = known[code]
        if start and closed is not None and closed <= start:
            check.error(
                where,
                _("the agency “%(code)s” no longer works from %(day)s, before the plan begins.")
                % {"code": code, "day": dmy(closed)},
            )
        elif established is not None and end is not None and established > end:
            check.error(
                where,
                _("the agency “%(code)s” begins to work on %(day)s, after the plan ends.")
                % {"code": code, "day": dmy(established)},
            )

    existing = None
    if doc.plan["number"]:
        existing = Plan.objects.filter(number=doc.plan["number"]).first()
        if existing is not None and not replace:
            check.error(
                "number",
                _(
                    "a plan numbered “%(number)s” is already loaded; load the file with "
                    "--replace to update it."
                )
                % {"number": doc.plan["number"]},
            )
    return doc, existing, check.errors


def _until(day: date | None) -> str:
    return dmy(day) if day else _("open-ended")


def _check_validity(
    doc: _Document, existing: Plan | None
) -> tuple[Plan | None, date | None, list[str]]:
    """Plans follow one another: the new validity may not overlap another plan's. The plan
    still open that began before the new one ends the day before it (returned with that day,
    to be written); refused when that day comes before it began. One query."""
    errors: list[str] = []
    start, end = doc.plan.get("valid_from"), doc.plan.get("valid_until")
    if start is None:
        return None, None, errors
    others = Plan.objects.exclude(pk=existing.pk if existing else None).order_by("valid_from")
    to_close, close_on = None, None
    for other in others:
        other_end = other.valid_until
        if other_end is None and other.valid_from <= start:
            day_before = start - timedelta(days=1)
            if day_before < other.valid_from:
                errors.append(
                    "valid_from: "
                    + _(
                        "plan %(other)s, in force from %(from)s, would have to end on "
                        "%(until)s, before it began."
                    )
                    % {
                        "other": other.number,
                        "from": dmy(other.valid_from),
                        "until": dmy(day_before),
                    }
                )
                continue
            to_close, close_on, other_end = other, day_before, day_before
        overlaps = (end is None or other.valid_from <= end) and (
            other_end is None or start <= other_end
        )
        if overlaps:
            errors.append(
                "valid_from: "
                + _(
                    "from %(from)s to %(until)s overlaps plan %(other)s (from %(other_from)s "
                    "to %(other_until)s); plans follow one another."
                )
                % {
                    "from": dmy(start),
                    "until": _until(end),
                    "other": other.number,
                    "other_from": dmy(other.valid_from),
                    "other_until": _until(other_end),
                }
            )
    return to_close, close_on, errors


def _stamp(instance: models.Model, actor: User | None, reason: str) -> models.Model:
    """What django-simple-history records of the next save: who and why."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason[:CHANGE_REASON_MAX]
    return instance


@transaction.atomic
def load_plan(
    data: Any, actor: User | None = None, reason: str = "", *, replace: bool = False
) -> Plan:
    """Load a plan document (as export_plan writes it; docs/plans.md) and return the plan.

    Everything is checked before anything is written, and written in one transaction:
    shapes and unknown fields, empty number/issuer/title and duty ref/heading/text, dates
    ("YYYY-MM-DD"), refs (Duty.ref's validator; no duplicates), recurrences, activity kinds,
    roles, agency codes, and the validity against the other plans (plans follow one another;
    one without `valid_until` overlaps every later one). The plan still open that began before
    this one is ended the day before `valid_from` (refused when that is before it began); the
    plan closed so is kept on the returned plan's `closed_previous` (None when none was).

    A plan whose number is loaded already is refused unless `replace`: then it is updated in
    place, legal bases matched by number and duties by ref (their activities stay linked); a
    duty that is gone from the file but that activities refer to is refused.

    `actor` and `reason` (at most 100 characters kept) go into every history row written.
    Raises PlanError with every problem found, each naming its place ("duties[3].assignments
    [1]: …", indexes from 0); nothing is written then."""
    doc, existing, errors = _check_document(data, replace)
    to_close, close_on, validity_errors = _check_validity(doc, existing)
    errors += validity_errors
    if existing is not None and replace:
        kept = {duty["ref"] for duty in doc.duties}
        used = (
            existing.duties.exclude(ref__in=kept)
            .annotate(activity_count=models.Count("activities"))
            .filter(activity_count__gt=0)
            .order_by("position")
        )
        for duty in used:
            errors.append(
                "duties: "
                + _(
                    "duty %(ref)s is not in the file but %(count)d activities refer to it; keep it."
                )
                % {"ref": duty.ref, "count": duty.activity_count}
            )
    if errors:
        raise PlanError(errors)

    if to_close is not None:
        to_close.valid_until = close_on
        _stamp(to_close, actor, reason).save(update_fields=["valid_until"])
    plan = existing or Plan()
    for key, value in doc.plan.items():
        setattr(plan, key, value)
    _stamp(plan, actor, reason).save()
    plan.closed_previous = to_close

    bases = {basis.number: basis for basis in plan.legal_bases.all()} if existing else {}
    for position, values in enumerate(doc.bases):
        basis = bases.pop(values["number"], None) or LegalBasis(plan=plan)
        for key, value in values.items():
            setattr(basis, key, value)
        basis.position = position
        _stamp(basis, actor, reason).save()
    for basis in bases.values():
        _stamp(basis, actor, reason).delete()

    agencies = {
        agency.code: agency
        for agency in Agency.objects.filter(
            code__in={c for d in doc.duties for c, _r in d["assignments"]}
            | {c for d in doc.duties for c in d["coordinating"]}
        )
    }
    duties = (
        {duty.ref: duty for duty in plan.duties.prefetch_related("assignments")} if existing else {}
    )
    for position, values in enumerate(doc.duties):
        duty = duties.pop(values["ref"], None)
        is_new = duty is None
        duty = duty or Duty(plan=plan)
        for key in ("ref", "heading", "summary", "text", "recurrence", "activity_kinds"):
            setattr(duty, key, values[key])
        duty.position = position
        _stamp(duty, actor, reason).save()
        current = {} if is_new else {a.agency_id: a for a in duty.assignments.all()}
        wanted = {agencies[code].pk: role for code, role in values["assignments"]}
        for agency_id, assignment in current.items():
            if agency_id not in wanted:
                _stamp(assignment, actor, reason).delete()
            elif assignment.role != wanted[agency_id]:
                assignment.role = wanted[agency_id]
                _stamp(assignment, actor, reason).save()
        for code, role in values["assignments"]:
            if agencies[code].pk not in current:
                assignment = DutyAssignment(duty=duty, agency=agencies[code], role=role)
                _stamp(assignment, actor, reason).save()
        coordinating = [agencies[code] for code in values["coordinating"]]
        if is_new:
            if coordinating:
                duty.coordinating_agencies.set(coordinating)
        elif {a.pk for a in duty.coordinating_agencies.all()} != {a.pk for a in coordinating}:
            duty.coordinating_agencies.set(coordinating)
    for duty in duties.values():
        duty.coordinating_agencies.clear()
        for assignment in duty.assignments.all():
            _stamp(assignment, actor, reason).delete()
        _stamp(duty, actor, reason).delete()
    return plan


# --------------------------------------------------------------------------- section IV


def _is_iv1(ref: str) -> bool:
    return ref == "IV.1" or ref.startswith("IV.1.")


def iv1_duties(plan: Plan) -> models.QuerySet[Duty]:
    """The duties of section IV.1 of `plan` (ref "IV.1" or "IV.1.…"): each agency they assign
    builds its own implementing programme. No query of its own."""
    return plan.duties.filter(Q(ref="IV.1") | Q(ref__startswith="IV.1."))


def programme_agencies(plan: Plan) -> models.QuerySet[Agency]:
    """The agencies the IV.1 duties of `plan` assign (lead or support), in directory order,
    each once. A queryset (one query when evaluated)."""
    return Agency.objects.filter(
        pk__in=DutyAssignment.objects.filter(duty__in=iv1_duties(plan)).values("agency_id")
    ).in_directory_order()


def programme_day(plan: Plan, today: date | None = None) -> date:
    """The day that says which agencies owe `plan` a programme: today, brought within the
    plan's validity (its last day for a plan that ended, its first for one not begun)."""
    day = today or timezone.localdate()
    if plan.valid_until is not None and day > plan.valid_until:
        day = plan.valid_until
    return max(day, plan.valid_from)


def programme_expected(plan: Plan, today: date | None = None) -> models.QuerySet[Agency]:
    """The agencies listed and counted for section IV.1 of `plan`: those it assigns
    (programme_agencies) that are in operation on programme_day, and those that recorded
    their programme (kept after they closed). An agency closed by a reorganisation before
    recording one owes none any more: its successor, given its assignments, owes it. A
    queryset in directory order (one query when evaluated)."""
    recorded = ImplementingProgramme.objects.filter(plan=plan).values("agency_id")
    return programme_agencies(plan).filter(
        in_operation_q(programme_day(plan, today)) | Q(pk__in=recorded)
    )


@dataclass
class ProgrammeRow:
    """One line of the programmes page: an agency IV.1 assigns and its programme, or None."""

    agency: Agency
    programme: ImplementingProgramme | None
    may_record: bool


def programme_rows(plan: Plan, acting_ids: Iterable[int] = ()) -> list[ProgrammeRow]:
    """Every agency that owes `plan` an IV.1 programme (programme_expected) with its programme
    (None: "chưa có"), and whether the user whose ACT agencies are `acting_ids` may record it.
    Two queries, whatever the number of agencies."""
    acting = set(acting_ids)
    programmes = {
        p.agency_id: p
        for p in ImplementingProgramme.objects.filter(plan=plan).select_related("uploaded_by")
    }
    return [
        ProgrammeRow(agency, programmes.get(agency.pk), agency.pk in acting)
        for agency in programme_expected(plan)
    ]


def programme_progress(plan: Plan) -> tuple[int, int]:
    """(x, N): of the N agencies that owe `plan` an IV.1 programme (programme_expected), x
    have recorded it. One query."""
    assigned = programme_expected(plan).order_by().values("pk")
    counts = Agency.objects.filter(pk__in=assigned).aggregate(
        total=models.Count("pk"),
        done=models.Count("pk", filter=Q(programmes__plan=plan), distinct=True),
    )
    return counts["done"], counts["total"]


@transaction.atomic
def record_programme(
    *,
    actor: User,
    plan: Plan,
    agency: Agency,
    number: str,
    issued_on: date,
    title: str = "",
    upload: UploadedFile,
) -> ImplementingProgramme:
    """Record (or replace) `agency`'s implementing programme of `plan` (section IV.1): its
    document number, date, optional title and file, a PDF or DOCX checked by its content. A
    replaced programme keeps its earlier number, date, title and file name in its history.

    The caller has checked that `actor` acts for `agency` (agencies.permissions Action.ACT)
    and that IV.1 assigns it; this checks again (Http404 otherwise, as the pages answer).
    Raises PlanError (Vietnamese) for an empty number, a date after today, or a file that is
    not a PDF or DOCX or is too large; nothing is written then."""
    if (
        not can(actor, Action.ACT, agency)
        or not programme_agencies(plan).filter(pk=agency.pk).exists()
    ):
        raise Http404
    errors: list[str] = []
    if not number.strip():
        errors.append(_("The document number must not be empty."))
    if issued_on > timezone.localdate():
        errors.append(
            _("The programme's date %(date)s is in the future: record it once it is issued.")
            % {"date": issued_on.strftime("%d/%m/%Y")}
        )
    else:
        try:
            check_plausible_date(issued_on)
        except ValueError as exc:
            errors.append(str(exc))
    kind = None
    try:
        kind = validate_attachment(upload)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if kind is not None and kind not in (PDF, DOCX):
        errors.append(
            _("“%(name)s” is not a PDF or DOCX file (checked by its content).")
            % {"name": upload.name}
        )
    if errors:
        raise PlanError(errors)
    existing = ImplementingProgramme.objects.select_for_update().filter(plan=plan, agency=agency)
    programme = existing.first()
    if programme is None:
        programme = ImplementingProgramme(plan=plan, agency=agency)
    programme.number = number.strip()
    programme.issued_on = issued_on
    programme.title = title.strip()
    programme.original_name = true_name(upload.name, kind.content_type)[-255:]
    programme.content_type = kind.content_type
    programme.size = upload.size
    programme.uploaded_by = actor
    programme.file.save(upload.name, upload, save=False)
    _stamp(programme, actor, "").save()
    return programme


def may_evaluate(user) -> bool:
    """Sở Ngoại vụ's reviewers record the yearly evaluation (section IV.2): those who review
    every agency (agencies.permissions.reviews_province)."""
    return reviews_province(user)


@transaction.atomic
def record_evaluation(
    *,
    actor: User,
    plan: Plan,
    year: int,
    results: str,
    lessons: str = "",
    adjustments: str = "",
) -> PlanEvaluation:
    """Record (or update) Sở Ngoại vụ's evaluation of `plan` for `year` (section IV.2):
    results, lessons learned, proposed adjustments to the plan; history is kept. Only
    reviewers of the province (may_evaluate; Http404 otherwise). Raises PlanError when the
    results are empty; nothing is written then."""
    if not may_evaluate(actor):
        raise Http404
    if not results.strip():
        raise PlanError([_("The results must not be empty.")])
    evaluation = PlanEvaluation.objects.select_for_update().filter(
        plan=plan, year=year
    ).first() or PlanEvaluation(plan=plan, year=year)
    evaluation.results = results.strip()
    evaluation.lessons = lessons.strip()
    evaluation.adjustments = adjustments.strip()
    evaluation.recorded_by = actor
    _stamp(evaluation, actor, "").save()
    return evaluation


def evaluation_for_year(year: int, plan: Plan | None = None) -> PlanEvaluation | None:
    """The evaluation recorded for `year` (section IV.2): `plan`'s when given and recorded,
    else that of the plan in force at the end of that year, else any (a plan replaced during
    the year), with its plan. One query."""
    end = date(year, 12, 31)
    in_force_at_end = Q(plan__valid_from__lte=end) & (
        Q(plan__valid_until__isnull=True) | Q(plan__valid_until__gte=end)
    )
    return (
        PlanEvaluation.objects.filter(year=year)
        .select_related("plan")
        .order_by(
            models.Case(
                models.When(plan_id=plan.pk if plan else None, then=0),
                models.When(in_force_at_end, then=1),
                default=2,
            ),
            "-plan__valid_from",
        )
        .first()
    )
