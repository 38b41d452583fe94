"""The status table of an activity: who moves it from which status to which.

An agency's staff submit a draft (or a returned activity) to Sở Ngoại vụ; a reviewer accepts
it or returns it with a reason; an accepted activity is locked until a reviewer reopens it,
with a reason. The services enforce these rows (`WORKFLOW.check`), the activity page offers
them (`WORKFLOW.available`, rendered by `templates/_review_panel.html`). A row with a `bulk`
part is also a button of the review queue, made on every ticked activity (`BULK_MOVES`,
`services.review_many`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from agencies.permissions import Action
from doingoai.workflow import Transition, Workflow

from .models import Activity


@dataclass(frozen=True)
class Bulk:
    """How the review queue makes a move on several ticked activities at once: the label of
    its button and what it says once the moves are made (`%(count)d` activities)."""

    label: Any
    done: Any


@dataclass(frozen=True)
class ActivityTransition(Transition):
    """A row of the activities' table; `bulk`, when given, lets the review queue make the move
    on several activities at once."""

    bulk: Bulk | None = None


WORKFLOW = Workflow(
    ActivityTransition(
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
    ActivityTransition(
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
        bulk=Bulk(
            label=_("Accept the ticked activities"), done=_("%(count)d activities accepted.")
        ),
    ),
    ActivityTransition(
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
        bulk=Bulk(
            label=_("Return the ticked activities"), done=_("%(count)d activities returned.")
        ),
    ),
    ActivityTransition(
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

# The moves the review queue makes on several submitted activities at once, in table order.
BULK_MOVES: list[ActivityTransition] = [t for t in WORKFLOW.transitions.values() if t.bulk]
