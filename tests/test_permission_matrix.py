"""One permission matrix over every URL of the portal (STYLE rule 12): for each named URL
pattern, a page or an action on one object of a small world, and what each role gets.

Anonymous users are sent to the login page, POSTs included; a signed-in account that belongs to
no agency gets 404 on every object and action (existence does not leak); each role gets what
agencies/permissions.py and the read rules (`visible_to`) say. A POST a role may make changes
the state; one it may not, even when answered with a redirect and a message, leaves it as it
was. A guard fails when a URL pattern is added without a row.

The world is built once for the module through the services, inside a transaction rolled back
at the end (as Django's setUpTestData does). Each test runs in a savepoint of it, and each
role's request in a savepoint of the test, so one role's action never changes what the next
role sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.urls.resolvers import RoutePattern

from activities import imports
from activities.exchange.models import Message
from activities.models import Activity, Attachment
from agencies import permissions
from agencies.models import Agency, ImplementingProgramme, Plan, PlanEvaluation, User
from agencies.permissions import Action
from agencies.plans import record_programme
from notifications.models import EmailPreference, Notification
from reports import pdf
from reports.models import ConsolidatedReport
from tests.factories import (
    PASSWORD,
    agency_report,
    make_activity,
    make_agency_report,
    make_consolidated_report,
    make_member,
    make_periods,
    pdf_upload,
    period_of,
    report_difficulty,
    send_request,
)
from tests.support import FakeRenderer, shared_data

# ---------------------------------------------------------------------------- roles and answers

ROLES = ("anonymous", "outsider", "staff", "manager", "reviewer", "leader", "admin")
SIGNED_IN_ORDER = ROLES[1:]  # each the member of tests/factories.py's CAST of that name
SIGNED_IN = frozenset(SIGNED_IN_ORDER)

# What a response is recorded as: its status code, or one of these redirects.
LOGIN = "login page"  # 302 to the login page, with ?next= the page asked for
ADMIN_LOGIN = "admin login page"  # 302 to the admin's own login page, with ?next=
Status = int | str

# URL patterns that have no row: a namespace and the names kept in it, with the reason.
EXCLUDED = {
    "admin": (
        {"index"},
        "Django's own admin pages, guarded by the admin site as a whole: its rule (staff "
        "accounts only) is the row of admin:index.",
    ),
}


def expect(others: Status, /, **roles: Status) -> dict[str, Status]:
    """Every role's expected answer: `others` unless the role is named; anonymous users are
    sent to the login page unless named."""
    table = {role: others for role in ROLES}
    table["anonymous"] = LOGIN
    table.update(roles)
    return table


EVERYONE = expect(200)  # every signed-in account, the outsider included
WRITERS = expect(404, staff=200, manager=200, reviewer=200, admin=200)  # Action.ACT somewhere
REVIEWERS = expect(404, reviewer=200, admin=200)  # permissions.reviews_province
MONITORS = expect(404, staff=200, manager=200, reviewer=200, leader=200, admin=200)
NOT_THIS_METHOD = expect(405)


def answer(response, path: str) -> Status:
    """What `response` to a request for `path` is recorded as in the matrix."""
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        asked = parse_qs(location.query).get("next", [""])[0]
        for sentinel, login in ((LOGIN, reverse("login")), (ADMIN_LOGIN, reverse("admin:login"))):
            if location.path == login and urlsplit(asked).path == path:
                return sentinel
    return response.status_code


# ---------------------------------------------------------------------------- the world


@dataclass
class World:
    """What the rows point at, by key: ids and codes. The cast by id only: `user` reads an
    account again for each use, so the rights the build cached on its User objects
    (permissions.agency_ids, message_agency_ids) never reach a test, nor one test's another."""

    user_ids: dict[str, int]  # signed-in role → the pk of the cast's member
    agency: dict[str, int]  # code → pk, for forms
    plan: int
    activity: dict[str, int]  # draft (SLDTBXH), submitted (VUNGTAU), accepted (SLDTBXH)
    attachment: int  # the draft's file
    message: dict[str, int]  # difficulty (VUNGTAU → SNGV), request (SNGV → VUNGTAU, SLDTBXH)
    message_file: int  # the difficulty's file
    version: dict[str, int]  # consolidated versions: issued, ready (2020-H1), failed (2019)
    sessions: dict[str, str]  # role → the session key of its signed-in account
    notification: int  # an unread notification of the staff member

    def user(self, role: str) -> User | None:
        """The account of `role`, read from the database now (None for anonymous)."""
        pk = self.user_ids.get(role)
        return None if pk is None else User.objects.get(pk=pk)


