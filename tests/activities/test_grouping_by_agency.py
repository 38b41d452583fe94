"""Every record keeps who made it (issue 11): activities and messages under their agency's
name as it was on their date, a closed agency muted; the activity list "as reported" or "by
today's agency" (a closed agency's records under its successor, a merge of merges followed,
its old name beside), "this agency and those under it", the agency select with the closed
ones apart; query counts fixed as rows and agencies grow.

States are set directly in the database (AgencyName rows, closed_on, successor, parent).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override

from activities.exchange.models import Message
from activities.filters import ActivityFilter
from activities.models import Activity
from agencies.models import Agency, AgencyName
from agencies.names import Lineage, NameBook
from tests.factories import make_activity, make_user, send_message

pytestmark = pytest.mark.django_db

RENAMED_ON = date(2025, 7, 1)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def rename_vungtau() -> Agency:
    """TP Vũng Tàu became a ward on 1/7/2025: two AgencyName rows, today's name on the row."""
    agency = Agency.objects.get(code="VUNGTAU")
    AgencyName.objects.create(
        agency=agency,
        name="UBND thành phố Vũng Tàu",
        short_name="TP Vũng Tàu cũ",
        valid_until=RENAMED_ON,
    )
    AgencyName.objects.create(
        agency=agency,
        name="UBND phường Vũng Tàu",
        short_name="Phường Vũng Tàu",
        valid_from=RENAMED_ON,
    )
    Agency.objects.filter(pk=agency.pk).update(
        name="UBND phường Vũng Tàu", short_name="Phường Vũng Tàu"
    )
    return Agency.objects.get(pk=agency.pk)


def ward(code: str = "PHUONGMOI", short_name: str = "Phường Mới") -> Agency:
    return Agency.objects.create(
        code=code, name=f"UBND {short_name.lower()}", short_name=short_name, kind="ward"
    )


def close(code: str, on: date, successor: Agency) -> None:
    Agency.objects.filter(code=code).update(closed_on=on, successor=successor)


def page_text(msgid: str, **values: str) -> str:
    """`msgid` as the pages write it: the request's language is the site's (vi), whatever
    `override` the test is in, so the expectation follows the catalogue, merged or not."""
    with override("vi"):
        return gettext(msgid) % values if values else gettext(msgid)


CLOSED_MARK = "no longer in operation"
FORMERLY = "formerly: %(name)s"


def rows(response) -> list[tuple[str, str]]:
    return [(a.title, a.agency.code) for a in response.context["page"].object_list]


# ---------------------------------------------------------------------------- names as they were


def test_the_name_book_answers_by_date_in_one_query(manager, django_assert_num_queries):
    vungtau = rename_vungtau()
    sngv = Agency.objects.get(code="SNGV")
    book = NameBook()
    with django_assert_num_queries(1):
        assert book.short_name(vungtau, date(2020, 3, 2)) == "TP Vũng Tàu cũ"
        assert book.name(vungtau, date(2020, 3, 2)) == "UBND thành phố Vũng Tàu"
        assert book.short_name(vungtau, RENAMED_ON) == "Phường Vũng Tàu"
        assert book.short_name(sngv, date(2020, 3, 2)) == sngv.short_name  # never renamed
        evening = datetime(2025, 6, 30, 23, 30, tzinfo=LOCAL)  # still 30/6 in Vietnam
        assert book.short_name(vungtau, evening) == "TP Vũng Tàu cũ"
        assert [r.short_name for r in book.former_names(vungtau)] == ["TP Vũng Tàu cũ"]


def test_records_show_the_name_of_their_date_and_a_closed_agency_is_marked(
    client, manager, reviewer
):
    old = make_activity(manager, agency="VUNGTAU", status="submitted", title="Năm 2020")
    new = make_activity(
        manager,
        agency="VUNGTAU",
        status="submitted",
        title="Năm 2025",
        start_date=date(2025, 8, 1),
        end_date=date(2025, 8, 2),
    )
    old_message = send_message(manager, sender="VUNGTAU", to=["SNGV"], subject="Thư cũ")
    Message.objects.filter(pk=old_message.pk).update(
        created_at=datetime(2021, 5, 4, 9, tzinfo=LOCAL)
    )
    rename_vungtau()
    client.force_login(reviewer)
    with override("en"):
        listing = client.get(reverse("activities:list")).content.decode()
        assert "TP Vũng Tàu cũ" in listing and "Phường Vũng Tàu" in listing
        assert page_text(CLOSED_MARK) not in listing
        assert "UBND thành phố Vũng Tàu" in client.get(old.get_absolute_url()).content.decode()
        detail = client.get(new.get_absolute_url()).content.decode()
        assert "UBND phường Vũng Tàu" in detail and "UBND thành phố Vũng Tàu" not in detail
        queue = client.get(reverse("activities:review")).content.decode()
        assert "TP Vũng Tàu cũ" in queue
        inbox = client.get(reverse("exchange:inbox")).content.decode()
        assert "TP Vũng Tàu cũ" in inbox
        assert (
            "UBND thành phố Vũng Tàu" in client.get(old_message.get_absolute_url()).content.decode()
        )

        close("VUNGTAU", date(2025, 12, 1), ward())
        listing = client.get(reverse("activities:list")).content.decode()
        mark = f"({page_text(CLOSED_MARK)})"
        assert listing.count(mark) == 2
        assert mark in client.get(old.get_absolute_url()).content.decode()


