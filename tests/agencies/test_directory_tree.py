"""The directory as a tree (issue 11, "Kinds and hierarchy"): agencies under their parent,
the new kinds, closed agencies hidden unless asked for and then shown with their closing date
and successor; an agency's dates, names, predecessors, successor, parent and children; query
counts that do not grow with the number of agencies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyName
from agencies.views import directory_tree
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MASS_ORGANISATIONS = ["HLHPN", "TINHDOAN", "HND", "HCCB", "LDLD"]


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def city_with_wards(count: int = 3) -> tuple[Agency, list[Agency]]:
    """A centrally governed city, its wards, a commune and a special zone under it."""
    city = Agency.objects.create(
        code="TPHCM", name="UBND Thành phố Hồ Chí Minh", short_name="UBND TP HCM", kind="city"
    )
    wards = [
        Agency.objects.create(
            code=f"PHUONG{i}",
            name=f"UBND phường Thử {i}",
            short_name=f"Phường Thử {i}",
            kind=Agency.Kind.WARD,
            parent=city,
            established_on=date(2025, 7, 1),
        )
        for i in range(count)
    ]
    wards.append(
        Agency.objects.create(
            code="XATHU", name="UBND xã Thử", short_name="Xã Thử", kind="commune", parent=city
        )
    )
    wards.append(
        Agency.objects.create(
            code="DKCONDAO",
            name="UBND đặc khu Côn Đảo",
            short_name="Đặc khu Côn Đảo",
            kind="special_zone",
            parent=city,
        )
    )
    return city, wards


def under_the_front() -> None:
    Agency.objects.filter(code__in=MASS_ORGANISATIONS).update(parent=agency("UBMTTQ"))


def listed(response) -> list[tuple[str, int]]:
    return [(a.code, a.depth) for a in response.context["agencies"]]


def test_mass_organisations_are_listed_under_the_fatherland_front(client, staff):
    under_the_front()
    client.force_login(staff)
    rows = listed(client.get(reverse("agencies:list")))
    front = rows.index(("UBMTTQ", 0))
    assert rows[front + 1 : front + 6] == [(code, 1) for code in MASS_ORGANISATIONS]


def test_wards_communes_and_the_special_zone_are_listed_under_the_city(client, staff):
    _city, wards = city_with_wards()
    client.force_login(staff)
    response = client.get(reverse("agencies:list"))
    rows = listed(response)
    at = rows.index(("TPHCM", 0))
    assert {code for code, _depth in rows[at + 1 : at + 6]} == {w.code for w in wards}
    assert {depth for _code, depth in rows[at + 1 : at + 6]} == {1}
    html = response.content.decode()
    assert 'data-depth="1" data-code="PHUONG0"' in html


def test_a_tree_of_three_levels_and_a_cycle_are_drawn_without_loss():
    a = Agency(pk=1, code="A", name="A", short_name="A", kind="city")
    b = Agency(pk=2, code="B", name="B", short_name="B", kind="ward", parent_id=1)
    c = Agency(pk=3, code="C", name="C", short_name="C", kind="other", parent_id=2)
    x = Agency(pk=4, code="X", name="X", short_name="X", kind="other", parent_id=5)
    y = Agency(pk=5, code="Y", name="Y", short_name="Y", kind="other", parent_id=4)
    rows = directory_tree([c, b, a, x, y])
    assert [(r.code, r.depth) for r in rows] == [("A", 0), ("B", 1), ("C", 2), ("X", 0), ("Y", 1)]


def test_the_kind_filter_knows_the_new_kinds(client, staff):
    city_with_wards()
    client.force_login(staff)
    for kind, codes in [
        ("ward", {"PHUONG0", "PHUONG1", "PHUONG2"}),
        ("commune", {"XATHU"}),
        ("special_zone", {"DKCONDAO"}),
        ("city", {"TPHCM"}),
    ]:
        response = client.get(reverse("agencies:list"), {"kind": kind})
        assert {a.code for a in response.context["agencies"]} == codes
        assert {a.depth for a in response.context["agencies"]} == {0}  # parent filtered out
        assert f'<option value="{kind}" selected>' in response.content.decode()


def test_closed_agencies_are_hidden_unless_asked_for_then_shown_muted_with_their_successor(
    client, staff
):
    _city, wards = city_with_wards()
    Agency.objects.filter(code="VUNGTAU").update(closed_on=date(2025, 7, 1), successor=wards[0])
    Agency.objects.filter(code="BARIA").update(closed_on=TODAY + timedelta(days=30))
    client.force_login(staff)
    response = client.get(reverse("agencies:list"))
    codes = {a.code for a in response.context["agencies"]}
    assert "VUNGTAU" not in codes and "BARIA" in codes  # closing later: still at work
    response = client.get(reverse("agencies:list"), {"closed": "1"})
    assert "VUNGTAU" in {a.code for a in response.context["agencies"]}
    html = response.content.decode()
    row = html[
        html.index('data-code="VUNGTAU"') : html.index("</tr>", html.index('data-code="VUNGTAU"'))
    ]
    assert "01/07/2025" in row and wards[0].name in row and wards[0].get_absolute_url() in row
    assert (
        'class="text-muted"'
        in html[html.rindex("<tr", 0, html.index('data-code="VUNGTAU"')) :][:80]
    )
    assert 'name="closed" value="1" checked' in html


def test_search_keeps_working_and_finds_closed_agencies_only_when_asked(client, staff):
    Agency.objects.filter(code="VUNGTAU").update(closed_on=date(2025, 7, 1))
    client.force_login(staff)
    assert [
        a.code for a in client.get(reverse("agencies:list"), {"q": "vungtau"}).context["agencies"]
    ] == []
    response = client.get(reverse("agencies:list"), {"q": "vungtau", "closed": "1"})
    assert [a.code for a in response.context["agencies"]] == ["VUNGTAU"]
    response = client.get(reverse("agencies:list"), {"q": "so ngoai vu"})
    assert [a.code for a in response.context["agencies"]] == ["SNGV"]


def test_the_agency_page_shows_dates_names_predecessors_successor_parent_and_children(
    client, staff
):
    city, wards = city_with_wards(1)
    ward = wards[0]
    vungtau, baria = agency("VUNGTAU"), agency("BARIA")
    for old in (vungtau, baria):
        old.closed_on, old.successor = date(2025, 7, 1), ward
        old.save()
    AgencyName.objects.create(
        agency=vungtau,
        name="UBND thị xã Vũng Tàu",
        short_name="TX Vũng Tàu",
        valid_until=date(1991, 8, 12),
    )
    AgencyName.objects.create(
        agency=vungtau,
        name="UBND thành phố Vũng Tàu",
        short_name="TP Vũng Tàu",
        valid_from=date(1991, 8, 12),
    )
    client.force_login(staff)
    page = client.get(reverse("agencies:detail", args=[ward.code]))
    assert [a.code for a in page.context["predecessors"]] == ["VUNGTAU", "BARIA"]
    html = page.content.decode()
    assert city.get_absolute_url() in html and "01/07/2025" in html
    assert vungtau.get_absolute_url() in html and baria.get_absolute_url() in html
    page = client.get(reverse("agencies:detail", args=[city.code]))
    assert {a.code for a in page.context["children"]} == {w.code for w in wards}
    page = client.get(reverse("agencies:detail", args=["VUNGTAU"]))
    html = page.content.decode()
    assert [n.short_name for n in page.context["names"]] == ["TX Vũng Tàu", "TP Vũng Tàu"]
    assert "UBND thị xã Vũng Tàu" in html and "12/08/1991" in html
    assert 'data-testid="successor"' in html and ward.get_absolute_url() in html
    assert "01/07/2025" in html


def bulk_agencies(count: int) -> None:
    """`count` more agencies: wards under a city, half of them closed into the next one, each
    with a former name and a member."""
    city = Agency.objects.get_or_create(
        code="TPHCM", defaults={"name": "UBND TP HCM", "short_name": "TP HCM", "kind": "city"}
    )[0]
    start = Agency.objects.filter(code__startswith="W").count()
    for i in range(start, start + count):
        ward = Agency.objects.create(
            code=f"W{i}",
            name=f"UBND phường {i}",
            short_name=f"Phường {i}",
            kind="ward",
            parent=city,
        )
        AgencyName.objects.create(
            agency=ward, name=f"UBND xã {i}", short_name=f"Xã {i}", valid_until=date(2025, 7, 1)
        )
        AgencyName.objects.create(
            agency=ward, name=ward.name, short_name=ward.short_name, valid_from=date(2025, 7, 1)
        )
        if i % 2:
            Agency.objects.filter(pk=ward.pk).update(
                closed_on=date(2025, 7, 1), successor=Agency.objects.get(code=f"W{i - 1}")
            )
        make_user(f"canbo{i}", ward.code, "staff")


@pytest.mark.parametrize("closed", ["", "1"])
def test_directory_query_count_is_the_same_with_20_and_60_agencies(
    client, staff, closed, django_assert_num_queries
):
    under_the_front()
    client.force_login(staff)
    url = reverse("agencies:list")
    client.get(url)
    counts = []
    for total in (20, 60):
        bulk_agencies(total - Agency.objects.filter(code__startswith="W").count())
        # session, user, the agencies with their duty counts and successors (one query
        # whatever their number, the tree drawn in Python), the navigation's memberships,
        # the unread count
        with django_assert_num_queries(6):
            response = client.get(url, {"closed": closed})
        counts.append(len(response.context["agencies"]))
    assert counts[1] - counts[0] == (40 if closed else 20)


def test_agency_page_query_count_is_the_same_with_20_and_60_agencies(
    client, staff, django_assert_num_queries
):
    client.force_login(staff)
    bulk_agencies(20)
    city_url = reverse("agencies:detail", args=["TPHCM"])
    client.get(city_url)
    # session, user, the agency with those under and before it, its assignments, the duties
    # naming it, may-see-members (VIEW, then REVIEW: another agency's), its names, the
    # navigation's memberships, the unread count
    with django_assert_num_queries(11):
        client.get(city_url)
    bulk_agencies(40)
    with django_assert_num_queries(11):
        response = client.get(city_url)
    assert len(response.context["children"]) == 60
    ward_url = reverse("agencies:detail", args=["W0"])
    with django_assert_num_queries(11):
        client.get(ward_url)
