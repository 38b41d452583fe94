"""The development data follows the organisation: no activity of an agency before it began
or after it closed, and no sample account in a closed agency."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from activities.models import Activity
from agencies.models import Agency, Membership

pytestmark = pytest.mark.django_db


def test_sample_activities_fall_within_each_agencys_days():
    Agency.objects.filter(code="VUNGTAU").update(closed_on=date(2021, 1, 1))
    ward = Agency.objects.create(
        code="PHUONG_MAU",
        name="Ủy ban nhân dân phường Mẫu",
        short_name="UBND phường Mẫu",
        kind=Agency.Kind.WARD,
        established_on=date(2021, 1, 1),
    )
    call_command("generate_sample_data", activities=400, not_production=True, stdout=StringIO())
    assert Activity.objects.count() == 400
    assert not Activity.objects.filter(agency__code="VUNGTAU", end_date__gte=date(2021, 1, 1))
    assert not Activity.objects.filter(agency=ward, start_date__lt=date(2021, 1, 1))
    assert Activity.objects.filter(agency=ward).exists()
    assert not Membership.objects.filter(agency__code="VUNGTAU", user__username__startswith="mau.")
