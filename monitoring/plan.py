"""Plan implementation: the duties of the plan in force, by half-year, with what was done.

Rows are the duties of one plan, grouped by section (III.1 … III.7, IV.1, IV.2: the ref's
first two parts): by default the plan a year follows (the one in force at its end, as
agencies.plans.plan_for_period), or another plan followed during the half-years shown (?plan=,
when a plan replaced another mid-year). A plan is followed from its `valid_from` until the day
before the next plan's (agencies.plans.plan_in_force: an ended plan is followed until another
begins).

Columns are half-years: a year's first half is its stored "half" ReportingPeriod (Decree
09/2019 windows by default), its second half runs from the day after that to the end of its
stored "year" period; a year without stored periods takes the default dates
(reports.periods.bounds), nothing is created.

A cell counts the accepted activities of the agencies in scope (Scope.activities) that carry
out the duty (Activity.duty) and began (start_date) in the window, and the agencies that
acted. An activity counts for the agency that recorded it (Activity.agency), never for its
co-organisers: an activity is counted once, and a co-organiser's part is the lead's record.
Its state follows the plan's dates, the assigned agencies' lifetimes and the duty's
recurrence (see `cell_state`); every state has a word and a symbol besides its colour.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from agencies.models import Agency, Duty, DutyAssignment, Plan, User
from agencies.names import Lineage, NameBook
from reports.models import ReportingPeriod
from reports.periods import bounds, first_year

from .params import agency_of, year_in
from .scope import Scope

Kind = ReportingPeriod.Kind
Recurrence = Duty.Recurrence
SHORT_FORM_CHARS = 90
# The end of a duty's first sentence: a full stop, semicolon or colon followed by a space.
SENTENCE_END = re.compile(r"(?<=[.;:])\s")

# state: (Bootstrap badge classes, symbol); the words are given per cell (cell_state).
STATES = {
    "green": ("text-bg-success", "✓"),
    "red": ("text-bg-danger", "✗"),
    "amber": ("text-bg-warning", "!"),
    "grey": ("text-bg-secondary", "○"),
    "open": ("text-bg-light border", "…"),
}
LEGEND = [
    ("green", _("Carried out: at least one accepted activity began in the half-year.")),
    (
        "red",
        _(
            "Not carried out: a six-monthly duty with nothing in an ended half-year, or a "
            "yearly duty with nothing in the whole ended year."
        ),
    ),
    ("amber", _("Nothing this half-year: an ongoing duty with nothing in an ended half-year.")),
    (
        "grey",
        _(
            "When requested (a duty carried out on request), carried out in the year (a "
            "yearly duty done in the other half), before the plan (a half-year that ended "
            "before the plan came into force), after the plan (a half-year that ended after a "
            "later plan replaced it: it follows that plan) or no assigned agency at work (each "
            "agency the duty assigns, among those shown, was closed or not yet established "
            "then)."
        ),
    ),
    ("open", _("In progress: the half-year (or the yearly duty's year) has not ended.")),
]


def short_form(duty: Duty) -> str:
    """The duty in a few words for a table: its summary, or when it has none its text's first
    sentence, cut at a word to at most SHORT_FORM_CHARS characters (an ellipsis marks the
    cut)."""
    if duty.summary.strip():
        return duty.summary
    first = SENTENCE_END.split(duty.text.strip(), maxsplit=1)[0]
    if len(first) <= SHORT_FORM_CHARS:
        return first
    cut = first[: SHORT_FORM_CHARS - 1]
    return cut[: cut.rfind(" ")].rstrip(" ,;:-") + "…" if " " in cut else cut + "…"


def section_of(ref: str) -> str:
    """The section a duty belongs to: its ref's first two parts ("III.2.3" → "III.2")."""
    return ".".join(ref.split(".")[:2])


# --------------------------------------------------------------------------- half-years


@dataclass(frozen=True)
class Window:
    """One half-year: `half` 1 or 2 of `year`, from `start` to `end` (both included)."""

    year: int
    half: int
    start: date
    end: date

    @property
    def code(self) -> str:
        """ "2026-H1" or "2026-H2" (the cell page's ?window=)."""
        return f"{self.year}-H{self.half}"

    @property
    def label(self) -> str:
        """ "First half of 2026" (translated)."""
        if self.half == 1:
            return gettext("First half of %(year)s") % {"year": self.year}
        return gettext("Second half of %(year)s") % {"year": self.year}

    def ended(self, today: date) -> bool:
        """Whether the window's last day is before `today`."""
        return self.end < today


