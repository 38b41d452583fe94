"""The Django admin: Vietnamese, usable by administrators only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Agency, Duty, Membership, User

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    reverse("admin:index"),
    reverse("admin:agencies_agency_changelist"),
    reverse("admin:agencies_agency_add"),
    reverse("admin:agencies_duty_changelist"),
    reverse("admin:agencies_plan_changelist"),
    reverse("admin:agencies_membership_changelist"),
    reverse("admin:agencies_user_changelist"),
    reverse("admin:agencies_user_add"),
    reverse("admin:axes_accessattempt_changelist"),
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_open_for_the_administrator(client, admin_user, url):
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["staff", "manager", "reviewer", "leader", "outsider"])
def test_admin_is_closed_to_everyone_else(client, cast, role):
    client.force_login(cast[role])
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_speaks_vietnamese(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:agencies_agency_changelist")).content.decode()
    assert "cơ quan, đơn vị" in html.lower()
    duty = Duty.objects.get(ref="III.2.6")
    html = client.get(reverse("admin:agencies_duty_change", args=[duty.pk])).content.decode()
    assert "Tần suất" in html
    assert "Vận động viện trợ phi chính phủ nước ngoài" in html


def test_admin_adds_an_agency_and_its_role_groups_follow(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:agencies_agency_add"),
        {
            "code": "SVHTTDL",
            "name": "Sở Văn hóa, Thể thao và Du lịch",
            "short_name": "Sở VHTTDL",
            "kind": "department",
            "position": "30",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Agency.objects.get(code="SVHTTDL").search_text.startswith("svhttdl so van hoa")


def test_admin_refuses_a_lowercase_code_in_vietnamese(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:agencies_agency_add"),
        {
            "code": "svh",
            "name": "x",
            "short_name": "x",
            "kind": "department",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Chỉ dùng chữ in hoa không dấu" in response.content.decode()
    assert not Agency.objects.filter(code="svh").exists()


def test_admin_gives_a_user_a_role_and_permissions_follow(client, admin_user, outsider):
    client.force_login(admin_user)
    url = reverse("admin:agencies_user_change", args=[outsider.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None
        and k not in {"password", "groups", "user_permissions", "last_login", "date_joined"}
    }
    data.update(
        {
            "date_joined_0": "01/01/2026",
            "date_joined_1": "08:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-agency": Agency.objects.get(code="SYT").pk,
            "memberships-0-role": "reviewer",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200  # refused: a reviewer must belong to SNGV
    assert "Chỉ cán bộ Sở Ngoại vụ" in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()
    data["memberships-0-role"] = "manager"
    response = client.post(url, data)
    assert response.status_code == 302
    user = User.objects.get(pk=outsider.pk)
    assert list(user.groups.values_list("name", flat=True)) == ["SYT:manager"]


def test_user_admin_offers_no_hand_ticked_groups_or_permissions(client, admin_user, outsider):
    client.force_login(admin_user)
    form = (
        client.get(reverse("admin:agencies_user_change", args=[outsider.pk]))
        .context["adminform"]
        .form
    )
    assert "groups" not in form.fields
    assert "user_permissions" not in form.fields
