"""What the tests share that is not data: the markers and addresses of the real services, a
real Celery worker's app and queue, the province's district codes, a stand-in for WeasyPrint
and e-mail servers that fail.

Test modules import this module and tests/factories.py, never another test module or a
conftest (tests/test_test_suite.py checks it).
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from celery import Celery
from django.apps import apps
from django.core import serializers
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.template.loader import render_to_string

from activities.models import Activity
from agencies.models import Agency, Duty, Membership

T = TypeVar("T")

# CI sets REQUIRE_SERVICES=1: a test that needs PostgreSQL or Redis then fails without it
# instead of being skipped.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# For a transactional test that needs PostgreSQL: decided at collection, because a
# transactional test skipped from a fixture still flushes the database behind it.
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
postgres_only = pytest.mark.skipif(
    not POSTGRES and not REQUIRE_SERVICES, reason="needs PostgreSQL: set DATABASE_URL=postgres://…"
)

# The province's eight district-level People's Committees of 2019, in the official order.
DISTRICTS = ["VUNGTAU", "BARIA", "PHUMY", "LONGDIEN", "DATDO", "XUYENMOC", "CHAUDUC", "CONDAO"]


def redis_url() -> str:
    """The Redis database of this run (REDIS_URL, or db 15 of a local server). Under
    pytest-xdist each worker takes its own database below that one (gw0: 15, gw1: 14, …), as
    it has its own test database: a real Celery worker started by one never takes another's
    tasks."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    base, _, db = url.rpartition("/")
    return f"{base}/{(int(db or 0) - int(worker[2:])) % 16}"


def wait_for(condition: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    """Poll `condition` every `every` seconds until it returns something true, and return it;
    fail the test after `timeout` seconds, naming `what` was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@contextmanager
def shared_data(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """What `build()` makes, made once for a whole module (as Django's setUpTestData does for
    a class), in a transaction rolled back when the module ends.

    Use it in a module-scoped fixture that depends on `django_db_setup`: pytest sets it up
    before each test's own transaction, so every test runs in a savepoint of it and what a
    test changes is gone for the next. Every test of the module sees the data, so a module
    shares it only if all its tests can; hand tests ids (or objects read again per test),
    so that one test's changes in memory do not reach the next.

    It refuses to start inside a transaction (AssertionError): inside another shared_data,
    whose rollback would then end its data too soon, or inside a test's own transaction
    (from a test or a function-scoped fixture), which the test's rollback would end before
    the module's other tests read the data. A transactional test of the module would run
    inside the data's transaction: tests/conftest.py fails it (refuse_transactional_test).
    """
    assert not connection.in_atomic_block, (
        "shared_data must start outside any transaction: from a module-scoped fixture that "
        "depends on django_db_setup (set up before each test's own transaction), never inside "
        "another shared_data, a test, or a function-scoped fixture."
    )
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            built = build()
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def refuse_transactional_test() -> None:
    """Fail a transactional test that would run inside a module's shared data (shared_data
    still open: the module shares data with its other tests). Its commits would only be
    savepoints of the data's transaction, and the flush at its end would empty the data for
    the tests after it. tests/conftest.py calls it before each transactional test."""
    if connection.in_atomic_block:
        pytest.fail(
            "a transactional test runs inside its module's shared data (tests/support.py "
            "shared_data): move it to a module that shares no data"
        )


# ---------------------------------------------------------------------------- the renderer


def tiny_pdf(serial: int = 1) -> bytes:
    """A valid PDF of one empty A4 page (poppler and browsers open it), its comment line
    numbered so that no two renders give the same bytes."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
    ]
    out = b"%%PDF-1.4\n%%render %d\n" % serial
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


