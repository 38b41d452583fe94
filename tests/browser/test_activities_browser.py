"""The whole review loop of an aid activity, in chromium: create with evidence, submit,
return with a reason, fix, resubmit, accept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from activities.models import Activity
from tests.factories import PDF_BYTES, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_aid_activity_goes_round_the_review_loop(page: Page, log_in, log_out, tmp_path):
    make_user("canbo", "SLDTBXH", "staff", full_name="Nguyễn Thị Lan")
    make_user("thamdinh", "SNGV", "reviewer", full_name="Lê Hoàng Nam")
    evidence = tmp_path / "quyet-dinh-tiep-nhan.pdf"
    evidence.write_bytes(PDF_BYTES)

    log_in("canbo")
    page.get_by_test_id("menu-activities").click()  # the navigation's "Hoạt động" menu
    page.get_by_role("link", name="Hoạt động của đơn vị").click()
    page.get_by_role("link", name="Thêm hoạt động").click()
    expect(page.get_by_test_id("aid-fields")).to_have_count(0)
    page.get_by_label("Loại hoạt động").select_option("aid")  # htmx brings the aid fields
    expect(page.get_by_test_id("aid-fields")).to_be_visible()
    page.get_by_label("Tên hoạt động").fill("Vận động tài trợ xe lăn cho người khuyết tật")
    page.get_by_label("Ngày bắt đầu").fill("02/03/2020")
    page.get_by_label("Ngày kết thúc").fill("01/03/2020")  # wrong on purpose
    page.get_by_label("Quốc gia đối tác").select_option("KR")
    page.get_by_label("Đối tác mới: tên").fill("Korea Disability Foundation")
    page.get_by_label("Đối tác mới: loại").select_option("ngo")
    page.get_by_label("Đối tác mới ở trên là nhà tài trợ").check()
    page.get_by_label("Lĩnh vực").select_option("social")
    page.get_by_label("Giá trị cam kết", exact=True).fill("25.000")
    page.get_by_label("Loại tiền").select_option("USD")
    page.get_by_label("Giá trị cam kết quy đổi (VNĐ)").fill("600.000.000")
    page.get_by_label("Đính kèm tài liệu minh chứng").set_input_files(str(evidence))
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Ngày kết thúc không được trước ngày bắt đầu.")).to_be_visible()
    expect(page.get_by_label("Tên hoạt động")).to_have_value(
        "Vận động tài trợ xe lăn cho người khuyết tật"
    )  # nothing typed is lost
    page.get_by_label("Ngày kết thúc").fill("03/03/2020")
    page.get_by_label("Đính kèm tài liệu minh chứng").set_input_files(str(evidence))
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Đã lưu hoạt động ở trạng thái nháp.")).to_be_visible()
    expect(page.get_by_role("link", name="quyet-dinh-tiep-nhan.pdf")).to_be_visible()
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    expect(page.get_by_text("Đã gửi hoạt động đến Sở Ngoại vụ.")).to_be_visible()
    log_out()

    log_in("thamdinh")
    page.get_by_test_id("menu-activities").click()  # the navigation's "Hoạt động" menu
    page.get_by_role("link", name="Thẩm định hoạt động").click()
    page.get_by_role("link", name="Vận động tài trợ xe lăn cho người khuyết tật").click()
    page.get_by_label("Trả lại đơn vị, kèm lý do").fill("Bổ sung số quyết định phê duyệt.")
    page.get_by_role("button", name="Trả lại", exact=True).click()
    expect(page.get_by_text("Đã trả lại hoạt động cho đơn vị.")).to_be_visible()
    log_out()

    log_in("canbo")
    page.get_by_test_id("menu-activities").click()  # the navigation's "Hoạt động" menu
    page.get_by_role("link", name="Hoạt động của đơn vị").click()
    page.get_by_role("link", name="Vận động tài trợ xe lăn cho người khuyết tật").click()
    expect(page.get_by_test_id("return-reason")).to_contain_text("Bổ sung số quyết định")
    page.get_by_role("link", name="Sửa").click()
    page.get_by_label("Số quyết định phê duyệt").fill("123/QĐ-UBND")
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Đã lưu thay đổi.")).to_be_visible()
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    expect(page.get_by_text("Đã gửi hoạt động đến Sở Ngoại vụ.")).to_be_visible()
    log_out()

    log_in("thamdinh")
    page.get_by_test_id("menu-activities").click()  # the navigation's "Hoạt động" menu
    page.get_by_role("link", name="Thẩm định hoạt động").click()
    page.get_by_role("link", name="Vận động tài trợ xe lăn cho người khuyết tật").click()
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page.get_by_text("Đã tiếp nhận hoạt động.")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("Bổ sung số quyết định")

    activity = Activity.objects.get()
    assert activity.status == "accepted"
    assert activity.approval_number == "123/QĐ-UBND"
    assert activity.donor.name == "Korea Disability Foundation"
    assert activity.attachments.count() == 1
