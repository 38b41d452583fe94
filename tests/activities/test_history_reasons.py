"""A long return reason or file name fits the history: the history's reason column holds 100
characters (PostgreSQL refuses more), the full text stays on the activity."""

from __future__ import annotations

from activities import services
from doingoai.text import CHANGE_REASON_MAX, change_reason

from .conftest import make_activity, pdf


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
    services.add_attachment(actor=staff, activity=activity, upload=pdf("bien-ban-" * 30 + ".pdf"))
    assert len(activity.history.latest().history_change_reason) <= CHANGE_REASON_MAX


def test_change_reason_leaves_short_text_alone_and_drops_nul_bytes():
    assert change_reason("Đã tiếp nhận") == "Đã tiếp nhận"
    assert change_reason("a\x00b  c") == "ab c"