def build_world() -> World:
    """The cast of tests/factories.py, and one object in each state the rows need, made
    through the services as users make them."""
    users = {role: make_member(role) for role in SIGNED_IN_ORDER}
    staff, manager, reviewer = users["staff"], users["manager"], users["reviewer"]

    draft = make_activity(staff, title="Bản nháp của Sở", attachments=["bien-ban.pdf"])
    submitted = make_activity(manager, agency="VUNGTAU", status="submitted", title="Đoàn chờ duyệt")
    accepted = make_activity(staff, status="accepted", reviewer=reviewer, title="Đoàn đã duyệt")
    difficulty = report_difficulty(
        manager,
        sender="VUNGTAU",
        to=["SNGV"],
        body="Chậm cấp phép cho đoàn vào.",
        attachments=["cong-van.pdf"],
    )
    request = send_request(
        reviewer, to=["VUNGTAU", "SLDTBXH"], subject="Báo cáo đón đoàn", body="Đề nghị báo cáo."
    )

    make_periods(2019, 2020)
    text = {"results": "Đã đón 2 đoàn."}
    make_agency_report("2020-H1", "SLDTBXH", writer=staff, **text)  # a draft
    make_agency_report("2020", "VUNGTAU", writer=manager, **text)  # a draft ready to send
    make_agency_report("2020-H1", "VUNGTAU", status="submitted", sender=manager, **text)
    make_agency_report(
        "2019-H1", "VUNGTAU", status="accepted", sender=manager, reviewer=reviewer, **text
    )

    issued = make_consolidated_report("2020-H1", actor=reviewer, status="issued")
    ready = make_consolidated_report("2020-H1", actor=reviewer, status="ready")
    failed = make_consolidated_report("2019", actor=reviewer, status="failed")

    told = Notification.objects.create(
        recipient=staff, kind="activity_returned", event="matrix", title="Bản nháp", url="/"
    )

    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.session.session_key
    return World(
        user_ids={role: user.pk for role, user in users.items()},
        sessions=sessions,
        agency=dict(Agency.objects.values_list("code", "pk")),
        plan=Plan.objects.values_list("pk", flat=True).first(),
        activity={"draft": draft.pk, "submitted": submitted.pk, "accepted": accepted.pk},
        attachment=draft.attachments.get().pk,
        message={"difficulty": difficulty.pk, "request": request.pk},
        message_file=difficulty.attachments.get().pk,
        version={"issued": issued.pk, "ready": ready.pk, "failed": failed.pk},
        notification=told.pk,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The world, built once for the module and rolled back at its end; files in a folder of
    the module's own, PDFs from the fake renderer."""
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path_factory.mktemp("private"), "base_url": None},
    }
    with (
        pytest.MonkeyPatch.context() as patch,
        override_settings(STORAGES={**settings.STORAGES, "default": private}),
    ):
        patch.setattr(pdf, "render_pdf", FakeRenderer())
        with shared_data(django_db_blocker, build_world) as built:
            yield built


# ---------------------------------------------------------------------------- the rows


def no_args(world: World) -> list:
    return []


@dataclass(frozen=True)
class Row:
    """One URL on one object with one method, and each role's expected answer.

    `args` gives the URL's arguments (called inside each role's savepoint, so it may make
    something for that request only); `data` the POST body for a role; `state` reads what the
    request may change, before and after; it must change for the roles of `changes_for` and
    for no other. `location` is where a permanent redirect must point."""

    name: str
    obj: str
    expected: dict[str, Status]
    method: str = "get"
    args: Callable[[World], list] = no_args
    data: Callable[[World, str], dict] | None = None
    query: Callable[[World], dict] | None = None
    state: Callable[[World, str], object] | None = None
    changes_for: frozenset[str] = frozenset()
    location: Callable[[World], str] | None = None
    bug: str = ""  # a permission bug found by the matrix: the row is a strict xfail

    @property
    def id(self) -> str:
        return f"{self.name}[{self.obj}]{self.method.upper()}"


def activity(key: str) -> Callable[[World], list]:
    return lambda world: [world.activity[key]]


def message(key: str) -> Callable[[World], list]:
    return lambda world: [world.message[key]]


def version(key: str, *rest: str) -> Callable[[World], list]:
    return lambda world: [world.version[key], *rest]


