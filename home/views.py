"""The home page: what needs the signed-in user, by their role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies import permissions

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
        context.update(work.ended_memberships_help(nav.ended))
    elif not nav.memberships and not user.is_superuser:
        context.update(newcomer_help=True, administrators=work.administrators())
    return render(request, "home/home.html", context)
