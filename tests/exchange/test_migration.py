"""Moving the exchange's models from the activities app to their own keeps every row: the
migrations move the state, not the tables, on a database that already holds messages."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from activities.exchange import services
from activities.exchange.models import Message, MessageAttachment, MessageRecipient
from agencies.models import Agency
from tests.conftest import postgres_only

# Where a database stood before the move: messages in the activities app, no exchange app.
BEFORE = [("activities", "0005_message_attachments"), ("exchange", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection)  # a fresh loader reads what is applied now


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_messages_written_before_the_move_are_read_through_the_new_models(
    reviewer, manager, activity_of, staff
):
    latest = _latest()
    activity = activity_of(staff, "SLDTBXH")
    sngv, vungtau, baria = (Agency.objects.get(code=c) for c in ("SNGV", "VUNGTAU", "BARIA"))
    message_type = ContentType.objects.get_for_model(Message)
    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state([("activities", "0005_message_attachments")]).apps
        OldMessage = old.get_model("activities", "Message")
        OldRecipient = old.get_model("activities", "MessageRecipient")
        OldAttachment = old.get_model("activities", "MessageAttachment")
        # The content type of the old days, and an admin log entry that points at it.
        old_type = ContentType.objects.get(pk=message_type.pk)
        assert (old_type.app_label, old_type.model) == ("activities", "message")
        request = OldMessage.objects.create(
            sender_agency_id=sngv.pk,
            sent_by_id=reviewer.pk,
            kind="request",
            subject="Báo cáo số đoàn",
            body="Đề nghị báo cáo.",
            due_date=date(2026, 12, 1),
            activity_id=activity.pk,
            search_text="bao cao so doan",
        )
        answer = OldMessage.objects.create(
            sender_agency_id=vungtau.pk,
            sent_by_id=manager.pk,
            kind="reply",
            subject="Trả lời: Báo cáo số đoàn",
            body="Đã đón 3 đoàn.",
            thread_id=request.pk,
            in_reply_to_id=request.pk,
        )
        OldRecipient.objects.create(message_id=request.pk, agency_id=vungtau.pk, answer=answer)
        OldRecipient.objects.create(message_id=request.pk, agency_id=baria.pk)
        OldRecipient.objects.create(message_id=answer.pk, agency_id=sngv.pk)
        difficulty = OldMessage.objects.create(
            sender_agency_id=baria.pk,
            sent_by_id=manager.pk,
            kind="difficulty",
            subject="Vướng mắc",
            body="Chưa rõ quy trình.",
            difficulty_status="open",
        )
        OldRecipient.objects.create(message_id=difficulty.pk, agency_id=sngv.pk)
        OldAttachment.objects.create(
            message_id=request.pk,
            file="attachments/0123456789abcdef",
            original_name="de-nghi.pdf",
            content_type="application/pdf",
            size=1234,
            uploaded_by_id=reviewer.pk,
        )
        entry = LogEntry.objects.create(
            user_id=reviewer.pk,
            content_type_id=old_type.pk,
            object_id=str(request.pk),
            object_repr="Báo cáo số đoàn",
            action_flag=CHANGE,
        )

        _migrate(latest)

        moved = Message.objects.get(pk=request.pk)
        assert moved.subject == "Báo cáo số đoàn" and moved.sender_agency == sngv
        assert moved.activity == activity and list(activity.messages.all()) == [moved]
        assert moved.sent_by == reviewer and moved.due_date == date(2026, 12, 1)
        assert list(moved.thread_messages.all()) == [Message.objects.get(pk=answer.pk)]
        assert list(moved.replies.values_list("pk", flat=True)) == [answer.pk]
        rows = MessageRecipient.objects.filter(message=moved).order_by("agency__code")
        assert [(r.agency.code, r.answer_id) for r in rows] == [
            ("BARIA", None),
            ("VUNGTAU", answer.pk),
        ]
        assert list(vungtau.received.values_list("message_id", flat=True)) == [request.pk]
        assert list(sngv.sent_messages.all()) == [moved]
        stored = MessageAttachment.objects.get()
        assert stored.message == moved and stored.original_name == "de-nghi.pdf"
        assert stored.file.name == "attachments/0123456789abcdef"
        assert list(Message.objects.visible_to(manager)) == [
            Message.objects.get(pk=answer.pk),
            moved,
        ]
        # The same content type row, now the exchange's: log entries and permissions follow.
        moved_type = ContentType.objects.get_for_model(Message)
        assert moved_type.pk == message_type.pk and moved_type.app_label == "exchange"
        assert LogEntry.objects.get(pk=entry.pk).get_edited_object() == moved
        assert Permission.objects.filter(content_type=moved_type, codename="view_message").exists()
        assert not ContentType.objects.filter(app_label="activities", model="message").exists()
        # New rows take the next ids; the handling of an old difficulty gets a history.
        newer = services.send_message(
            actor=reviewer,
            sender_agency=sngv,
            recipients=[vungtau],
            kind="information",
            subject="Thông báo",
            body="Nội dung.",
        )
        assert newer.pk > difficulty.pk
        handled = services.handle_difficulty(
            actor=reviewer,
            message=Message.objects.get(pk=difficulty.pk),
            status="resolved",
            response="Đã hướng dẫn.",
        )
        assert [(r.history_user, r.difficulty_status) for r in handled.history.all()] == [
            (reviewer, "resolved")
        ]
    finally:
        _migrate(latest)
