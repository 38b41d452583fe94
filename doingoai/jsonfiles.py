"""JSON files people write by hand (a reorganisation, a plan): what is wrong with one, said in
the portal's language."""

from __future__ import annotations

import errno
import json
import sys
from typing import Any

from django.utils.translation import gettext as _


def json_error_text(exc: json.JSONDecodeError) -> str:
    """What Python's JSON decoder found wrong (its message is English: "Expecting property
    name enclosed in double quotes"), said in the portal's language; a message this does not
    know is given as a general one. The line and column are exc.lineno and exc.colno."""
    known = {
        "Expecting value": _("a value is expected (a text in double quotes, a number, …)"),
        "Expecting property name enclosed in double quotes": _(
            "a name in double quotes is expected (is there a comma too many, or single quotes?)"
        ),
        "Expecting ':' delimiter": _("a colon “:” is expected after the name"),
        "Expecting ',' delimiter": _("a comma “,” is expected between two items"),
        "Extra data": _("there is text after the end of the JSON object"),
        "Unterminated string starting at": _("a text in double quotes is not closed"),
        "Invalid control character at": _(
            "a text holds a line break or control character (write it as \\n)"
        ),
        "Invalid \\escape": _("a backslash “\\” starts an unknown escape"),
        "Invalid \\uXXXX escape": _("a backslash “\\u” is not followed by four hex digits"),
        "Illegal trailing comma before end of object": _("a comma too many before “}”"),
        "Illegal trailing comma before end of array": _("a comma too many before “]”"),
    }
    return known.get(exc.msg, _("the text cannot be read as JSON"))


# A hand-written plan or reorganisation nests five or six levels; Python's decoder recurses
# once per level and fails with RecursionError near a thousand.
MAX_DEPTH = 32


class JSONFileError(ValueError):
    """A file's content cannot be read as JSON; str(exc) says why, in the active language."""


def _too_deep(text: str) -> bool:
    """Whether lists and objects nest more than MAX_DEPTH levels (brackets inside strings do
    not count). One pass over the text."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_json_text(text: str | bytes) -> Any:
    """The value of a hand-written JSON file's content: bytes are decoded as UTF-8, and a
    UTF-8 byte order mark (as Windows Notepad writes) is accepted whether given as bytes or
    as text. Raises JSONFileError (a ValueError) saying in the active language what is wrong:
    not UTF-8; lists or objects nested more than MAX_DEPTH levels deep (checked before
    decoding, so the decoder never exhausts Python's recursion limit); not JSON, with the
    line and column (json_error_text)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JSONFileError(_("The file is not UTF-8 text.")) from None
    text = text.removeprefix("\ufeff")
    if _too_deep(text):
        raise JSONFileError(
            _(
                "The file nests lists or objects more than %(max)d levels deep: it is not a "
                "file of this kind."
            )
            % {"max": MAX_DEPTH}
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JSONFileError(
            _("The file is not valid JSON: line %(line)d, column %(column)d: %(error)s")
            % {"line": exc.lineno, "column": exc.colno, "error": json_error_text(exc)}
        ) from None
    except RecursionError:  # a nesting the scan above missed
        raise JSONFileError(
            _(
                "The file nests lists or objects more than %(max)d levels deep: it is not a "
                "file of this kind."
            )
            % {"max": MAX_DEPTH}
        ) from None


def os_error_text(exc: OSError) -> str:
    """Why a file could not be read or written, in the active language (the operating
    system's own message, exc.strerror, is English: "No such file or directory")."""
    known = {
        errno.ENOENT: _("the file or its folder does not exist"),
        errno.EACCES: _("permission denied"),
        errno.EPERM: _("permission denied"),
        errno.EISDIR: _("it is a folder, not a file"),
        errno.ENOTDIR: _("a part of the path is not a folder"),
        errno.ENOSPC: _("the disk is full"),
        errno.EROFS: _("the disk is read-only"),
        errno.ENAMETOOLONG: _("the name is too long"),
    }
    return known.get(exc.errno, _("the system refused it (error %(code)s)") % {"code": exc.errno})


def read_source(file: str) -> bytes | str:
    """The content of `file` as a command reads it ("-": standard input, as text), for
    parse_json_text. Raises JSONFileError naming the file and why, in the portal's language."""
    try:
        if file == "-":
            return sys.stdin.read()
        with open(file, "rb") as source:
            return source.read()
    except OSError as exc:
        raise JSONFileError(
            _("Cannot read “%(file)s”: %(error)s") % {"file": file, "error": os_error_text(exc)}
        ) from exc
