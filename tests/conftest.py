"""The fixed cast of the tests (made from tests/factories.py's CAST), and the rules for
tests that need real services.

Tests marked `postgres` or `redis` are skipped when the service is not there, except under
REQUIRE_SERVICES=1 (CI), where a missing service fails them instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

import pytest
from django.db import connection

from agencies.models import Agency, User
from tests.factories import make_member, make_user
from tests.support import (
    POSTGRES,
    REQUIRE_SERVICES,
    DroppingBackend,
    redis_url,
    refuse_transactional_test,
)


def pytest_sessionstart(session) -> None:
    if REQUIRE_SERVICES and not POSTGRES:
        raise pytest.UsageError("REQUIRE_SERVICES=1 needs DATABASE_URL to point at PostgreSQL.")


def pytest_collection_modifyitems(items) -> None:
    # pytest-playwright's `page` fixture turns a test into a browser test, which pytest then
    # reorders among the transactional ones: a test parameter named `page` did this once.
    strays = [
        item.nodeid
        for item in items
        if "page" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("browser")
    ]
    if strays:
        raise pytest.UsageError(
            "uses pytest-playwright's `page` without the `browser` marker: " + ", ".join(strays)
        )


def _missing_service(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: a needed service must not be skipped)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _services(request) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing_service("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if request.node.get_closest_marker("redis"):
        import redis

        try:
            redis.Redis.from_url(redis_url(), socket_connect_timeout=2).ping()
        except redis.exceptions.RedisError as exc:
            _missing_service(f"needs Redis at {redis_url()}: {exc}")


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & fixtures
    )


@pytest.fixture(autouse=True)
def _outside_shared_data(request) -> None:
    """A transactional test never runs inside its module's shared data (tests/support.py)."""
    if _is_transactional(request.node):
        refuse_transactional_test()


@pytest.fixture(autouse=True)
def _plan_data(request) -> None:
    """Reload what the migrations loaded when a previous transactional test flushed it.

    A transactional test empties the database when it ends. serialized_rollback restores it,
    but only for tests that ask for it, and not at all for Playwright's tests: their sync API
    runs the test in a greenlet whose database connection does not carry the serialized data.
    So every transactional test starts from the plan's data, whatever ran before it.
    """
    if not _is_transactional(request.node):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    from agencies.permissions import sync_role_permissions

    if not Agency.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        importlib.import_module("agencies.migrations.0002_plan_164_data").load_plan(apps, None)
        importlib.import_module(
            "agencies.migrations.0007_organisation_over_time_data"
        ).complete_plan_164(apps)
        importlib.import_module("agencies.migrations.0010_duty_summaries_164").set_summaries(apps)
        importlib.import_module("reports.migrations.0010_issuing_authority_data").seed_authority(
            apps
        )
        importlib.import_module("monitoring.migrations.0002_seed_observances").seed(apps, None)
        sync_role_permissions()


@pytest.fixture
def staff(db) -> User:
    """A staff member of a department (Sở Lao động - Thương binh và Xã hội)."""
    return make_member("staff")


@pytest.fixture
def manager(db) -> User:
    """A manager of a district People's Committee (TP Vũng Tàu)."""
    return make_member("manager")


@pytest.fixture
def reviewer(db) -> User:
    """A reviewer of Sở Ngoại vụ, the focal point."""
    return make_member("reviewer")


@pytest.fixture
def leader(db) -> User:
    """Provincial leadership (UBND tỉnh): reads, never writes."""
    return make_member("leader")


@pytest.fixture
def outsider(db) -> User:
    """A signed-in account that belongs to no agency."""
    return make_member("outsider")


@pytest.fixture
def admin_user(db) -> User:
    """A superuser who belongs to no agency."""
    return make_member("admin")


@pytest.fixture
def syt_staff(db) -> User:
    """A staff member of Sở Y tế, an agency the cast does not cover."""
    return make_user("sytstaff", "SYT", "staff", full_name="Võ Thị Hạnh")


# The cast's fixtures by the names of tests/factories.py's CAST.
CAST_FIXTURES = {
    "staff": "staff",
    "manager": "manager",
    "reviewer": "reviewer",
    "leader": "leader",
    "outsider": "outsider",
    "admin": "admin_user",
}


class Cast(Mapping[str, User]):
    """The whole cast by name, each member made when first asked for (most tests that take
    the cast act as one role of it): the same user as the test's own fixture of that name."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request

    def __getitem__(self, name: str) -> User:
        return self._request.getfixturevalue(CAST_FIXTURES[name])

    def __iter__(self) -> Iterator[str]:
        return iter(CAST_FIXTURES)

    def __len__(self) -> int:
        return len(CAST_FIXTURES)


@pytest.fixture
def cast(request, db) -> Cast:
    """The cast by name: "staff", "manager", "reviewer", "leader", "outsider", "admin"."""
    return Cast(request)


@pytest.fixture
def agency():
    def get(code: str) -> Agency:
        return Agency.objects.get(code=code)

    return get


@pytest.fixture(autouse=True)
def _vietnamese(settings) -> None:
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def drops_after_first(settings, monkeypatch) -> None:
    """The e-mail case's mail server: the connection drops after the first e-mail (twice:
    the e-mail and the one reconnection send_each tries; see DroppingBackend)."""
    settings.EMAIL_BACKEND = "tests.support.DroppingBackend"
    monkeypatch.setattr(DroppingBackend, "accept", 1)