def half_years(years: list[int]) -> list[Window]:
    """The two half-years of each of `years`, in order, from the stored periods (one query);
    a year without them takes the default dates. A second half never ends before it begins
    (a period corrected oddly in the admin gives a one-day window, not an error)."""
    stored = {
        (p.year, p.kind): p for p in ReportingPeriod.objects.filter(year__in=years).order_by()
    }
    windows = []
    for year in sorted(years):
        half = stored.get((year, Kind.HALF_YEAR))
        whole = stored.get((year, Kind.YEAR))
        first = (half.start_date, half.end_date) if half else _default(Kind.HALF_YEAR, year)
        year_end = whole.end_date if whole else _default(Kind.YEAR, year)[1]
        second_start = first[1] + timedelta(days=1)
        windows.append(Window(year, 1, first[0], first[1]))
        windows.append(Window(year, 2, second_start, max(year_end, second_start)))
    return windows


def _default(kind: str, year: int) -> tuple[date, date]:
    b = bounds(kind, year)
    return b.start, b.end


def years_offered(today: date) -> list[int]:
    """The years the page may show, newest first: from the first reporting year
    (settings.REPORT_FIRST_YEAR) to this year."""
    return list(range(today.year, min(first_year(), today.year) - 1, -1))


def parse_year(value: str | None, today: date) -> tuple[int, str]:
    """The year asked for (?year=) and a message for the user when it could not be used (then
    this year). Never raises."""
    if not value:
        return today.year, ""
    first = min(years_offered(today))
    year = year_in(value, first, today.year)
    if year is None:
        return today.year, gettext(
            "“%(value)s” is not a year the plan can be followed for (%(first)s to %(last)s): "
            "showing %(year)s."
        ) % {
            "value": value[:20],
            "first": first,
            "last": today.year,
            "year": today.year,
        }
    return year, ""


def page_year(value: str | None, window: Window, today: date) -> int:
    """The year of the plan page a cell of `window` was opened from (?year=), for its link
    back: a page shows a year and the year before, so `window`'s year or the next; anything
    else (missing, not a year, a page that cannot show the window) → `window`'s own year.
    Never raises."""
    year, problem = parse_year(value, today)
    if not value or problem or year not in (window.year, window.year + 1):
        return window.year
    return year


def parse_window(value: str | None, today: date) -> tuple[Window, list[Window]]:
    """The half-year of a cell (?window=2026-H1 or 2026-H2), of a year the page shows (the
    first reporting year's previous year included), and the two halves of its year. One
    query. Raises Http404 otherwise."""
    match = re.fullmatch(r"(\d{4})-H([12])", (value or "").strip(), re.ASCII)
    if not match:
        raise Http404
    year, half = int(match[1]), int(match[2])
    if not min(years_offered(today)) - 1 <= year <= today.year:
        raise Http404
    halves = half_years([year])
    return halves[half - 1], halves


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Followed:
    """A plan and the days it is followed: from `plan.valid_from` to `until` (included), the
    day before the next plan begins; `until` None while no later plan has begun."""

    plan: Plan
    until: date | None

    def overlaps(self, start: date, end: date) -> bool:
        """Whether the plan is followed on some day from `start` to `end`."""
        return self.plan.valid_from <= end and (self.until is None or self.until >= start)


def plans_followed() -> list[Followed]:
    """Every plan, oldest first, with the days it is followed. One query."""
    plans = list(Plan.objects.order_by("valid_from", "pk"))
    nexts = [later.valid_from for later in plans[1:]] + [None]
    return [
        Followed(plan, nxt - timedelta(days=1) if nxt else None)
        for plan, nxt in zip(plans, nexts, strict=False)  # no plan: no pair
    ]


def choose_plan(
    value: str | None, plans: list[Followed], start: date, end: date
) -> tuple[Followed | None, list[Followed], str]:
    """The plan of ?plan=<id> among `plans` (plans_followed) followed from `start` to `end`,
    those plans (oldest first), and a message for the user ("" when none). Without an id, or
    with the id of a plan of other years (the year was changed in the form), the last plan
    followed then, silently; with anything else, that plan and a message. (None,
    [], "") when no plan had begun by `end`. Never raises, no query."""
    followed = [f for f in plans if f.overlaps(start, end)]
    default = followed[-1] if followed else None
    value = (value or "").strip()
    if not value or default is None:
        return default, followed, ""
    chosen = next((f for f in followed if str(f.plan.pk) == value), None)
    if chosen is not None:
        return chosen, followed, ""
    if any(str(f.plan.pk) == value for f in plans):
        return default, followed, ""
    problem = gettext(
        "“%(value)s” is not a plan followed in these half-years: showing plan %(number)s."
    ) % {"value": value[:20], "number": default.plan.number}
    return default, followed, problem


