"""django-import-export's view of an activity: the admin's export, and the per-row import
that the fast importer (imports.py) is measured against."""

from __future__ import annotations

from django.utils.formats import get_format_lazy
from import_export import fields, resources, widgets

from agencies.models import Agency
from doingoai.text import clean_text

from .models import Activity


class DateWidget(widgets.DateWidget):
    """A date written in the first of the active language's DATE_INPUT_FORMATS (dd/mm/yyyy
    in every language, doingoai/formats/) and read in any of them, as the portal's forms
    read one. Asked at each use, not at import: the language is the request's."""

    def __init__(self) -> None:
        super().__init__()
        self.formats = get_format_lazy("DATE_INPUT_FORMATS")


class TextWidget(widgets.CharWidget):
    """Text as the portal stores it (doingoai.text.clean_text, ends stripped): lines and tabs
    kept only with `multiline`, as the field's form keeps them."""

    def __init__(self, *, multiline: bool = False) -> None:
        super().__init__()
        self.multiline = multiline

    def clean(self, value, row=None, **kwargs) -> str:
        return clean_text(super().clean(value, row, **kwargs), multiline=self.multiline).strip()


def _text(name: str, *, multiline: bool = False) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=TextWidget(multiline=multiline))


class ActivityResource(resources.ModelResource):
    agency = fields.Field(
        attribute="agency",
        column_name="agency",
        widget=widgets.ForeignKeyWidget(Agency, field="code"),
    )
    start_date = fields.Field(attribute="start_date", column_name="start_date", widget=DateWidget())
    end_date = fields.Field(attribute="end_date", column_name="end_date", widget=DateWidget())
    title = _text("title")
    place = _text("place")
    description = _text("description", multiline=True)
    outcome = _text("outcome", multiline=True)

    class Meta:
        model = Activity
        fields = (
            "id",
            "agency",
            "kind",
            "title",
            "start_date",
            "end_date",
            "place",
            "description",
            "outcome",
            "status",
        )
        export_order = fields
