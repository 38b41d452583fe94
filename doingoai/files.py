"""Stored files shared by activities, messages and reports: the abstract model that keeps an
upload under a random name in private storage, the content check that lets only PDF, DOCX,
XLSX, JPEG and PNG in, and the download response that no browser renders or sniffs."""

from __future__ import annotations

import math
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]  # lower case, the usual one first


PDF = FileKind("PDF", "application/pdf", (".pdf",))
PNG = FileKind("PNG", "image/png", (".png",))
JPEG = FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"))
DOCX = FileKind(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileKind(
    "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
KINDS = (PDF, PNG, JPEG, DOCX, XLSX)
# Extensions a clerk's file may wrongly carry: the allowed kinds' and their near relatives.
_DOCUMENT_EXTENSIONS = {e for kind in KINDS for e in kind.extensions} | {
    ".doc",
    ".xls",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".webp",
    ".heic",
    ".odt",
    ".ods",
    ".rtf",
    ".txt",
}


def true_name(name: str, content_type: str) -> str:
    """`name` (an upload's) ending as the kind of file its content is (`content_type`, one of
    KINDS'), so that it opens in the right program once downloaded: kept when its extension
    is one of the kind's (any case); its extension replaced when it names another kind of
    document or image (a PNG named "anh.pdf" is "anh.png"); the kind's usual extension added
    otherwise ("bien-ban" is "bien-ban.pdf", "so 1.2" is "so 1.2.pdf"). KeyError for a
    content type not in KINDS."""
    kind = next(kind for kind in KINDS if kind.content_type == content_type)
    stem, dot, extension = name.rpartition(".")
    extension = f".{extension.lower()}"
    if dot and extension in kind.extensions:
        return name
    if dot and stem and extension in _DOCUMENT_EXTENSIONS:
        return stem + kind.extensions[0]
    return name + kind.extensions[0]


# An Office Open XML file is a zip whose main part names what it is.
_OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}


def sniff(upload: UploadedFile) -> FileKind | None:
    """The kind of file by its first bytes (and, for a zip, its parts); None if not allowed."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            for part, kind in _OOXML_PARTS.items():
                if part in names:
                    return kind
    return None


def _size_beyond(size: int, limit: int) -> str:
    """`size` (bytes, more than `limit`) as filesizeformat writes it, or in MB to the
    hundredth, rounded up, where that would write it as the limit ("20,0 MB; at most
    20,0 MB" for 21,000,015 bytes against 20 MiB)."""
    shown = filesizeformat(size)
    if shown != filesizeformat(limit):
        return shown
    hundredths = math.ceil(size * 100 / 1024**2)
    # filesizeformat's own words and no-break space
    return (_("%s MB") % number_format(hundredths / 100, 2)).replace(" ", "\xa0")


def validate_attachment(upload: UploadedFile) -> FileKind:
    """Check an upload's size and content; raise a ValidationError in Vietnamese."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {
                "name": upload.name,
                "size": _size_beyond(upload.size, limit),
                "limit": filesizeformat(limit),
            }
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name})
    kind = sniff(upload)
    if kind is None:
        raise ValidationError(
            _(
                "“%(name)s” is not a PDF, DOCX, XLSX, JPG or PNG file (checked by its content, "
                "not its name)."
            )
            % {"name": upload.name}
        )
    return kind


def private_file_response(stored) -> FileResponse:
    """Serve a stored file as a download that no browser will render or sniff."""
    return private_download(stored.file, stored.original_name, stored.content_type)


def private_download(file, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment_path(instance: StoredFile, filename: str) -> str:
    # A random name: the original name is kept in the row, never used on disk.
    return f"attachments/{uuid.uuid4().hex}"


class StoredFile(models.Model):
    """A file kept as evidence: checked by content before it gets here, stored under a random
    name in private storage, served only through views that check permissions."""

    file = models.FileField(gettext_lazy("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(gettext_lazy("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(gettext_lazy("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("uploaded by"),
    )
    uploaded_at = models.DateTimeField(gettext_lazy("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True
        verbose_name = gettext_lazy("attachment")
        verbose_name_plural = gettext_lazy("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def store(cls, *, upload, content_type: str, actor, **owner) -> StoredFile:
        # Should the transaction roll back, the stored file has no row: unreachable, never served.
        stored = cls(
            original_name=true_name(upload.name, content_type)[-255:],
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
            **owner,
        )
        stored.file.save(upload.name, upload, save=False)
        stored.save()
        return stored
