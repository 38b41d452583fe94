"""What the information exchange's tests share: a request from Sở Ngoại vụ to the eight
districts, agencies by code, a PDF upload and an activity to refer to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from activities import services as activity_services
from activities.exchange import services
from activities.exchange.models import Message
from activities.models import Activity
from activities.services import ActivityData
from agencies.models import Agency, User
from tests.conftest import DISTRICTS, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def agencies() -> Callable[..., list[Agency]]:
    def get(*codes: str) -> list[Agency]:
        return list(Agency.objects.filter(code__in=codes))

    return get


@pytest.fixture
def visible() -> Callable[[User], set[str]]:
    """The subjects of the messages a user may read (Message.objects.visible_to)."""

    def subjects(user: User) -> set[str]:
        return set(Message.objects.visible_to(user).values_list("subject", flat=True))

    return subjects


@pytest.fixture
def request_to_districts(agencies) -> Callable[[User], Message]:
    """Sở Ngoại vụ asks the eight districts for figures, to answer within a week."""

    def send(reviewer: User) -> Message:
        return services.send_message(
            actor=reviewer,
            sender_agency=Agency.objects.get(code="SNGV"),
            recipients=agencies(*DISTRICTS),
            kind="request",
            subject="Báo cáo hoạt động đón đoàn 6 tháng",
            body="Đề nghị các địa phương báo cáo.",
            due_date=timezone.localdate() + timedelta(days=7),
        )

    return send


@pytest.fixture
def pdf_bytes() -> bytes:
    return PDF


@pytest.fixture
def pdf() -> Callable[..., SimpleUploadedFile]:
    def upload(name: str = "bien-ban.pdf", content: bytes = PDF) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    return upload


@pytest.fixture
def activity_of() -> Callable[[User, str], Activity]:
    """A draft activity of an agency, recorded through the activities' service."""

    def create(user: User, agency: str) -> Activity:
        data = ActivityData(
            agency=Agency.objects.get(code=agency),
            kind="inbound",
            title="Đoàn công tác Nhật Bản",
            start_date=date(2020, 3, 2),
            end_date=date(2020, 3, 3),
            place="Vũng Tàu",
            description="Làm việc về lao động nước ngoài",
            countries=["JP"],
        )
        return activity_services.create_activity(actor=user, data=data)

    return create


@pytest.fixture
def syt_staff(db) -> User:
    return make_user("sytstaff", "SYT", "staff")
