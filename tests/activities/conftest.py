from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activities import services
from activities.models import Activity
from activities.services import ActivityData
from agencies.models import Agency, User

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "bien-ban.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def data(agency: str = "SLDTBXH", **overrides) -> ActivityData:
    values = dict(
        agency=Agency.objects.get(code=agency),
        kind="inbound",
        title="Đoàn công tác Nhật Bản",
        start_date=date(2020, 3, 2),
        end_date=date(2020, 3, 3),
        place="Vũng Tàu",
        description="Làm việc về lao động nước ngoài",
        countries=["JP"],
    )
    values.update(overrides)
    return ActivityData(**values)


def make_activity(
    user: User,
    agency: str = "SLDTBXH",
    status: str = "draft",
    reviewer: User | None = None,
    **overrides,
) -> Activity:
    """An activity brought to `status` through the services, as a user would."""
    activity = services.create_activity(actor=user, data=data(agency, **overrides))
    if status in {"submitted", "accepted", "returned"}:
        activity = services.submit_activity(actor=user, activity=activity, version=activity.version)
    if status == "accepted":
        activity = services.accept_activity(
            actor=reviewer, activity=activity, version=activity.version
        )
    if status == "returned":
        activity = services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="Thiếu biên bản"
        )
    return activity


@pytest.fixture
def activity_factory(db) -> Callable[..., Activity]:
    """make_activity, for test modules that take their helpers as fixtures."""
    return make_activity


@pytest.fixture
def activity_data(db) -> Callable[..., ActivityData]:
    """data, for test modules that take their helpers as fixtures."""
    return data


@pytest.fixture
def draft_with_file(staff) -> Activity:
    """A draft of SLDTBXH, co-organised by SYT, with one file."""
    activity = make_activity(staff, co_organisers=[Agency.objects.get(code="SYT")])
    services.add_attachment(actor=staff, activity=activity, upload=pdf())
    activity.refresh_from_db()
    return activity


@pytest.fixture
def sngv_staff(db) -> User:
    from tests.conftest import make_user

    return make_user("sngvstaff", "SNGV", "staff")


@pytest.fixture
def syt_staff(db) -> User:
    from tests.conftest import make_user

    return make_user("sytstaff", "SYT", "staff")
