"""The calendar page (/monitoring/calendar/), its iCalendar feed (/monitoring/calendar.ics,
signed in or through a subscription link) and the upcoming-dates panel, from both sides of
the monitoring rule, with their query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from agencies.models import User
from monitoring import observances
from monitoring.models import CalendarFeed, Observance
from monitoring.scope import Scope, monitoring_scope
from tests.factories import make_activity, make_user

pytestmark = pytest.mark.django_db

PAGE = reverse("monitoring:calendar")
ICS = reverse("monitoring:calendar_ics")


def lao_activity(actor, title: str, *, start: date = date(2026, 11, 20), **fields):
    return make_activity(
        actor, countries=["LA"], start_date=start, end_date=start, title=title, **fields
    )


def more_observances(count: int) -> None:
    Observance.objects.bulk_create(
        Observance(
            title=f"Ngày thử {n}", country="LA", kind="other", month=1 + n % 12, day=1 + n % 28,
            source="Thử nghiệm",
        )
        for n in range(count)
    )  # fmt: skip


def of_lao(found: list[observances.Occurrence]) -> list:
    """The activities planned around Laos' National Day among `found`."""
    return [
        a for o in found if o.observance.title == "Quốc khánh nước CHDCND Lào" for a in o.activities
    ]


def parse(response) -> Calendar:
    return parse_bytes(
        b"".join(response.streaming_content) if response.streaming else response.content
    )


def parse_bytes(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def row_of(body: str, observance: Observance, on: str = "20261202") -> str:
    """The page's item of `observance` on `on` (YYYYMMDD), up to the next date's."""
    item = body.split(f'id="occurrence-{observance.pk}-{on}"')[1]
    return item.split('<li id="occurrence-')[0].split("</section>")[0]


# ---------------------------------------------------------------------------- the page


def test_a_leader_sees_every_agencys_accepted_activities_around_the_dates(
    client, staff, reviewer, leader
):
    accepted = lao_activity(
        staff, "Giao lưu hữu nghị với Lào", status="accepted", reviewer=reviewer
    )
    lao_activity(staff, "Nháp chưa gửi")
    client.force_login(leader)
    response = client.get(PAGE, {"year": 2026})
    assert response.status_code == 200
    body = response.content.decode()
    lao = Observance.objects.get(title="Quốc khánh nước CHDCND Lào")
    assert f'id="occurrence-{lao.pk}-20261202"' in body
    assert accepted.get_absolute_url() in body and "Nháp chưa gửi" not in body
    assert lao.source in body
    assert 'data-testid="calendar-ics"' in body and f"{ICS}?year=2026" in body
    row = response.context["months"][-1][1]
    assert [a.pk for o in row if o.observance == lao for a in o.activities] == [accepted.pk]


def test_a_staff_member_sees_their_own_drafts_and_a_manager_not_the_department(
    client, staff, manager
):
    draft = lao_activity(staff, "Kế hoạch đón đoàn Lào")
    client.force_login(staff)
    assert draft.get_absolute_url() in client.get(PAGE, {"year": 2026}).content.decode()
    client.force_login(manager)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    assert draft.get_absolute_url() not in body and "Kế hoạch đón đoàn Lào" not in body


def test_a_draft_beside_the_dates_shows_its_status_and_an_accepted_activity_none(
    client, staff, reviewer
):
    draft = lao_activity(staff, "Kế hoạch đón đoàn Lào")
    lao_activity(staff, "Giao lưu hữu nghị với Lào", status="accepted", reviewer=reviewer)
    client.force_login(staff)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    lao = Observance.objects.get(title="Quốc khánh nước CHDCND Lào")
    row = row_of(body, lao)
    assert row.count('class="badge') == 1
    assert f'class="badge text-bg-{draft.status_badge}">{draft.get_status_display()}<' in row


def test_the_fronts_manager_sees_its_member_organisations_accepted_activities_unlinked(
    client, reviewer
):
    """The Fatherland Front's scope holds its member organisations (HLHPN under UBMTTQ): the
    calendar and the panel count their accepted activities, as the overview and the plan
    do, naming them without a link (the Front's manager does not read their records); the
    Front's own draft is linked; the member organisation's draft is not there at all."""
    front = make_user("mttq", "UBMTTQ", "manager")
    women = make_user("hlhpn", "HLHPN", "staff")
    own = lao_activity(front, "Nháp của Mặt trận", agency="UBMTTQ")
    member = lao_activity(
        women, "Hội LHPN đón đoàn Lào", agency="HLHPN", status="accepted", reviewer=reviewer
    )
    lao_activity(women, "Nháp của Hội LHPN", agency="HLHPN")
    client.force_login(front)
    response = client.get(PAGE, {"year": 2026})
    lao = Observance.objects.get(title="Quốc khánh nước CHDCND Lào")
    card = row_of(response.content.decode(), lao)
    assert own.get_absolute_url() in card
    assert "Hội LHPN đón đoàn Lào" in card and member.get_absolute_url() not in card
    assert '<span data-testid="not-linked">Hội LHPN đón đoàn Lào</span>' in card
    assert "Nháp của Hội LHPN" not in card
    scope = monitoring_scope(front)
    assert {a.pk for a in of_lao(observances.calendar_year(scope, 2026, user=front))} == {
        own.pk,
        member.pk,
    }
    soon = observances.upcoming(scope, date(2026, 11, 25), user=front)
    assert {(a.pk, a.readable) for a in of_lao(soon)} == {(own.pk, True), (member.pk, False)}
    assert set(of_lao(soon)) == set(scope.activities().filter(pk=member.pk)) | {own}


def test_an_outsider_gets_404_and_anonymous_users_the_login_page(client, outsider):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE).status_code == 404
    assert not CalendarFeed.objects.exists()


