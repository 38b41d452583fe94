"""Dates as the active language's format module (doingoai/formats/) writes and reads them: the
activity form, the list's filter and the admin's import-export resource show dd/mm/yyyy and
read every DATE_INPUT_FORMATS of the language."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import get_format

from activities.filters import ActivityFilter
from activities.forms import DateInput, date_field
from activities.models import Activity
from activities.resources import ActivityResource
from tests.factories import make_activity

DAY = date(2019, 11, 25)
LANGUAGES = ["vi", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_date_field_shows_dd_mm_yyyy_and_reads_every_format_of_the_language(language):
    field = date_field("Ngày")
    with translation.override(language):
        assert DateInput().format_value(DAY) == "25/11/2019"
        for fmt in get_format("DATE_INPUT_FORMATS"):
            assert field.clean(DAY.strftime(fmt)) == DAY, fmt
        with pytest.raises(ValidationError, match="25/11/2019"):
            field.clean("11/25/2019")  # month first: no format of either language


def test_a_vietnamese_date_may_be_typed_with_dashes():
    with translation.override("vi"):
        assert date_field("Ngày").clean("25-11-2019") == DAY


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_filter_reads_every_date_format_of_the_language(language):
    with translation.override(language):
        for fmt in get_format("DATE_INPUT_FORMATS"):
            form = ActivityFilter(
                {"date_from": DAY.strftime(fmt)}, queryset=Activity.objects.all()
            ).form
            assert form.is_valid(), (fmt, form.errors)
            assert form.cleaned_data["date_from"] == DAY


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_import_export_resource_writes_dd_mm_yyyy_and_reads_it_back(staff, language):
    activity = make_activity(staff, start_date=date(2020, 3, 2), end_date=date(2020, 3, 3))
    resource = ActivityResource()
    with translation.override(language):
        dataset = resource.export(Activity.objects.filter(pk=activity.pk))
        assert (dataset.dict[0]["start_date"], dataset.dict[0]["end_date"]) == (
            "02/03/2020",
            "03/03/2020",
        )
        widget = resource.fields["start_date"].widget
        assert widget.clean(dataset.dict[0]["start_date"]) == date(2020, 3, 2)
        for fmt in get_format("DATE_INPUT_FORMATS"):
            assert widget.clean(DAY.strftime(fmt)) == DAY, fmt
        result = resource.import_data(dataset, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    activity.refresh_from_db()
    assert (activity.start_date, activity.end_date) == (date(2020, 3, 2), date(2020, 3, 3))
