"""Pages of the organisation: the home page, the profile, the directory of agencies and an
agency's duties.

The plan and its assignments are a public document, so every signed-in user reads them;
who belongs to an agency is shown only to those who may read that agency's records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import permissions
from .models import Agency
from .plans import plan_in_force_id


def directory_tree(agencies: list[Agency]) -> list[Agency]:
    """`agencies` (in directory order) as a tree, depth first: each agency followed by those
    under it (`parent`), each with `depth` (0 for a root) and `root_kind` (its root's kind
    label, to group the roots by). An agency whose parent is not among `agencies` (filtered
    out, or none) is a root. No query; a cycle in the data is cut."""
    shown = {a.pk for a in agencies}
    children: dict[int, list[Agency]] = defaultdict(list)
    roots = []
    for agency in agencies:
        if agency.parent_id in shown and agency.parent_id != agency.pk:
            children[agency.parent_id].append(agency)
        else:
            roots.append(agency)
    placed: set[int] = set()

    def walk(agency: Agency, depth: int, label: str) -> Iterator[Agency]:
        if agency.pk in placed:
            return
        placed.add(agency.pk)
        agency.depth = depth
        agency.indent = f"{depth * 1.5:.1f}rem"
        agency.root_kind = label
        yield agency
        for child in children.get(agency.pk, ()):
            yield from walk(child, depth + 1, label)

    rows = [row for root in roots for row in walk(root, 0, root.get_kind_display())]
    # Agencies only reachable through a cycle of parents: listed flat at the end.
    for agency in agencies:
        if agency.pk not in placed:
            rows.extend(walk(agency, 0, agency.get_kind_display()))
    return rows


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    """The directory: the agencies as a tree (those under an agency indented below it), by
    kind, searchable; agencies that have closed are hidden unless asked for (`closed=1`), then
    shown muted with their closing date and successor. One query, whatever the number of
    agencies."""
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    show_closed = request.GET.get("closed") == "1"
    agencies = (
        Agency.objects.search(query)
        .with_duty_counts()
        .in_directory_order()
        .select_related("successor")
    )
    if not show_closed:
        agencies = agencies.exclude(closed_on__lte=timezone.localdate())
    if kind in Agency.Kind.values:
        agencies = agencies.filter(kind=kind)
    return render(
        request,
        "agencies/agency_list.html",
        {
            "agencies": directory_tree(list(agencies)),
            "query": query,
            "kind": kind,
            "kinds": Agency.Kind.choices,
            "show_closed": show_closed,
        },
    )


@login_required
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    """An agency: its kind, dates, names over time, the agencies before and after it, those
    above and under it, its duties, and, to those who may read its records, its members in
    force and its former members."""
    # The agency, those under it and those it took over from, in one query.
    found = list(
        Agency.objects.filter(Q(code=code) | Q(parent__code=code) | Q(successor__code=code))
        .select_related("parent", "successor")
        .in_directory_order()
    )
    agency = next((a for a in found if a.code == code), None)
    if agency is None:
        raise Http404
    related = [a for a in found if a.pk != agency.pk]
    # The duties of the plan in force today, or on its last day for an agency that closed.
    assignments = (
        agency.assignments.filter(duty__plan_id=plan_in_force_id(agency.working_day()))
        .select_related("duty")
        .order_by("duty__position")
    )
    members = former_members = None
    if permissions.can_see_members(request.user, agency):
        everyone = list(
            agency.memberships.select_related("user").order_by("role", "user__username", "ended_on")
        )
        members = [m for m in everyone if m.is_in_force]
        former_members = sorted(
            (m for m in everyone if not m.is_in_force),
            key=lambda m: (m.ended_on, m.user.username),
            reverse=True,
        )
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "names": list(agency.names.all()),
            "children": [a for a in related if a.parent_id == agency.pk],
            "predecessors": [a for a in related if a.successor_id == agency.pk],
            "assignments": assignments,
            "coordinated": agency.coordinated_duties.order_by("position"),
            "members": members,
            "former_members": former_members,
        },
    )
