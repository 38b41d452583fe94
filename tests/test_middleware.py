"""The portal's request middleware (doingoai.middleware.CleanInputMiddleware): a request over
Django's limits gets the portal's Vietnamese page with nothing saved and a way back that
stays on the portal; a body the client stopped sending is passed on to Django's CSRF check,
which answers 403, not a server error."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from activities.models import Activity
from tests.factories import PDF_BYTES, activity_form, make_activity

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------- Django's limits


def heading(html: str) -> str:
    start = html.index('data-testid="error-heading">') + len('data-testid="error-heading">')
    return html[start : html.index("</h1>", start)]


def detail(html: str) -> str:
    start = html.index('data-testid="error-detail">') + len('data-testid="error-detail">')
    return html[start : html.index("</p>", start)]


@override_settings(DEBUG=False)
def test_a_form_larger_than_django_reads_is_a_vietnamese_413(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("activities:create"),
        activity_form(description="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)),
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert heading(html) == "Dữ liệu gửi lên quá lớn" and 'lang="vi"' in html
    assert "2,5\xa0MB" in html and "Chưa có gì được lưu" in html
    assert f'href="{reverse("activities:create")}"' in html
    assert not Activity.objects.exists()


@override_settings(DEBUG=False)
def test_more_files_than_django_reads_is_a_vietnamese_413(client, staff):
    client.force_login(staff)
    files = [
        SimpleUploadedFile(f"bien-ban-{n}.pdf", PDF_BYTES, content_type="application/pdf")
        for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]
    response = client.post(reverse("activities:create"), activity_form(attachments=files))
    assert response.status_code == 413
    html = response.content.decode()
    assert heading(html) == "Dữ liệu gửi lên quá lớn"
    assert "50" in detail(html) and "Chưa có gì được lưu" in html
    assert not Activity.objects.exists()


@override_settings(DEBUG=False)
def test_more_fields_than_django_reads_is_a_vietnamese_400_and_nothing_moves(
    client, staff, reviewer
):
    activity = make_activity(staff, status="submitted")
    client.force_login(reviewer)
    versions = [f"{activity.pk}:{activity.version}"] + [
        f"{n}:1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    ]
    response = client.post(reverse("activities:review"), {"versions": versions, "action": "ACCEPT"})
    assert response.status_code == 400
    html = response.content.decode()
    assert heading(html) == "Gửi quá nhiều trường cùng lúc"
    # The limit grouped as Vietnamese writes numbers, not "1000".
    assert "1.000" in detail(html) and "1000" not in html
    activity.refresh_from_db()
    assert activity.status == "submitted"


@override_settings(DEBUG=False)
def test_a_query_string_of_more_fields_than_django_reads_is_the_same_400(client, staff):
    client.force_login(staff)
    query = "&".join(f"kind={n}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"{reverse('activities:list')}?{query}")
    assert response.status_code == 400
    assert heading(response.content.decode()) == "Gửi quá nhiều trường cùng lúc"


@override_settings(DEBUG=False)
@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x", "///evil.example"])
def test_the_way_back_from_a_refusal_never_leads_to_another_site(client, path):
    response = client.post(
        "/",
        {"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
        PATH_INFO=path,
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "evil.example" not in html
    assert '<a href="/">Mở lại biểu mẫu</a>' in html


class DroppedBody:
    """The body of a client that disconnected mid-upload: every read fails, as a reset
    socket does under gunicorn."""

    def read(self, *args) -> bytes:
        raise OSError("connection reset by peer")

    readline = read


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_body_the_client_stopped_sending_is_a_quiet_403(staff, caplog, content_type):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(staff)
    with caplog.at_level(logging.WARNING, logger="django"):
        response = client.generic(
            "POST",
            reverse("activities:create"),
            **{"wsgi.input": DroppedBody(), "CONTENT_LENGTH": "100", "CONTENT_TYPE": content_type},
        )
    assert response.status_code == 403
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert not Activity.objects.exists()
