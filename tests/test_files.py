"""What doingoai.files says of an attachment it refuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from activities import services
from doingoai.files import DOCX, JPEG, PDF, PNG, XLSX, true_name, validate_attachment
from tests.factories import make_activity

MIB = 1024 * 1024
# The 8 bytes that make a PNG, and an empty IHDR: sniffed by content, never decoded.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


@pytest.mark.parametrize(
    ("size", "said"),
    [
        (21_000_015, "có dung lượng 20,03\xa0MB; mỗi tệp tối đa 20,0\xa0MB"),  # just over the limit
        (20 * MIB + 1, "có dung lượng 20,01\xa0MB; mỗi tệp tối đa 20,0\xa0MB"),
        (25 * MIB, "có dung lượng 25,0\xa0MB; mỗi tệp tối đa 20,0\xa0MB"),
    ],
)
def test_a_file_over_the_limit_is_said_to_be_larger_than_the_limit(settings, size, said):
    settings.ATTACHMENT_MAX_BYTES = 20 * MIB
    upload = SimpleUploadedFile("bao-cao.pdf", b"")
    upload.size = size  # the check reads the size the upload declares before its content
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        validate_attachment(upload)
    assert said in refused.value.messages[0]


@pytest.mark.parametrize(
    ("name", "content_type", "stored"),
    [
        ("bien-ban.pdf", PDF.content_type, "bien-ban.pdf"),
        ("BIEN-BAN.PDF", PDF.content_type, "BIEN-BAN.PDF"),
        ("anh.jpeg", JPEG.content_type, "anh.jpeg"),
        ("anh.pdf", PNG.content_type, "anh.png"),  # a picture renamed by hand
        ("bao-cao.doc", DOCX.content_type, "bao-cao.docx"),
        ("so-lieu.xls", XLSX.content_type, "so-lieu.xlsx"),
        ("bien-ban", PDF.content_type, "bien-ban.pdf"),
        ("Quyết định số 12.2025", PDF.content_type, "Quyết định số 12.2025.pdf"),
        (".pdf", PNG.content_type, ".pdf.png"),
    ],
)
def test_a_file_is_named_as_the_kind_its_content_is(name, content_type, stored):
    assert true_name(name, content_type) == stored


@pytest.mark.django_db
def test_an_attachment_named_as_another_kind_is_kept_with_its_true_extension(staff):
    activity = make_activity(staff)
    upload = SimpleUploadedFile("anh-doan-khach.pdf", PNG_BYTES, content_type="application/pdf")
    attachment = services.add_attachment(actor=staff, activity=activity, upload=upload)
    assert (attachment.original_name, attachment.content_type) == (
        "anh-doan-khach.png",
        "image/png",
    )
    assert attachment.file.read() == PNG_BYTES  # the content as it came
