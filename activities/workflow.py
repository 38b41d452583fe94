"""The status table of an activity: who moves it from which status to which.

An agency's staff submit a draft (or a returned activity) to Sở Ngoại vụ; a reviewer accepts
it or returns it with a reason; an accepted activity is locked until a reviewer reopens it,
with a reason. The services enforce these rows (`WORKFLOW.check`), the activity page offers
them (`WORKFLOW.available`, rendered by `templates/_review_panel.html`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from agencies.permissions import Action
from doingoai.workflow import Transition, Workflow

from .models import Activity

WORKFLOW = Workflow(
    Transition(
        name="submit",
        sources=Activity.EDITABLE_STATUSES,
        target=Activity.Status.SUBMITTED,
        permission=Action.ACT,
        label=_("Submit to Sở Ngoại vụ"),
        refused=_("You may not submit activities of this agency."),
        wrong_state=_("Only a draft or a returned activity can be submitted."),
        url_name="activities:submit",
        done=_("The activity was submitted to Sở Ngoại vụ."),
    ),
    Transition(
        name="accept",
        sources=(Activity.Status.SUBMITTED,),
        target=Activity.Status.ACCEPTED,
        permission=Action.REVIEW,
        label=_("Accept"),
        refused=_("You may not review activities of this agency."),
        wrong_state=_("Only a submitted activity can be accepted."),
        url_name="activities:accept",
        style="success",
        done=_("The activity was accepted."),
    ),
    Transition(
        name="return",
        sources=(Activity.Status.SUBMITTED,),
        target=Activity.Status.RETURNED,
        permission=Action.REVIEW,
        label=_("Return"),
        refused=_("You may not review activities of this agency."),
        wrong_state=_("Only a submitted activity can be returned."),
        url_name="activities:return",
        needs_reason=True,
        reason_label=_("Return to the agency, with the reason"),
        style="warning",
        done=_("The activity was returned to its agency."),
    ),
    Transition(
        name="reopen",
        sources=(Activity.Status.ACCEPTED,),
        target=Activity.Status.RETURNED,
        permission=Action.REVIEW,
        label=_("Reopen"),
        refused=_("Only a reviewer of Sở Ngoại vụ can reopen an accepted activity."),
        wrong_state=_("Only an accepted activity can be reopened."),
        url_name="activities:reopen",
        needs_reason=True,
        reason_label=_("Reopen for correction, with the reason"),
        style="warning",
        done=_("The activity was reopened for its agency to correct."),
    ),
    url_args=lambda activity: [activity.pk],
)

# The moves the review queue makes on several submitted activities at once, and what it says
# once they are made.
BULK_ACTIONS = {
    "accept": _("%(count)d activities accepted."),
    "return": _("%(count)d activities returned."),
}
