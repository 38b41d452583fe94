"""A database id in a URL is a number the database can hold; anything longer is a page that
does not exist (404), never an overflow (500). A search box takes what a person types, not a
pasted page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doingoai.text import SEARCH_MAX_TERMS, search_terms

pytestmark = pytest.mark.django_db

TWENTY_DIGITS = "9" * 20


@pytest.mark.parametrize(
    "url",
    [
        f"/activities/{TWENTY_DIGITS}/",
        f"/activities/{TWENTY_DIGITS}/files/1/",
        f"/activities/1/files/{TWENTY_DIGITS}/",
        f"/messages/{TWENTY_DIGITS}/",
        f"/reports/consolidated/{TWENTY_DIGITS}/",
        f"/plan/{TWENTY_DIGITS}/duties/I.1/",
        "/activities/2147483648/",  # one past the largest id
        "/activities/0/",
    ],
)
def test_an_id_too_large_for_the_database_is_a_page_that_does_not_exist(client, reviewer, url):
    client.force_login(reviewer)
    assert client.get(url).status_code == 404


def test_the_largest_id_is_still_an_id(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/activities/2147483647/").status_code == 404  # looked up, not found
    assert reverse("activities:detail", args=[2147483647]) == "/activities/2147483647/"


@pytest.mark.parametrize("url", ["/agencies/", "/activities/", "/messages/", "/messages/sent/"])
def test_a_pasted_page_in_a_search_box_is_searched_in_its_first_words(client, staff, url):
    client.force_login(staff)
    response = client.get(url, {"q": "x" * 60_000})
    assert response.status_code == 200


def test_search_reads_the_first_words_of_what_was_typed():
    assert search_terms("Đoàn  công tác NHẬT") == ["doan", "cong", "tac", "nhat"]
    assert len(search_terms("a " * 500)) == SEARCH_MAX_TERMS
    assert search_terms("x" * 60_000) == ["x" * 200]
