"""WCAG 2.1 AA in the server's HTML: the current page marked in the navigation, a refused
form's error summary linking to its fields, the error pages' navigation. The browser tests
(tests/browser/) audit the rendered pages with axe-core."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def current(html: str) -> list[str]:
    """The addresses of the links marked aria-current="page"."""
    return re.findall(r'<a [^>]*href="([^"]*)"[^>]*aria-current="page"', html)


@pytest.mark.parametrize(
    "url_name", ["home", "activities:list", "activities:review", "reports:index", "profile"]
)
def test_the_navigation_marks_the_page_shown_and_no_other(client, reviewer, url_name):
    client.force_login(reviewer)
    html = client.get(reverse(url_name)).content.decode()
    assert current(html) == [reverse(url_name)]


def test_a_page_under_a_menu_item_marks_nothing_current_but_shows_its_section(client, staff):
    client.force_login(staff)
    html = client.get(reverse("activities:create")).content.decode()
    assert current(html) == []
    assert 'class="nav-link dropdown-toggle active"' in html  # "Hoạt động"


def test_the_navigation_shows_each_role_its_items_only(client, staff, reviewer):
    client.force_login(staff)
    html = client.get(reverse("home")).content.decode()
    assert reverse("activities:mine") in html and reverse("activities:review") not in html
    assert reverse("admin:index") not in html
    client.force_login(reviewer)
    html = client.get(reverse("home")).content.decode()
    assert reverse("activities:review") in html


def test_a_refused_login_links_its_summary_to_each_field(client):
    html = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    summary = html[html.index("data-error-summary") : html.index("</ul>")]
    assert 'tabindex="-1"' in html[html.index('<div class="error-summary') :][:120]
    assert re.findall(r'href="#(id_\w+)"', summary) == ["id_username", "id_password"]
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_username_error"' in html


def test_a_form_without_errors_has_no_summary(client):
    assert "data-error-summary" not in client.get(reverse("login")).content.decode()


@override_settings(DEBUG=False)
def test_the_404_page_shows_the_navigation_to_a_signed_in_user_only(client, staff):
    assert 'data-testid="mainnav"' not in client.get("/khong-co-trang-nay/").content.decode()
    client.force_login(staff)
    html = client.get("/khong-co-trang-nay/").content.decode()
    assert 'data-testid="mainnav"' in html and 'data-testid="error-heading"' in html
    assert reverse("activities:mine") in html


@override_settings(DEBUG=False)
def test_the_413_page_shows_the_navigation_to_a_signed_in_user_only(client, staff):
    too_much = {"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    refused = client.post(reverse("activities:create"), too_much)
    assert refused.status_code == 413
    assert 'data-testid="mainnav"' not in refused.content.decode()
    client.force_login(staff)
    refused = client.post(reverse("activities:create"), too_much)
    html = refused.content.decode()
    assert refused.status_code == 413 and 'data-testid="error-heading"' in html
    assert 'data-testid="mainnav"' in html and reverse("activities:mine") in html