class FakeRenderer:
    """reports.pdf.render_pdf without WeasyPrint (about a second a document): the template is
    still rendered, so a broken template still fails, its HTML kept in `rendered` (one per
    document), and a tiny valid PDF comes back."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def __call__(self, template_name: str, context: Any) -> bytes:
        self.rendered.append(render_to_string(template_name, {**context, "pdf_static": ""}))
        return tiny_pdf(len(self.rendered))


# ------------------------------------------------------------------------ real Celery workers

# A test that runs a real worker: its own connection sees only what the test committed
# (PostgreSQL, a transactional test database) and it takes its tasks from Redis.
REAL_WORKER_MARKS = (
    pytest.mark.redis,
    pytest.mark.postgres,
    postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
)


def with_real_worker(test: T) -> T:
    """`test` with REAL_WORKER_MARKS."""
    for mark in reversed(REAL_WORKER_MARKS):
        test = mark(test)
    return test


@contextmanager
def own_queue(prefix: str) -> Iterator[str]:
    """The name of a Redis queue of this test's own ("<prefix>-<12 hex>"), emptied after: another
    run on the same Redis never takes its tasks."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        redis.Redis.from_url(redis_url()).delete(name)


@contextmanager
def redis_worker_app(queue: str, *packages: str) -> Iterator[Celery]:
    """A Celery app configured as doingoai/celery.py does, but pointed at Redis and `queue`
    (the suite's own app runs tasks eagerly), with the tasks of `packages`, made current so
    that the services queue through it; the portal's app is current again after."""
    from doingoai.celery import app as portal_app

    app = Celery("doingoai")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=redis_url(),
        result_backend=redis_url(),
        task_always_eager=False,
        task_default_queue=queue,
    )
    app.autodiscover_tasks(list(packages), force=True)
    app.set_current()
    app.set_default()
    try:
        yield app
    finally:
        portal_app.set_current()
        portal_app.set_default()


def start_worker_process(
    script: str, *, tmp_path: Path, queue: str, name: str, env: dict[str, str]
) -> subprocess.Popen:
    """A worker in a process of its own (`python -c script`, in its own session so that it
    can be killed with its children), on this test's PostgreSQL database and Redis `queue`,
    its files under `tmp_path`, its output in tmp_path/<name>.log; `env` adds to or overrides
    what it is given (TEST_QUEUE and WORKER_NAME are the script's to read). Stop it with
    stop_process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "doingoai.settings",
        # the test database, not the real one
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": redis_url(),
        "CELERY_RESULT_BACKEND": redis_url(),
        "SECRET_KEY": "test-only-secret-key-for-the-worker-process-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "TEST_QUEUE": queue,
        "WORKER_NAME": f"{name}@%h",
        **env,
    }
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[1],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a process of start_worker_process with `sig` (SIGKILL after 15 s), close its log."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    process.log.close()


# ---------------------------------------------------------------------------- e-mail


class FlakyBackend(EmailBackend):
    """An e-mail backend whose server is down for the next `failures_left` messages."""

    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("the mail server is down")
        return super().send_messages(messages)


class DroppingBackend(EmailBackend):
    """A mail server (Django's in-memory outbox) that accepts `accept` more e-mails, then
    drops the connection `drops` times in a row and works again; it never drops while
    `accept` is None. Two drops by default: the e-mail and the one reconnection
    doingoai.mail.send_each tries, so that the task itself must retry."""

    accept: int | None = None
    drops = 2

    def send_messages(self, messages):
        if DroppingBackend.accept is not None:
            if DroppingBackend.accept <= 0:
                DroppingBackend.accept -= 1
                if DroppingBackend.accept <= -DroppingBackend.drops:
                    DroppingBackend.accept = None
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            DroppingBackend.accept -= len(messages)
        return super().send_messages(messages)


def snapshot() -> dict:
    """Everything a reorganisation may touch (rows as JSON, history counts, coordination
    links), to compare before and after a refusal."""

    tables = [
        "agencies.Agency",
        "agencies.AgencyName",
        "agencies.Membership",
        "agencies.DutyAssignment",
        "agencies.Reorganisation",
        "activities.Activity",
        "reports.AgencyReport",
        "reports.IssuingAuthority",
    ]
    dump = {
        label: serializers.serialize("json", apps.get_model(label).objects.order_by("pk"))
        for label in tables
    }
    dump["history"] = (
        Agency.history.count(),
        Membership.history.count(),
        Activity.history.count(),
    )
    dump["coordination"] = list(
        Duty.coordinating_agencies.through.objects.order_by("pk").values_list(
            "duty_id", "agency_id"
        )
    )
    return dump