def programme_of(code: str) -> Callable[[World], list]:
    """The plan and `code`, after the agency's staff recorded its programme (IV.1) for this
    request only."""

    def args(world: World) -> list:
        record_programme(
            actor=world.user("staff"),
            plan=Plan.objects.get(pk=world.plan),
            agency=Agency.objects.get(code=code),
            number="25/CTr",
            issued_on=date(2020, 1, 10),
            upload=pdf_upload("chuong-trinh.pdf"),
        )
        return [world.plan, code]

    return args


def report_of(period: str, agency: str) -> Callable[[World], list]:
    return lambda world: [period, agency]


def activity_status(key: str) -> Callable[[World, str], object]:
    return lambda world, role: Activity.objects.get(pk=world.activity[key]).status


def version_state(key: str) -> Callable[[World, str], object]:
    return lambda world, role: ConsolidatedReport.objects.filter(pk=world.version[key]).values_list(
        "status", "version"
    )[0]


def report_state(period: str, agency: str) -> Callable[[World, str], object]:
    return lambda world, role: agency_report(period, agency).version


def own_agency(role: str) -> str:
    """The agency a role writes for (the others are refused whatever they post)."""
    return {"manager": "VUNGTAU", "reviewer": "SNGV"}.get(role, "SLDTBXH")


def activity_form(world: World, role: str, **overrides) -> dict:
    return {
        "agency": world.agency[own_agency(role)],
        "kind": "inbound",
        "title": "Đoàn công tác Hàn Quốc",
        "start_date": "02/03/2020",
        "end_date": "03/03/2020",
        "place": "Vũng Tàu",
        "countries": ["KR"],
        **overrides,
    }


def version_of(world: World, key: str) -> int:
    return Activity.objects.get(pk=world.activity[key]).version


def staff_preview(world: World) -> list:
    """A sheet the staff member previewed: its token is the URL's argument."""
    rows = [
        (
            2,
            {
                "agency": "SLDTBXH",
                "kind": "inbound",
                "title": "Đón đoàn Chiba",
                "start_date": "02/03/2020",
                "end_date": "03/03/2020",
            },
        )
    ]
    return [imports.keep_preview(user=world.user("staff"), rows=rows)]


def moved(name: str, method: str = "get", args: Callable[[World], list] = no_args) -> Row:
    """An address of the exchange under /activities/messages/: a permanent redirect for
    everyone (301, or 308 for a form posted there), pointing at the new address."""
    status = 301 if method == "get" else 308
    return Row(
        f"exchange_moved:{name}",
        "old address",
        expect(status, anonymous=status),
        method=method,
        args=args,
        location=lambda world: reverse(f"exchange:{name}", args=args(world)),
    )


def staff_notification(world: World) -> list:
    return [world.notification]


def notification_read(world: World, role: str) -> object:
    return Notification.objects.get(pk=world.notification).read_at is not None


def replies_to(key: str) -> Callable[[World, str], object]:
    return lambda world, role: Message.objects.filter(in_reply_to=world.message[key]).count()