def bad_year_message(value: str) -> str:
    """The overview's message for a year it does not show, in the page's language."""
    with translation.override("vi"):
        return translation.gettext(
            "“%(value)s” is not a year this page shows: showing %(year)d."
        ) % {"value": value[:20], "year": date.today().year}


@pytest.mark.parametrize(
    "year", ["abc", "0", "1999", "99999", "-5", "2026.5", "9" * 5000, "next year"]
)
def test_a_bad_year_shows_this_year_with_the_overviews_message(client, leader, year):
    client.force_login(leader)
    response = client.get(PAGE, {"year": year})
    assert response.status_code == 200
    assert response.context["year"] == date.today().year
    assert response.context["year_error"] == bad_year_message(year)
    assert 'data-testid="year-error"' in response.content.decode()


def test_a_year_after_next_year_is_refused_on_the_page_but_served_as_a_feed(client, leader):
    later = str(date.today().year + 2)
    client.force_login(leader)
    assert client.get(PAGE, {"year": later}).context["year_error"] == bad_year_message(later)
    response = client.get(ICS, {"year": later})
    assert f'filename="lich-ngay-le-{later}.ics"' in response["Content-Disposition"]


def test_the_year_is_chosen_in_a_list_and_the_links_stop_at_its_ends(client, leader):
    this = date.today().year
    client.force_login(leader)
    response = client.get(PAGE)
    assert response.context["years"] == list(range(this + 1, this - 10, -1))
    body = response.content.decode()
    assert '<select id="calendar-year" name="year"' in body and 'type="number"' not in body
    assert f'<option value="{this}" selected>' in body
    last = client.get(PAGE, {"year": this + 1}).content.decode()
    assert 'data-testid="next-year"' not in last and 'data-testid="previous-year"' in last
    first = client.get(PAGE, {"year": 2000})
    assert first.context["years"][-1] == 2000  # an older year asked for is offered too
    assert 'data-testid="previous-year"' not in first.content.decode()
    assert 'data-testid="next-year"' in first.content.decode()