# ---------------------------------------------------------------------------- grouping


@pytest.fixture
def merged(manager, admin_user):
    """Bà Rịa merged into Vũng Tàu on 1/1/2024, Vũng Tàu into Phường Mới on 1/7/2025 (a merge
    of merges); one activity each, and one of Sở Lao động."""
    baria_manager = make_user("lanhdaobaria", "BARIA", "manager")
    make_activity(baria_manager, agency="BARIA", title="Bà Rịa 2020")
    make_activity(manager, agency="VUNGTAU", title="Vũng Tàu 2020")
    staff = make_user("canbosld", "SLDTBXH", "staff")
    make_activity(staff, title="Sở Lao động 2020")
    new = ward()
    close("VUNGTAU", RENAMED_ON, new)
    close("BARIA", date(2024, 1, 1), Agency.objects.get(code="VUNGTAU"))
    return new


def test_as_reported_an_agency_keeps_only_its_own_records(client, admin_user, merged):
    client.force_login(admin_user)
    response = client.get(reverse("activities:list"), {"agency": merged.pk})
    assert rows(response) == []
    vungtau = Agency.objects.get(code="VUNGTAU")
    response = client.get(reverse("activities:list"), {"agency": vungtau.pk})
    assert rows(response) == [("Vũng Tàu 2020", "VUNGTAU")]


def test_by_todays_agency_the_successor_gathers_its_predecessors_records(
    client, admin_user, merged
):
    client.force_login(admin_user)
    with override("en"):
        response = client.get(
            reverse("activities:list"), {"agency": merged.pk, "grouping": "today"}
        )
    assert sorted(rows(response)) == [("Bà Rịa 2020", "BARIA"), ("Vũng Tàu 2020", "VUNGTAU")]
    html = response.content.decode()
    formerly = page_text(FORMERLY, name="UBND TP Vũng Tàu")
    assert f'Phường Mới <span class="text-muted small">({formerly})' in html
    assert f"({page_text(FORMERLY, name='UBND TP Bà Rịa')})" in html
    assert '<option value="today" selected>' in html
    # A closed agency in between gathers its own predecessor's.
    vungtau = Agency.objects.get(code="VUNGTAU")
    response = client.get(reverse("activities:list"), {"agency": vungtau.pk, "grouping": "today"})
    assert sorted(rows(response)) == [("Bà Rịa 2020", "BARIA"), ("Vũng Tàu 2020", "VUNGTAU")]
    # An agency that carries its own work shows as reported: two of three rows say "formerly".
    with override("en"):
        response = client.get(reverse("activities:list"), {"grouping": "today"})
    assert len(rows(response)) == 3
    prefix = page_text(FORMERLY, name="\x00").split("\x00")[0]
    assert response.content.decode().count(f"({prefix}") == 2


@pytest.mark.parametrize("direction", ["agency", "-agency"])
def test_sorting_by_agency_follows_the_grouping(client, admin_user, merged, direction):
    client.force_login(admin_user)
    url = reverse("activities:list")
    reported = [code for _t, code in rows(client.get(url, {"sort": direction}))]
    today = [code for _t, code in rows(client.get(url, {"sort": direction, "grouping": "today"}))]
    names = {a.code: a.short_name for a in Agency.objects.all()}
    reverse_ = direction.startswith("-")
    assert [names[c] for c in reported] == sorted((names[c] for c in reported), reverse=reverse_)
    today_name = {"BARIA": "Phường Mới", "VUNGTAU": "Phường Mới"}
    shown = [today_name.get(c, names[c]) for c in today]
    assert shown == sorted(shown, reverse=reverse_)
    assert set(today) == {"BARIA", "VUNGTAU", "SLDTBXH"}


def test_this_agency_and_those_under_it(client, admin_user):
    front = Agency.objects.get(code="UBMTTQ")
    Agency.objects.filter(code__in=["HLHPN", "TINHDOAN"]).update(parent=front)
    Agency.objects.filter(code="HCCB").update(parent=None)
    Agency.objects.filter(code="HND").update(parent=Agency.objects.get(code="TINHDOAN"))
    for code in ("UBMTTQ", "HLHPN", "TINHDOAN", "HND", "HCCB"):
        make_activity(make_user(f"cb{code.lower()}", code, "staff"), agency=code, title=code)
    client.force_login(admin_user)
    url = reverse("activities:list")
    assert rows(client.get(url, {"agency": front.pk})) == [("UBMTTQ", "UBMTTQ")]
    response = client.get(url, {"agency": front.pk, "under": "on"})
    assert {code for _t, code in rows(response)} == {"UBMTTQ", "HLHPN", "TINHDOAN", "HND"}
    assert 'name="under" class="form-check-input" id="id_under" checked' in (
        response.content.decode()
    )