ROWS: list[Row] = [
    # --- the plan and the accounts
    Row("home", "page", EVERYONE),
    Row("login", "page", expect(302, anonymous=200)),  # signed in: sent home
    Row(
        "logout",
        "session",
        expect(302, anonymous=302),
        method="post",
        state=lambda world, role: Session.objects.filter(
            session_key=world.sessions.get(role)
        ).exists(),
        changes_for=SIGNED_IN,
    ),
    Row("logout", "session", expect(405, anonymous=405)),  # Django 5 logs out on POST only
    Row("profile", "own account", EVERYONE),
    Row(
        "profile",
        "own account",
        expect(302),
        method="post",
        data=lambda world, role: {"first_name": "Tên", "last_name": "Mới", "email": ""},
        state=lambda world, role: getattr(world.user(role), "first_name", None),
        changes_for=SIGNED_IN,
    ),
    Row(
        "profile",
        "own e-mail choices",
        expect(302),
        method="post",
        data=lambda world, role: {
            "first_name": "Tên",
            "last_name": "Mới",
            "email": "",
            "activity_returned": "digest",
        },
        state=lambda world, role: list(
            EmailPreference.objects.filter(user_id=world.user_ids.get(role)).values_list(
                "kind", "choice"
            )
        ),
        changes_for=SIGNED_IN,
    ),
    # --- notifications: each user reads and marks only their own (the staff member's here)
    Row("notifications:list", "own notifications", EVERYONE),
    Row("notifications:preferences", "own account", expect(302)),
    Row(
        "notifications:open",
        "the staff member's notification",
        expect(404, staff=302),
        args=staff_notification,
        state=notification_read,
        changes_for=frozenset({"staff"}),
    ),
    Row(
        "notifications:read",
        "the staff member's notification",
        expect(404, staff=302),
        method="post",
        args=staff_notification,
        state=notification_read,
        changes_for=frozenset({"staff"}),
    ),
    Row(
        "notifications:read",
        "the staff member's notification",
        NOT_THIS_METHOD,
        args=staff_notification,
    ),
    Row(
        "notifications:read_all",
        "own notifications",
        expect(302),
        method="post",
        state=lambda world, role: Notification.objects.filter(
            pk=world.notification, read_at__isnull=True
        ).exists(),
        changes_for=frozenset({"staff"}),
    ),
    Row("notifications:read_all", "own notifications", NOT_THIS_METHOD),
    Row("password_change", "own account", EVERYONE),
    Row(
        "password_change",
        "own account",
        expect(302),
        method="post",
        data=lambda world, role: {
            "old_password": PASSWORD,
            "new_password1": "Mat-khau-moi-2026",
            "new_password2": "Mat-khau-moi-2026",
        },
        state=lambda world, role: getattr(world.user(role), "password", None),
        changes_for=SIGNED_IN,
    ),
    Row("password_change_done", "page", EVERYONE),
    # The set-password link of an imported account: a page for anyone holding the link; a link
    # that is not valid says so and changes nothing.
    Row(
        "password_reset_confirm",
        "invalid link",
        expect(200, anonymous=200),
        args=lambda world: ["MQ", "invalid-token"],
    ),
    Row("password_reset_complete", "page", expect(200, anonymous=200)),
    Row(
        "set_language",
        "session",
        expect(302, anonymous=302),
        method="post",
        data=lambda world, role: {"language": "en", "next": "/"},
    ),
    Row("admin:index", "page", expect(ADMIN_LOGIN, anonymous=ADMIN_LOGIN, admin=200)),
    Row("agencies:list", "directory", EVERYONE),
    Row("agencies:detail", "SLDTBXH", EVERYONE, args=lambda world: ["SLDTBXH"]),
    Row("agencies:plan", "plan", EVERYONE),
    Row("agencies:duty", "III.3.1", EVERYONE, args=lambda world: [world.plan, "III.3.1"]),
    # --- the plans and section IV (every signed-in user reads; programmes are recorded by
    # those who act for the agency IV.1 assigns, the evaluation by Sở Ngoại vụ's reviewers)
    Row("agencies:plan_detail", "plan", EVERYONE, args=lambda world: [world.plan]),
    Row("agencies:programmes", "plan", EVERYONE, args=lambda world: [world.plan]),
    Row(
        "agencies:programme",
        "SLDTBXH",
        expect(404, staff=200, admin=200),
        args=lambda world: [world.plan, "SLDTBXH"],
    ),
    Row(
        "agencies:programme",
        "SLDTBXH",
        expect(404, staff=302, admin=302),
        method="post",
        args=lambda world: [world.plan, "SLDTBXH"],
        data=lambda world, role: {
            "number": "25/CTr",
            "issued_on": "10/01/2020",
            "file": pdf_upload("chuong-trinh.pdf"),
        },
        state=lambda world, role: ImplementingProgramme.objects.count(),
        changes_for=frozenset({"staff", "admin"}),
    ),
    Row("agencies:programme_file", "SLDTBXH", EVERYONE, args=programme_of("SLDTBXH")),
    Row("agencies:evaluation", "2020", REVIEWERS, args=lambda world: [world.plan, 2020]),
    Row(
        "agencies:evaluation",
        "2020",
        expect(404, reviewer=302, admin=302),
        method="post",
        args=lambda world: [world.plan, 2020],
        data=lambda world, role: {"results": "Hoàn thành."},
        state=lambda world, role: PlanEvaluation.objects.count(),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    # --- activities
    Row("activities:list", "all I may see", EVERYONE),
    Row("activities:mine", "my agencies'", EVERYONE),
    Row("activities:export", "csv", EVERYONE, args=lambda world: ["csv"]),
    Row("activities:export", "csv", NOT_THIS_METHOD, method="post", args=lambda world: ["csv"]),
    Row("activities:create", "form", WRITERS),
    Row(
        "activities:create",
        "own agency",
        expect(404, staff=302, manager=302, reviewer=302, admin=302),
        method="post",
        data=activity_form,
        state=lambda world, role: Activity.objects.count(),
        changes_for=frozenset({"staff", "manager", "reviewer", "admin"}),
    ),
    Row("activities:form-kind-fields", "aid", WRITERS, query=lambda world: {"kind": "aid"}),
    Row(
        "activities:form-duties",
        "SLDTBXH",
        WRITERS,
        query=lambda world: {"agency": world.agency["SLDTBXH"]},
    ),
    Row("activities:import", "form", WRITERS),
    Row("activities:import-template", "xlsx", WRITERS),
    Row(
        "activities:import-confirm",
        "staff's preview",
        expect(404, staff=302),  # nobody else confirms someone's preview: 404
        method="post",
        args=staff_preview,
        state=lambda world, role: Activity.objects.count(),
        changes_for=frozenset({"staff"}),
    ),
    Row("activities:import-confirm", "staff's preview", NOT_THIS_METHOD, args=staff_preview),
    Row("activities:review", "queue", REVIEWERS),
    Row(
        "activities:review",
        "accept ticked",
        expect(404, reviewer=302, admin=302),
        method="post",
        data=lambda world, role: {
            "versions": [f"{world.activity['submitted']}:{version_of(world, 'submitted')}"],
            "action": "accept",
        },
        state=activity_status("submitted"),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row("activities:detail", "draft", expect(404, staff=200, admin=200), args=activity("draft")),
    Row(
        "activities:detail",
        "submitted",
        expect(404, manager=200, reviewer=200, admin=200),
        args=activity("submitted"),
    ),
    Row(
        "activities:detail",
        "accepted",
        expect(404, staff=200, reviewer=200, leader=200, admin=200),
        args=activity("accepted"),
    ),
    Row("activities:edit", "draft", expect(404, staff=200, admin=200), args=activity("draft")),
    Row("activities:edit", "accepted", expect(404), args=activity("accepted")),  # locked
    Row(
        "activities:edit",
        "draft",
        expect(404, staff=302, admin=302),
        method="post",
        args=activity("draft"),
        data=lambda world, role: activity_form(
            world, "staff", title="Đổi tên", version=version_of(world, "draft")
        ),
        state=lambda world, role: Activity.objects.get(pk=world.activity["draft"]).title,
        changes_for=frozenset({"staff", "admin"}),
    ),
    Row(
        "activities:submit",
        "draft",
        expect(404, staff=302, admin=302),
        method="post",
        args=activity("draft"),
        data=lambda world, role: {"version": version_of(world, "draft")},
        state=activity_status("draft"),
        changes_for=frozenset({"staff", "admin"}),
    ),
    Row("activities:submit", "draft", NOT_THIS_METHOD, args=activity("draft")),
    Row(
        "activities:accept",
        "submitted",
        expect(404, manager=302, reviewer=302, admin=302),  # the manager is refused
        method="post",
        args=activity("submitted"),
        data=lambda world, role: {"version": version_of(world, "submitted")},
        state=activity_status("submitted"),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row("activities:accept", "submitted", NOT_THIS_METHOD, args=activity("submitted")),
    Row(
        "activities:return",
        "submitted",
        expect(404, manager=302, reviewer=302, admin=302),
        method="post",
        args=activity("submitted"),
        data=lambda world, role: {"version": version_of(world, "submitted"), "reason": "Thiếu"},
        state=activity_status("submitted"),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row("activities:return", "submitted", NOT_THIS_METHOD, args=activity("submitted")),
    Row(
        "activities:reopen",
        "accepted",
        expect(404, staff=302, reviewer=302, leader=302, admin=302),  # staff, leader refused
        method="post",
        args=activity("accepted"),
        data=lambda world, role: {"version": version_of(world, "accepted"), "reason": "Sửa"},
        state=activity_status("accepted"),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row("activities:reopen", "accepted", NOT_THIS_METHOD, args=activity("accepted")),
    Row(
        "activities:attachment",
        "draft's file",
        expect(404, staff=200, admin=200),
        args=lambda world: [world.activity["draft"], world.attachment],
    ),
    Row(
        "activities:attachment",
        "draft's file",
        NOT_THIS_METHOD,
        method="post",
        args=lambda world: [world.activity["draft"], world.attachment],
    ),
    Row(
        "activities:attachment-delete",
        "draft's file",
        expect(404, staff=200, admin=200),  # the confirmation page
        args=lambda world: [world.activity["draft"], world.attachment],
    ),
    Row(
        "activities:attachment-delete",
        "draft's file",
        expect(404, staff=302, admin=302),
        method="post",
        args=lambda world: [world.activity["draft"], world.attachment],
        state=lambda world, role: Attachment.objects.filter(pk=world.attachment).exists(),
        changes_for=frozenset({"staff", "admin"}),
    ),
    # --- the information exchange: an agency's members read its messages; nobody else, not
    # even a superuser who belongs to no agency.
    Row("exchange:inbox", "list", EVERYONE),
    Row("exchange:outbox", "list", EVERYONE),
    Row("exchange:new", "form", expect(404, staff=200, manager=200, reviewer=200)),
    Row(
        "exchange:new",
        "from own agency",
        expect(404, staff=302, manager=302, reviewer=302),
        method="post",
        data=lambda world, role: {
            "sender_agency": world.agency[own_agency(role)],
            "kind": "information",
            "recipients": [world.agency["SYT"]],
            "subject": "Thông tin",
            "body": "Nội dung.",
        },
        state=lambda world, role: Message.objects.count(),
        changes_for=frozenset({"staff", "manager", "reviewer"}),
    ),
    Row(
        "exchange:message",
        "difficulty",
        expect(404, manager=200, reviewer=200),
        args=message("difficulty"),
    ),
    Row(
        "exchange:message",
        "request",
        expect(404, staff=200, manager=200, reviewer=200),
        args=message("request"),
    ),
    Row(
        "exchange:reply",
        "request",
        expect(404, staff=302, manager=302, reviewer=302),  # the sender has nothing to answer
        method="post",
        args=message("request"),
        data=lambda world, role: {"agency": world.agency[own_agency(role)], "body": "Đã đón."},
        state=replies_to("request"),
        changes_for=frozenset({"staff", "manager"}),
    ),
    Row("exchange:reply", "request", NOT_THIS_METHOD, args=message("request")),
    Row(
        "exchange:remind",
        "request",
        expect(404, staff=302, manager=302, reviewer=302),  # only the sender reminds
        method="post",
        args=message("request"),
        state=lambda world, role: (
            Message.objects.get(pk=world.message["request"])
            .recipients.filter(reminded_at__isnull=False)
            .count()
        ),
        changes_for=frozenset({"reviewer"}),
    ),
    Row("exchange:remind", "request", NOT_THIS_METHOD, args=message("request")),
    Row(
        "exchange:handle",
        "difficulty",
        expect(404, manager=302, reviewer=302),  # only Sở Ngoại vụ handles it
        method="post",
        args=message("difficulty"),
        data=lambda world, role: {"status": "handling", "response": "Đang làm việc."},
        state=lambda world, role: (
            Message.objects.get(pk=world.message["difficulty"]).difficulty_status
        ),
        changes_for=frozenset({"reviewer"}),
    ),
    Row("exchange:handle", "difficulty", NOT_THIS_METHOD, args=message("difficulty")),
    Row(
        "exchange:attachment",
        "difficulty's file",
        expect(404, manager=200, reviewer=200),
        args=lambda world: [world.message["difficulty"], world.message_file],
    ),
    Row(
        "exchange:attachment",
        "difficulty's file",
        NOT_THIS_METHOD,
        method="post",
        args=lambda world: [world.message["difficulty"], world.message_file],
    ),
    moved("inbox"),
    moved("outbox"),
    moved("new"),
    moved("message", args=message("request")),
    moved("reply", "post", args=message("request")),
    moved("remind", "post", args=message("request")),
    moved("handle", "post", args=message("difficulty")),
    moved("attachment", args=lambda world: [world.message["difficulty"], world.message_file]),
    # --- reports: agencies' reports
    Row("reports:index", "periods", EVERYONE),
    Row(
        "reports:agency-report",
        "SLDTBXH draft",
        expect(404, staff=200, admin=200),  # reviewers do not read drafts
        args=report_of("2020-H1", "SLDTBXH"),
    ),
    Row(
        "reports:agency-report",
        "SLDTBXH draft",
        expect(404, staff=302, admin=302),
        method="post",
        args=report_of("2020-H1", "SLDTBXH"),
        data=lambda world, role: {
            "action": "save",
            "version": agency_report("2020-H1", "SLDTBXH").version,
            "results": "Đã đón 3 đoàn.",
        },
        state=report_state("2020-H1", "SLDTBXH"),
        changes_for=frozenset({"staff", "admin"}),
    ),
    Row(
        "reports:agency-report",
        "send VUNGTAU draft",
        expect(404, manager=302, admin=302),
        method="post",
        args=report_of("2020", "VUNGTAU"),
        data=lambda world, role: {
            "action": "submit",
            "version": agency_report("2020", "VUNGTAU").version,
            "results": "Đã đón 2 đoàn.",
        },
        state=lambda world, role: agency_report("2020", "VUNGTAU").status,
        changes_for=frozenset({"manager", "admin"}),
    ),
    Row(
        "reports:agency-report",
        "VUNGTAU submitted",
        expect(404, manager=200, reviewer=200, admin=200),
        args=report_of("2020-H1", "VUNGTAU"),
    ),
    Row(
        "reports:agency-report",
        "VUNGTAU accepted",
        expect(404, manager=200, reviewer=200, leader=200, admin=200),
        args=report_of("2019-H1", "VUNGTAU"),
    ),
    Row(
        "reports:agency-report-review",
        "accept VUNGTAU submitted",
        expect(404, manager=302, reviewer=302, admin=302),  # the manager is refused
        method="post",
        args=report_of("2020-H1", "VUNGTAU"),
        data=lambda world, role: {
            "action": "accept",
            "version": agency_report("2020-H1", "VUNGTAU").version,
        },
        state=lambda world, role: agency_report("2020-H1", "VUNGTAU").status,
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row(
        "reports:agency-report-review",
        "return VUNGTAU submitted",
        expect(404, manager=302, reviewer=302, admin=302),
        method="post",
        args=report_of("2020-H1", "VUNGTAU"),
        data=lambda world, role: {
            "action": "return",
            "version": agency_report("2020-H1", "VUNGTAU").version,
            "reason": "Thiếu số liệu",
        },
        state=lambda world, role: agency_report("2020-H1", "VUNGTAU").status,
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row(
        "reports:agency-report-review",
        "VUNGTAU submitted",
        NOT_THIS_METHOD,
        args=report_of("2020-H1", "VUNGTAU"),
    ),
    Row("reports:completeness", "page", REVIEWERS),
    Row(
        "reports:remind",
        "2020-H1",
        expect(404, reviewer=302, admin=302),
        method="post",
        args=lambda world: ["2020-H1"],
        state=lambda world, role: (
            period_of("2020-H1").agency_reports.filter(reminded_at__isnull=False).count()
        ),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row(
        "reports:remind",
        "2020-H1",
        expect(404, reviewer=405, admin=405),
        args=lambda world: ["2020-H1"],
    ),
    # --- reports: the consolidated report, the reviewers' working pages; leadership reads
    # issued versions through the list, the files and the figures.
    Row("reports:issued", "list", expect(404, reviewer=200, leader=200, admin=200)),
    Row("reports:consolidated-period", "2020", REVIEWERS, args=lambda world: ["2020"]),
    Row(
        "reports:consolidated-period",
        "draft a version of 2020",
        expect(404, reviewer=302, admin=302),
        method="post",
        args=lambda world: ["2020"],
        state=lambda world, role: period_of("2020").consolidated_reports.count(),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row("reports:consolidated", "ready", REVIEWERS, args=version("ready")),
    Row("reports:consolidated", "issued", REVIEWERS, args=version("issued")),
    Row(
        "reports:consolidated",
        "text of the ready version",
        expect(404, reviewer=302, admin=302),
        method="post",
        args=version("ready"),
        data=lambda world, role: {
            "situation": "Tình hình chung do chuyên viên viết.",
            "version": ConsolidatedReport.objects.get(pk=world.version["ready"]).version,
        },
        state=version_state("ready"),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row("reports:consolidated-status", "ready", REVIEWERS, args=version("ready")),
    Row(
        "reports:consolidated-retry",
        "failed",
        expect(404, reviewer=302, admin=302),
        method="post",
        args=version("failed"),
        state=version_state("failed"),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row(
        "reports:consolidated-retry",
        "failed",
        expect(404, reviewer=405, admin=405),
        args=version("failed"),
    ),
    Row(
        "reports:consolidated-issue",
        "ready",
        expect(404, reviewer=302, admin=302),
        method="post",
        args=version("ready"),
        data=lambda world, role: {
            "version": ConsolidatedReport.objects.get(pk=world.version["ready"]).version
        },
        state=version_state("ready"),
        changes_for=frozenset({"reviewer", "admin"}),
    ),
    Row(
        "reports:consolidated-issue",
        "ready",
        expect(404, reviewer=405, admin=405),
        args=version("ready"),
    ),
    Row(
        "reports:consolidated-json",
        "issued",
        expect(404, reviewer=200, leader=200, admin=200),
        args=version("issued"),
    ),
    Row("reports:consolidated-json", "ready", expect(404), args=version("ready")),
    Row(
        "reports:consolidated-file",
        "issued pdf",
        expect(404, reviewer=200, leader=200, admin=200),
        args=version("issued", "pdf"),
    ),
    Row(
        "reports:consolidated-file",
        "ready xlsx",
        expect(404, reviewer=200, admin=200),  # leadership reads issued versions only
        args=version("ready", "xlsx"),
    ),
    Row(
        "reports:consolidated-file",
        "issued pdf",
        NOT_THIS_METHOD,
        method="post",
        args=version("issued", "pdf"),
    ),
    # --- monitoring: leaders and reviewers see the province, staff and managers their own
    # agencies (and those under them); an account of no agency gets 404 (monitoring.scope).
    Row("monitoring:overview", "page", MONITORS),
    Row("monitoring:overview_pdf", "PDF", MONITORS),
    Row("monitoring:plan", "page", MONITORS),
    Row(
        "monitoring:plan_cell",
        "cell",
        MONITORS,
        query=lambda world: {
            "duty": Plan.objects.get(pk=world.plan).duties.get(ref="III.3.1").pk,
            "window": "2020-H1",
        },
    ),
    Row("monitoring:agencies", "page", MONITORS),
    Row("monitoring:agencies_xlsx", "XLSX", MONITORS),
    Row("monitoring:calendar", "page", MONITORS),
    Row("monitoring:calendar_ics", "iCalendar", MONITORS),
]


def request(row: Row, role: str, world: World) -> tuple[str, HttpResponseBase]:
    """The row's request as `role` makes it: the path asked for and the response."""
    # Signed in by the world's session: a fresh client carries nothing else from before.
    client = Client()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    url = reverse(row.name, args=row.args(world))
    if row.method == "get":
        return url, client.get(url, row.query(world) if row.query else {})
    return url, client.post(url, row.data(world, role) if row.data else {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row",
    [
        pytest.param(
            row,
            id=row.id,
            marks=[pytest.mark.xfail(strict=True, reason=row.bug)] if row.bug else [],
        )
        for row in ROWS
    ],
)
def test_each_role_gets_what_the_rules_say(world, row):
    got: dict[str, Status] = {}
    changed: dict[str, bool] = {}
    for role in ROLES:
        with transaction.atomic():
            before = row.state(world, role) if row.state else None
            path, response = request(row, role, world)
            got[role] = answer(response, path)
            if row.state:
                changed[role] = row.state(world, role) != before
            if row.location and response.status_code in (301, 308):
                assert response["Location"] == row.location(world), role
            if response.streaming:  # a file: read to its end, which closes it
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
    assert got == row.expected
    if row.state:
        assert changed == {role: role in row.changes_for for role in ROLES}


# ---------------------------------------------------------------------------- the guard


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    """Every named URL pattern of the project, with its namespaces ("reports:index")."""
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def nameless_patterns(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    """The URL patterns of the project that have no name, outside EXCLUDED's namespaces (the
    admin's), as their routes: a pattern without a name would escape url_names, and so the
    matrix."""
    nameless: list[str] = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            nameless += [f"{pattern.pattern}{route}" for route in nameless_patterns(pattern, inner)]
        elif isinstance(pattern, URLPattern) and not pattern.name:
            nameless.append(str(pattern.pattern))
    return nameless


def is_excluded(name: str) -> bool:
    namespace, _, short = name.rpartition(":")
    return namespace in EXCLUDED and short not in EXCLUDED[namespace][0]


def test_every_url_pattern_has_a_row():
    names = {name for name in url_names() if not is_excluded(name)}
    assert names == {row.name for row in ROWS}


def test_every_url_pattern_but_the_admins_has_a_name():
    assert nameless_patterns() == []


def test_the_name_guard_finds_a_nameless_pattern_at_any_depth():
    def view(request):
        raise AssertionError("never called")

    urls = URLResolver(
        RoutePattern(""),
        [
            path("named/", view, name="named"),
            path("top/", view),
            path("app/", include(([path("deep/", view), path("ok/", view, name="ok")], "app"))),
            path("admin/", include(([path("own/", view)], "admin"))),
        ],
    )
    assert nameless_patterns(urls) == ["top/", "app/deep/"]


@pytest.mark.django_db
def test_the_world_hands_each_use_a_fresh_user(world):
    staff = world.user("staff")
    assert permissions.agency_ids(staff)[Action.ACT]  # now cached on that object
    again = world.user("staff")
    assert again is not staff and "_agency_ids" not in again.__dict__
    assert world.user("anonymous") is None
    assert set(world.user_ids) == SIGNED_IN


def test_the_rows_have_distinct_ids_and_expect_every_role():
    assert len({row.id for row in ROWS}) == len(ROWS)
    for row in ROWS:
        assert set(row.expected) == set(ROLES), row.id
        assert row.changes_for <= SIGNED_IN, row.id
