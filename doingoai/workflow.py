"""Status machines as tables.

A record that moves through statuses (an activity, an agency report) declares its moves once,
as rows of (from statuses, action, to status, who may). The services enforce the table
(`Workflow.check`), the pages offer what it allows (`Workflow.available`, read by the review
panel partial `templates/_review_panel.html`), so no template compares status strings and no
service writes its own "only a draft can be …" test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.urls import reverse

from agencies import permissions
from agencies.models import User
from agencies.permissions import Action


class Tracked(Protocol):
    """What a record needs to be moved by a Workflow."""

    status: str
    agency_id: int
    agency: Any


@dataclass(frozen=True)
class Transition:
    """One row of a status table.

    `name` is the action ("submit", "accept", "return", "reopen"), posted by the form as
    `action`; `permission` is what the actor needs on the record's agency; `refused` and
    `wrong_state` are the Vietnamese messages (lazy) for a denied actor (it may name the
    record's agency as `%(agency)s`) and a record in another status, `done` the one a page
    shows once the move is made. `guard`, if given, returns why the move cannot happen yet
    ("" when it can): it hides the button and refuses the move alike.
    """

    name: str
    sources: tuple[str, ...]
    target: str
    permission: Action
    label: Any
    refused: Any
    wrong_state: Any
    url_name: str
    needs_reason: bool = False
    reason_label: Any = ""
    style: str = "primary"
    confirm: Any = ""
    guard: Callable[[Any], str] | None = None
    done: Any = ""

    def blocked(self, record: Tracked) -> str:
        """Why the guard holds the move back ("" when nothing does)."""
        return self.guard(record) if self.guard else ""


@dataclass(frozen=True)
class Offer:
    """A transition a page may offer a user on one record, with the URL its form posts to."""

    transition: Transition
    url: str

    # What the review panel reads, named (not forwarded by __getattr__, which breaks copy,
    # pickle and type checkers).
    name = property(lambda self: self.transition.name)
    label = property(lambda self: self.transition.label)
    needs_reason = property(lambda self: self.transition.needs_reason)
    reason_label = property(lambda self: self.transition.reason_label)
    style = property(lambda self: self.transition.style)
    confirm = property(lambda self: self.transition.confirm)


class Workflow:
    """The status table of one kind of record."""

    def __init__(self, *transitions: Transition, url_args: Callable[[Any], Iterable[Any]]):
        names = [t.name for t in transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"an action appears twice: {names}")
        silent = [t.name for t in transitions if not t.done]
        if silent:  # a page would flash an empty success message
            raise ValueError(f"transitions without a 'done' message: {silent}")
        self.transitions = {t.name: t for t in transitions}
        self._url_args = url_args

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def check(
        self,
        name: str,
        *,
        actor: User,
        record: Tracked,
        error: type[Exception],
        may: Callable[[User, Action, Any], bool] | None = None,
    ) -> Transition:
        """The transition `name` of `record` by `actor`, or `error` with the user's message.

        The permission is asked fresh from the database (not the page's per-request cache):
        a membership removed a second ago no longer acts. `may(actor, permission, record)`
        answers it when the record says who acts for it beyond its agency (a closed agency's
        report: its successor, reports.agency_reports.may_act_for_report); by default
        permissions.can on the record's agency. Call it on the row locked for the change.
        Raises `error` when the actor may not, the record is in another status, or the guard
        says not yet; KeyError for an action the table does not have.
        """
        transition = self.transitions[name]
        agency = record.agency
        may = may or _may_for_agency
        if not may(actor, transition.permission, record):
            # The refusal may name the agency: "Only a manager of %(agency)s may send …".
            raise error(str(transition.refused) % {"agency": agency})
        if record.status not in transition.sources:
            raise error(str(transition.wrong_state))
        blocked = transition.blocked(record)
        if blocked:
            raise error(blocked)
        return transition

    def available(self, record: Tracked, user: User) -> list[Offer]:
        """What the page offers `user` on `record`, in table order (no query: the user's
        agency ids are read once per request)."""
        offers = []
        for transition in self.transitions.values():
            if (
                record.status in transition.sources
                and permissions.shows(user, transition.permission, record.agency_id)
                and not transition.blocked(record)
            ):
                url = reverse(transition.url_name, args=list(self._url_args(record)))
                offers.append(Offer(transition, url))
        return offers


def _may_for_agency(actor: User, permission: Action, record: Tracked) -> bool:
    """Whether `actor` holds `permission` on the record's agency, fresh from the database."""
    return permissions.can(actor, permission, record.agency)
