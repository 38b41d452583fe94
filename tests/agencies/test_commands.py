"""create_account and seed_demo, including every bad input."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Membership, User

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("create_account", *args, stdout=out)
    return out.getvalue()


def test_create_account_creates_user_and_membership_with_groups():
    out = run(
        "lan",
        "--agency",
        "SYT",
        "--role",
        "staff",
        "--password",
        "Mot-mat-khau-9",
        "--email",
        "lan@syt.example",
        "--full-name",
        "Nguyễn Thị Lan",
    )
    assert "Đã tạo tài khoản lan" in out
    user = User.objects.get(username="lan")
    assert user.check_password("Mot-mat-khau-9")
    assert (user.email, user.get_full_name()) == ("lan@syt.example", "Nguyễn Thị Lan")
    assert list(user.memberships.values_list("agency__code", "role")) == [("SYT", "staff")]
    assert list(user.groups.values_list("name", flat=True)) == ["SYT:staff"]
    assert user.has_perm("agencies.act_for_agency", user.memberships.get().agency)


def test_create_account_without_password_prints_a_random_one():
    out = run("lan", "--agency", "syt", "--role", "staff")
    password = out.rsplit("mật khẩu: ", 1)[1].strip()
    assert User.objects.get(username="lan").check_password(password)


def test_create_account_is_idempotent_and_keeps_the_password():
    run("lan", "--agency", "SYT", "--role", "staff", "--password", "Mot-mat-khau-9")
    out = run("lan", "--agency", "SYT", "--role", "manager")
    assert "Đã cập nhật tài khoản lan" in out
    user = User.objects.get(username="lan")
    assert user.check_password("Mot-mat-khau-9")
    assert list(user.memberships.values_list("role", flat=True)) == ["manager"]
    assert User.objects.filter(username="lan").count() == 1


def test_create_account_adds_a_second_agency():
    run("lan", "--agency", "SYT", "--role", "staff")
    run("lan", "--agency", "SGDDT", "--role", "manager")
    assert Membership.objects.filter(user__username="lan").count() == 2


def test_create_account_makes_a_superuser_without_agency():
    run("admin2", "--superuser", "--password", "Mot-mat-khau-9")
    user = User.objects.get(username="admin2")
    assert user.is_superuser and user.is_staff and not user.memberships.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lan", "--agency", "NOPE", "--role", "staff"], "Không có cơ quan, đơn vị nào mang mã"),
        (["lan", "--agency", "SYT", "--role", "boss"], "Vai trò “boss” không hợp lệ"),
        (["lan", "--agency", "SYT", "--role", "reviewer"], "Chỉ cán bộ Sở Ngoại vụ"),
        (["lan", "--agency", "SNGV", "--role", "leader"], "Chỉ thành viên Ủy ban nhân dân tỉnh"),
        (["lan", "--agency", "SYT"], "Hãy nêu cả đơn vị và vai trò"),
        (["lan", "--role", "staff"], "Hãy nêu cả đơn vị và vai trò"),
        (["lan"], "Tài khoản cần có đơn vị và vai trò"),
        (["  ", "--agency", "SYT", "--role", "staff"], "Tên đăng nhập không được để trống"),
        (
            ["lan", "--agency", "SYT", "--role", "staff", "--email", "khong-phai-email"],
            "không phải là địa chỉ e-mail hợp lệ",
        ),
        (["lan", "--agency", "SYT", "--role", "staff", "--password", "123"], "Mật khẩu"),
    ],
)
def test_create_account_refuses_bad_input_and_writes_nothing(args, message):
    users_before = User.objects.count()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert User.objects.count() == users_before
    assert not Membership.objects.filter(user__username="lan").exists()


def test_a_refused_role_leaves_an_existing_account_as_it_was():
    run("lan", "--agency", "SYT", "--role", "staff", "--password", "Mot-mat-khau-9")
    with pytest.raises(CommandError):
        run("lan", "--agency", "SYT", "--role", "reviewer", "--password", "Mat-khau-moi-77")
    user = User.objects.get(username="lan")
    assert user.check_password("Mot-mat-khau-9")
    assert list(user.memberships.values_list("role", flat=True)) == ["staff"]


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_one_account_per_role_and_can_run_twice(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"staff", "manager", "reviewer", "leader"}
    assert User.objects.filter(is_superuser=True).count() == 1
    assert User.objects.count() == 5
    out = capsys.readouterr().out
    assert "thamdinh.sngv · SNGV · reviewer · DoiNgoai@2026" in out
    assert "(giữ nguyên)" in out


def test_seed_demo_again_keeps_what_an_administrator_changed(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    user = User.objects.get(username="lanhdao.vungtau")
    user.email = "minh@vungtau.gov.vn"
    user.save()
    user.memberships.update(role="staff")
    call_command("seed_demo")
    user.refresh_from_db()
    assert user.email == "minh@vungtau.gov.vn"
    assert list(user.memberships.values_list("role", flat=True)) == ["staff"]


def test_create_account_run_again_with_the_name_typed_decomposed_finds_the_same_account():
    run("hoa.đỗ", "--agency", "SYT", "--role", "staff", "--password", "Lan-2024-mat-khau")
    run(
        unicodedata.normalize("NFD", "hoa.\u200bđỗ"),
        "--agency",
        " syt\u202e",
        "--role",
        "staff",
        "--email",
        "hoa\u200b@syt.example.vn",
    )
    user = User.objects.get()
    assert (user.username, user.email) == ("hoa.đỗ", "hoa@syt.example.vn")
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("username", ["nv\u00a0a", "nv a", "nv/a", "x" * 151])
def test_create_account_refuses_a_username_the_admin_would_refuse(username):
    with pytest.raises(CommandError):
        run(username, "--agency", "SYT", "--role", "staff")
    assert not User.objects.exists()
