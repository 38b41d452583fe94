"""The programme form: a wrong file is refused in the label's words (PDF or DOCX, not every
kind the portal keeps), and each error shows once on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from agencies.models import ImplementingProgramme
from tests.agencies.test_section_iv import PNG_BYTES, programme_post, programme_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    from agencies.models import Plan

    return Plan.objects.get(number="164/KH-UBND")


def refused(name: str) -> str:
    with translation.override("vi"):
        return translation.gettext(
            "“%(name)s” is not a PDF or DOCX file (checked by its content)."
        ) % {"name": name}


@pytest.mark.parametrize(
    "name, content",
    [("anh.png", PNG_BYTES), ("ghi-chu.txt", b"plain text, no kind at all")],
)
def test_a_wrong_file_is_refused_once_in_the_labels_words(client, staff, plan, name, content):
    client.force_login(staff)
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post(programme_url(plan, "SLDTBXH"), programme_post(file=upload))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(refused(name)) == 1
    assert "XLSX" not in html
    assert response.context["form"].errors.keys() == {"file"}
    assert not ImplementingProgramme.objects.exists()


def test_the_services_refusal_shows_once(client, staff, plan):
    client.force_login(staff)
    ahead = timezone.localdate() + timedelta(days=1)
    response = client.post(
        programme_url(plan, "SLDTBXH"), programme_post(issued_on=ahead.strftime("%d/%m/%Y"))
    )
    with translation.override("vi"):
        message = translation.gettext(
            "The programme's date %(date)s is in the future: record it once it is issued."
        ) % {"date": ahead.strftime("%d/%m/%Y")}
    assert response.content.decode().count(message) == 1
