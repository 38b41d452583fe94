"""What doingoai.files says of an attachment it refuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from doingoai.files import validate_attachment

MIB = 1024 * 1024


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
