"""Partner countries' days and the other dates the plan names: where each falls in a year,
the activities already planned around it, the upcoming ones, the iCalendar feed, and the
secret subscription links.

An activity counts as planned around an occurrence when
- its start date lies from `WINDOW_BEFORE` days before the date to `WINDOW_AFTER` days after;
- it is linked to the observance's country (ActivityCountry); for a day of no country
  (Vietnam's own days, Tết) it is of the kind that marks such a day instead: a New-Year
  visit for a New-Year visit, an event or ceremony for any other;
- its agency is in the monitoring scope, and it is either accepted (what the overview, the
  plan and the cell pages count: `Scope.activities()`, the member organisations under the
  Fatherland Front included) or one the user may read (`Activity.objects.visible_to`): a
  member also sees their agencies' drafts, submitted and returned activities (what is
  planned is usually not accepted yet), a reviewer what is submitted. Without a user (the
  overview's panel before it passes one) only accepted activities in scope count.

Each activity carries `readable`: whether the user may open it (a manager of the Front does
not read its member organisations' records), so that a page links only those titles, as the
plan's cell page does.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext
from icalendar import Calendar, Event, vDuration

from activities.models import Activity
from agencies.models import ActivityKind, User

from .models import CalendarFeed, Observance
from .params import year_in
from .scope import Scope, monitoring_scope

WINDOW_BEFORE = 30
WINDOW_AFTER = 7
# How many planned activities a page names beside a date (the others are counted and linked).
SHOWN_PER_DATE = 10
# A subscription token: its random bytes, its form, and how many of its first characters
# find the link (the rest is compared in constant time).
TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_TOKEN_SELECTOR = 12
# How often a subscribed calendar should read the feed again.
REFRESH = timedelta(days=1)
# The years a feed may ask for (a larger year is refused before any query); the page shows
# fewer (page_year, page_years).
FIRST_YEAR, LAST_YEAR = 1900, 2999
# The page's earliest ?year=; later than next year is refused too.
PAGE_FIRST_YEAR = 2000

# The kind of activity that marks a day of no country.
_COUNTRYLESS_KIND = {Observance.Kind.NEW_YEAR_VISIT: ActivityKind.NEW_YEAR_VISIT}
_DEFAULT_COUNTRYLESS_KIND = ActivityKind.EVENT


@dataclass
class Occurrence:
    """One observance on its date of a year. `ordinal`: which anniversary ("lần thứ N"),
    None when not numbered; `activities`: those planned around it (filled by `with_planned`),
    by start date; `days_left`: days from today (filled by `upcoming`)."""

    observance: Observance
    on: date
    ordinal: int | None = None
    activities: list[Activity] = field(default_factory=list)
    days_left: int | None = None

    @property
    def anchor(self) -> str:
        return f"occurrence-{self.observance.pk}-{self.on:%Y%m%d}"

    @cached_property
    def window(self) -> tuple[date, date]:
        return self.on - timedelta(days=WINDOW_BEFORE), self.on + timedelta(days=WINDOW_AFTER)

    @property
    def shown(self) -> list[Activity]:
        """The first `SHOWN_PER_DATE` activities, which a page names."""
        return self.activities[:SHOWN_PER_DATE]

    @property
    def not_shown(self) -> int:
        return max(0, len(self.activities) - SHOWN_PER_DATE)

    def list_url(self) -> str:
        """The activity list filtered to the window and the country (or kind): the
        activities taking place in the window, a few more than those starting in it."""
        start, end = self.window
        query = {"date_from": start.isoformat(), "date_to": end.isoformat()}
        if self.activity_kind is None:
            query["country"] = self.observance.country.code
        else:
            query["kind"] = self.activity_kind
        return f"{reverse('activities:list')}?{urlencode(query)}"

    @cached_property
    def activity_kind(self) -> str | None:
        """The kind an activity must have to count, None when its country decides."""
        if self.observance.country:
            return None
        return _COUNTRYLESS_KIND.get(self.observance.kind, _DEFAULT_COUNTRYLESS_KIND)

    def condition(self) -> Q:
        """The filter "planned around this occurrence" on the activities annotated by
        with_planned (`linked`: their link to a country of the dates)."""
        around = Q(start_date__range=self.window)
        if self.activity_kind is not None:
            return around & Q(kind=self.activity_kind)
        return around & Q(linked__country=self.observance.country.code)

    def matches(self, activity: Activity, countries: set[str]) -> bool:
        """`condition` in Python, on an activity linked to `countries` (codes)."""
        start, end = self.window
        if not start <= activity.start_date <= end:
            return False
        if self.activity_kind is not None:
            return activity.kind == self.activity_kind
        return self.observance.country.code in countries


def occurrences_between(start: date, end: date) -> list[Occurrence]:
    """The active observances' dates from `start` to `end` (both included), by date then
    title; a yearly observance once per year of the range. One query. Raises ValueError
    when `end` is before `start`."""
    if end < start:
        raise ValueError("end before start")
    found = []
    for observance in Observance.objects.between(start, end):
        for year in range(start.year, end.year + 1):
            on = observance.date_in(year)
            if on is not None and start <= on <= end:
                found.append(Occurrence(observance, on, observance.ordinal_in(year)))
    found.sort(key=lambda o: (o.on, o.observance.title, o.observance.pk))
    return found


def occurrences(year: int) -> list[Occurrence]:
    """The active observances' dates of `year` (see occurrences_between). One query."""
    return occurrences_between(date(year, 1, 1), date(year, 12, 31))


