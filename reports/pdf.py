"""PDF rendering of the reports: the project's one entry point to WeasyPrint.

Nothing else in the project imports weasyprint. Keeping it here gives one place where the
security of the rendering is decided:

* WeasyPrint fetches every resource a document names — stylesheets, fonts, images, SVG
  references, CSS ``url()`` values, ``<link rel="attachment">`` and ``<a rel="attachment">``
  files — through its URL fetcher. The default one follows http(s), ftp, file and data URLs
  and redirects, so text that reaches the HTML unescaped by mistake could make the server
  request internal addresses (SSRF, e.g. 127.0.0.1 or 169.254.169.254) or copy local files
  (``file:///etc/passwd``) into the PDF.
* :func:`fetch_url` replaces it: it serves only regular files under the project's own
  ``static/`` folder (``settings.STATICFILES_DIRS[0]``), addressed as ``file://`` URLs,
  resolved (symlinks included) and refused when they end up outside that folder. Every
  other URL raises, and WeasyPrint logs and skips the resource. It never opens a socket.
* Attachments are dropped after layout, so a PDF never embeds a file, not even a static one.

Templates extend ``reports/pdf/base.html`` and get ``pdf_static``, the ``file://`` URL of
``static/`` ending in a slash (also the document's base URL, so relative references
resolve inside ``static/``); ``static/reports/pdf.css`` loads the shipped fonts relatively.

The ``doc`` dict (or object) read by the base template: ``issuer_parent``, ``issuer``,
``number`` ("" for an unissued draft), ``number_suffix``, ``place``, ``date`` (a
``datetime.date`` or None), ``year`` (used when ``date`` is None), ``title``, ``summary``,
``recipients`` (lines given whole, e.g. "- Lưu: VT, VP."), ``signer_authority`` (may be
empty), ``signer_title``, ``signer_name`` and ``draft``.

Keep the body to paragraphs and small tables: layout time grows with the document.

Scripts: ``pdf.css`` falls back from Liberation Serif (Latin, Vietnamese, Cyrillic) to
Debian's Noto fonts (Han and Hangul, Khmer, Lao, Thai), found through fontconfig and embedded
as subsets of the glyphs used. What still has no glyph is drawn as ``.notdef`` (an empty box)
and WeasyPrint logs a warning for it: :func:`notdef_characters` collects them during a
rendering, so a drafting can name them instead of printing blanks silently; what it cannot
read makes the check fail closed (:class:`NotdefLog`).
"""

from __future__ import annotations

import logging
import mimetypes
import re
import sys
import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from doingoai.text import clean_text

__all__ = [
    "NotdefLog",
    "RefusedURL",
    "bar_chart_svg",
    "fetch_url",
    "never_printable",
    "notdef_characters",
    "render_pdf",
    "static_base_url",
]


class RefusedURL(ValueError):
    """A resource the PDF renderer may not load."""


# ---------------------------------------------------------------------------- static files


def static_root() -> Path:
    """The only folder the renderer reads: the project's ``static/``, resolved."""
    entry = settings.STATICFILES_DIRS[0]
    if isinstance(entry, tuple | list):  # ("prefix", path) form
        entry = entry[1]
    return Path(entry).resolve()


def static_base_url() -> str:
    """``file://`` URL of :func:`static_root`, with a trailing slash."""
    return static_root().as_uri() + "/"


def _static_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise RefusedURL(f"only the project's static files are loaded, not {url!r}")
    if parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"file URL on another host: {url!r}")
    path = Path(url2pathname(parts.path))
    if not path.is_absolute():
        raise RefusedURL(f"not an absolute path: {url!r}")
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as exc:
        raise RefusedURL(f"no such static file: {url!r}") from exc
    if not resolved.is_relative_to(static_root()) or not resolved.is_file():
        raise RefusedURL(f"outside the static files: {url!r}")
    return resolved


def fetch_url(url: str) -> URLFetcherResponse:
    """Load ``url`` if it is a file under ``static/``; raise :class:`RefusedURL` otherwise."""
    path = _static_path(url)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return URLFetcherResponse(
        path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
    )


