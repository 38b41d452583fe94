"""Limits a clerk can read (issue #10, kind 6): every text field has a maximum length in the
model and in its forms, told in Vietnamese with the field's name and the limit; a request
over Django's limits gets the portal's page, with nothing saved; a username too long for
django-axes's column is a wrong login, not a server error."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from activities.exchange.models import Message
from activities.models import Activity
from agencies.models import Plan
from reports.forms import AgencyReportForm, NarrativeForm
from reports.models import AgencyReport
from tests.factories import (
    activity_form,
    make_activity,
    make_agency_report,
    make_periods,
    message_form,
)

pytestmark = pytest.mark.django_db

PORTAL_APPS = ("agencies", "activities", "exchange", "reports", "notifications", "doingoai")


def free_text_fields():
    """Every text column users or the admin write: not a derived column (search_text), not
    a choice."""
    for label in PORTAL_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if (
                    isinstance(field, models.CharField | models.TextField)
                    and field.editable
                    and not field.choices
                ):
                    yield pytest.param(model, field, id=f"{model._meta.label}.{field.name}")


@pytest.mark.parametrize("model, field", free_text_fields())
def test_every_text_field_has_a_maximum_that_full_clean_enforces(model, field):
    assert field.max_length, f"{model._meta.label}.{field.name} takes any length"
    with pytest.raises(ValidationError) as refused:
        field.run_validators("x" * (field.max_length + 1))
    assert "max_length" in [error.code for error in refused.value.error_list]


def test_the_limits_are_the_ones_chosen():
    def limit(model, name):
        return model._meta.get_field(name).max_length

    assert limit(Activity, "description") == limit(Activity, "outcome") == 20_000
    assert limit(Message, "body") == limit(Message, "difficulty_response") == 20_000
    assert limit(Activity, "return_reason") == limit(AgencyReport, "return_reason") == 10_000
    assert limit(Plan, "title") == 2_000


def error_text(response) -> str:
    return " ".join(" ".join(errors) for errors in response.context["form"].errors.values())


def test_a_description_too_long_is_named_with_its_limit_and_nothing_is_saved(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("activities:create"),
        # the limit itself is accepted
        activity_form(description="x" * 23_456, outcome="y" * 20_000),
    )
    assert response.status_code == 200
    assert error_text(response) == "“Nội dung” dài tối đa 20.000 ký tự (hiện có 23.456)."
    assert not Activity.objects.exists()


def test_a_message_too_long_is_named_with_its_limit_and_not_sent(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("exchange:new"), message_form(body="x" * 20_001))
    assert response.status_code == 200
    assert error_text(response) == "“Nội dung” dài tối đa 20.000 ký tự (hiện có 20.001)."
    assert not Message.objects.exists()


def test_a_return_reason_too_long_is_refused_with_its_limit(client, staff, reviewer):
    activity = make_activity(staff, status="submitted")
    client.force_login(reviewer)
    response = client.post(
        reverse("activities:return", args=[activity.pk]),
        {"version": activity.version, "reason": "Thiếu biên bản. " * 700},
        follow=True,
    )
    told = [str(m) for m in response.context["messages"]]
    assert told == ["“Lý do” dài tối đa 10.000 ký tự (hiện có 11.199)."]
    activity.refresh_from_db()
    assert activity.status == "submitted" and activity.return_reason == ""


def test_a_return_reason_of_several_pages_is_taken(client, staff, manager, reviewer):
    # 6,000 characters: refused when the limit was 5,000 before the text limits, and 2,000
    # after them.
    reason = "Bổ sung biên bản làm việc và danh sách đoàn. " * 136
    activity = make_activity(staff, status="submitted")
    client.force_login(reviewer)
    client.post(
        reverse("activities:return", args=[activity.pk]),
        {"version": activity.version, "reason": reason},
    )
    activity.refresh_from_db()
    assert activity.status == "returned" and activity.return_reason == reason.strip()
    make_periods(2020)
    report = make_agency_report(
        "2020-H1", "VUNGTAU", status="returned", sender=manager, reviewer=reviewer, reason=reason
    )
    assert report.return_reason == reason.strip()


@pytest.mark.parametrize(
    "form_class, data, message",
    [
        (
            AgencyReportForm,
            {"version": 1, "proposals": "x" * 20_001},
            "“Kiến nghị, đề xuất” dài tối đa 20.000 ký tự (hiện có 20.001).",
        ),
        (
            NarrativeForm,
            {"version": 1, "situation": "x" * 25_000},
            "“I. Tình hình chung” dài tối đa 20.000 ký tự (hiện có 25.000).",
        ),
    ],
)
def test_report_texts_are_limited_in_their_forms(form_class, data, message):
    form = form_class(data)
    assert not form.is_valid()
    assert [m for errors in form.errors.values() for m in errors] == [message]


def test_the_admin_refuses_a_plan_title_too_long_in_vietnamese(client, admin_user):
    plan = Plan.objects.get()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:agencies_plan_change", args=[plan.pk]),
        {
            "number": plan.number,
            "issued_on": plan.issued_on.strftime("%d/%m/%Y"),
            "issuer": plan.issuer,
            "title": "Kế hoạch " * 300,
            "signer": plan.signer,
            "legal_bases-TOTAL_FORMS": "0",
            "legal_bases-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "“Trích yếu” dài tối đa 2.000 ký tự (hiện có 2.699)." in response.content.decode()
    plan.refresh_from_db()
    assert not plan.title.startswith("Kế hoạch Kế hoạch")


# ---------------------------------------------------------------------------- the login page


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
@pytest.mark.parametrize("length", [151, 256, 10_000])
def test_a_username_too_long_is_a_wrong_login_not_a_server_error(client, url_name, length):
    client.raise_request_exception = False
    response = client.post(reverse(url_name), {"username": "a" * length, "password": "sai"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "dài tối đa 150 ký tự" in html


@pytest.mark.postgres
@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_a_username_longer_than_axes_column_is_a_vietnamese_field_error_on_postgres(
    client, url_name
):
    # 300 characters: past the form's 150 and axes's 255-character column, which PostgreSQL
    # (unlike SQLite) enforces; a lost check is a 500 here.
    client.raise_request_exception = False
    response = client.post(reverse(url_name), {"username": "a" * 300, "password": "sai"})
    assert response.status_code == 200
    assert "“Tên đăng nhập” dài tối đa 150 ký tự (hiện có 300)." in response.content.decode()


def test_axes_records_a_username_cut_to_its_column():
    from doingoai.forms import login_username

    class Request:
        POST = {"username": "b" * 300}

    assert login_username(Request(), None) == "b" * 255
    assert login_username(Request(), {"username": "c" * 400}) == "c" * 255