def page_year(value: str | None, today: date | None = None) -> tuple[int, str]:
    """The calendar page's year asked for in `?year=` and the message for a bad one:
    (year, "") when `value` is a year from PAGE_FIRST_YEAR to next year, (this year,
    message) otherwise; no value at all is this year without a message. Never raises."""
    this_year = (today or timezone.localdate()).year
    if value is None or value == "":
        return this_year, ""
    year = year_in(value, PAGE_FIRST_YEAR, this_year + 1)
    if year is None:
        message = gettext("“%(value)s” is not a year this page shows: showing %(year)d.") % {
            "value": value[:20],
            "year": this_year,
        }
        return this_year, message
    return year, ""


def page_years(year: int, today: date | None = None) -> list[int]:
    """The years the calendar page's selector offers: the last ten to next year, newest
    first, and the chosen `year` if older."""
    this_year = (today or timezone.localdate()).year
    years = list(range(this_year + 1, this_year - 10, -1))
    return years if year in years else [*years, year]


def readable_activities(scope: Scope, user: User | None) -> QuerySet[Activity]:
    """The activities that may be shown beside the dates: the accepted ones in `scope`
    (Scope.activities) and those `user` may read within it (drafts of their own agencies
    included), each annotated `readable` (bool: `user` may open it; always False without a
    user). No query of its own: the read rule is a subquery of the one query."""
    if user is None:
        return scope.activities().annotate(readable=Value(False))
    may_read = Exists(Activity.objects.visible_to(user).filter(pk=OuterRef("pk")))
    # The read rule's own conditions OR the accepted ones, not `readable` in the WHERE: an
    # EXISTS there is planned as a hashed sub-plan that reads every accepted activity of
    # the province (a sequential scan, ~60 ms at 100,000 activities) before the dates'
    # windows narrow anything. `readable` stays in the SELECT, checked row by row.
    return (Activity.objects.visible_to(user).filter(scope.q()) | scope.activities()).annotate(
        readable=may_read
    )


def with_planned(found: list[Occurrence], activities: QuerySet[Activity]) -> list[Occurrence]:
    """Fills each occurrence's `activities` with those of `activities` planned around it
    (module docstring), by start date, each marked `counted` (bool: accepted, so counted by
    the monitoring pages; a page shows the status of the others). One query whatever the
    rows, none when `found` is empty: the activities of the windows' whole range (an index
    range on start_date) joined to their links to the dates' countries, a row per activity
    and linked country."""
    if not found:
        return found
    codes = sorted({o.observance.country.code for o in found if o.activity_kind is None})
    condition = Q()
    for occurrence in found:
        condition |= occurrence.condition()
    first = min(o.window[0] for o in found)
    last = max(o.window[1] for o in found)
    if codes:
        activities = activities.annotate(
            linked=FilteredRelation("countries", condition=Q(countries__country__in=codes)),
            linked_country=F("linked__country"),
        )
    planned = (
        activities.filter(Q(start_date__range=(first, last)) & condition)
        .only("id", "title", "start_date", "kind", "status", "agency_id")
        .order_by("start_date", "pk")
    )
    rows: dict[int, Activity] = {}
    countries: dict[int, set[str]] = {}
    for activity in planned:
        rows.setdefault(activity.pk, activity)
        countries.setdefault(activity.pk, set()).add(getattr(activity, "linked_country", None))
    for pk, activity in rows.items():
        activity.counted = activity.status == Activity.Status.ACCEPTED
        for occurrence in found:
            if occurrence.matches(activity, countries[pk]):
                occurrence.activities.append(activity)
    return found


def calendar_year(scope: Scope, year: int, *, user: User | None = None) -> list[Occurrence]:
    """The occurrences of `year` with the activities planned around them in `scope` that
    `user` may see (readable_activities). Two queries: the observances, the activities (the
    user's rights, read by visible_to, are cached on the user)."""
    return with_planned(occurrences(year), readable_activities(scope, user))


