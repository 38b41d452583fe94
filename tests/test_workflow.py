"""The status-table mechanism (doingoai/workflow.py): a move is refused from the wrong status,
by the wrong role, or while its guard holds it back, and `available` offers exactly the moves
the table allows. The activities' own table is tested in tests/activities/."""

from __future__ import annotations

import copy
import pickle
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from agencies.models import Agency
from agencies.permissions import Action
from doingoai.workflow import Offer, Transition, Workflow

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


def incomplete(record) -> str:
    return "" if record.complete else "the record is incomplete"


# A small table of its own, on records that are not activities: the mechanism knows nothing
# of what it moves beyond `status`, `agency` and `agency_id`.
TABLE = Workflow(
    Transition(
        name="send",
        sources=("draft", "returned"),
        target="sent",
        permission=Action.ACT,
        label="Send",
        refused="you may not send",
        wrong_state="only a draft is sent",
        url_name="activities:submit",
        done="sent",
    ),
    Transition(
        name="approve",
        sources=("sent",),
        target="approved",
        permission=Action.REVIEW,
        label="Approve",
        refused="you may not approve",
        wrong_state="only what was sent is approved",
        url_name="activities:accept",
        guard=incomplete,
        done="approved",
    ),
    Transition(
        name="send_back",
        sources=("sent",),
        target="returned",
        permission=Action.REVIEW,
        label="Send back",
        refused="you may not send back",
        wrong_state="only what was sent is sent back",
        url_name="activities:return",
        needs_reason=True,
        done="sent back",
    ),
    url_args=lambda record: [record.pk],
)


def record(status: str, *, agency: str = "SLDTBXH", complete: bool = True) -> SimpleNamespace:
    found = Agency.objects.get(code=agency)
    return SimpleNamespace(pk=7, status=status, agency=found, agency_id=found.pk, complete=complete)


def test_a_permitted_move_from_its_status_is_returned(staff, reviewer):
    assert (
        TABLE.check("send", actor=staff, record=record("returned"), error=Refused).target == "sent"
    )
    assert (
        TABLE.check("approve", actor=reviewer, record=record("sent"), error=Refused).name
        == "approve"
    )


@pytest.mark.parametrize(
    ("name", "status"), [("send", "sent"), ("approve", "draft"), ("send_back", "approved")]
)
def test_a_move_from_another_status_is_refused_with_its_message(staff, reviewer, name, status):
    actor = staff if name == "send" else reviewer
    with pytest.raises(Refused, match=re.escape(str(TABLE[name].wrong_state))):
        TABLE.check(name, actor=actor, record=record(status), error=Refused)


@pytest.mark.parametrize(
    ("role", "name", "status", "agency"),
    [
        ("staff", "approve", "sent", "SLDTBXH"),  # staff do not review
        ("reviewer", "send", "draft", "SLDTBXH"),  # a reviewer does not write for another agency
        ("manager", "send", "draft", "SLDTBXH"),  # a manager of another agency
        ("leader", "send_back", "sent", "SLDTBXH"),
        ("outsider", "send", "draft", "SLDTBXH"),
    ],
)
def test_a_move_by_the_wrong_role_is_refused_before_its_status_is_told(
    cast, role, name, status, agency
):
    with pytest.raises(Refused, match=re.escape(str(TABLE[name].refused))):
        TABLE.check(name, actor=cast[role], record=record(status, agency=agency), error=Refused)
    # Refused for the role even from a status the move does not start from: the status of a
    # record the user may not move is not theirs to learn.
    with pytest.raises(Refused, match=re.escape(str(TABLE[name].refused))):
        TABLE.check(name, actor=cast[role], record=record("nowhere", agency=agency), error=Refused)


def test_a_guard_refuses_the_move_and_hides_it(reviewer):
    held = record("sent", complete=False)
    with pytest.raises(Refused, match="the record is incomplete"):
        TABLE.check("approve", actor=reviewer, record=held, error=Refused)
    assert [offer.name for offer in TABLE.available(held, reviewer)] == ["send_back"]


def test_an_unknown_action_and_a_table_naming_an_action_twice_are_errors(staff):
    with pytest.raises(KeyError):
        TABLE.check("publish", actor=staff, record=record("draft"), error=Refused)
    with pytest.raises(ValueError, match="twice"):
        Workflow(TABLE["send"], TABLE["send"], url_args=lambda r: [r.pk])


@pytest.mark.parametrize(
    ("role", "status", "offered"),
    [
        ("staff", "draft", ["send"]),
        ("staff", "returned", ["send"]),
        ("staff", "sent", []),
        ("reviewer", "sent", ["approve", "send_back"]),
        ("reviewer", "draft", []),
        ("reviewer", "approved", []),
        ("leader", "sent", []),
        ("manager", "draft", []),  # another agency's record
        ("outsider", "draft", []),
        ("admin", "sent", ["approve", "send_back"]),
    ],
)
def test_available_offers_exactly_the_allowed_moves_with_their_urls(cast, role, status, offered):
    offers = TABLE.available(record(status), cast[role])
    assert [offer.name for offer in offers] == offered
    for offer in offers:
        assert isinstance(offer, Offer)
        assert offer.url == reverse(TABLE[offer.name].url_name, args=[7])
        assert offer.label == TABLE[offer.name].label  # the offer reads through to its row


def test_available_asks_no_query_once_the_users_rights_are_read(
    reviewer, django_assert_num_queries
):
    sent = record("sent")
    TABLE.available(sent, reviewer)
    with django_assert_num_queries(0):
        TABLE.available(sent, reviewer)


def test_a_table_refuses_a_move_without_a_done_message():
    with pytest.raises(ValueError, match="done"):
        Workflow(TABLE["send"].__class__(**{**TABLE["send"].__dict__, "done": ""}), url_args=list)


def test_an_offer_reads_its_transition_and_copies_like_any_value():
    offer = Offer(TABLE["send_back"], "/x/")
    assert (offer.name, offer.label, offer.needs_reason, offer.style) == (
        "send_back",
        "Send back",
        True,
        "primary",
    )
    assert copy.copy(offer) == offer
    assert copy.deepcopy(offer) == offer
    assert pickle.loads(pickle.dumps(offer)).url == "/x/"
