"""django-import-export's view of an activity: the admin's export, and the per-row import
that the fast importer (imports.py) is measured against."""

from __future__ import annotations

from import_export import fields, resources, widgets

from agencies.models import Agency

from .models import Activity


class ActivityResource(resources.ModelResource):
    agency = fields.Field(
        attribute="agency",
        column_name="agency",
        widget=widgets.ForeignKeyWidget(Agency, field="code"),
    )
    start_date = fields.Field(
        attribute="start_date",
        column_name="start_date",
        widget=widgets.DateWidget(format="%d/%m/%Y"),
    )
    end_date = fields.Field(
        attribute="end_date", column_name="end_date", widget=widgets.DateWidget(format="%d/%m/%Y")
    )

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