def test_under_and_by_today_together_follow_both_ways(admin_user, merged):
    city = Agency.objects.create(code="TPHCM", name="UBND TP HCM", short_name="TP HCM", kind="city")
    Agency.objects.filter(pk=merged.pk).update(parent=city)
    data = {"agency": str(city.pk), "under": "on", "grouping": "today"}
    found = ActivityFilter(data, queryset=Activity.objects.all()).qs
    assert {a.agency.code for a in found} == {"BARIA", "VUNGTAU"}
    data.pop("grouping")
    assert not ActivityFilter(data, queryset=Activity.objects.all()).qs.exists()


def test_the_agency_select_lists_closed_agencies_apart(client, admin_user, merged):
    client.force_login(admin_user)
    html = client.get(reverse("activities:list")).content.decode()
    select = html[
        html.index('name="agency"') : html.index("</select>", html.index('name="agency"'))
    ]
    with override("vi"):
        label = gettext("No longer in operation")
    group = select.index(f'<optgroup label="{label}">')
    vungtau, baria = Agency.objects.get(code="VUNGTAU"), Agency.objects.get(code="BARIA")
    assert select.index(f'<option value="{vungtau.pk}">') > group
    assert select.index(f'<option value="{baria.pk}">') > group
    assert select.index(f'<option value="{merged.pk}">') < group
    sngv = Agency.objects.get(code="SNGV")
    assert select.index(f'<option value="{sngv.pk}">') < group


def test_a_bad_agency_or_grouping_is_refused_with_a_message_and_filters_nothing(
    client, admin_user, merged
):
    client.force_login(admin_user)
    response = client.get(reverse("activities:list"), {"agency": "999999", "grouping": "x"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors.keys() == {"agency", "grouping"}


def test_lineage_follows_merges_and_cuts_cycles():
    a = Agency(pk=1, code="A", successor_id=2, closed_on=RENAMED_ON)
    b = Agency(pk=2, code="B", successor_id=3, closed_on=RENAMED_ON)
    c = Agency(pk=3, code="C")
    x = Agency(pk=4, code="X", successor_id=5, closed_on=RENAMED_ON)
    y = Agency(pk=5, code="Y", successor_id=4, closed_on=RENAMED_ON)
    lineage = Lineage([a, b, c, x, y])
    assert lineage.current(1) == 3 and lineage.current_agency(a) is c
    assert lineage.with_predecessors(3) == {1, 2, 3}
    assert lineage.current(4) in {4, 5}
    assert lineage.with_predecessors(4) == {4, 5}


# ---------------------------------------------------------------------------- query counts


def more(count: int, start: int, admin_user) -> None:
    """`count` more agencies (renamed, half of them merged into the previous one), each with
    an activity."""
    for i in range(start, start + count):
        agency = Agency.objects.create(
            code=f"Q{i}", name=f"UBND phường Q{i}", short_name=f"Phường Q{i}", kind="ward"
        )
        AgencyName.objects.create(
            agency=agency, name=f"UBND xã Q{i}", short_name=f"Xã Q{i}", valid_until=RENAMED_ON
        )
        AgencyName.objects.create(
            agency=agency, name=agency.name, short_name=agency.short_name, valid_from=RENAMED_ON
        )
        make_activity(admin_user, agency=agency, title=f"Hoạt động Q{i}")
        if i % 2:
            close(agency.code, date(2025, 12, 1), Agency.objects.get(code=f"Q{i - 1}"))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"grouping": "today", "sort": "agency"},
        {"grouping": "today", "under": "on", "agency": "TPHCM"},
        {"sort": "-agency", "q": "hoat dong"},
    ],
)
def test_the_list_costs_the_same_queries_as_rows_and_agencies_grow(
    client, admin_user, merged, query, django_assert_num_queries
):
    city = Agency.objects.create(code="TPHCM", name="UBND TP HCM", short_name="TP HCM", kind="city")
    if query.get("agency") == "TPHCM":
        query = {**query, "agency": city.pk}
    more(4, 0, admin_user)
    Agency.objects.filter(code__startswith="Q").update(parent=city)
    client.force_login(admin_user)
    url = reverse("activities:list")
    client.get(url, query)
    # session, user, every agency (the select and the lineage), count, the user's rights,
    # the navigation's memberships, the duty choices, the page of rows (agency and duty
    # joined), their countries, the names agencies bore, the bell's unread count (a superuser
    # of no agency has no messages, but has notifications)
    with django_assert_num_queries(12):
        small = client.get(url, query)
    more(30, 4, admin_user)
    Agency.objects.filter(code__startswith="Q").update(parent=city)
    with django_assert_num_queries(12):
        large = client.get(url, query)
    assert large.context["page"].paginator.count > small.context["page"].paginator.count
