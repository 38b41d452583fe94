"""Form helpers shared by the apps."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .text import clean_text

_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")

# The largest PostgreSQL `integer`: the bound of the numbers a form takes for an id, a version
# or a count. A larger one overflows the column (or SQLite's 64-bit integers, for 20 digits)
# before it can match nothing.
MAX_INTEGER = 2**31 - 1

# The admin's own forms that no ModelAdmin builds (see is_admin_form). Not the admin site's
# own password change form: its page is the portal's templates/registration/
# password_change_form.html, which overrides the admin's.
ADMIN_FORMS = (ActionForm, AdminAuthenticationForm, AdminPasswordChangeForm)


def widget_class(widget: forms.Widget) -> str:
    """The Bootstrap class of a widget's inputs: "" for a hidden one, and for a MultiWidget,
    whose parts each get their own (`style_widget`)."""
    if widget.is_hidden or isinstance(widget, forms.MultiWidget):
        return ""
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):  # CheckboxSelectMultiple too
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple | forms.SelectDateWidget):
        return "form-select"
    return "form-control"


def _with_class(classes: str, *extra: str) -> str:
    names = classes.split()
    names += [name for name in extra if name and name not in names]
    return " ".join(names)


def style_widget(widget: forms.Widget, *extra: str) -> None:
    """Put the Bootstrap class (and `extra` classes) on the widget's own attrs, or on each
    part of a MultiWidget: it hands its parts the attrs it renders with, so a class of the
    whole would give a select part `form-control`. Changes the widget: call it on a form's
    own copy (`form.fields`), never on a class's `base_fields`."""
    if isinstance(widget, forms.MultiWidget):
        for part in widget.widgets:
            style_widget(part, *extra)
        return
    css = widget_class(widget)
    if css:
        widget.attrs["class"] = _with_class(widget.attrs.get("class", ""), css, *extra)


def is_admin_form(form: forms.BaseForm) -> bool:
    """Whether the Django admin made or defines this form: the admin has its own look, and
    Bootstrap's classes mean nothing there. The admin's model forms (change lists, change
    pages, inlines) are built with a ModelAdmin's formfield callback; its other forms (login,
    passwords, actions) are the admin's own classes."""
    if isinstance(form, ADMIN_FORMS):
        return True
    callback = getattr(getattr(form, "_meta", None), "formfield_callback", None)
    return isinstance(getattr(getattr(callback, "func", None), "__self__", None), BaseModelAdmin)


TOO_LONG = _("“%(field)s” may be at most %(limit)s characters long (it has %(length)s).")
# Only a password keeps a NUL character this far (every other text loses it on the way in):
# Django's own words for it have no Vietnamese translation.
NUL_CHARACTER = _("“%(field)s” cannot contain a NUL character; type it again without it.")


class LengthValidator(MaxLengthValidator):
    """Django's MaxLengthValidator with a message a clerk can act on: the field's label, the
    limit and the length typed, grouped as Vietnamese writes numbers (TOO_LONG)."""

    def __init__(self, limit_value: int, label: str) -> None:
        super().__init__(limit_value)
        self.label = label

    def __call__(self, value: str) -> None:
        if len(value) > self.limit_value:
            raise ValidationError(
                TOO_LONG,
                code="max_length",
                params={
                    "field": self.label,
                    "limit": number_format(self.limit_value, force_grouping=True),
                    "length": number_format(len(value), force_grouping=True),
                },
            )


def is_text_field(field: forms.Field) -> bool:
    """Whether a form field takes free text (a CharField, an e-mail…) other than a password,
    which is kept exactly as typed."""
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


