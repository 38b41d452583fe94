"""Text helpers shared by the apps."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

from django.core.validators import MaxLengthValidator
from django.db import models

_SPACES = re.compile(r"\s+")

# Letters pasted from old pages in place of the Vietnamese Đ/đ (U+0110/U+0111): the Icelandic
# eth and the African D with tail look the same in most fonts but sort, search and compare
# as other letters.
LOOK_ALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ"})
# A D or d with a combining stroke overlay (U+0335 short, U+0336 long), as some old input
# methods and fonts without Đ typed it.
_STROKED_D = re.compile("([Dd])[\u0335\u0336]")

# Zero-width (non-)joiners are format characters that stay: Khmer, Lao, Persian and emoji
# sequences need them.
_KEPT_FORMAT = {0x200C, 0x200D}


def _format_characters(*, astral: bool) -> str:
    # Every format character (category Cf) of the first plane, or of the others (`astral`),
    # as regex ranges read from Python's own Unicode tables. Two classes: one holding astral
    # ranges makes re test every character some three times slower.
    planes = (range(0x10000, 0x20000), range(0xE0000, 0xE1000)) if astral else (range(0x10000),)
    codes = [
        code
        for plane in planes
        for code in plane
        if unicodedata.category(chr(code)) == "Cf" and code not in _KEPT_FORMAT
    ]
    ranges, start = [], None
    for previous, code in zip([None, *codes], codes, strict=False):
        if previous is None or code != previous + 1:
            if start is not None:
                ranges.append((start, previous))
            start = code
    ranges.append((start, codes[-1]))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


class _Removed(NamedTuple):
    line: re.Pattern  # what clean_text removes from any text
    line_or_blank: re.Pattern  # the same, tab and line feed too
    astral: re.Pattern  # what it removes beyond the first plane (group 1: what it keeps)


@functools.cache
def _removed() -> _Removed:
    """The patterns of what clean_text removes, built on first use: reading the format
    characters from Python's Unicode tables scans 200,000 code points (some 17 ms), which no
    process that never cleans a text (a worker, a command) should pay at import."""
    # Invisible characters that change how the text around them is printed or compared:
    # every format character but the joiners (the direction marks, embeddings, overrides and
    # isolates, the zero-width space, the word joiner, the soft hyphen Word pastes into long
    # words, the byte-order mark, the deprecated U+206A-206F, the Mongolian vowel separator,
    # the interlinear annotations, the tag characters), the combining grapheme joiner U+034F
    # (it keeps "a" and a combining grave from composing into "à") and the Hangul fillers,
    # blank letters that pass for a space (U+115F, U+1160, U+3164, U+FFA0).
    invisible = _format_characters(astral=False) + "\u034f\u115f\u1160\u3164\uffa0"
    # Control characters (C0, DEL, C1 but tab and line feed), lone surrogates and the
    # invisible ones above; line breaks are first made line feeds.
    controls = f"\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff{invisible}"
    # The invisible characters beyond the first plane (tags, musical and hieroglyph format
    # controls), looked for only in a text that has a character there (an emoji, a rare Han
    # character). A flag of a subdivision (Scotland: a black flag, tag letters, a cancel
    # tag) is the one use of tag characters to keep whole.
    return _Removed(
        line=re.compile(f"[{controls}]"),
        line_or_blank=re.compile(f"[\\t\\n{controls}]"),
        astral=re.compile(
            f"(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)|[{_format_characters(astral=True)}]"
        ),
    )


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
# The spaces of Unicode other than the plain one (category Zs: no-break, narrow no-break,
# ideographic, en, em, thin…): the same word with one of them in it would be another word to
# a comparison or a unique name. A single line makes them spaces with every other blank.
_OTHER_SPACES = [0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]
_MAP = {**LOOK_ALIKES, **dict.fromkeys(_OTHER_SPACES, " ")}
_MAPPED = re.compile(f"[{''.join(map(chr, _MAP))}]")
_MAPPED_LINE = re.compile(f"[{''.join(map(chr, LOOK_ALIKES))}]")


def _kept(match: re.Match) -> str:
    return match.group(1) or ""


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` as the portal stores it: composed Unicode (NFC), the look-alikes of Đ/đ
    replaced by the Vietnamese letter, control and invisible characters removed (every
    format character but the zero-width joiners and a subdivision flag's tags), every
    space of Unicode a plain space.

    With `multiline`, tabs and line breaks are kept and every line break becomes "\\n"
    (Windows' "\\r\\n", old Mac "\\r", U+2028/2029); without it, every run of blanks (tabs
    and line breaks included) becomes one space, as a single-line field shows it. Nothing is
    stripped at the ends: fields do that. Idempotent: clean_text(clean_text(x)) ==
    clean_text(x). Used at every edge text crosses (requests, sheets, commands, model saves)
    so that comparisons and searches see one form.
    """
    # Each step scans for what it changes and rewrites only a text that has it: most have
    # nothing to change, and a 20,000-character description costs a millisecond.
    removed = _removed()
    value = removed.line.sub("", _LINE_BREAKS.sub("\n", value))
    if _ASTRAL.search(value):
        value = removed.astral.sub(_kept, value)
    if not multiline:
        value = _SPACES.sub(" ", value)
    if (_MAPPED if multiline else _MAPPED_LINE).search(value):
        value = value.translate(_MAP)
    if "\u0335" in value or "\u0336" in value:
        value = _STROKED_D.sub(lambda match: "Đ" if match.group(1) == "D" else "đ", value)
    return unicodedata.normalize("NFC", value)


