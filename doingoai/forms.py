"""Form helpers shared by the apps."""

from __future__ import annotations

from django import forms


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
