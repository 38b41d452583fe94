"""What the error summary of a refused form lists (templates/_form_errors.html)."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def fields_with_errors(form: forms.BaseForm) -> list[forms.BoundField]:
    """The visible fields of `form` that have errors, in the form's order."""
    return [field for field in form.visible_fields() if field.errors]


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id a summary link points at: the field's input (the first button of a radio or
    checkbox group), else its error message (`<id>_error`, templates/_field.html: a
    MultiWidget has no one input to point at)."""
    if isinstance(field.field.widget, forms.RadioSelect):  # CheckboxSelectMultiple too
        first = field.subwidgets[0].data["attrs"].get("id") if field.subwidgets else ""
        if first:
            return first
    return field.id_for_label or (f"{field.auto_id}_error" if field.auto_id else "")
