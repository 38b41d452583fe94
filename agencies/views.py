"""Pages of the plan: the directory of agencies, an agency's duties, the plan and a duty.

The plan and its assignments are a public document, so every signed-in user reads them;
who belongs to an agency is shown only to those who may read that agency's records.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import permissions
from .forms import ProfileForm
from .models import Agency, Duty, DutyAssignment, Plan


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


@login_required
def plan_detail(request: HttpRequest) -> HttpResponse:
    plan = get_object_or_404(
        Plan.objects.prefetch_related(
            "legal_bases",
            Prefetch("duties", queryset=Duty.objects.order_by("position")),
        ),
        pk=Plan.objects.values("pk")[:1],
    )
    return render(request, "agencies/plan_detail.html", {"plan": plan})


@login_required
def duty_detail(request: HttpRequest, plan: int, ref: str) -> HttpResponse:
    duty = get_object_or_404(
        Duty.objects.select_related("plan").prefetch_related(
            Prefetch(
                "assignments",
                queryset=DutyAssignment.objects.select_related("agency").order_by(
                    "role", "agency__position", "agency__name"
                ),
            ),
            Prefetch("coordinating_agencies", queryset=Agency.objects.all()),
        ),
        ref=ref,
        plan_id=plan,
    )
    return render(request, "agencies/duty_detail.html", {"duty": duty})
