"""Agencies under their name as it was: `{% load agency_names %}`.

`{% agency_name activity.agency activity.start_date %}` writes the agency's short name in force
on that day (`full=True`: the full name), with a muted "(no longer in operation)" mark when the
agency has closed. `{% agency_today activity.agency activity.start_date lineage %}` writes the
agency that carries its work today, its name as it was beside it when that is another agency.

Both read the NameBook the context processor `agencies.context_processors.navigation` puts in
the context as `agency_names` (one query for the whole page, on first use); a context without
it (an e-mail, a template rendered alone) gets one NameBook for the whole render.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from agencies.models import Agency
from agencies.names import Lineage, NameBook

register = template.Library()

CONTEXT_KEY = "agency_names"


@register.filter
def last_day(first_day_out: date | None) -> date | None:
    """The last day of a span that ends with `first_day_out` (Agency.closed_on,
    Membership.ended_on: the first day no longer in operation or in force), for the pages
    that write "until <day>": a membership ended on 1/7/2025 is "until 30/06/2025". None
    stays None."""
    return first_day_out - timedelta(days=1) if first_day_out else first_day_out


def name_book(context: template.Context) -> NameBook:
    """The page's NameBook: the context's, or one made once for this render."""
    book = context.get(CONTEXT_KEY)
    if book is None:
        book = NameBook()
        context.dicts[0][CONTEXT_KEY] = book
    return book


def closed_mark(agency: Agency) -> SafeString:
    """The muted mark of an agency that no longer works (empty for one that works)."""
    if agency.closed_on is None or agency.closed_on > timezone.localdate():
        return mark_safe("")
    return format_html(
        ' <span class="text-muted small" title="{}">({})</span>',
        _("No longer in operation since %(date)s") % {"date": f"{agency.closed_on:%d/%m/%Y}"},
        _("no longer in operation"),
    )


@register.simple_tag(takes_context=True)
def agency_name(
    context: template.Context,
    agency: Agency | None,
    on: date | datetime | None = None,
    full: bool = False,
    mark: bool = True,
) -> SafeString:
    """The name `agency` bore on `on` (today when None), escaped; a closed agency gets its
    muted mark unless `mark` is False."""
    if agency is None:
        return mark_safe("")
    book = name_book(context)
    name = book.name(agency, on) if full else book.short_name(agency, on)
    return format_html("{}{}", name, closed_mark(agency) if mark else "")


@register.simple_tag(takes_context=True)
def agency_today(
    context: template.Context,
    agency: Agency | None,
    on: date | datetime | None,
    lineage: Lineage | None,
    full: bool = False,
) -> SafeString:
    """The agency carrying `agency`'s work today, with `agency`'s name on `on` beside it
    ("UBND phường X (formerly: UBND TP Vũng Tàu)"); `agency_name` when it carries its own work
    or `lineage` (which must know the agencies, Lineage.by_id) does not know the successor."""
    if agency is None:
        return mark_safe("")
    current = lineage.current_agency(agency) if lineage is not None else agency
    if current is None or current.pk == agency.pk:
        return agency_name(context, agency, on, full=full)
    book = name_book(context)
    then = book.name(agency, on) if full else book.short_name(agency, on)
    today = timezone.localdate()
    now = book.name(current, today) if full else book.short_name(current, today)
    return format_html(
        '{} <span class="text-muted small">({})</span>',
        now,
        _("formerly: %(name)s") % {"name": then},
    )
