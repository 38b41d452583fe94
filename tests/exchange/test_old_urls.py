"""The exchange moved from /activities/messages/ to /messages/: every old address answers a
permanent redirect to the new one, the links in e-mails already sent included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Agency
from tests.factories import send_request

pytestmark = pytest.mark.django_db

# (old address, new address) for a message 7 with a file 3
MOVED = [
    ("/activities/messages/", "/messages/"),
    ("/activities/messages/sent/", "/messages/sent/"),
    ("/activities/messages/new/", "/messages/new/"),
    ("/activities/messages/7/", "/messages/7/"),
    ("/activities/messages/7/reply/", "/messages/7/reply/"),
    ("/activities/messages/7/remind/", "/messages/7/remind/"),
    ("/activities/messages/7/handle/", "/messages/7/handle/"),
    ("/activities/messages/7/files/3/", "/messages/7/files/3/"),
]


@pytest.mark.parametrize(("old", "new"), MOVED)
def test_every_old_address_redirects_permanently_keeping_the_query(client, old, new):
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new
    response = client.get(old, {"state": "overdue", "q": "đoàn"})
    assert response.status_code == 301
    assert response["Location"] == f"{new}?state=overdue&q=%C4%91o%C3%A0n"


@pytest.mark.parametrize(("old", "new"), MOVED)
def test_a_form_posted_to_an_old_address_is_posted_again_at_the_new_one(client, old, new):
    response = client.post(old, {"body": "x"})
    assert response.status_code == 308 and response["Location"] == new


def test_every_exchange_address_has_its_old_one():
    from activities.exchange.urls import moved_urlpatterns, urlpatterns

    assert [p.name for p in moved_urlpatterns] == [p.name for p in urlpatterns]
    assert len(MOVED) == len(urlpatterns)


def test_the_link_in_an_email_already_sent_still_opens_the_message(client, reviewer, manager):
    message = send_request(reviewer)
    client.force_login(manager)
    response = client.get(f"/activities/messages/{message.pk}/", follow=True)
    assert response.redirect_chain == [(reverse("exchange:message", args=[message.pk]), 301)]
    assert response.status_code == 200 and message.subject in response.content.decode()


def test_an_answer_posted_from_a_page_opened_before_the_move_arrives(client, reviewer, manager):
    message = send_request(reviewer)
    client.force_login(manager)
    response = client.post(
        f"/activities/messages/{message.pk}/reply/",
        {"agency": Agency.objects.get(code="VUNGTAU").pk, "body": "Đã đón 3 đoàn."},
        follow=True,
    )
    assert response.redirect_chain[0] == (reverse("exchange:reply", args=[message.pk]), 308)
    assert message.recipients.get(agency__code="VUNGTAU").answer is not None


def test_an_old_address_tells_an_outsider_nothing_more_than_the_new_one(client, cast, reviewer):
    client.force_login(cast["outsider"])
    response = client.get("/activities/messages/999999/", follow=True)
    assert response.status_code == 404
