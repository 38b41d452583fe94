"""Forms as Django renders them through the portal's renderer (doingoai.forms.FormRenderer):
every aria-describedby points at an element of the page, and every field carries its
Bootstrap class."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from agencies.models import Agency
from doingoai.forms import FormRenderer, StyledBoundField

pytestmark = pytest.mark.django_db

FIELD_CLASSES = {"form-control", "form-select", "form-check-input"}


class Page(HTMLParser):
    """The ids of a page, the ids its inputs are described by, and its unstyled inputs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: list[tuple[str, str]] = []  # (element id, the id it points at)
        self.unstyled: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        for target in values.get("aria-describedby", "").split():
            self.described_by.append((values.get("id", tag), target))
        is_field = tag in ("select", "textarea") or (
            tag == "input" and values.get("type") not in ("hidden", "submit", "button")
        )
        if is_field and not FIELD_CLASSES & set(values.get("class", "").split()):
            self.unstyled.append(values.get("id") or values.get("name", tag))


def page(html: bytes | str) -> Page:
    return Page(html.decode() if isinstance(html, bytes) else html)


def broken_activity() -> dict:
    """A new activity with an error on a field that has a help text (duty) and on others."""
    return {
        "agency": Agency.objects.get(code="SLDTBXH").pk,
        "kind": "aid",
        "title": "",
        "start_date": "32/13/2020",
        "end_date": "03/03/2020",
        "duty": "999999",
        "committed_amount": "-5",
        "currency": "USD",
    }


def test_every_aria_describedby_of_the_new_activity_form_points_at_an_element(client, staff):
    client.force_login(staff)
    for response in (
        client.get(reverse("activities:create")),
        client.post(reverse("activities:create"), broken_activity()),
    ):
        assert response.status_code == 200
        found = page(response.content)
        assert found.described_by, "the form describes its fields"
        missing = [
            (element, target) for element, target in found.described_by if target not in found.ids
        ]
        assert missing == []
    # The refused form describes its fields by their errors and their help texts both.
    targets = {target for _element, target in found.described_by}
    assert {
        "id_title_error",
        "id_duty_error",
        "id_duty_helptext",
        "id_attachments_helptext",
    } <= targets


def test_the_aid_part_and_the_duty_list_describe_their_fields_too(client, staff):
    client.force_login(staff)
    agency = Agency.objects.get(code="SLDTBXH").pk
    for response in (
        client.get(reverse("activities:form-kind-fields"), {"kind": "aid"}),
        client.get(reverse("activities:form-duties"), {"agency": agency}),
    ):
        found = page(response.content)
        assert [t for _e, t in found.described_by if t not in found.ids] == []
        assert found.unstyled == []


@pytest.mark.parametrize(
    "url_name",
    [
        "activities:create",
        "activities:import",
        "activities:list",
        "activities:mine",
        "activities:review",
        "profile",
        "password_change",
    ],
)
def test_every_field_of_a_page_is_styled(client, admin_user, url_name):
    client.force_login(admin_user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    found = page(response.content)
    assert found.unstyled == []
    assert [t for _e, t in found.described_by if t not in found.ids] == []


def test_the_import_upload_input_is_styled_and_describes_its_limits(client, staff):
    client.force_login(staff)
    found = page(client.get(reverse("activities:import")).content)
    assert "id_file" in found.ids and "id_file" not in found.unstyled
    assert ("id_file", "id_file_helptext") in found.described_by
    html = client.get(reverse("activities:import")).content.decode()
    assert "20.000" in html  # the row limit, grouped the Vietnamese way by number_format


def test_the_login_page_shows_field_errors_with_their_ids(client):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    found = page(response.content)
    assert ("id_username", "id_username_error") in found.described_by
    assert [t for _e, t in found.described_by if t not in found.ids] == []
    assert found.unstyled == []


class Sample(forms.Form):
    name = forms.CharField(help_text="Your name")
    agree = forms.BooleanField()
    kind = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def test_the_renderer_styles_every_widget_and_marks_the_invalid_ones():
    form = Sample(data={"name": ""})
    assert isinstance(form.renderer, FormRenderer)
    assert isinstance(form["name"], StyledBoundField)
    html = form.render()
    found = page(html)
    assert found.unstyled == []
    assert [t for _e, t in found.described_by if t not in found.ids] == []
    assert 'class="form-control is-invalid"' in str(form["name"])
    assert 'aria-invalid="true"' in str(form["name"])
    assert "form-check-input" in str(form["agree"])
    assert "class" not in str(form["secret"])
    # The radio buttons sit in a fieldset described by the field's error.
    assert 'aria-describedby="id_kind_error"' in html and 'id="id_kind_error"' in html


def test_a_widget_keeps_its_own_classes():
    class Styled(forms.Form):
        name = forms.CharField(widget=forms.TextInput(attrs={"class": "font-monospace"}))

    assert 'class="font-monospace form-control"' in str(Styled()["name"])


def test_including_the_field_template_renders_the_same_as_the_renderer():
    # Other apps' templates write {% include "_field.html" with field=... %}.
    form = Sample(data={"name": ""})
    included = Template('{% include "_field.html" with field=form.name %}').render(
        Context({"form": form})
    )
    assert included.strip() == form["name"].as_field_group().strip()
    found = page(included)
    assert ("id_name", "id_name_error") in found.described_by
    assert {"id_name_error", "id_name_helptext"} <= found.ids
