"""Text helpers shared by the apps."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case `text` and strip Vietnamese diacritics, for accent-insensitive search.

    "Đoàn công tác Nhật Bản" and "doan cong tac nhat ban" fold to the same string. Stored in a
    column beside the original, it lets a plain LIKE search the same way on SQLite and
    PostgreSQL (neither needs an extension).
    """
    text = text.replace("đ", "d").replace("Đ", "D")
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
    text = _SPACES.sub(" ", str(text).replace("\x00", "")).strip()
    return text if len(text) <= CHANGE_REASON_MAX else text[: CHANGE_REASON_MAX - 1] + "…"
