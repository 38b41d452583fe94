"""A mail server that is down delays the reports' e-mails, never the work: issuing a report and
reminding agencies queue their e-mails after the commit without letting a failure of the
queueing (or, run in-process without a broker, of the sending) turn into an error page; the
notifications are written, and their e-mails are made up once the server is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import delivery
from notifications.models import EmailChoice, Kind, Notification
from reports.models import ConsolidatedReport
from tests.factories import make_user
from tests.support import FlakyBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_server_down(settings, monkeypatch) -> None:
    # Tasks run in-process in the tests (settings_test), as without a broker: the e-mail is
    # sent, and fails, at the commit.
    settings.EMAIL_BACKEND = "tests.support.FlakyBackend"
    monkeypatch.setattr(FlakyBackend, "failures_left", 1_000)


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_issuing_a_report_succeeds_while_the_mail_server_is_down(
    client,
    h1,
    reviewer,
    leader,
    build_now,
    vi,
    mail_server_down,
    django_capture_on_commit_callbacks,
):
    leader.email = "hung@ubnd.gov.vn"
    leader.save()
    ready = build_now(h1, reviewer)
    client.force_login(reviewer)
    url = reverse("reports:consolidated-issue", args=[ready.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"version": ready.version})

    assert FlakyBackend.failures_left < 1_000  # the leaders' e-mail was tried, and failed
    assert response.status_code == 302 and response.url == ready.get_absolute_url()
    assert flashed(response) == [
        vi(
            "The report was issued as number %(number)s; the leaders were notified.",
            number="01/BC-SNgV",
        )
    ]
    ready.refresh_from_db()
    assert (ready.status, ready.number) == (ConsolidatedReport.Status.ISSUED, 1)
    assert mail.outbox == []


def test_reminding_agencies_succeeds_while_the_mail_server_is_down(
    client, h1, reviewer, vi, mail_server_down, django_capture_on_commit_callbacks
):
    make_user("syt1", "SYT", "staff", email="syt1@syt.vn")
    make_user("sgd1", "SGDDT", "staff", email="sgd1@sgddt.vn")
    client.force_login(reviewer)
    pending = h1.agency_reports.filter(agency__code__in=["SYT", "SGDDT"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:remind", args=[h1.code]))

    assert FlakyBackend.failures_left < 1_000  # the agencies' e-mails were tried, and failed
    count = h1.agency_reports.count()
    assert response.status_code == 302
    assert response.url == f"{reverse('reports:completeness')}?year=2020"
    assert flashed(response) == [vi("A reminder was sent to %(count)d agencies.", count=count)]
    # The reminder stands (the agencies were told under the bell); only its e-mails wait.
    assert all(report.reminded_at for report in pending)
    waiting = Notification.objects.filter(kind=Kind.REPORT_DEADLINE).to_email(
        EmailChoice.IMMEDIATELY
    )
    assert sorted(waiting.values_list("recipient__username", flat=True)) == ["sgd1", "syt1"]
    assert mail.outbox == []
    # The server is back: the notifications' daily job sends what no task could (those
    # older than a task's retry window), each once.
    FlakyBackend.failures_left = 0
    waiting.update(created_at=timezone.now() - delivery.LOST_AFTER - timedelta(minutes=1))
    delivery.send_digests(today=timezone.localdate())
    delivery.send_digests(today=timezone.localdate())
    assert sorted(m.to[0] for m in mail.outbox) == ["sgd1@sgddt.vn", "syt1@syt.vn"]
