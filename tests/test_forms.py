"""Forms as Django renders them through the portal's renderer (doingoai.forms.FormRenderer):
every aria-describedby points at an element of the page, and every field carries its
Bootstrap class."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.module_loading import import_string

from agencies.models import Agency
from doingoai.forms import FormRenderer, StyledBoundField
from tests.factories import make_activity

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
        # The admin's link to change one's password: the portal's page overrides the admin's.
        "admin:password_change",
    ],
)
def test_every_field_of_a_page_is_styled(client, admin_user, url_name):
    if url_name == "activities:review":  # its fields are those of the submitted rows
        make_activity(admin_user, status="submitted", kind="meeting", title="Hội nghị")
    client.force_login(admin_user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name == "activities:review":
        assert 'name="versions"' in response.content.decode()
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


class Parts(forms.MultiValueField):
    """A text and a choice in one field: a MultiWidget of two kinds of input."""

    def __init__(self, **kwargs) -> None:
        choices = [("a", "A"), ("b", "B")]
        super().__init__(
            fields=[forms.CharField(), forms.ChoiceField(choices=choices)],
            widget=forms.MultiWidget([forms.TextInput, forms.Select(choices=choices)]),
            **kwargs,
        )

    def compress(self, data_list):
        return "-".join(data_list)


class Several(forms.Form):
    when = forms.SplitDateTimeField()
    day = forms.DateField(widget=forms.SelectDateWidget(years=[2020, 2021]))
    parts = Parts()
    kinds = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )


def classes_of(html: str, tag: str) -> list[set[str]]:
    return [set(m.group(1).split()) for m in re.finditer(rf'<{tag}\b[^>]*?class="([^"]*)"', html)]


def test_a_widget_of_several_inputs_sits_in_a_fieldset_each_input_styled():
    form = Several(data={"when_0": "", "parts_0": "x", "parts_1": "zz"})
    html = form.render()
    found = page(html)
    assert found.unstyled == []
    assert [t for _e, t in found.described_by if t not in found.ids] == []
    for name in ("when", "day", "parts"):
        field = str(form[name].as_field_group())
        assert field.count("<fieldset") == 1 and "<legend" in field
        # The widget renders itself: no choice list around it.
        assert "form-check" not in field
        assert all(
            "is-invalid" in c for c in classes_of(field, "input") + classes_of(field, "select")
        )
    when, day, parts = (str(form[name]) for name in ("when", "day", "parts"))
    assert [c & {"form-control", "form-select"} for c in classes_of(when, "input")] == [
        {"form-control"}
    ] * 2
    assert [c & {"form-control", "form-select"} for c in classes_of(day, "select")] == [
        {"form-select"}
    ] * 3
    assert classes_of(parts, "input")[0] >= {"form-control"}
    assert classes_of(parts, "select")[0] >= {"form-select"}
    assert "form-control" not in classes_of(parts, "select")[0]
    # Checkboxes are listed one per line, each with its label.
    kinds = str(form["kinds"].as_field_group())
    assert kinds.count('<div class="form-check">') == 2
    assert '<label class="form-check-label" for="id_kinds_0">A</label>' in kinds


ADMIN_PAGES = [
    ("admin:index", None),
    ("admin:agencies_agency_changelist", None),  # list_editable rows and the action form
    ("admin:agencies_agency_change", "agency"),  # inlines
    ("admin:agencies_user_add", None),
    ("admin:agencies_user_change", "user"),
    ("admin:auth_user_password_change", "user"),
    ("admin:activities_partner_add", None),
    ("admin:activities_activity_changelist", None),  # the action form
]
BOOTSTRAP = {"form-control", "form-select", "form-check-input", "is-invalid"}


@pytest.mark.parametrize(("url_name", "arg"), ADMIN_PAGES)
def test_the_admin_keeps_its_own_look(client, admin_user, staff, url_name, arg):
    args = {
        None: [],
        "agency": [Agency.objects.get(code="SLDTBXH").pk],
        "user": [staff.pk],
    }[arg]
    make_activity(admin_user, status="submitted", kind="meeting", title="Hội nghị")
    client.force_login(admin_user)
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<input" in html or "<select" in html
    styled = [c for tag in ("input", "select", "textarea") for c in classes_of(html, tag)]
    assert [c & BOOTSTRAP for c in styled if c & BOOTSTRAP] == []


def test_the_admin_login_and_its_errors_keep_the_admins_look(client):
    response = client.post(reverse("admin:login"), {"username": "", "password": ""})
    html = response.content.decode()
    assert 'name="username"' in html
    styled = [c for tag in ("input", "select") for c in classes_of(html, tag)]
    assert [c & BOOTSTRAP for c in styled if c & BOOTSTRAP] == []


class TextForm(forms.Form):
    title = forms.CharField(max_length=5)
    notes = forms.CharField(widget=forms.Textarea, required=False)
    password = forms.CharField(widget=forms.PasswordInput, required=False)


def test_every_form_reads_its_text_as_the_model_will_store_it():
    typed = unicodedata.normalize("NFD", "Ðế\r\nếế")  # twelve code points, two lines
    form = TextForm(
        {"title": typed, "notes": "Dòng 1\r\nDòng\u202e 2\x00", "password": "mật\u202e"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        # five letters once composed, on one line: within max_length=5
        "title": "Đế ếế",
        "notes": "Dòng 1\nDòng 2",
        "password": "mật\u202e",
    }


def test_a_text_too_long_names_the_field_and_its_limit_in_any_form():
    form = TextForm({"title": "Hội nghị"})
    assert form.errors["title"] == ["“Title” dài tối đa 5 ký tự (hiện có 8)."]


def test_no_text_input_carries_a_maxlength_that_would_cut_pasted_text():
    # A browser cuts at maxlength silently, counting UTF-16 units: the form's message is
    # the only limit a clerk meets.
    html = str(TextForm())
    assert 'name="title"' in html and 'name="notes"' in html
    assert "maxlength" not in html


@pytest.mark.parametrize(
    "url_name", ["activities:create", "exchange:new", "profile", "login", "admin:login"]
)
def test_no_page_renders_a_maxlength(client, staff, url_name):
    if url_name not in ("login", "admin:login"):
        client.force_login(staff)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "<textarea" in response.content.decode() or "<input" in response.content.decode()
    assert "maxlength" not in response.content.decode()


def test_a_decomposed_text_over_the_limit_is_refused_and_kept_as_typed():
    typed = unicodedata.normalize("NFD", "Ếếếếếế")  # 6 letters, 18 code points
    form = TextForm({"title": typed})
    assert form.errors["title"] == ["“Title” dài tối đa 5 ký tự (hiện có 6)."]
    assert 'value="Ếếếếếế"' in str(form["title"])


def test_a_reason_typed_in_the_review_queue_keeps_its_lines(client, staff, reviewer):
    # The queue's template renders the reason as a textarea by hand: its field has lines too.
    activity = make_activity(staff, status="submitted")
    client.force_login(reviewer)
    assert (
        'name="reason" rows="2"></textarea>'
        in client.get(reverse("activities:review")).content.decode()
    )
    client.post(
        reverse("activities:review"),
        {
            "versions": [f"{activity.pk}:{activity.version}"],
            "action": "return",
            "reason": "1. Thiếu danh sách đoàn\r\n2. Thiếu biên bản",
        },
    )
    activity.refresh_from_db()
    assert activity.status == "returned"
    assert activity.return_reason == "1. Thiếu danh sách đoàn\n2. Thiếu biên bản"


@pytest.mark.parametrize(
    "form_class, template",
    [
        ("activities.forms.BulkReviewForm", "activities/review_queue.html"),
        ("activities.forms.ReasonForm", "_review_panel.html"),
    ],
)
def test_a_reason_written_as_a_textarea_by_hand_has_a_textarea_field(form_class, template):
    source = Path(get_template(template).origin.name).read_text(encoding="utf-8")
    assert re.search(r'<textarea[^>]*name="reason"', source)
    field = import_string(form_class).base_fields["reason"]
    assert isinstance(field.widget, forms.Textarea)
