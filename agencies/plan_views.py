"""Pages of the plans: the plan in force and every other, each duty with its assignees, and
section IV tracked (the agencies' implementing programmes, Sở Ngoại vụ's yearly evaluation).

Plans and their assignments are public documents inside the portal, so every signed-in user
reads them, programmes included. Recording a programme is for those who act for the agency
(agencies.permissions Action.ACT); the evaluation is for Sở Ngoại vụ's reviewers, and only
they see its page (404 for others).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from doingoai.files import private_file_response

from . import permissions
from .forms import EvaluationForm, ProgrammeForm
from .models import Agency, Duty, DutyAssignment, ImplementingProgramme, Plan, PlanEvaluation
from .permissions import Action
from .plans import (
    PlanError,
    may_evaluate,
    plan_in_force,
    plan_status,
    programme_agencies,
    programme_progress,
    programme_rows,
    record_evaluation,
    record_programme,
)


def _plan_page(request: HttpRequest, plan: Plan | None, *, current: bool) -> HttpResponse:
    """A plan with its legal bases and duties, its section IV progress and every plan, in a
    fixed number of queries whatever the number of duties and agencies."""
    today = timezone.localdate()
    plans = list(Plan.objects.order_by("-valid_from"))
    for other in plans:
        other.status = plan_status(other, today)
    context = {"plan": plan, "plans": plans, "current": current}
    if plan is not None:
        plan.status = plan_status(plan, today)
        done, total = programme_progress(plan)
        context.update(
            legal_bases=list(plan.legal_bases.order_by("position", "pk")),
            duties=list(plan.duties.order_by("position", "pk")),
            programmes_done=done,
            programmes_total=total,
        )
        if may_evaluate(request.user):
            context["evaluation_years"] = _evaluation_years(plan, today)
        if current:
            context["current_plan"] = plan  # the footer's: no second query
    return render(request, "agencies/plan_detail.html", context)


@login_required
def plan_current(request: HttpRequest) -> HttpResponse:
    """/plan/: the plan in force today (agencies.plans.plan_in_force) and the list of all."""
    return _plan_page(request, plan_in_force(), current=True)


@login_required
def plan_detail(request: HttpRequest, plan: int) -> HttpResponse:
    """/plan/<id>/: one plan, in force, ended or upcoming."""
    return _plan_page(request, get_object_or_404(Plan, pk=plan), current=False)


@login_required
def duty_detail(request: HttpRequest, plan: int, ref: str) -> HttpResponse:
    """/plan/<id>/duties/<ref>/: one duty of a plan with its lead and support agencies and
    those coordinating (every signed-in user; 404 for a ref the plan does not have). Three
    queries whatever the number of agencies."""
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


# --------------------------------------------------------------------------- section IV.1


@login_required
def programme_list(request: HttpRequest, plan: int) -> HttpResponse:
    """Every agency IV.1 of the plan assigns, with its programme or "not yet"; a link to record
    it where the user acts for the agency. Four queries whatever the number of agencies."""
    plan_obj = get_object_or_404(Plan, pk=plan)
    acting = permissions.agency_ids(request.user)[Action.ACT]
    rows = programme_rows(plan_obj, acting)
    return render(
        request,
        "agencies/programme_list.html",
        {
            "plan": plan_obj,
            "rows": rows,
            "done": sum(1 for row in rows if row.programme is not None),
        },
    )


def _programme_agency(request: HttpRequest, plan: Plan, code: str) -> Agency:
    """The agency of `code` if IV.1 of `plan` assigns it and the user acts for it; 404
    otherwise (existence does not leak)."""
    agency = permissions.get_agency_for(request.user, code, Action.ACT)
    if not programme_agencies(plan).filter(pk=agency.pk).exists():
        raise Http404
    return agency


@login_required
def programme_edit(request: HttpRequest, plan: int, code: str) -> HttpResponse:
    """Record or replace an agency's implementing programme (members who act for it)."""
    plan_obj = get_object_or_404(Plan, pk=plan)
    agency = _programme_agency(request, plan_obj, code)
    existing = ImplementingProgramme.objects.filter(plan=plan_obj, agency=agency).first()
    initial = (
        {"number": existing.number, "issued_on": existing.issued_on, "title": existing.title}
        if existing
        else {}
    )
    form = ProgrammeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_programme(
                actor=request.user,
                plan=plan_obj,
                agency=agency,
                number=data["number"],
                issued_on=data["issued_on"],
                title=data["title"],
                upload=data["file"],
            )
        except PlanError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The implementing programme of %(agency)s was recorded.") % {"agency": agency},
            )
            return redirect("agencies:programmes", plan=plan_obj.pk)
    return render(
        request,
        "agencies/programme_form.html",
        {"plan": plan_obj, "agency": agency, "form": form, "existing": existing},
    )


@login_required
def programme_file(request: HttpRequest, plan: int, code: str) -> HttpResponse:
    """The file of an agency's programme: every signed-in user reads the plan's programmes."""
    programme = get_object_or_404(ImplementingProgramme, plan_id=plan, agency__code=code)
    return private_file_response(programme)


# --------------------------------------------------------------------------- section IV.2


def _evaluation_years(plan: Plan, today) -> list[int]:
    """The years an evaluation of `plan` may be recorded for: from its first year to its last
    (this year while it is open)."""
    last = plan.valid_until.year if plan.valid_until else today.year
    return list(range(plan.valid_from.year, max(last, plan.valid_from.year) + 1))


@login_required
def evaluation_edit(request: HttpRequest, plan: int, year: int) -> HttpResponse:
    """Sở Ngoại vụ's evaluation of the plan for `year` (section IV.2): reviewers only, 404 for
    everyone else and for a year outside the plan's validity."""
    if not may_evaluate(request.user):
        raise Http404
    plan_obj = get_object_or_404(Plan, pk=plan)
    if year not in _evaluation_years(plan_obj, timezone.localdate()):
        raise Http404
    existing = (
        PlanEvaluation.objects.filter(plan=plan_obj, year=year)
        .select_related("recorded_by")
        .first()
    )
    initial = (
        {
            "results": existing.results,
            "lessons": existing.lessons,
            "adjustments": existing.adjustments,
        }
        if existing
        else {}
    )
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record_evaluation(actor=request.user, plan=plan_obj, year=year, **form.cleaned_data)
        except PlanError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The evaluation of %(year)d was saved.") % {"year": year})
            return redirect("agencies:plan_detail", plan=plan_obj.pk)
    return render(
        request,
        "agencies/evaluation_form.html",
        {"plan": plan_obj, "year": year, "form": form, "existing": existing},
    )
