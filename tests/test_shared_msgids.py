"""An English word with two meanings reads each meaning in Vietnamese: a message's
recipients are "Gửi đến" / "Nơi nhận", never the date filter's "Đến ngày"; each source text
that two meanings shared has its own context (pgettext) or msgid."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from activities.exchange.forms import MessageForm
from activities.exchange.models import Message, MessageRecipient
from activities.filters import ActivityFilter
from activities.models import Activity
from agencies.models import AgencyName, Plan
from notifications.models import Notification
from reports.models import IssuingAuthority
from tests.factories import make_activity, make_periods, send_message

pytestmark = pytest.mark.django_db


def test_the_message_form_labels_its_recipients_and_the_date_filter_its_dates(staff):
    with translation.override("vi"):
        form = MessageForm(user=staff)
        dates = ActivityFilter(data={}, queryset=Activity.objects.none()).form

        assert str(form["recipients"].label) == "Gửi đến"
        assert str(dates["date_from"].label) == "Từ ngày"
        assert str(dates["date_to"].label) == "Đến ngày"
    with translation.override("en"):
        assert str(MessageForm(user=staff)["recipients"].label) == "To"


def test_the_message_page_and_form_render_the_recipients_words(client, staff, reviewer):
    message = send_message(reviewer, sender="SNGV", to=["SLDTBXH"])
    client.force_login(staff)

    form_page = client.get(reverse("exchange:new")).content.decode()
    message_page = client.get(message.get_absolute_url()).content.decode()

    assert '<label class="form-label" for="id_recipients">Gửi đến</label>' in form_page
    assert "Đến ngày" not in form_page
    assert '<h2 class="h5 mt-4">Nơi nhận</h2>' in message_page


@pytest.mark.parametrize(
    ("model", "field", "vietnamese"),
    [
        # "title": an activity's name, a document's "trích yếu"
        (Activity, "title", "tên hoạt động"),
        (Plan, "title", "trích yếu"),
        # "from": a message's sender, the first day of an agency's name
        (Message, "sender_agency", "đơn vị gửi"),
        (AgencyName, "valid_from", "từ ngày"),
        # "recipient(s)": an agency a message goes to, a person told, a document's list
        (MessageRecipient, "agency", "cơ quan, đơn vị"),
        (Notification, "recipient", "người nhận"),
        (IssuingAuthority, "recipients", "nơi nhận"),
    ],
)
def test_a_field_name_two_meanings_shared_reads_its_own_meaning(model, field, vietnamese):
    with translation.override("vi"):
        assert str(model._meta.get_field(field).verbose_name) == vietnamese


def test_a_message_recipient_is_an_agency_that_receives(reviewer):
    with translation.override("vi"):
        assert str(MessageRecipient._meta.verbose_name) == "đơn vị nhận"
        assert str(Notification._meta.get_field("recipient").verbose_name) != str(
            MessageRecipient._meta.verbose_name
        )


def test_the_column_of_dates_is_not_a_status_nor_a_history_reason(client, staff, reviewer):
    make_activity(staff, status="submitted")
    make_periods(2020)
    client.force_login(reviewer)

    queue = client.get(reverse("activities:review")).content.decode()
    versions = client.get(reverse("reports:consolidated-period", args=["2020-H1"]))

    assert "<th>Thời điểm gửi</th>" in queue
    assert "<th>Thời điểm tạo</th>" in versions.content.decode()
