"""What the history says of a change: files added and removed, the lists an edit changed; a long
return reason or file name fits (the reason column holds 100 characters, PostgreSQL refuses
more), the full text stays on the activity."""

from __future__ import annotations

import pytest

from activities import services
from activities.models import Attachment
from doingoai.text import CHANGE_REASON_MAX, change_reason
from tests.factories import activity_data, make_activity, pdf_upload

pytestmark = pytest.mark.django_db


def test_a_long_return_reason_is_kept_whole_on_the_activity_and_cut_in_the_history(staff, reviewer):
    activity = make_activity(staff, status="submitted")
    reason = "Đề nghị bổ sung biên bản làm việc và danh sách thành viên đoàn. " * 10
    activity = services.return_activity(
        actor=reviewer, activity=activity, version=activity.version, reason=reason
    )
    activity.refresh_from_db()
    assert activity.return_reason == reason.strip()
    recorded = activity.history.latest().history_change_reason
    assert len(recorded) == CHANGE_REASON_MAX
    assert recorded.startswith("Đề nghị bổ sung biên bản") and recorded.endswith("…")


def test_a_long_file_name_fits_the_history(staff):
    activity = make_activity(staff)
    services.add_attachment(
        actor=staff, activity=activity, upload=pdf_upload("bien-ban-" * 30 + ".pdf")
    )
    assert len(activity.history.latest().history_change_reason) <= CHANGE_REASON_MAX


def test_change_reason_leaves_short_text_alone_and_drops_nul_bytes():
    assert change_reason("Đã tiếp nhận") == "Đã tiếp nhận"
    assert change_reason("a\x00b  c") == "ab c"


def test_files_are_recorded_in_the_history_and_frozen_after_submission(staff, draft_with_file):
    draft = draft_with_file
    reasons = list(draft.history.values_list("history_change_reason", flat=True))
    assert "Đính kèm tệp: bien-ban.pdf" in reasons
    draft = services.submit_activity(actor=staff, activity=draft, version=draft.version)
    with pytest.raises(services.ActivityError):
        services.delete_attachment(actor=staff, attachment=draft.attachments.get())
    with pytest.raises(services.ActivityError):
        services.add_attachment(actor=staff, activity=draft, upload=pdf_upload())
    assert Attachment.objects.filter(activity=draft).count() == 1


def test_an_edit_names_the_lists_it_changed(staff, draft_with_file):
    draft = draft_with_file
    services.update_activity(
        actor=staff,
        activity=draft,
        version=draft.version,
        data=activity_data(countries=["JP", "KR"]),
    )
    assert (
        draft.history.latest().history_change_reason == "Chỉnh sửa: đơn vị phối hợp tổ chức, "
        "quốc gia đối tác"
    )
