"""One action, one history entry: a save that also changes a record's many-to-many lists
(an activity's co-organisers and partners, a duty's coordinating agencies) is one entry of
its history (doingoai.history.OneEntryPerSave), on the page as in the database, and that
entry keeps the lists as the save left them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities import services as activity_services
from agencies.models import Agency, Duty
from tests.factories import activity_data, make_activity

pytestmark = pytest.mark.django_db


def entries(record) -> list[tuple[str, str]]:
    """The history of `record`, oldest first, as (type, reason)."""
    return [
        (entry.history_type, entry.history_change_reason)
        for entry in record.history.order_by("history_id")
    ]


def codes(agencies) -> set[str]:
    return {agency.code for agency in agencies}


def edit(actor, activity, **fields):
    return activity_services.update_activity(
        actor=actor, activity=activity, version=activity.version, data=activity_data(**fields)
    )


def test_creating_an_activity_with_co_organisers_and_partners_writes_one_entry(staff):
    jica = activity_services.get_or_create_partner(name="JICA", kind="international")
    activity = make_activity(staff, co_organisers=["VUNGTAU", "BARIA"], partners=[jica])

    assert entries(activity) == [("+", "Tạo mới")]
    created = activity.history.get()
    assert codes(row.agency for row in created.co_organisers.select_related("agency")) == {
        "VUNGTAU",
        "BARIA",
    }
    assert [row.partner.name for row in created.partners.select_related("partner")] == ["JICA"]


def test_an_edit_that_changes_the_co_organisers_writes_one_entry_with_the_new_list(staff):
    activity = make_activity(staff, co_organisers=["VUNGTAU"])

    activity = edit(staff, activity, co_organisers=["BARIA"], title="Đoàn Hàn Quốc")
    activity = edit(staff, activity, co_organisers=["BARIA"], title="Đoàn Hàn Quốc (sửa)")

    assert entries(activity) == [
        ("+", "Tạo mới"),
        ("~", "Chỉnh sửa: đơn vị phối hợp tổ chức"),
        ("~", "Chỉnh sửa"),
    ]
    first, second, third = activity.history.order_by("history_id")
    lists = [
        set(e.co_organisers.values_list("agency__code", flat=True)) for e in (first, second, third)
    ]
    assert lists == [{"VUNGTAU"}, {"BARIA"}, {"BARIA"}]


def test_clearing_the_co_organisers_is_one_entry_too(staff):
    activity = make_activity(staff, co_organisers=["VUNGTAU", "BARIA"])

    activity = edit(staff, activity, co_organisers=[])

    assert entries(activity) == [("+", "Tạo mới"), ("~", "Chỉnh sửa: đơn vị phối hợp tổ chức")]
    assert not activity.history.order_by("history_id").last().co_organisers.exists()


def test_the_activity_page_shows_one_row_per_save(client, staff):
    activity = make_activity(staff, co_organisers=["VUNGTAU"])
    activity = edit(staff, activity, co_organisers=["BARIA"])
    client.force_login(staff)

    response = client.get(reverse("activities:detail", args=[activity.pk]))

    reasons = [row.record.history_change_reason for row in response.context["history"]]
    assert reasons == ["Chỉnh sửa: đơn vị phối hợp tổ chức", "Tạo mới"]
    html = response.content.decode()
    table = html[html.index('data-testid="history"') :]
    assert table.count("Tạo mới") == 1
    assert table.count("Chỉnh sửa") == 1


def test_a_list_changed_on_a_record_not_saved_first_still_writes_its_own_entry(staff):
    # The other side: only a change made after a save joins that save's entry. A record
    # read from the database and only re-listed is an action of its own.
    duty = Duty.objects.filter(coordinating_agencies__isnull=False).distinct().first()
    before = duty.history.count()
    fresh = Duty.objects.get(pk=duty.pk)

    fresh.coordinating_agencies.add(Agency.objects.get(code="VUNGTAU"))

    assert duty.history.count() == before + 1


def test_a_duty_saved_then_re_listed_as_the_admin_does_is_one_entry(staff):
    duty = Duty.objects.filter(coordinating_agencies__isnull=False).distinct().first()
    before = duty.history.count()
    duty._history_user = staff
    duty._change_reason = "Sửa nhiệm vụ"

    duty.save()  # the admin saves the record, then its form's many-to-many lists
    duty.coordinating_agencies.set(Agency.objects.filter(code__in=["VUNGTAU", "BARIA"]))

    assert duty.history.count() == before + 1
    last = duty.history.order_by("history_id").last()
    assert last.history_change_reason == "Sửa nhiệm vụ"
    assert set(last.coordinating_agencies.values_list("agency__code", flat=True)) == {
        "VUNGTAU",
        "BARIA",
    }
