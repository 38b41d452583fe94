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


# django-simple-history keeps the reason of a change in a 100-character column.
CHANGE_REASON_MAX = 100


def change_reason(text: str) -> str:
    """The reason of a history entry, cut to fit its column (the full text stays on the row:
    a return reason, a file name)."""
    text = _SPACES.sub(" ", str(text).replace("\x00", "")).strip()
    return text if len(text) <= CHANGE_REASON_MAX else text[: CHANGE_REASON_MAX - 1] + "…"