# --------------------------------------------------------------------------- scope by agency


def narrow(
    scope: Scope, code: str | None, agencies: list[Agency]
) -> tuple[Scope, Agency | None, str]:
    """`scope` limited to the agency of `code` and those under it (?agency=), with that agency
    and "" ; `scope` itself, None and "" when no code is given. `agencies` are
    Scope.agencies(): no query. A code that is no agency in scope (unknown, or another's:
    the same words, so nothing leaks) gives `scope` unchanged, None and a message for the
    user: the scope is never widened. Never raises."""
    code = (code or "").strip()
    if not code:
        return scope, None, ""
    chosen = agency_of(code, agencies)
    if chosen is None:
        return (
            scope,
            None,
            gettext("“%(value)s” is not an agency you monitor: showing every agency you monitor.")
            % {"value": code[:30]},
        )
    return scope.narrowed_to(chosen, agencies), chosen, ""


# --------------------------------------------------------------------------- the table


@dataclass
class Cell:
    """One cell: `activities` accepted activities begun in `window` by `agencies` distinct
    agencies, its `state` (a key of STATES) and the words saying it (`label`)."""

    window: Window
    activities: int
    agencies: int
    state: str
    label: str

    @property
    def classes(self) -> str:
        return STATES[self.state][0]

    @property
    def symbol(self) -> str:
        return STATES[self.state][1]


@dataclass
class Row:
    """A duty, its short form, and one cell per window of the table."""

    duty: Duty
    short_form: str
    cells: list[Cell]


@dataclass
class Section:
    """A section of the plan ("III.2") with its heading and the rows of its duties in order."""

    ref: str
    heading: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Table:
    """The page's figures: `plan` None when no plan had begun (no rows then); `followed` the
    plans followed in these half-years (the page offers them when there are several),
    `until` the last day `plan` is followed (None: not replaced), `problem` a message for the
    user about ?plan= ("" when none)."""

    year: int
    plan: Plan | None
    windows: list[Window]
    sections: list[Section]
    followed: list[Followed] = field(default_factory=list)
    until: date | None = None
    problem: str = ""


def cell_state(
    recurrence: str,
    count: int,
    window: Window,
    year_count: int,
    year_ended: bool,
    today: date,
    *,
    plan_from: date | None = None,
    plan_until: date | None = None,
    assigned_at_work: bool = True,
) -> tuple[str, str]:
    """(state, words) of a cell of `count` activities in `window`, for a duty of
    `recurrence`; `year_count` counts the activities of the window's whole year, `year_ended`
    says whether that year has ended (yearly duties are judged on the year); `plan_from` is
    the day the duty's plan came into force, `plan_until` the last day it was followed (None:
    not replaced); `assigned_at_work` False when the duty assigns agencies among those shown
    but none of them worked on any day of the window (all closed before it or established
    after it, e.g. a ward's half-year before the merger that created it).

    green: something in the window; grey: on request, a yearly duty done in the other half,
    a window that ended before the plan came into force or after a later plan replaced it
    (a window follows the plan followed on its last day, as a reporting period follows the
    plan in force on its last day: agencies.plans.plan_for_period; nothing was owed under
    this plan then), or no assigned agency at work; open:
    nothing yet and the window (for a yearly duty, its year) has not ended; red: nothing in
    an ended half (six-monthly) or ended year (yearly); amber: an ongoing duty with nothing
    in an ended half."""
    if count:
        return "green", gettext("Carried out")
    if plan_from is not None and window.end < plan_from:
        return "grey", gettext("Before the plan")
    if plan_until is not None and window.end > plan_until:
        return "grey", gettext("After the plan")
    if not assigned_at_work:
        return "grey", gettext("No assigned agency at work")
    if recurrence == Recurrence.ON_REQUEST:
        return "grey", gettext("When requested")
    if recurrence == Recurrence.YEARLY:
        if year_count:
            return "grey", gettext("Carried out in the year")
        if not year_ended:
            return "open", gettext("In progress")
        return "red", gettext("Not carried out")
    if not window.ended(today):
        return "open", gettext("In progress")
    if recurrence == Recurrence.SIX_MONTHLY:
        return "red", gettext("Not carried out")
    return "amber", gettext("Nothing this half-year")