def upcoming(
    scope: Scope, today: date | None = None, days: int = 30, *, user: User | None = None
) -> list[Occurrence]:
    """The occurrences from `today` (the local date when None) to `days` days later, across
    a new year, each with `days_left` (0 on the day) and the activities planned around it
    (calendar_year's rule; pass `user` to show what the user may read, drafts of their own
    agencies included; without it only accepted activities count). Two queries."""
    today = today or timezone.localdate()
    found = occurrences_between(today, today + timedelta(days=days))
    for occurrence in found:
        occurrence.days_left = (occurrence.on - today).days
    return with_planned(found, readable_activities(scope, user))


def by_month(found: list[Occurrence]) -> list[tuple[int, list[Occurrence]]]:
    """`found` (by date) grouped by month number: [(month, occurrences), …], months with
    none left out."""
    months: dict[int, list[Occurrence]] = {}
    for occurrence in found:
        months.setdefault(occurrence.on.month, []).append(occurrence)
    return sorted(months.items())


def summary(occurrence: Occurrence) -> str:
    """The occurrence's title, with "lần thứ N" when it is numbered."""
    title = occurrence.observance.title
    if occurrence.ordinal is None:
        return title
    return gettext("%(title)s (anniversary no. %(number)s)") % {
        "title": title,
        "number": occurrence.ordinal,
    }


def feed_host() -> str:
    """The host of SITE_URL, which makes the feed's UIDs unique to this portal."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def feed_occurrences(first_year: int, last_year: int) -> tuple[list[Occurrence], str]:
    """The occurrences of the years `first_year` to `last_year` (both included) and the
    feed's name: "… 2026" for one year, without a year for a subscription (this year and
    the next, so that in December a phone already shows next January's dates). One query.
    Raises ValueError when `last_year` is before `first_year`."""
    found = occurrences_between(date(first_year, 1, 1), date(last_year, 12, 31))
    if first_year == last_year:
        return found, gettext("Partner countries' days %(year)s") % {"year": first_year}
    return found, gettext("Partner countries' days")


def build_ics(found: list[Occurrence], name: str) -> bytes:
    """The iCalendar (RFC 5545) text of `found`, called `name` (X-WR-CALNAME): one all-day
    event per occurrence (DTEND the next day), a UID stable across downloads (observance,
    year, SITE_URL's host), the observance's last change as DTSTAMP, its source in the
    description; subscribed calendars are asked to refresh daily. No activity is named: the
    feed may be read through a subscription link. No query."""
    cal = Calendar()
    cal.add("prodid", "-//doingoai//Calendar of partner countries' days//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    # RFC 7986 and its Outlook forerunner: how often a subscribed calendar reads the feed.
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    host = feed_host()
    for occurrence in found:
        observance = occurrence.observance
        lines = [gettext("Source: %(source)s") % {"source": observance.source}]
        if observance.country:
            lines.insert(0, str(observance.country.name))
        if observance.notes:
            lines.append(observance.notes)
        event = Event()
        event.add("uid", f"observance-{observance.pk}-{occurrence.on.year}@{host}")
        event.add("dtstamp", observance.updated_at)
        event.add("dtstart", occurrence.on)
        event.add("dtend", occurrence.on + timedelta(days=1))
        event.add("summary", summary(occurrence))
        event.add("description", "\n".join(lines))
        event.add("categories", [str(observance.get_kind_display())])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


def new_token() -> str:
    """A random subscription token: 32 bytes (256 bits) in URL-safe base64, 43 characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def replace_feed_token(*, actor: User) -> CalendarFeed:
    """Gives `actor` a new secret subscription link (new_token);
    the former one, if any, stops working at once. Two queries and a write."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            user=actor, defaults={"token": new_token()}
        )
        if not created:
            feed.token = new_token()
            feed.created_at = timezone.now()
            feed.save(update_fields=["token", "created_at"])
    return feed


def feed_scope(token: str) -> Scope | None:
    """The monitoring scope of the user whose subscription link carries `token`, None when
    no link has it (never made, or replaced since), it is not of a link's form, or its user
    is inactive or monitors nothing any more (no membership in force). The link is looked up
    by the token's first characters and the whole compared in constant time, so that timing
    does not tell how much of a guess was right. One query, plus the scope's
    (monitoring_scope)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    candidates = CalendarFeed.objects.select_related("user").filter(
        token__startswith=token[:_TOKEN_SELECTOR]
    )
    for feed in candidates:
        if constant_time_compare(feed.token, token):
            return monitoring_scope(feed.user)
    return None
