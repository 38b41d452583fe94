"""The review loop as the staff member who wrote the activity lives it, in chromium: told by
the bell, the home page (with the reviewer's reason) and an e-mail when the activity is
returned, and again when it is accepted; the notifications page marks them all read. The home
page and the notifications page are saved as screenshots (browser-notifications-*.png)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import Page, expect

from activities.models import Activity
from tests.factories import make_activity, make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Tọa đàm hữu nghị Việt Nam - Hàn Quốc"
REASON = "Bổ sung danh sách đại biểu phía Hàn Quốc."


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(settings.VAR_DIR / f"browser-{name}.png"), full_page=True)


def test_the_author_is_told_of_each_decision_and_corrects_a_returned_activity(
    page: Page, log_in, log_out, settings
):
    settings.SITE_URL = "https://doingoai.example.vn"
    staff, _reviewer = make_member("staff"), make_member("reviewer")
    staff.email = "lan@sld.gov.vn"
    staff.save(update_fields=["email"])
    activity = make_activity(staff, title=TITLE)

    log_in("staff")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    page.get_by_test_id("drafts").get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    expect(page.get_by_text("Đã gửi hoạt động đến Sở Ngoại vụ.")).to_be_visible()
    log_out()

    log_in("reviewer")
    page.get_by_test_id("activities-to-review").get_by_role("link", name=TITLE).click()
    page.get_by_label("Trả lại đơn vị, kèm lý do").fill(REASON)
    page.get_by_role("button", name="Trả lại", exact=True).click()
    expect(page.get_by_text("Đã trả lại hoạt động cho đơn vị.")).to_be_visible()
    log_out()

    # The return e-mail: Vietnamese, with the reason, linking to the activity on SITE_URL.
    assert [m.to for m in mail.outbox] == [["lan@sld.gov.vn"]]
    email = mail.outbox[0]
    assert email.subject == f"Hoạt động bị trả lại: {TITLE}"
    assert REASON in email.body
    assert "Xem trên cổng thông tin" in email.body
    assert f"https://doingoai.example.vn/activities/{activity.pk}/" in email.body

    log_in("staff")
    expect(page.get_by_test_id("bell-count")).to_have_text("1 chưa đọc")
    returned = page.get_by_test_id("returned")
    expect(returned).to_contain_text(TITLE)
    expect(returned).to_contain_text(REASON)
    screenshot(page, "notifications-home-returned")
    returned.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("return-reason")).to_contain_text(REASON)
    expect(page.get_by_test_id("bell-count")).to_have_count(0)  # opening it read the news
    page.get_by_role("link", name="Sửa").click()
    page.get_by_label("Nội dung", exact=True).fill("Đã bổ sung danh sách đại biểu.")
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Đã lưu thay đổi.")).to_be_visible()
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    expect(page.get_by_text("Đã gửi hoạt động đến Sở Ngoại vụ.")).to_be_visible()
    log_out()

    log_in("reviewer")
    page.get_by_test_id("activities-to-review").get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page.get_by_text("Đã tiếp nhận hoạt động.")).to_be_visible()
    log_out()

    log_in("staff")
    expect(page.get_by_test_id("bell-count")).to_have_text("1 chưa đọc")
    expect(page.get_by_test_id("returned")).not_to_contain_text(TITLE)
    page.get_by_test_id("bell").click()
    items = page.get_by_test_id("notification")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Hoạt động đã được tiếp nhận")  # newest first
    expect(items.first).to_contain_text(TITLE)
    expect(items.first).to_contain_text("mới")
    expect(items.nth(1)).to_contain_text(REASON)
    expect(items.nth(1)).not_to_contain_text("mới")  # read when the activity was opened
    screenshot(page, "notifications-list")
    page.get_by_test_id("read-all").click()
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    expect(page.get_by_test_id("read-all")).to_have_count(0)
    expect(page.get_by_text("mới", exact=True)).to_have_count(0)

    assert Activity.objects.get().status == "accepted"
    # The acceptance is e-mailed too, at once (the default choice), to the same address.
    assert [m.to for m in mail.outbox] == [["lan@sld.gov.vn"], ["lan@sld.gov.vn"]]
    assert mail.outbox[1].subject.endswith(TITLE)
