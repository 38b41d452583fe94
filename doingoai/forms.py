"""Form helpers shared by the apps."""

from __future__ import annotations

import functools
import re

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django_countries import countries

_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def style_fields(form: forms.BaseForm) -> None:
    """Give each widget its Bootstrap class, so templates can render `{{ field }}` as is."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


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
