"""The error pages (templates/400.html, 403.html, 403_csrf.html, 404.html, 413.html,
500.html) as users get them in production (DEBUG off): in Vietnamese, in the portal's look,
and the 500 and 413 pages without the request's context processors or any database query."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.views import defaults

from doingoai.middleware import refusal
from home import views as home_views
from tests.factories import make_activity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production")]

ENGLISH = ["Not Found", "Bad Request", "Forbidden", "Server Error", 'lang="en"']


@pytest.fixture
def production():
    with override_settings(DEBUG=False):
        yield


def heading(html: str) -> str:
    start = html.index('data-testid="error-heading">') + len('data-testid="error-heading">')
    return html[start : html.index("</h1>", start)]


def in_vietnamese(html: str) -> bool:
    return 'lang="vi"' in html and not any(word in html for word in ENGLISH)


def test_an_unknown_address_is_a_vietnamese_404(client, staff):
    client.force_login(staff)
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert heading(html) == "Không tìm thấy trang" and in_vietnamese(html)


def test_an_activity_that_is_not_yours_is_the_same_404(client, staff, syt_staff):
    theirs = make_activity(syt_staff, agency="SYT")
    client.force_login(staff)
    response = client.get(reverse("activities:detail", args=[theirs.pk]))
    assert response.status_code == 404
    assert heading(response.content.decode()) == "Không tìm thấy trang"


def test_a_form_posted_without_its_csrf_token_says_it_expired(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(reverse("profile"), {"full_name": "Ai đó"})
    assert response.status_code == 403
    html = response.content.decode()
    assert heading(html) == "Biểu mẫu đã hết hạn" and in_vietnamese(html)
    assert "tải lại trang" in html


def test_more_fields_than_django_reads_is_a_vietnamese_400(client, reviewer):
    client.force_login(reviewer)
    too_many = [f"{n}:1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]
    response = client.post(reverse("activities:review"), {"versions": too_many})
    assert response.status_code == 400
    html = response.content.decode()
    assert heading(html) == "Gửi quá nhiều trường cùng lúc" and in_vietnamese(html)


def test_a_refused_permission_is_a_vietnamese_403(rf: RequestFactory):
    request = rf.get("/")
    request.user = AnonymousUser()
    response = defaults.permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert heading(html) == "Không có quyền truy cập" and in_vietnamese(html)


def test_the_500_page_needs_no_context_and_no_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = defaults.server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert heading(html) == "Lỗi máy chủ" and in_vietnamese(html)


def test_a_failing_page_answers_the_vietnamese_500(client, staff, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the template engine is down")

    monkeypatch.setattr(home_views, "render", broken)
    client.raise_request_exception = False
    client.force_login(staff)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert heading(response.content.decode()) == "Lỗi máy chủ"


@pytest.mark.parametrize(
    "exc, status, title",
    [
        (RequestDataTooBig(), 413, "Dữ liệu gửi lên quá lớn"),
        (TooManyFilesSent(), 413, "Dữ liệu gửi lên quá lớn"),
        (TooManyFieldsSent(), 400, "Gửi quá nhiều trường cùng lúc"),
    ],
)
def test_the_413_page_needs_no_context_and_no_database(
    rf, django_assert_num_queries, exc, status, title
):
    with django_assert_num_queries(0):
        response = refusal(rf.post("/activities/new/"), exc)
    html = response.content.decode()
    assert response.status_code == status
    assert heading(html) == title and in_vietnamese(html)
    assert 'href="/activities/new/"' in html