def _in(start: date, end: date) -> Q:
    return Q(start_date__gte=start, start_date__lte=end)


Lifetime = tuple[date | None, date | None]  # an agency's (established_on, closed_on)


def _at_work(lifetime: Lifetime, window: Window) -> bool:
    """Whether an agency of `lifetime` worked on some day of `window` (closed_on is its first
    day out)."""
    began, closed = lifetime
    return (began is None or began <= window.end) and (closed is None or closed > window.start)


def _assigned_at_work(lifetimes: list[Lifetime] | None, window: Window) -> bool:
    """False only when the duty assigns agencies (`lifetimes`) and none worked in `window`."""
    return not lifetimes or any(_at_work(lifetime, window) for lifetime in lifetimes)


def implementation(scope: Scope, year: int, today: date, plan_choice: str | None = None) -> Table:
    """The plan implementation table of `year` (its half-years and the previous year's) for
    `scope`, of the plan `plan_choice` (?plan=, a plan id; see choose_plan: the plan followed
    at the year's end by default). A staff member's scope lists the duties assigned to its
    agencies and those its agencies acted on in these windows, with its agencies' counts
    only.

    Queries: the periods (1), the plans (1), the counts of every cell grouped by duty (1), the
    duties' assignments in scope with their agencies' dates (1), the duties (1): five,
    whatever the number of activities, duties or agencies (two when no plan had begun)."""
    windows = half_years([year - 1, year])
    chosen, followed, problem = choose_plan(
        plan_choice, plans_followed(), windows[0].start, windows[-1].end
    )
    if chosen is None:
        return Table(year, None, windows, [], problem=problem)
    plan = chosen.plan
    year_spans = {
        w.year: (w.start, windows[i + 1].end) for i, w in enumerate(windows) if w.half == 1
    }
    figures: dict[str, Count] = {}
    for i, window in enumerate(windows):
        figures[f"n{i}"] = Count("pk", filter=_in(window.start, window.end))
        figures[f"a{i}"] = Count("agency_id", filter=_in(window.start, window.end), distinct=True)
    for y, (start, end) in year_spans.items():
        figures[f"y{y}"] = Count("pk", filter=_in(start, end))
    counts = {
        row["duty_id"]: row
        for row in scope.activities()
        .filter(duty__plan=plan, start_date__gte=windows[0].start, start_date__lte=windows[-1].end)
        .order_by()
        .values("duty_id")
        .annotate(**figures)
    }
    lifetimes: dict[int, list[Lifetime]] = defaultdict(list)
    for duty_id, began, closed in DutyAssignment.objects.filter(
        scope.q(), duty__plan=plan
    ).values_list("duty_id", "agency__established_on", "agency__closed_on"):
        lifetimes[duty_id].append((began, closed))
    duties = plan.duties.order_by("position", "pk")
    if not scope.is_province:
        duties = duties.filter(pk__in={*counts, *lifetimes})

    sections: dict[str, Section] = {}
    for duty in duties:
        found = counts.get(duty.pk, {})
        cells = []
        for i, window in enumerate(windows):
            count = found.get(f"n{i}", 0)
            state, label = cell_state(
                duty.recurrence,
                count,
                window,
                found.get(f"y{window.year}", 0),
                year_spans[window.year][1] < today,
                today,
                plan_from=plan.valid_from,
                plan_until=chosen.until,
                assigned_at_work=_assigned_at_work(lifetimes.get(duty.pk), window),
            )
            cells.append(Cell(window, count, found.get(f"a{i}", 0), state, label))
        key = section_of(duty.ref)
        section = sections.setdefault(key, Section(key, duty.heading))
        section.rows.append(Row(duty, short_form(duty), cells))
    return Table(year, plan, windows, list(sections.values()), followed, chosen.until, problem)


# --------------------------------------------------------------------------- a cell


@dataclass
class AssignedAgency:
    """An agency a duty assigns, its short name on the window's last day (or today), and
    whether it, or an agency whose work it took over, acted in the window."""

    agency: Agency
    name: str
    acted: bool


