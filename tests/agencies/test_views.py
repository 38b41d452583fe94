"""The pages of the plan: every page for every signed-in role, search, and query counts
(anonymous users are the permission matrix's)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Agency, Duty, DutyAssignment
from notifications.models import EmailChoice, Kind
from notifications.services import preferences_of
from tests.factories import make_user
from tests.support import DISTRICTS

pytestmark = pytest.mark.django_db

PLAN = 1  # the plan's row: the first the data migration creates


def duty_url(ref: str) -> str:
    return reverse("agencies:duty", args=[PLAN, ref])


PAGES = [
    reverse("home"),
    reverse("agencies:list"),
    reverse("agencies:detail", args=["SNGV"]),
    reverse("agencies:detail", args=["VUNGTAU"]),
    reverse("agencies:plan"),
    duty_url("III.2.3"),
    duty_url("IV.2.2"),
    reverse("password_change"),
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["staff", "manager", "reviewer", "leader", "outsider", "admin"])
def test_every_page_opens_for_every_signed_in_user(client, cast, role, url):
    client.force_login(cast[role])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        reverse("agencies:detail", args=["NOPE"]),
        duty_url("III.9.9"),
        duty_url("<script>"),
        reverse("agencies:duty", args=[999, "III.2.3"]),
    ],
)
def test_unknown_agencies_and_duties_are_404(client, staff, url):
    client.force_login(staff)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "code", "sees_members"),
    [
        ("staff", "SLDTBXH", True),
        ("staff", "SYT", False),
        ("manager", "VUNGTAU", True),
        ("manager", "BARIA", False),
        ("reviewer", "BARIA", True),
        ("leader", "BARIA", False),
        ("outsider", "SLDTBXH", False),
        ("admin", "SLDTBXH", True),
    ],
)
def test_members_are_shown_only_to_those_who_read_the_agency(
    client, cast, role, code, sees_members
):
    client.force_login(cast[role])
    response = client.get(reverse("agencies:detail", args=[code]))
    assert (response.context["members"] is not None) is sees_members
    assert ("Thành viên</h2>" in response.content.decode()) is sees_members


def test_login_page_speaks_vietnamese(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert 'lang="vi"' in html
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "Mật khẩu" in html


def test_wrong_password_gets_a_vietnamese_error_and_no_session(client, staff):
    response = client.post(reverse("login"), {"username": "staff", "password": "sai"})
    assert response.status_code == 200
    assert "Vui lòng điền vào" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, staff):
    response = client.post(reverse("login"), {"username": "staff", "password": "Pw-for-tests-1"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_vietnamese_even_for_an_english_browser(client, staff):
    client.force_login(staff)
    response = client.get(reverse("agencies:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Danh bạ cơ quan, đơn vị" in response.content.decode()


def test_language_switch_offers_english(client, staff):
    client.force_login(staff)
    assert "Danh bạ cơ quan, đơn vị" in client.get(reverse("agencies:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("agencies:list")).content.decode()
    assert "Directory of agencies" in html
    assert 'lang="en"' in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("staff", {"activities:mine", "activities:list"}),
        ("manager", {"activities:mine", "activities:list"}),
        ("reviewer", {"activities:mine", "activities:list", "activities:review"}),
        ("leader", {"activities:list"}),
        ("outsider", {"activities:list"}),
        ("admin", {"activities:mine", "activities:list", "activities:review", "admin:index"}),
    ],
)
def test_navigation_fits_the_role(client, cast, role, expected):
    client.force_login(cast[role])
    html = client.get(reverse("home")).content.decode()
    offered = {
        name
        for name in ("activities:mine", "activities:list", "activities:review", "admin:index")
        if f'href="{reverse(name)}"' in html
    }
    assert offered == expected


def test_home_lists_the_users_agencies_and_roles(client, staff):
    client.force_login(staff)
    html = client.get(reverse("home")).content.decode()
    assert "Sở Lao động - Thương binh và Xã hội tỉnh Bà Rịa - Vũng Tàu" in html
    assert "Cán bộ đơn vị" in html


def test_home_tells_an_outsider_to_ask_for_an_agency(client, outsider):
    client.force_login(outsider)
    assert "chưa thuộc đơn vị nào" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("so ngoai vu", {"SNGV"}),
        ("SỞ NGOẠI VỤ", {"SNGV"}),
        ("dat do", {"DATDO"}),
        ("Đất Đỏ", {"DATDO"}),
        ("phu nu", {"HLHPN"}),
        ("vungtau", {"VUNGTAU"}),
        ("không có đơn vị này", set()),
    ],
)
def test_directory_search_ignores_accents_and_case(client, staff, query, expected):
    client.force_login(staff)
    response = client.get(reverse("agencies:list"), {"q": query})
    assert {a.code for a in response.context["agencies"]} == expected


def test_directory_filters_by_kind_and_ignores_an_unknown_kind(client, staff):
    client.force_login(staff)
    response = client.get(reverse("agencies:list"), {"kind": "district"})
    assert len(response.context["agencies"]) == 8
    response = client.get(reverse("agencies:list"), {"kind": "nonsense"})
    assert len(response.context["agencies"]) == Agency.objects.count()


def test_directory_lists_the_focal_point_before_the_districts(client, staff):
    client.force_login(staff)
    codes = [a.code for a in client.get(reverse("agencies:list")).context["agencies"]]
    assert codes.index("SNGV") < codes.index("LHHN") < codes.index("SYT") < codes.index("BARIA")
    assert [code for code in codes if code in DISTRICTS] == DISTRICTS


def test_agency_page_lists_its_duties_with_roles(client, staff):
    client.force_login(staff)
    response = client.get(reverse("agencies:detail", args=["LHHN"]))
    refs = [a.duty.ref for a in response.context["assignments"]]
    assert refs[:7] == [f"III.2.{i}" for i in range(1, 8)]
    coordinated = [d.ref for d in response.context["coordinated"]]
    assert coordinated == ["III.3.1", "III.4.1", "III.4.2", "III.5.1"]


def test_duty_page_shows_the_verbatim_text_and_assignees(client, staff):
    client.force_login(staff)
    duty = Duty.objects.get(ref="III.7.1")
    html = client.get(duty.get_absolute_url()).content.decode()
    assert duty.text in html
    assert "III.7.1" in html
    assert html.count("Chủ trì") >= 8  # all eight districts lead it


def bulk_agencies(count: int) -> None:
    """Add `count` agencies, each assigned IV.1.1 (the measured duty) and III.3.2, each with
    SLDTBXH (the measured agency) named to coordinate, and members for SLDTBXH."""

    duty, other = Duty.objects.get(ref="IV.1.1"), Duty.objects.get(ref="III.3.2")
    sld = Agency.objects.get(code="SLDTBXH")
    for i in range(count):
        new = Agency.objects.create(
            code=f"X{i}", name=f"Phòng thử {i}", short_name=f"P{i}", kind=Agency.Kind.OTHER
        )
        DutyAssignment.objects.create(duty=duty, agency=new, role="lead")
        DutyAssignment.objects.create(duty=other, agency=new, role="support")
        duty.coordinating_agencies.add(new)
        other.coordinating_agencies.add(sld)
        make_user(f"member{i}", "SLDTBXH", "staff")


def test_directory_query_count_does_not_grow_with_agencies(
    client, staff, django_assert_num_queries
):
    client.force_login(staff)
    client.get(reverse("agencies:list"))  # warm up the session
    # session, user, agencies with their duty counts, memberships for the navigation, the
    # unread count
    with django_assert_num_queries(6):
        client.get(reverse("agencies:list"))
    bulk_agencies(30)
    with django_assert_num_queries(6):
        response = client.get(reverse("agencies:list"))
    assert len(response.context["agencies"]) == Agency.objects.count()


def test_duty_and_agency_pages_query_counts_do_not_grow(client, staff, django_assert_num_queries):
    client.force_login(staff)
    duty_url = Duty.objects.get(ref="IV.1.1").get_absolute_url()
    agency_url = reverse("agencies:detail", args=["SLDTBXH"])
    client.get(duty_url)
    # session, user, duty with plan, its assignments with agencies, coordinating agencies,
    # memberships for the navigation, the unread count
    with django_assert_num_queries(8):
        client.get(duty_url)
    # session, user, the agency with those under and before it, its assignments with duties,
    # coordinated duties, may-see-members (VIEW: 1), members, its names, memberships for the
    # navigation, the unread count
    with django_assert_num_queries(11):
        client.get(agency_url)
    bulk_agencies(30)
    with django_assert_num_queries(8):
        client.get(duty_url)
    with django_assert_num_queries(11):
        client.get(agency_url)


def test_repeated_wrong_passwords_lock_the_account_with_a_vietnamese_page(client, staff):
    for _attempt in range(5):
        client.post(reverse("login"), {"username": "staff", "password": "sai"})
    response = client.post(reverse("login"), {"username": "staff", "password": "Pw-for-tests-1"})
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_colleague_on_the_same_computer_is_not_locked_out(client, staff, manager):
    for _attempt in range(5):
        client.post(reverse("login"), {"username": "staff", "password": "sai"})
    response = client.post(reverse("login"), {"username": "manager", "password": "Pw-for-tests-1"})
    assert response.status_code == 302


def test_users_turn_email_off_for_themselves_and_only_themselves(client, staff, manager):
    client.force_login(staff)
    never = {kind.value: EmailChoice.NEVER for kind in Kind}
    response = client.post(
        reverse("profile"),
        {
            "first_name": "Thị Lan",
            "last_name": "Nguyễn",
            "email": "lan@sld.gov.vn",
            "position": "",
            **never,
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.email == "lan@sld.gov.vn"
    assert set(preferences_of(staff).values()) == {EmailChoice.NEVER}
    assert set(preferences_of(manager).values()) == {EmailChoice.IMMEDIATELY}
    response = client.post(reverse("profile"), {"email": "khong-phai-email"})
    assert response.status_code == 200
    assert "Nhập địa chỉ email." in response.content.decode()
    staff.refresh_from_db()
    assert staff.email == "lan@sld.gov.vn"


def test_profile_needs_a_login(client):
    assert client.get(reverse("profile")).status_code == 302