class _StaticFilesFetcher(URLFetcher):
    """WeasyPrint 70 wants a URLFetcher instance; this one only calls :func:`fetch_url`."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        return fetch_url(url)


# ---------------------------------------------------------------------------- rendering


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a template extending ``reports/pdf/base.html`` with `context` to PDF bytes,
    loading only static files (:func:`fetch_url`) and dropping attachments. Characters no
    font has are drawn blank and logged (:func:`notdef_characters` collects them). Raises
    whatever the template or WeasyPrint raises."""
    base_url = static_base_url()
    # As the portal stores text (clean_text), even what was written around the normaliser (an
    # old row, raw SQL): a direction override (U+202E) would print words reversed.
    html = clean_text(
        render_to_string(template_name, {**context, "pdf_static": base_url}), multiline=True
    )
    document = HTML(string=html, base_url=base_url, url_fetcher=_StaticFilesFetcher()).render()
    _drop_attachments(document)
    return document.write_pdf()


def _drop_attachments(document: Document) -> None:
    """Forget ``<link rel="attachment">`` files and ``<a rel="attachment">`` annotations."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


# ---------------------------------------------------------------------------- missing glyphs

# weasyprint/draw/text.py logs, for each glyph no font has:
#   LOGGER.warning('.notdef glyph rendered for Unicode string unsupported by fonts: '
#                  '"%s" (U+%04X)', chr(codepoint), codepoint)
# It logs on the "weasyprint" logger itself (weasyprint.logger.LOGGER), where the filter
# below reads it. The character is read from the formatted message's "U+XXXX", not from the
# record's args or thread: tests/reports/test_pdf_scripts.py renders an emoji to catch a version of
# WeasyPrint that words it otherwise, and a message about glyphs that cannot be read makes
# the check fail closed (NotdefLog.readable False).
_WEASYPRINT_LOGGER = logging.getLogger("weasyprint")
_GLYPH_WORDS = re.compile(r"notdef|glyph", re.IGNORECASE)
_CODEPOINT = re.compile(r"U\+([0-9A-F]{4,6})\b")


class NotdefLog:
    """What WeasyPrint said about missing glyphs during one :func:`notdef_characters` block.

    `characters`: each character it drew as ``.notdef``, e.g. {"😀"}. `readable`: False when
    it logged something about glyphs this module could not read (a new wording): then
    `characters` may be incomplete, and the rendering counts as not checked."""

    def __init__(self) -> None:
        self.characters: set[str] = set()
        self.readable = True

    def read(self, record: logging.LogRecord) -> None:
        """Add the characters a warning about glyphs names; mark the log unreadable if it
        names none, or cannot be formatted."""
        try:
            message = record.getMessage()
        except Exception:  # its args do not fit its format: nothing can be read from it
            self.readable = False
            return
        if not _GLYPH_WORDS.search(message):
            return
        codes = _CODEPOINT.findall(message)
        if not codes:
            self.readable = False
        for code in codes:
            value = int(code, 16)
            if value > sys.maxunicode:
                self.readable = False
            else:
                self.characters.add(chr(value))


# The block's log, for the records logged by the code it runs: a context variable, not the
# record's thread (logging.logThreads may be off), so two documents rendered at once in two
# threads (or tasks) keep their characters apart.
_current_log: ContextVar[NotdefLog | None] = ContextVar("notdef_log", default=None)


class _NotdefFilter(logging.Filter):
    """Installed on the weasyprint logger while a block runs: hands each record to the
    block's NotdefLog, then lets through only what the logger's own level would have let
    through, so the logging configuration (LOG_LEVEL=ERROR) sees what it always saw."""

    def __init__(self, shown_from: int) -> None:
        super().__init__()
        self.shown_from = shown_from

    def filter(self, record: logging.LogRecord) -> bool:
        log = _current_log.get()
        if log is not None and record.levelno >= logging.WARNING:
            log.read(record)
        return record.levelno >= self.shown_from


# The weasyprint logger's level and filter are shared by every thread: the first block in
# lowers the level to WARNING and installs the filter, the last one out puts both back.
_lock = threading.Lock()
_active = 0
_saved_level = logging.NOTSET
_filter: _NotdefFilter | None = None


@contextmanager
def notdef_characters() -> Iterator[NotdefLog]:
    """A :class:`NotdefLog` that fills, while the block runs, with what WeasyPrint says in
    this context about glyphs no font has.

    Side effects while any such block runs (in any thread): the ``weasyprint`` logger's level
    is lowered to WARNING if it was higher, so the warnings are made at all, and a filter on
    it drops again whatever the former level would have hidden. Both are undone when the
    last block ends, whatever it raised."""
    global _active, _saved_level, _filter
    with _lock:
        if _active == 0:
            _saved_level = _WEASYPRINT_LOGGER.level
            _filter = _NotdefFilter(_WEASYPRINT_LOGGER.getEffectiveLevel())
            _WEASYPRINT_LOGGER.addFilter(_filter)
            if _filter.shown_from > logging.WARNING:
                _WEASYPRINT_LOGGER.setLevel(logging.WARNING)
        _active += 1
    log = NotdefLog()
    # A logger switched off (logging.disable, a dictConfig that disables it) makes no record.
    if _WEASYPRINT_LOGGER.disabled or logging.root.manager.disable >= logging.WARNING:
        log.readable = False
    token = _current_log.set(log)
    try:
        yield log
    finally:
        _current_log.reset(token)
        with _lock:
            _active -= 1
            if _active == 0:
                _WEASYPRINT_LOGGER.removeFilter(_filter)
                _WEASYPRINT_LOGGER.setLevel(_saved_level)
                _filter = None


# Private use (Co: its picture depends on whichever font claims it) and unassigned (Cn)
# code points mean nothing a reader can rely on, whatever a font happens to draw.
NEVER_PRINTABLE_CATEGORIES = frozenset({"Co", "Cn"})


def never_printable(text: str) -> set[str]:
    """The characters of `text` no PDF can show reliably: private-use and unassigned code
    points (Unicode categories Co and Cn), whatever the installed fonts."""
    return {c for c in set(text) if unicodedata.category(c) in NEVER_PRINTABLE_CATEGORIES}


# ---------------------------------------------------------------------------- charts

_ROW_MM = 6.5
_BAR_MM = 4.2
_FONT_MM = 3.9  # 11 pt
_LABEL_SHARE = 0.42
_VALUE_MM = 16.0
_GAP_MM = 2.0
_LABEL_CHARS = 32


def _mm(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _number(value: int) -> str:
    with translation.override("vi"):  # the document is Vietnamese: 1.234
        return number_format(value, force_grouping=True)


def _short(label: str) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1].rstrip() + "…"


def bar_chart_svg(
    items: Sequence[tuple[str, int]], *, width_mm: float = 150, title: str | None = None
) -> SafeString:
    """A horizontal bar chart as inline SVG (no script), e.g. activities by kind.

    Meant for up to ~15 bars; values are counts (0 allowed, negative refused). Labels and
    title are escaped; long labels are shortened.
    """
    if any(value < 0 for _, value in items):
        raise ValueError("bar_chart_svg draws counts: values must be >= 0")
    label_mm = width_mm * _LABEL_SHARE
    bar_x = label_mm + _GAP_MM
    bar_span = max(width_mm - bar_x - _VALUE_MM, 1.0)
    peak = max((value for _, value in items), default=0)
    height = _ROW_MM * max(len(items), 1)

    rows = []
    for index, (label, value) in enumerate(items):
        top = index * _ROW_MM + (_ROW_MM - _BAR_MM) / 2
        baseline = top + _BAR_MM / 2 + _FONT_MM * 0.35
        length = bar_span * value / peak if peak else 0.0
        rows.append(
            (
                _mm(label_mm),
                _mm(baseline),
                _short(label),
                _mm(bar_x),
                _mm(top),
                _mm(length),
                _mm(_BAR_MM),
                _mm(bar_x + length + 1.2),
                _mm(baseline),
                _number(value),
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#555"/>'
        '<text x="{}" y="{}">{}</text>',
        rows,
    )
    svg = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm"'
        ' viewBox="0 0 {w} {h}" font-family="Liberation Serif" font-size="{f}">'
        '<line x1="{x}" y1="0" x2="{x}" y2="{h}" stroke="#000" stroke-width="0.2"/>{body}</svg>',
        w=_mm(width_mm),
        h=_mm(height),
        f=_mm(_FONT_MM),
        x=_mm(bar_x),
        body=body,
    )
    caption = format_html('<p class="chart-title">{}</p>', title) if title else ""
    return format_html('<div class="svg-chart">{}{}</div>', caption, svg)
