"""The home page of work of each role, in chromium at 1366 px (a common office screen), each
checked by axe-core (tests/browser/conftest.py) and saved as a screenshot in VAR_DIR
(browser-home-<role>.png)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from activities.exchange import services as exchange_services
from activities.exchange.models import Message
from tests.factories import (
    make_activity,
    make_agency_report,
    make_consolidated_report,
    make_member,
    make_periods,
    report_difficulty,
    send_request,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The cast's usernames (tests/factories.py CAST), by the role the screenshot is named after.
ROLES = {
    "staff": "staff",
    "manager": "manager",
    "reviewer": "reviewer",
    "leader": "leader",
    "outsider": "outsider",
    "superuser": "quantri",
}


def test_each_role_sees_its_work_on_the_home_page(page: Page, log_in, log_out):
    people = {name: make_member(name) for name in CAST_NAMES}
    staff, manager, reviewer = people["staff"], people["manager"], people["reviewer"]
    year = timezone.localdate().year
    make_periods(year - 1, year)
    make_activity(staff, status="returned", reviewer=reviewer, reason="Thiếu danh sách đoàn")
    make_activity(staff, title="Tọa đàm hữu nghị Việt - Nhật")
    make_activity(manager, agency="VUNGTAU", status="submitted", title="Đón đoàn Hàn Quốc")
    make_activity(staff, status="accepted", reviewer=reviewer, title="Đón đoàn Nhật Bản")
    late = send_request(reviewer, to=["VUNGTAU", "BARIA"], subject="Báo cáo đón đoàn quý III")
    Message.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    send_request(reviewer, to=["VUNGTAU", "SLDTBXH"], subject="Số liệu lao động nước ngoài")
    difficulty = report_difficulty(staff, subject="Vướng mắc thủ tục cấp phép đoàn vào")
    exchange_services.handle_difficulty(
        actor=reviewer, message=difficulty, status="handling", response="Đang trao đổi với Bộ."
    )
    ended = f"{year}-H1"
    make_agency_report(ended, "VUNGTAU", status="submitted", sender=manager)
    make_consolidated_report(f"{year - 1}", actor=reviewer, status="issued")
    make_consolidated_report(ended, actor=reviewer, status="failed")

    page.set_viewport_size({"width": 1366, "height": 900})
    expectations = {
        "staff": "Thiếu danh sách đoàn",
        "manager": "Báo cáo đón đoàn quý III",
        "reviewer": "Đón đoàn Hàn Quốc",
        "leader": "XLSX",
        "outsider": "chưa thuộc đơn vị nào",
        "superuser": "Thành viên đơn vị",
    }
    for role, username in ROLES.items():
        log_in(username)
        expect(page.locator("main")).to_contain_text(expectations[role])
        page.screenshot(path=str(settings.VAR_DIR / f"browser-home-{role}.png"), full_page=True)
        log_out()


CAST_NAMES = ("staff", "manager", "reviewer", "leader", "outsider", "admin")