def test_the_buttons_forms_and_subscription_do_not_print(client, leader):
    client.force_login(leader)
    body = client.get(PAGE).content.decode()
    tools = body.split('<div class="d-flex gap-2 align-items-center flex-wrap d-print-none">')[1]
    tools = tools.split('<p class="text-muted small">')[0]
    for part in ('data-testid="previous-year"', "<form", "<select", 'data-testid="calendar-ics"'):
        assert part in tools
    assert '<section id="subscription" class="card mt-4 d-print-none"' in body


def test_on_a_phone_each_date_is_a_card_with_its_activities_and_source_labelled(
    client, staff, reviewer, leader
):
    """No table wider than the phone: a month is a list whose items stack date and name,
    then the planned activities and the source, each under a label seen below the md
    breakpoint (and heard from it, where a header row shows the labels instead)."""
    lao_activity(staff, "Đón đoàn Lào", status="accepted", reviewer=reviewer)
    client.force_login(leader)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    assert "<table" not in body and "min-width" not in body
    lao = Observance.objects.get(title="Quốc khánh nước CHDCND Lào")
    card = row_of(body, lao)
    with translation.override("vi"):
        for label in ("Activities planned", "Source"):
            shown = translation.gettext(label)
            assert f'text-body-secondary d-md-none">{shown}</div>' in card
            assert f'<span class="visually-hidden d-none d-md-inline">{shown}: </span>' in card
    assert '<time datetime="2026-12-02">02/12</time>' in card
    assert card.index("Đón đoàn Lào") < card.index(lao.source)


def test_the_page_reads_a_fixed_number_of_queries(client, staff, reviewer, leader):
    client.force_login(leader)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE, {"year": 2026}).status_code == 200
        return len(queries)

    # session, user, the user's rights (read once for the scope and the visibility), the
    # observances, the planned activities with their links to the dates' countries, the
    # user's subscription link; and what every page reads: the bell's unread count, the
    # menu's memberships, the footer's plan.
    small = count()  # no activity planned around any date
    for n in range(2):
        lao_activity(staff, f"Hoạt động {n}", status="accepted", reviewer=reviewer)
    assert count() == small
    for n in range(18):
        lao_activity(staff, f"Thêm {n}", status="accepted", reviewer=reviewer)
    more_observances(200)
    assert count() == small
    assert small == 9, small


def test_the_fronts_page_reads_a_fixed_number_of_queries(client, reviewer):
    front = make_user("mttq", "UBMTTQ", "manager")
    women = make_user("hlhpn", "HLHPN", "staff")
    client.force_login(front)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE, {"year": 2026}).status_code == 200
        return len(queries)

    # as the leader's page, and the agency tree for the Front's scope (the member
    # organisations): whether the user may open each activity is a subquery of the one
    # query of the planned activities, never a query per activity.
    small = count()
    for n in range(2):
        lao_activity(women, f"Hội {n}", agency="HLHPN", status="accepted", reviewer=reviewer)
        lao_activity(front, f"Mặt trận {n}", agency="UBMTTQ")
    assert count() == small
    for n in range(18):
        lao_activity(women, f"Thêm {n}", agency="HLHPN", status="accepted", reviewer=reviewer)
        lao_activity(front, f"Nháp {n}", agency="UBMTTQ")
    assert count() == small
    assert small == 10, small


# ---------------------------------------------------------------------------- the feed