@dataclass
class CellDetail:
    """What the cell page shows: the cell, its activities (a queryset to paginate), and the
    agencies in scope the duty assigns, each with whether it (or an agency whose work it took
    over) acted in the window."""

    duty: Duty
    cell: Cell
    activities: QuerySet[Activity]
    assigned: list[AssignedAgency]

    @property
    def acted_count(self) -> int:
        """How many of the assigned agencies shown have acted."""
        return sum(1 for row in self.assigned if row.acted)


def get_duty(value: str | None) -> Duty:
    """The duty of ?duty=<id>, with its plan and `next_plan_from`, the day the plan after it
    began (None when none has). One query. Raises Http404 for a bad or unknown id."""
    try:
        pk = int((value or "").strip())
    except ValueError:
        raise Http404 from None
    if not 0 < pk < 2**31:
        raise Http404
    later = Plan.objects.filter(valid_from__gt=OuterRef("plan__valid_from")).order_by("valid_from")
    duty = (
        Duty.objects.select_related("plan")
        .annotate(next_plan_from=Subquery(later.values("valid_from")[:1]))
        .filter(pk=pk)
        .first()
    )
    if duty is None:
        raise Http404
    return duty


def cell_detail(
    scope: Scope, duty: Duty, window: Window, year: list[Window], today: date, names: NameBook
) -> CellDetail:
    """The figures of one cell for `scope` (`year`: the two halves of `window`'s year, as
    parse_window gives them; `duty` as get_duty gives it). The assigned agencies listed are
    those in scope that worked on some day of the window (an agency closed before it, or
    established after it, owed nothing then). Queries: the cell's and its year's counts (1),
    the duty's assignments in scope (1), the agency tree (1), the assigned agencies that
    acted (1), the names in force (`names`' one query, on first use); the activities'
    queryset is left to the page (count and page)."""
    in_window = _in(window.start, window.end)
    found = (
        scope.activities()
        .filter(duty=duty, start_date__gte=year[0].start, start_date__lte=year[1].end)
        .aggregate(
            n=Count("pk", filter=in_window),
            a=Count("agency_id", filter=in_window, distinct=True),
            y=Count("pk"),
        )
    )
    activities = (
        scope.activities()
        .filter(in_window, duty=duty)
        .select_related("agency")
        .order_by("start_date", "pk")
    )
    in_scope = list(
        DutyAssignment.objects.filter(scope.q(), duty=duty)
        .select_related("agency")
        .order_by("agency__position", "agency__name", "pk")
    )
    assignments = [
        a for a in in_scope if _at_work((a.agency.established_on, a.agency.closed_on), window)
    ]
    state, label = cell_state(
        duty.recurrence,
        found["n"],
        window,
        found["y"],
        year[1].end < today,
        today,
        plan_from=duty.plan.valid_from,
        plan_until=duty.next_plan_from - timedelta(days=1) if duty.next_plan_from else None,
        assigned_at_work=bool(assignments) or not in_scope,
    )
    cell = Cell(window, found["n"], found["a"], state, label)
    assigned: list[AssignedAgency] = []
    if assignments:
        lineage = Lineage()
        sources = {a.agency_id: lineage.with_predecessors(a.agency_id) for a in assignments}
        acted = set(
            Activity.objects.filter(
                in_window,
                duty=duty,
                status=Activity.Status.ACCEPTED,
                agency_id__in=set().union(*sources.values()),
            )
            .order_by()
            .values_list("agency_id", flat=True)
            .distinct()
        )
        on = min(window.end, today)
        assigned = [
            AssignedAgency(
                a.agency, names.short_name(a.agency, on), bool(sources[a.agency_id] & acted)
            )
            for a in assignments
        ]
    return CellDetail(duty, cell, activities, assigned)


def activity_rows(
    user: User, activities: Iterable[Activity], names: NameBook
) -> list[tuple[Activity, str, bool]]:
    """The cell page's rows for `activities` (a page of CellDetail.activities, their agency
    selected): (activity, its agency's short name on its start date, whether `user` may open
    it). The page lists the accepted activities of the agencies the user monitors (the scope
    rule), titles included; only those `user` may read (Activity.objects.visible_to: a
    district manager does not read its communes' records) are linked. One query (which of
    them `user` may read) and `names`' one, on first use."""
    activities = list(activities)
    readable = set(
        Activity.objects.visible_to(user)
        .filter(pk__in=[a.pk for a in activities])
        .values_list("pk", flat=True)
    )
    return [(a, names.short_name(a.agency, a.start_date), a.pk in readable) for a in activities]
