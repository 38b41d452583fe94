"""The home page: what needs the signed-in user, by their role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies import permissions
from agencies.models import Membership, Reorganisation, User
from agencies.plans import plan_in_force


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's agencies and the plan in force. A user whose memberships have all ended
    sees which ended when and why (the agency closed, its successor), what they can still
    read, and whom to ask for a new membership, instead of an empty portal."""
    nav = permissions.navigation_for(request.user)
    context = {"plan": plan_in_force(), "nav": nav}
    if nav.has_no_membership_in_force:
        context.update(_ended_memberships_help(nav.ended))
    return render(request, "home/home.html", context)


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
    administrators = User.objects.filter(is_superuser=True, is_active=True).order_by(
        "last_name", "username"
    )
    return {
        "ended_help": True,
        "successor_managers": list(managers),
        "administrators": list(administrators[:5]),
    }
