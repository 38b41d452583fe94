"""An agency records what it did while it worked: a ward that began on 1/7/2025 cannot log an
activity of March 2025 (its predecessor did that), through the service, the form or the page;
a draft a reorganisation handed over keeps its date."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from activities import services
from activities.models import Activity
from agencies.models import Agency
from tests.factories import activity_data, activity_form, make_activity, make_user

pytestmark = pytest.mark.django_db

BEGAN = date(2025, 7, 1)


@pytest.fixture
def ward() -> Agency:
    return Agency.objects.create(
        code="PHUONG_MOI",
        name="Ủy ban nhân dân phường Mới",
        short_name="UBND phường Mới",
        kind=Agency.Kind.WARD,
        established_on=BEGAN,
    )


@pytest.fixture
def officer(ward):
    return make_user("canbo.phuongmoi", ward.code, "staff")


def refused(exc: ValidationError) -> str:
    return " ".join(exc.message_dict["start_date"])


def test_an_activity_before_the_agency_began_is_refused_and_nothing_is_written(ward, officer):
    before = Activity.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_activity(
            actor=officer,
            data=activity_data(
                agency=ward, start_date=date(2025, 3, 10), end_date=date(2025, 3, 10)
            ),
        )
    with translation.override("vi"):
        assert "01/07/2025" in refused(exc.value)
    assert Activity.objects.count() == before


def test_from_its_first_day_the_agency_logs_its_activities(ward, officer):
    activity = services.create_activity(
        actor=officer, data=activity_data(agency=ward, start_date=BEGAN, end_date=BEGAN)
    )
    assert activity.agency == ward


def test_the_page_says_why_and_keeps_what_was_typed(client, ward, officer):
    client.force_login(officer)
    response = client.post(
        reverse("activities:create"),
        activity_form(
            agency=ward.code, start_date="10/03/2025", end_date="10/03/2025", title="Đoàn Lào"
        )
        | {"agency": ward.pk},
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert "Đoàn Lào" in response.content.decode()
    assert not Activity.objects.filter(title="Đoàn Lào").exists()


def test_a_draft_handed_over_keeps_its_date_but_cannot_be_moved_earlier(ward, officer, staff):
    # A draft of March 2025 that a reorganisation handed to the ward (as agencies.reorganisation
    # does, by changing its agency).
    draft = make_activity(staff, start_date=date(2025, 3, 2), end_date=date(2025, 3, 3))
    Activity.objects.filter(pk=draft.pk).update(agency=ward)
    draft.refresh_from_db()
    kept = activity_data(agency=ward, start_date=date(2025, 3, 2), end_date=date(2025, 3, 3))
    updated = services.update_activity(
        actor=officer, activity=draft, version=draft.version, data=kept
    )
    assert updated.start_date == date(2025, 3, 2)
    earlier = activity_data(agency=ward, start_date=date(2025, 2, 1), end_date=date(2025, 3, 3))
    with pytest.raises(ValidationError):
        services.update_activity(
            actor=officer, activity=updated, version=updated.version, data=earlier
        )
