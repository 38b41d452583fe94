"""The home page: what needs the signed-in user, by their role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies import permissions
from monitoring.overview_views import overview_context

from . import work


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What needs the user, most urgent first, by the roles their memberships give
    (home/work.py): their agencies' work, Sở Ngoại vụ's review, and a link to the
    monitoring overview. A leader who only oversees (no agency work, no review) lands on
    the overview itself (monitoring.overview_views.overview_context) under the home page's
    title. A user whose memberships have all ended sees which ended when and why, what they
    can still read, and whom to ask; one who never belonged to an agency, how to be added; a
    superuser without a membership, the administration's entry points."""
    user = request.user
    nav = permissions.navigation_for(user)
    scope = work.overview_scope(user, nav)
    if scope is not None:
        context = overview_context(request, scope) | {"as_home": True, "nav": nav}
        return render(request, "monitoring/overview.html", context)
    roles = work.roles_for(user, nav)
    context = {"nav": nav, "roles": roles}
    if roles.acting:
        context["agency_work"] = work.agency_work(user, roles)
    if roles.reviews:
        context["review_work"] = work.review_work(user, roles, work.last_ended_period())
    if nav.has_no_membership_in_force:
        context.update(work.ended_memberships_help(nav.ended))
    elif not nav.memberships and not user.is_superuser:
        context.update(newcomer_help=True, administrators=work.administrators())
    return render(request, "home/home.html", context)
