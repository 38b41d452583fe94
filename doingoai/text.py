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
