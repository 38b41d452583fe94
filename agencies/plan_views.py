"""Pages of the plan: the plan and its legal bases, and each duty with its assignees.

The plan and its assignments are a public document, so every signed-in user reads them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Agency, Duty, DutyAssignment, Plan


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
