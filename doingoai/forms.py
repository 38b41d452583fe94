"""Form helpers shared by the apps."""

from __future__ import annotations

import re

from django import forms

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
    def to_python(self, value):
        if isinstance(value, str):
            value = parse_amount(value)
        return super().to_python(value)
