"""Moving the exchange's models from the activities app to their own keeps every row: the
migrations move the state, not the tables, on a database that already holds messages."""

from __future__ import annotations

import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from activities.exchange import services
from activities.exchange.models import Message, MessageAttachment, MessageRecipient
from agencies.models import Agency
from doingoai.history import history_rows
from tests.factories import agencies, make_activity
from tests.support import postgres_only

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
def test_messages_written_before_the_move_are_read_through_the_new_models(reviewer, manager, staff):
    latest = _latest()
    activity = make_activity(staff)
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
        # Every old message starts its history when it was sent, by its sender, with the
        # reason a message sent today gets (exchange 0003).
        sent_today = newer.history.get().history_change_reason
        for old_message in (request, answer, difficulty):
            start = Message.objects.get(pk=old_message.pk).history.get()
            assert start.history_type == "+" and start.history_date == old_message.created_at
            assert start.history_user_id == old_message.sent_by_id
            assert start.history_change_reason == sent_today
            assert start.subject == old_message.subject
        handled = services.handle_difficulty(
            actor=reviewer,
            message=Message.objects.get(pk=difficulty.pk),
            status="resolved",
            response="Đã hướng dẫn.",
        )
        records = handled.history.order_by("-history_date", "-history_id")
        assert [(r.history_user, r.difficulty_status) for r in records] == [
            (reviewer, "resolved"),
            (manager, "open"),
        ]
        # so the first handling of an old difficulty says what it changed
        assert sorted(history_rows(records)[0].changed) == [
            "tình trạng xử lý",
            "ý kiến trả lời của Sở Ngoại vụ",
        ]
    finally:
        _migrate(latest)


def _migration(name: str):
    return importlib.import_module(f"activities.exchange.migrations.{name}")


def _schema_editor():
    return SimpleNamespace(connection=connection)


@pytest.mark.django_db
def test_messages_without_history_get_a_starting_row_and_others_are_left_alone(staff, reviewer):
    old = services.send_message(
        actor=staff,
        sender_agency=Agency.objects.get(code="SLDTBXH"),
        recipients=[],
        kind="difficulty",
        subject="Vướng mắc thủ tục",
        body="Chưa rõ quy trình.",
    )
    sent_today = old.history.get().history_change_reason
    old.history.all().delete()  # as before exchange 0002: no history at all
    Message.objects.filter(pk=old.pk).update(difficulty_status="handling")  # never recorded
    recent = services.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=agencies("VUNGTAU"),
        kind="information",
        subject="Thông báo",
        body="Nội dung.",
    )
    _migration("0003_starting_history").write_starting_history(django_apps, _schema_editor())
    _migration("0003_starting_history").write_starting_history(django_apps, _schema_editor())

    start = old.history.get()
    assert (start.history_type, start.history_user, start.history_date) == (
        "+",
        staff,
        old.created_at,
    )
    assert start.history_change_reason == sent_today
    assert (start.subject, start.difficulty_status) == ("Vướng mắc thủ tục", "handling")
    assert recent.history.count() == 1  # had its own already
    services.handle_difficulty(
        actor=reviewer, message=old, status="resolved", response="Đã hướng dẫn."
    )
    records = old.history.order_by("-history_date", "-history_id")
    assert sorted(history_rows(records)[0].changed) == [
        "tình trạng xử lý",
        "ý kiến trả lời của Sở Ngoại vụ",
    ]


@pytest.mark.django_db
def test_a_stale_content_type_is_merged_into_the_one_post_migrate_made(reviewer, admin_user):
    # A partial run: post_migrate made the exchange's content type and its four permissions
    # while the old one, with what pointed at it, was still there.
    new = ContentType.objects.get_for_model(Message)
    stale = ContentType.objects.create(app_label="activities", model="message")
    old_view = Permission.objects.create(
        content_type=stale, codename="view_message", name="Can view message"
    )
    old_custom = Permission.objects.create(
        content_type=stale, codename="export_message", name="Can export message"
    )
    new_view = Permission.objects.get(content_type=new, codename="view_message")
    group = Group.objects.create(name="Văn thư")
    group.permissions.add(old_view, old_custom)
    reviewer.user_permissions.add(old_view, new_view)  # held twice: once is enough
    entry = LogEntry.objects.create(
        user_id=admin_user.pk,
        content_type_id=stale.pk,
        object_id="1",
        object_repr="Báo cáo số đoàn",
        action_flag=CHANGE,
    )

    _migration("0001_initial").move_content_types(django_apps, _schema_editor())

    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(pk=stale.pk).exists()
    assert ContentType.objects.get_for_model(Message) == new
    assert LogEntry.objects.get(pk=entry.pk).content_type_id == new.pk
    assert not Permission.objects.filter(pk=old_view.pk).exists()
    assert set(group.permissions.all()) == {new_view, Permission.objects.get(pk=old_custom.pk)}
    assert Permission.objects.get(pk=old_custom.pk).content_type == new
    assert list(reviewer.user_permissions.all()) == [new_view]