def has_control_characters(value: str) -> bool:
    """Whether `value` holds a character clean_text removes from a single line (a control,
    an invisible direction character, a lone surrogate) or a line break: no address, code or
    id of the portal has one, so a path that does is no page."""
    return bool(_removed().line_or_blank.search(value) or _LINE_BREAKS.search(value))


def fold(text: str) -> str:
    """Lower-case `text` and strip Vietnamese diacritics, for accent-insensitive search.

    "Đoàn công tác Nhật Bản" and "doan cong tac nhat ban" fold to the same string, and so do
    the same words typed decomposed, with a look-alike Ð or an invisible control inside.
    Stored in a column beside the original, it lets a plain LIKE search the same way on
    SQLite and PostgreSQL (neither needs an extension).
    """
    text = clean_text(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


# What a search box is read up to: enough for any title, and far below SQLite's limit on a
# LIKE pattern (50,000 bytes), past which a pasted page was a server error.
SEARCH_MAX_CHARS = 200
SEARCH_MAX_TERMS = 10


def search_terms(query: str) -> list[str]:
    """The folded words of a search box, each to be found in the search column: at most
    SEARCH_MAX_TERMS words of the first SEARCH_MAX_CHARS characters (the rest is ignored)."""
    return fold(query[:SEARCH_MAX_CHARS]).split()[:SEARCH_MAX_TERMS]


# The longest free text one field keeps: a description or outcome of an activity, a message,
# what an agency writes in its report, a section of the province's report. 20,000 characters
# are some eight A4 pages, many times the longest such text in the province's records; more
# belongs in an attached file. A PostgreSQL text column takes anything: the limit is ours.
TEXT_MAX_CHARS = 20_000
# A paragraph or two: the title of a plan or a decision.
PARAGRAPH_MAX_CHARS = 2_000
# A reason for returning a record: a reviewer may list every correction an agency has to
# make, some four A4 pages; still far from a report's own texts.
REASON_MAX_CHARS = 10_000


def text_limit(limit: int) -> dict:
    """The keyword arguments that limit a TextField to `limit` characters: `max_length`,
    which its form fields, the admin and the import read, and the validator that makes
    full_clean enforce it too (a TextField's max_length alone does not)."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}


# django-simple-history keeps the reason of a change in a 100-character column.
CHANGE_REASON_MAX = 100


def change_reason(text: str) -> str:
    """The reason of a history entry, cut to fit its column (the full text stays on the row:
    a return reason, a file name)."""
    text = _SPACES.sub(" ", clean_text(str(text))).strip()
    return text if len(text) <= CHANGE_REASON_MAX else text[: CHANGE_REASON_MAX - 1] + "…"


def text_columns(model: type[models.Model]) -> list[tuple[str, bool]]:
    """(attribute name, multiline) of each text column of `model` as the portal cleans it: a
    CharField on one line, a TextField with its line breaks; a password hash never."""
    return [
        (field.attname, isinstance(field, models.TextField))
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and field.name != "password"
    ]
