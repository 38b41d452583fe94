"""django-import-export's view of an activity: the admin's export, and the per-row import
that the fast importer (imports.py) is measured against."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.formats import get_format_lazy
from django.utils.translation import gettext as _
from django_countries import countries
from import_export import fields, resources, widgets

from agencies.models import Agency
from agencies.resources import ChoiceWidget, SkipBlankRowsMixin, cell_text
from agencies.resources import TextWidget as ResourceText
from doingoai.text import clean_text, fold

from .models import Activity, Partner


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


class CountryWidget(widgets.Widget):
    """A country by its ISO 3166 alpha-2 code (any case), "" for none; an unknown code is a
    ValueError in Vietnamese."""

    def clean(self, value, row=None, **kwargs) -> str:
        code = cell_text(value).upper()
        if code and code not in countries:
            raise ValueError(
                _("Unknown country code “%(code)s”: use the two-letter ISO code, e.g. JP.")
                % {"code": code}
            )
        return code

    def render(self, value, obj=None, **kwargs) -> str:
        return str(getattr(value, "code", value) or "")


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


class PartnerResource(SkipBlankRowsMixin, resources.ModelResource):
    """Foreign partners: name, kind (value or label) and country (ISO 3166 alpha-2 code,
    empty for none). A row names the partner it updates the way the activities' importer
    finds one: the same country and the same name once cleaned and folded (search_text), so
    "JICA" and "Jica" in Japan are one partner, whose name stays as first written. New
    partners are created; nothing is deleted."""

    name = fields.Field(attribute="name", column_name="name", widget=ResourceText())
    kind = fields.Field(attribute="kind", column_name="kind")
    country = fields.Field(attribute="country", column_name="country")

    class Meta:
        model = Partner
        fields = ("name", "kind", "country")
        export_order = fields
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields["kind"].widget = ChoiceWidget(Partner.Kind, what=_("kind of partner"))
        self.fields["country"].widget = CountryWidget()

    def get_instance(self, instance_loader, row):
        name = cell_text(row.get("name"))
        if not name:
            return None
        try:
            country = CountryWidget().clean(row.get("country"))
        except ValueError:
            return None  # import_instance reports it
        return Partner.objects.filter(search_text=fold(name), country=country).first()

    def import_instance(self, instance, row, **kwargs) -> None:
        existing_name = instance.name if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        if existing_name is not None:
            instance.name = existing_name
        elif not instance.name:
            raise ValidationError({"name": [_("The partner needs a name.")]})

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # search_text is derived on save (Partner.save), not typed.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, "search_text"], validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