def test_the_feed_has_one_all_day_event_per_date_without_activities(
    client, staff, reviewer, settings
):
    settings.SITE_URL = "https://doingoai.example.vn"
    lao_activity(staff, "Tên hoạt động bí mật", status="accepted", reviewer=reviewer)
    client.force_login(staff)
    response = client.get(ICS, {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="lich-ngay-le-2026.ics"' in response["Content-Disposition"]
    assert "Tên hoạt động bí mật" not in response.content.decode()
    cal = parse(response)
    assert str(cal["VERSION"]) == "2.0" and str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Ho_Chi_Minh" and cal["PRODID"]
    assert cal["X-WR-CALNAME"]
    events = list(cal.walk("VEVENT"))
    expected = observances.occurrences(2026)
    assert len(events) == len(expected) == 19
    lao = Observance.objects.get(title="Quốc khánh nước CHDCND Lào")
    event = next(
        e for e in events if str(e["UID"]) == f"observance-{lao.pk}-2026@doingoai.example.vn"
    )
    assert event.decoded("DTSTART") == date(2026, 12, 2)
    assert event.decoded("DTEND") == date(2026, 12, 3)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert "51" in str(event["SUMMARY"]) and lao.title in str(event["SUMMARY"])
    assert lao.source in str(event["DESCRIPTION"])
    assert event["DTSTAMP"] and event.get("CATEGORIES")
    # The same UID on the next download: a subscribed calendar updates, it does not duplicate.
    again = parse(client.get(ICS, {"year": 2026}))
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == {str(e["UID"]) for e in events}


def test_the_feed_escapes_and_folds_a_long_name_with_commas_and_semicolons(client, leader):
    title = "Ngày hữu nghị, giao lưu; " + "rất dài và có dấu tiếng Việt " * 6
    Observance.objects.create(
        title=title, country="LA", kind="other", month=3, day=1, source="Nguồn, thử; nghiệm"
    )
    client.force_login(leader)
    body = client.get(ICS, {"year": 2026}).content
    # RFC 5545 3.1: lines end in CRLF and are folded at 75 octets, not characters.
    assert body.endswith(b"\r\n")
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    assert "Ngày hữu nghị\\, giao lưu\\; " in body.replace(b"\r\n ", b"").decode()
    event = next(e for e in parse_bytes(body).walk("VEVENT") if e.decoded("DTSTART").month == 3)
    assert str(event["SUMMARY"]) == title
    assert "Nguồn, thử; nghiệm" in str(event["DESCRIPTION"])


@pytest.mark.parametrize("query", [{"year": "2026"}, {}])
def test_the_feed_asks_for_a_daily_refresh_as_rfc_5545_durations(client, staff, query):
    """REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL (Outlook) are DURATION values, "P1D"
    on the wire (RFC 5545 3.3.6), never Python's "1 day, 0:00:00"."""
    client.force_login(staff)
    raw = client.get(ICS, query).content
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:P1D\r\n" in raw
    assert b"\r\nX-PUBLISHED-TTL:P1D\r\n" in raw
    assert b"1 day" not in raw and b"0:00:00" not in raw


def test_a_subscription_without_a_year_reaches_into_next_year(client, staff):
    """A subscribed calendar keeps the link without ?year=: in December it must already
    show next January's dates (Cuba's National Day on 1/1), and be refreshed daily."""
    token = observances.replace_feed_token(actor=staff).token
    this = timezone.localdate().year
    response = client.get(ICS, {"token": token})
    assert response.status_code == 200
    assert f'filename="lich-ngay-le-{this}-{this + 1}.ics"' in response["Content-Disposition"]
    body = response.content.decode().replace("\r\n ", "")
    assert "REFRESH-INTERVAL;VALUE=DURATION:P1D" in body and "X-PUBLISHED-TTL:P1D" in body
    cal = parse(response)
    with translation.override("vi"):
        assert str(cal["X-WR-CALNAME"]) == translation.gettext("Partner countries' days")
    starts = [e.decoded("DTSTART") for e in cal.walk("VEVENT")]
    assert date(this, 1, 1) in starts and date(this + 1, 1, 1) in starts
    assert len(starts) == len(observances.occurrences(this)) + len(
        observances.occurrences(this + 1)
    )
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    # The same events as the year's download, under the same UIDs.
    one_year = parse(client.get(ICS, {"token": token, "year": this}))
    year_uids = {str(e["UID"]) for e in one_year.walk("VEVENT")}
    assert year_uids < set(uids)


@pytest.mark.parametrize(
    "token",
    ["\x00abc", "a" * 100_000, "ä" * 43, "' OR 1=1 --", "%", "a" * 43, " "],
)
def test_a_malformed_or_unknown_link_answers_404_never_an_error(client, staff, token):
    observances.replace_feed_token(actor=staff)
    assert client.get(ICS, {"token": token}).status_code == 404


def test_a_repeated_token_or_year_uses_the_last_one(client, staff):
    token = observances.replace_feed_token(actor=staff).token
    assert client.get(f"{ICS}?token=junk&token={token}&year=2027").status_code == 200
    assert client.get(f"{ICS}?token={token}&token=junk").status_code == 404
    response = client.get(f"{ICS}?token={token}&year=2027&year=abc")
    assert response.status_code == 200


def test_the_feed_of_another_year_and_a_bad_year(client, leader):
    client.force_login(leader)
    events = list(parse(client.get(ICS, {"year": 2027})).walk("VEVENT"))
    tet = [e.decoded("DTSTART") for e in events if e.decoded("DTSTART").month == 2]
    assert date(2027, 2, 6) in tet and date(2026, 2, 17) not in tet
    for bad in ("abc", "9" * 5000, "-1"):
        response = client.get(ICS, {"year": bad})
        assert response.status_code == 200
        this = timezone.localdate().year
        assert f"lich-ngay-le-{this}.ics" in response["Content-Disposition"]


def test_the_feed_needs_a_session_or_a_valid_link(client, outsider):
    response = client.get(ICS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(ICS, {"token": "not-a-token"}).status_code == 404
    assert client.get(ICS, {"token": ""}).status_code == 404
    client.force_login(outsider)
    assert client.get(ICS).status_code == 404


def test_a_subscription_link_opens_the_feed_without_signing_in_until_replaced(client, staff):
    old = observances.replace_feed_token(actor=staff).token
    response = client.get(ICS, {"token": old, "year": 2026})
    assert response.status_code == 200 and len(list(parse(response).walk("VEVENT"))) == 19
    new = observances.replace_feed_token(actor=staff).token
    assert client.get(ICS, {"token": old}).status_code == 404
    assert client.get(ICS, {"token": new}).status_code == 200


def test_a_link_of_an_inactive_user_or_of_one_who_monitors_nothing_is_refused(
    client, staff, outsider
):
    token = observances.replace_feed_token(actor=staff).token
    staff.is_active = False
    staff.save()
    assert client.get(ICS, {"token": token}).status_code == 404
    assert (
        client.get(ICS, {"token": observances.replace_feed_token(actor=outsider).token}).status_code
        == 404
    )


def test_the_feed_reads_a_fixed_number_of_queries(client, staff, reviewer):
    token = observances.replace_feed_token(actor=staff).token
    lao_activity(staff, "Một", status="accepted", reviewer=reviewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ICS, {"token": token, "year": 2026}).status_code == 200
        return len(queries)

    # the link with its user, the user's rights, the agency tree (a partial scope), the
    # observances; no activity is read.
    small = count()
    for n in range(10):
        lao_activity(staff, f"Thêm {n}", status="accepted", reviewer=reviewer)
    more_observances(200)
    assert count() == small
    assert small == 4, small


# ---------------------------------------------------------------------------- the link


def test_a_user_makes_a_link_and_replaces_it_only_after_confirming(client, staff):
    client.force_login(staff)
    response = client.post(PAGE)
    assert response.status_code == 302 and response["Location"].endswith("#subscription")
    first = CalendarFeed.objects.get(user=staff).token
    page = client.get(PAGE)
    body = page.content.decode()
    assert f"{ICS}?token={first}" in body and 'data-testid="feed-url"' in body
    assert "no-store" in page["Cache-Control"]
    client.post(PAGE)  # no confirmation: nothing changes
    assert CalendarFeed.objects.get(user=staff).token == first
    client.post(PAGE, {"confirm": "yes"})
    second = CalendarFeed.objects.get(user=staff).token
    assert second != first
    assert client.get(ICS, {"token": first}).status_code == 404


def test_a_user_never_sees_another_users_link(client, staff, leader):
    theirs = observances.replace_feed_token(actor=staff).token
    client.force_login(leader)
    body = client.get(PAGE).content.decode()
    assert theirs not in body and 'data-testid="feed-url"' not in body


def test_making_a_link_needs_a_post_with_the_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(PAGE).status_code == 403
    assert not CalendarFeed.objects.exists()


# ---------------------------------------------------------------------------- the panel


def test_the_panel_says_how_many_days_are_left_and_what_is_planned(staff, reviewer):
    lao_activity(staff, "Đón đoàn Lào", status="accepted", reviewer=reviewer)
    soon = observances.upcoming(monitoring_scope(staff), date(2026, 11, 25), user=staff)
    html = render_to_string("monitoring/_upcoming.html", {"upcoming": soon})
    assert 'data-testid="upcoming"' in html
    lao = Observance.objects.get(title="Quốc khánh nước CHDCND Lào")
    cuba = Observance.objects.get(kind="relations", country="CU")
    lao_line = html.split(f'data-testid="upcoming-{lao.pk}"')[1].split("</li>")[0]
    assert "02/12" in lao_line and "7" in lao_line and 'data-testid="upcoming-planned"' in lao_line
    assert f"#occurrence-{lao.pk}-20261202" in lao_line
    cuba_line = html.split(f'data-testid="upcoming-{cuba.pk}"')[1].split("</li>")[0]
    assert 'data-testid="upcoming-none"' in cuba_line


def test_the_panels_link_to_the_whole_calendar_does_not_print(staff):
    html = render_to_string("monitoring/_upcoming.html", {"upcoming": []})
    link = html.split('data-testid="whole-calendar"')[0].rsplit("<a", 1)[1]
    assert 'class="d-print-none"' in link


def test_the_panel_reads_a_fixed_number_of_queries(staff, reviewer, leader):
    scope = Scope(None)

    def count() -> int:
        fresh = User.objects.get(pk=leader.pk)  # the rights are cached on the user object
        with CaptureQueriesContext(connection) as queries:
            observances.upcoming(scope, date(2026, 11, 25), user=fresh)
        return len(queries)

    # the user's rights (visible_to), the observances, the planned activities with their
    # links to the dates' countries
    small = count()  # no activity planned around any date
    for n in range(2):
        lao_activity(staff, f"Hoạt động {n}", status="accepted", reviewer=reviewer)
    assert count() == small
    for n in range(18):
        lao_activity(staff, f"Thêm {n}", status="accepted", reviewer=reviewer)
    more_observances(200)
    assert count() == small == 3


def test_the_panels_former_call_still_works(staff, reviewer):
    accepted = lao_activity(staff, "Đã tiếp nhận", status="accepted", reviewer=reviewer)
    soon = observances.upcoming(Scope(None), date(2026, 11, 25))
    assert [a for o in soon for a in o.activities] == [accepted]


def test_a_busy_date_names_ten_activities_and_links_the_others_in_the_list(
    client, staff, reviewer, leader
):
    made = [
        lao_activity(staff, f"Hoạt động {n:02d}", status="accepted", reviewer=reviewer)
        for n in range(12)
    ]
    client.force_login(leader)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    lao = Observance.objects.get(title="Quốc khánh nước CHDCND Lào")
    row = row_of(body, lao)
    assert sum(a.get_absolute_url() in row for a in made) == 10
    assert 'data-testid="more-planned"' in row
    listed = client.get(
        reverse("activities:list"),
        {"date_from": "2026-11-02", "date_to": "2026-12-09", "country": "LA"},
    )
    assert listed.status_code == 200
    assert all(a.title in listed.content.decode() for a in made)
    assert "date_from=2026-11-02&amp;date_to=2026-12-09&amp;country=LA" in row
