"""Checkboxes and radio buttons look like them: every one the portal's pages render carries
Bootstrap's `form-check-input` (never `form-control`, which draws an empty grey bar), sits in
a `form-check` and has a label beside it, or an aria-label where a table row names it. The
message form's "whole group" boxes are checked after an invalid POST too."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import make_activity, message_form

pytestmark = pytest.mark.django_db


class Boxes(HTMLParser):
    """The checkboxes and radio buttons of a page, and the ids its labels point at."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.boxes: list[dict[str, str]] = []
        self.labelled: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "input" and values.get("type") in ("checkbox", "radio"):
            self.boxes.append(values)
        if tag == "label" and values.get("for"):
            self.labelled.add(values["for"])

    def faults(self) -> list[str]:
        """Each box that is not drawn as one or has no label, with what is wrong."""
        found = []
        for box in self.boxes:
            name = box.get("id") or box.get("name", "?")
            classes = set(box.get("class", "").split())
            if "form-check-input" not in classes or classes & {"form-control", "form-select"}:
                found.append(f"{name}: class {box.get('class')!r}")
            if box.get("id") not in self.labelled and not box.get("aria-label"):
                found.append(f"{name}: no label")
        return found


def boxes(response) -> Boxes:
    assert response.status_code == 200
    return Boxes(response.content.decode())


def test_the_whole_group_boxes_of_the_message_form_are_checkboxes(client, reviewer):
    client.force_login(reviewer)

    found = boxes(client.get(reverse("exchange:new")))

    groups = [box for box in found.boxes if box["name"] == "groups"]
    assert len(groups) == 4
    assert found.faults() == []
    html = client.get(reverse("exchange:new")).content.decode()
    assert (
        '<div class="form-check"><input type="checkbox" name="groups" value="district" '
        'id="id_groups_0" class="form-check-input"> '
        '<label class="form-check-label" for="id_groups_0">Tất cả UBND cấp huyện</label></div>'
    ) in html


def test_the_whole_group_boxes_stay_checkboxes_and_stay_ticked_after_an_error(client, reviewer):
    client.force_login(reviewer)
    data = message_form(to=(), subject="") | {"groups": ["district"]}

    response = client.post(reverse("exchange:new"), data)

    found = boxes(response)
    assert found.faults() == []
    ticked = [box["value"] for box in found.boxes if box["name"] == "groups" and "checked" in box]
    assert ticked == ["district"]


@pytest.mark.parametrize(
    ("url", "who"),
    [
        (reverse("activities:list"), "staff"),  # "and the agencies under it"
        (reverse("activities:form-kind-fields") + "?kind=aid", "staff"),  # the new donor box
        (reverse("activities:review"), "reviewer"),  # a box per submitted activity
        (reverse("agencies:list"), "staff"),  # "show closed agencies"
        (reverse("notifications:list"), "staff"),  # "unread only"
        (reverse("reports:completeness"), "reviewer"),  # "group by today's agency"
    ],
)
def test_every_other_box_of_the_portal_is_a_labelled_checkbox(client, request, staff, url, who):
    make_activity(staff, status="submitted")
    client.force_login(request.getfixturevalue(who))

    found = boxes(client.get(url))

    assert found.boxes, "the page shows no box: the test no longer checks it"
    assert found.faults() == []
