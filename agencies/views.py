"""Pages of the organisation: the home page, the profile, the directory of agencies and an
agency's duties.

The plan and its assignments are a public document, so every signed-in user reads them;
who belongs to an agency is shown only to those who may read that agency's records.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import permissions
from .forms import ProfileForm
from .models import Agency, Plan


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "agencies/home.html", {"plan": Plan.objects.first()})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """A user's own name, e-mail and whether they want e-mail notifications."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your details were saved."))
        return redirect("profile")
    return render(request, "agencies/profile.html", {"form": form})


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    agencies = Agency.objects.active().search(query).with_duty_counts().in_directory_order()
    if kind in Agency.Kind.values:
        agencies = agencies.filter(kind=kind)
    return render(
        request,
        "agencies/agency_list.html",
        {"agencies": agencies, "query": query, "kind": kind, "kinds": Agency.Kind.choices},
    )


@login_required
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.select_related("parent"), code=code)
    assignments = agency.assignments.select_related("duty").order_by("duty__position")
    members = None
    if permissions.can_see_members(request.user, agency):
        members = agency.memberships.select_related("user").order_by("role", "user__username")
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "assignments": assignments,
            "coordinated": agency.coordinated_duties.order_by("position"),
            "members": members,
        },
    )
