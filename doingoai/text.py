"""Text helpers shared by the apps."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

# Letters pasted from old pages in place of the Vietnamese Đ/đ (U+0110/U+0111): the Icelandic
# eth and the African D with tail look the same in most fonts but sort, search and compare
# as other letters.
LOOK_ALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ"})

# Invisible characters that change how the text around them is printed or compared: the
# direction marks, embeddings, overrides and isolates (U+200E-200F, U+202A-202E, U+2066-2069,
# U+061C), the zero-width space and the byte-order mark. Zero-width (non-)joiners stay: Khmer,
# Lao and emoji sequences need them.
_INVISIBLE = "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
# Control characters (C0, DEL, C1), lone surrogates and the invisible ones above. Tab and
# line feed are kept where the text may have lines; carriage returns become line feeds.
_REMOVED_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_INVISIBLE}]")
_REMOVED_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_INVISIBLE}]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` as the portal stores it: composed Unicode (NFC), the look-alikes of Đ/đ
    replaced by the Vietnamese letter, control and invisible direction characters removed.

    With `multiline`, tabs and line breaks are kept and every line break becomes "\\n"
    (Windows' "\\r\\n", old Mac "\\r", U+2028/2029); without it, they become one space each,
    as a single-line field shows them. Nothing is stripped at the ends: fields do that.
    Idempotent: clean_text(clean_text(x)) == clean_text(x). Used at every edge text crosses
    (requests, sheets, commands, model saves) so that comparisons and searches see one form.
    """
    value = _LINE_BREAKS.sub("\n", value)
    if multiline:
        value = _REMOVED_MULTILINE.sub("", value)
    else:
        value = _REMOVED_LINE.sub(lambda m: " " if m.group() in "\t\n" else "", value)
    return unicodedata.normalize("NFC", value.translate(LOOK_ALIKES))


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


# django-simple-history keeps the reason of a change in a 100-character column.
CHANGE_REASON_MAX = 100


def change_reason(text: str) -> str:
    """The reason of a history entry, cut to fit its column (the full text stays on the row:
    a return reason, a file name)."""
    text = _SPACES.sub(" ", clean_text(str(text))).strip()
    return text if len(text) <= CHANGE_REASON_MAX else text[: CHANGE_REASON_MAX - 1] + "…"
