"""Path converters of the portal's URLs, registered when this module is imported: every
URL module that uses one imports it first (once imported, registered once)."""

from __future__ import annotations

from django.urls import register_converter

from doingoai.forms import MAX_INTEGER


class IdConverter:
    """A database id in a URL: 1 to 10 ASCII digits, at most MAX_INTEGER. A longer number is
    a page that does not exist (404), not an integer the database cannot hold (SQLite raised
    OverflowError on twenty digits)."""

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_INTEGER:
            raise ValueError(value)  # Django then tries the next pattern, and answers 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