class StyledBoundField(forms.BoundField):
    """A field whose inputs carry their Bootstrap class, and `is-invalid` when it has
    errors, in every form of the portal but the admin's (`is_admin_form`): `{{ field }}` is
    ready as it is. Django already adds `aria-invalid` and points `aria-describedby` at
    `<id>_helptext` and `<id>_error`, which the field template (`templates/_field.html`)
    gives to the help text and the errors.

    Every form of the portal, the admin's too, reads its text through `data`: cleaned as the
    model stores it (doingoai.text.clean_text), on one line unless the widget is a textarea,
    so the form judges, keeps and shows the value that will be saved, its length counted
    after cleaning. A text field's maximum length is enforced, its message naming the
    field's label and the limit (LengthValidator); so is a NUL character's (NUL_CHARACTER).
    No input carries a maxlength attribute."""

    def __init__(self, form, field, name) -> None:
        super().__init__(form, field, name)
        if isinstance(field, forms.CharField):
            field.error_messages = {
                **field.error_messages,
                "null_characters_not_allowed": NUL_CHARACTER % {"field": self.label},
            }
        if is_text_field(field) and field.max_length is not None:
            # The form's own copy of the field and of its list of validators. A max_length
            # set after the field was made (the login form's username) had no validator yet.
            field.validators = [
                *(v for v in field.validators if not isinstance(v, MaxLengthValidator)),
                LengthValidator(int(field.max_length), self.label),
            ]
        # No maxlength attribute (CharField.widget_attrs put one on the form's own copy of
        # the widget): a browser cuts pasted text at it without a word, counting UTF-16 units
        # (a decomposed letter is two or three), far before the form's limit. The form
        # refuses instead, naming the limit, and what was typed stays in the box.
        field.widget.attrs.pop("maxlength", None)

    @property
    def data(self):
        value = super().data
        if isinstance(value, str) and is_text_field(self.field):
            return clean_text(value, multiline=isinstance(self.field.widget, forms.Textarea))
        return value

    def build_widget_attrs(self, attrs: dict, widget: forms.Widget | None = None) -> dict:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if is_admin_form(self.form):
            return attrs
        invalid = "is-invalid" if self.errors else ""
        if isinstance(widget, forms.MultiWidget):
            style_widget(widget, invalid)  # the form's own copy of the widget
            return attrs
        css = widget_class(widget)
        if css:
            own = f"{widget.attrs.get('class', '')} {attrs.get('class', '')}"
            attrs["class"] = _with_class(own, css, invalid)
        return attrs


class FormRenderer(DjangoTemplates):
    """Django's form renderer with the portal's field template: `{{ field.as_field_group }}`
    (and `{{ form }}`) render `templates/_field.html`, and every field is a StyledBoundField.
    The engine is Django's own form engine with the project's templates folder added."""

    field_template_name = "_field.html"
    bound_field_class = StyledBoundField

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    Path(forms.__file__).parent / self.backend.app_dirname,
                    *settings.TEMPLATES[0]["DIRS"],
                ],
                "NAME": "portal-forms",
                "OPTIONS": {},
            }
        )


def parse_amount(value: str) -> str:
    """Read an amount as Vietnamese offices write it: "1.234.567,50" (dots group thousands,
    the comma is the decimal mark); "1234567.5" is accepted too."""
    value = value.strip().replace(" ", "").replace("\u00a0", "")
    if "," in value:
        return value.replace(".", "").replace(",", ".")
    if _GROUPED.match(value):
        return value.replace(".", "")
    return value


class AmountField(forms.DecimalField):
    # A text box: a number box refuses the "1.234.567" people type.
    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def widget_attrs(self, widget):
        return {}

    def to_python(self, value):
        if isinstance(value, str):
            value = parse_amount(value)
        return super().to_python(value)


class FastSelect(forms.Select):
    """A select rendered in Python. Django renders each option through a template, which
    costs tens of milliseconds for a list of 250 countries; this costs well under one."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        if self.allow_multiple_selected:
            final["multiple"] = True
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if str(option) in chosen else "", label)
                for option, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class FastSelectMultiple(FastSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False


@functools.cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, str(name)) for code, name in countries)


def country_choices() -> tuple[tuple[str, str], ...]:
    """ISO 3166 countries with names in the active language, sorted by name. django-countries
    translates and sorts the 250 names on every use; a list page needs them once per
    language."""
    return _country_choices(get_language() or "vi")


def parse_id(value: object) -> int | None:
    """`value` (a posted string, or an int) as a whole number from 1 to MAX_INTEGER written
    in ASCII digits, or None. Stricter than int(): "²" passes str.isdigit() but int() refuses
    it, and int() reads "٣" (an Arabic-Indic 3) and " 3 " too."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_INTEGER)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_INTEGER else None


NOT_A_CHOICE = _("“%(value)s” is not one of the choices offered; choose again from the list.")


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField of records chosen by id, whose posted values are checked to
    be ids (parse_id) before the database is asked: Django's own asks the database with any
    number (20 digits overflow SQLite) and answers "²" in English."""

    default_error_messages = {
        "invalid_choice": NOT_A_CHOICE,
        "invalid_pk_value": _(
            "“%(pk)s” is not one of the choices offered; choose again from the list."
        ),
    }

    def _check_values(self, value):
        if not self.to_field_name:
            for pk in value:
                if parse_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


def login_username(request, credentials: dict | None) -> str:
    """The username django-axes records a failed login under (AXES_USERNAME_CALLABLE): what
    was typed, cut to axes's 255-character column, so a pasted page in the box is a wrong
    login, not a database error, whichever form called authenticate()."""
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(typed)[:255]
