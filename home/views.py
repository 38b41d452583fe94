"""The home page: what needs the signed-in user, by their role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies import permissions
from agencies.models import Membership, Reorganisation, User

from . import work


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What needs the user, most urgent first, by the roles their memberships give
    (home/work.py): their agencies' work, Sở Ngoại vụ's review, leadership's reports and
    figures. A user whose memberships have all ended sees which ended when and why, what they
    can still read, and whom to ask; one who never belonged to an agency, how to be added; a
    superuser without a membership, the administration's entry points."""
    user = request.user
    nav = permissions.navigation_for(user)
    roles = work.roles_for(user, nav)
    context = {"nav": nav, "roles": roles}
    if roles.acting:
        context["agency_work"] = work.agency_work(user, roles)
    period = work.last_ended_period() if roles.reviews or roles.oversees else None
    if roles.reviews:
        context["review_work"] = work.review_work(user, roles, period)
    if roles.oversees:
        context["oversee_work"] = work.oversee_work(user, period)
    if nav.has_no_membership_in_force:
        context.update(_ended_memberships_help(nav.ended))
    elif not nav.memberships and not user.is_superuser:
        context.update(newcomer_help=True, administrators=_administrators())
    return render(request, "home/home.html", context)


def _administrators() -> list[User]:
    """The first five active administrators of the portal, by name (one query)."""
    return list(
        User.objects.filter(is_superuser=True, is_active=True).order_by("last_name", "username")[:5]
    )


def _ended_memberships_help(ended: list[Membership]) -> dict:
    """For the home page of a user whose memberships all ended: the reorganisation that
    closed each agency (its reason), and whom to ask: the managers in force of the
    successors and the administrators. Four queries (the reorganisations with their
    sources, the managers, the administrators)."""
    closed = {m.agency_id: m.agency.closed_on for m in ended if m.keeps_reading}
    reasons: dict[int, Reorganisation] = {}
    if closed:
        for reorganisation in Reorganisation.objects.filter(
            sources__in=list(closed)
        ).prefetch_related("sources"):
            for source in reorganisation.sources.all():
                if closed.get(source.pk) == reorganisation.effective_on:
                    reasons.setdefault(source.pk, reorganisation)
    for membership in ended:
        membership.reorganisation = reasons.get(membership.agency_id)
    successors = {m.agency.successor_id for m in ended if m.agency.successor_id}
    managers = (
        Membership.objects.in_force()
        .filter(agency_id__in=successors, role=Membership.Role.MANAGER, user__is_active=True)
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__username")
    )
    return {
        "ended_help": True,
        "successor_managers": list(managers),
        "administrators": _administrators(),
    }
