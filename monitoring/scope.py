"""Which agencies' rows a user sees on the monitoring pages (one rule for every page).

Leaders and Sở Ngoại vụ's reviewers monitor the whole province; a manager or staff member
monitors the agencies they belong to, those under them (`Agency.parent`, transitively) and
the agencies whose work those took over (`Agency.successor`: a ward formed on 1/7/2025 compares
its year with what the districts and communes it replaced did the year before);
anyone else has no monitoring page (404, so the pages' existence does not leak to an account
of no agency). The figures counted are the accepted activities of the agencies in scope
(`Activity.objects.monitored_by`), whatever else the user may read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from activities.models import Activity
from agencies import permissions
from agencies.models import Agency, User
from agencies.names import Lineage
from agencies.permissions import Action


@dataclass(frozen=True)
class Scope:
    """The agencies a user monitors: `agency_ids` None means every agency of the province."""

    agency_ids: frozenset[int] | None

    @property
    def is_province(self) -> bool:
        return self.agency_ids is None

    def covers(self, agency_id: int) -> bool:
        return self.agency_ids is None or agency_id in self.agency_ids

    def q(self, field: str = "agency_id") -> Q:
        """The filter "the row's agency (reached through `field`) is in scope"."""
        return Q() if self.agency_ids is None else Q(**{f"{field}__in": self.agency_ids})

    def activities(self) -> QuerySet[Activity]:
        """What the monitoring pages count: the accepted activities of the agencies in scope
        (by the activity's own agency). No query of its own."""
        return Activity.objects.filter(self.q(), status=Activity.Status.ACCEPTED)

    def narrowed(self, agency_ids: Iterable[int]) -> Scope:
        """This scope limited to `agency_ids` (a filter the user chose): never wider."""
        chosen = frozenset(agency_ids)
        return Scope(chosen if self.agency_ids is None else chosen & self.agency_ids)

    def agencies(self) -> list[Agency]:
        """The agencies in scope in directory order (a page's agency filter). One query."""
        return list(Agency.objects.filter(self.q("pk")).in_directory_order())

    def narrowed_to(self, agency: Agency, agencies: list[Agency]) -> Scope:
        """This scope limited to `agency` and the agencies under it, the tree read from
        `agencies` (this scope's, Scope.agencies): no query."""
        return self.narrowed(Lineage(agencies).with_descendants(agency.pk))


def monitoring_scope(user: User | AnonymousUser) -> Scope | None:
    """The user's scope, or None when they monitor nothing. Superusers, leaders
    (Action.OVERSEE) and reviewers (Action.REVIEW) get the province; members who read their
    agency's records (Action.VIEW: staff, managers, and the members of a closed agency who
    keep reading it) get those agencies, every agency under them and every agency whose work
    they took over (agencies.names.Lineage). One query for the user's rights (agency_ids,
    cached on the user), one more for the agency tree when the user has a partial scope."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Scope(None)
    ids = permissions.agency_ids(user)
    if ids[Action.OVERSEE] or ids[Action.REVIEW]:
        return Scope(None)
    own = ids[Action.VIEW]
    if not own:
        return None
    lineage = Lineage()
    under: set[int] = set()
    for agency_id in own:
        under |= lineage.with_descendants(agency_id)
    # A successor's figures carry on its predecessors' (a merged commune compares this year
    # with what the communes it took over did the year before), as the plan page counts them.
    for agency_id in list(under):
        under |= lineage.with_predecessors(agency_id)
    return Scope(frozenset(under))


def get_scope(user: User | AnonymousUser) -> Scope:
    """monitoring_scope, answering 404 to a user who monitors nothing (views call it first).
    Raises Http404."""
    scope = monitoring_scope(user)
    if scope is None:
        raise Http404
    return scope
