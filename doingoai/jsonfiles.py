"""JSON files people write by hand (a reorganisation, a plan): what is wrong with one, said in
the portal's language."""

from __future__ import annotations

import json

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
