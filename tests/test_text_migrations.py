"""The data migrations that bring stored text to the form new text is saved in (agencies 0004,
activities 0008, exchange 0004, reports 0006), on a PostgreSQL database whose rows were
written raw before them: decomposed, with look-alikes of Đ, direction overrides and control
characters (PostgreSQL refuses NUL in text, so \\x07 stands for the controls); and the
activities' cleaning run on any database, where it merges partners, twice to the same
result."""

from __future__ import annotations

import importlib
import unicodedata
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from activities.exchange.models import Message
from activities.models import Activity, Partner
from agencies.models import Agency, User
from reports.models import AgencyReport
from tests.factories import make_activity, make_agency_report, make_periods, send_message
from tests.support import postgres_only

BEFORE = [
    ("agencies", "0003_act_for_agency_permission"),
    ("activities", "0007_reviewer_verbose_names"),
    ("exchange", "0003_starting_history"),
    ("reports", "0005_missing_glyphs"),
]

NFD = unicodedata.normalize("NFD", "Đón đoàn tỉnh Chiba")
OVERRIDE = "Đón đoàn \u202eNB nậhN\u202c"
LOOK_ALIKE = "Ðón ɖoàn\x07 tỉnh Chiba"


def _migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader reads what is applied now


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_text_stored_before_the_migrations_is_cleaned_and_searchable(staff, reviewer):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    activity = make_activity(staff, title="tạm")
    other = make_activity(staff, title="tạm 2")
    message = send_message(reviewer, subject="tạm", body="tạm")
    make_periods(2020)
    report = make_agency_report("2020-H1", "SLDTBXH", results="tạm")
    taken = User.objects.create_user("lan")
    try:
        old = _migrate(BEFORE).loader.project_state(BEFORE).apps

        def raw(label: str, pk: int, **values) -> None:
            # update() sends no signal: the rows hold exactly what an older portal stored.
            model = old.get_model(*label.split("."))
            assert model.objects.filter(pk=pk).update(**values) == 1

        raw(
            "activities.Activity",
            activity.pk,
            title=NFD,
            place=LOOK_ALIKE,
            description=f"{OVERRIDE}\r\nDòng\x07 hai",
            search_text="cu",
        )
        raw("activities.Activity", other.pk, title=OVERRIDE, search_text="cu")
        OldPartner = old.get_model("activities", "Partner")
        kept = OldPartner.objects.create(name="Đoàn Hữu nghị", kind="friendship", country="JP")
        twin = OldPartner.objects.create(name="x", kind="ngo", country="JP")
        raw("activities.Partner", twin.pk, name="Ðoàn Hữu\u2066 nghị\u2069", search_text="cu")
        links = old.get_model("activities", "Activity").partners.through.objects
        links.create(activity_id=activity.pk, partner_id=kept.pk)
        links.create(activity_id=activity.pk, partner_id=twin.pk)
        links.create(activity_id=other.pk, partner_id=twin.pk)
        raw("activities.Activity", other.pk, donor_id=twin.pk)
        raw(
            "exchange.Message",
            message.pk,
            subject=LOOK_ALIKE,
            body=f"{NFD}\r\n\x07",
            search_text="",
        )
        raw("reports.AgencyReport", report.pk, results=f"{OVERRIDE}\r\n{NFD}")
        syt = old.get_model("agencies", "Agency").objects.get(code="SYT")
        raw("agencies.Agency", syt.pk, short_name="Sở Y tế\u202e")
        # Made through the old state's model: its table has the columns of that time.
        twin_user = old.get_model("agencies", "User").objects.create(username="x", password="!")
        raw("agencies.User", twin_user.pk, username="lan\u200b", first_name=NFD)

        _migrate(latest)

        activity.refresh_from_db()
        assert activity.title == "Đón đoàn tỉnh Chiba"
        assert activity.place == "Đón đoàn tỉnh Chiba"
        assert activity.description == "Đón đoàn NB nậhN\nDòng hai"
        assert activity.search_text == (
            "don doan tinh chiba don doan tinh chiba don doan nb nahn dong hai doan huu nghi"
        )
        assert Activity.objects.get(pk=other.pk).title == "Đón đoàn NB nậhN"
        # the two forms of one partner are one partner, with both activities and the gift
        assert list(Partner.objects.filter(country="JP")) == [Partner.objects.get(pk=kept.pk)]
        assert Partner.objects.get(pk=kept.pk).search_text == "doan huu nghi"
        assert list(activity.partners.values_list("pk", flat=True)) == [kept.pk]
        other = Activity.objects.get(pk=other.pk)
        assert list(other.partners.values_list("pk", flat=True)) == [kept.pk]
        assert other.donor_id == kept.pk
        assert list(Activity.objects.search("nb nậhn").order_by("pk")) == [activity, other]
        message = Message.objects.get(pk=message.pk)
        assert (message.subject, message.body) == ("Đón đoàn tỉnh Chiba", "Đón đoàn tỉnh Chiba\n")
        assert message.search_text == "don doan tinh chiba don doan tinh chiba"
        assert AgencyReport.objects.get(pk=report.pk).results == (
            "Đón đoàn NB nậhN\nĐón đoàn tỉnh Chiba"
        )
        syt = Agency.objects.get(code="SYT")
        assert syt.short_name == "Sở Y tế" and list(Agency.objects.search("so y te")) == [syt]
        # a username whose clean form is another's is left for an administrator to rename
        assert User.objects.get(pk=taken.pk).username == "lan"
        assert User.objects.get(pk=twin_user.pk).username == "lan\u200b"
        assert User.objects.get(pk=twin_user.pk).first_name == "Đón đoàn tỉnh Chiba"
    finally:
        _migrate(latest)


def _run(app: str, name: str, function: str) -> None:
    module = importlib.import_module(f"{app}.migrations.{name}")
    getattr(module, function)(django_apps, SimpleNamespace(connection=connection))


@pytest.mark.django_db
def test_the_cleaning_runs_again_on_any_database_and_merges_what_it_makes_equal(staff):
    first = make_activity(staff, title="tạm")
    second = make_activity(staff, title="tạm 2")
    kept = Partner.objects.create(name="Quỹ Hòa bình", kind="ngo", country="KR")
    twin = Partner.objects.create(name="x", kind="ngo", country="KR")
    Partner.objects.filter(pk=twin.pk).update(name=unicodedata.normalize("NFD", "Quỹ Hòa bình"))
    first.partners.add(kept, twin)
    second.partners.add(twin)
    Activity.objects.filter(pk=first.pk).update(title=LOOK_ALIKE, search_text="")
    Activity.objects.filter(pk=second.pk).update(donor=twin)

    _run("activities", "0008_clean_stored_text", "clean_activities")
    _run("activities", "0008_clean_stored_text", "clean_activities")  # a second run: no change

    first.refresh_from_db()
    assert first.title == "Đón đoàn tỉnh Chiba"
    assert (
        first.search_text
        == "don doan tinh chiba vung tau lam viec ve lao dong nuoc ngoai quy hoa binh"
    )
    assert list(Partner.objects.filter(country="KR")) == [kept]
    assert list(first.partners.all()) == [kept]
    assert list(Activity.objects.get(pk=second.pk).partners.all()) == [kept]
    assert Activity.objects.get(pk=second.pk).donor == kept
