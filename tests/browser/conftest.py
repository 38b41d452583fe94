"""Browser tests drive Debian's chromium (never a downloaded browser) through Playwright."""

from __future__ import annotations

import importlib
import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    # An English browser, as on many office PCs: the portal must still answer in Vietnamese.
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture(autouse=True)
def _plan_data(transactional_db) -> None:
    """Reload what the migrations loaded if a previous transactional test flushed it.

    serialized_rollback should do this, but Playwright's sync API runs the test in a
    greenlet whose context-local database connection does not carry the serialized data, so
    the second browser test of a run started with an empty database.
    """
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    from agencies.models import Agency
    from agencies.permissions import sync_role_permissions

    if not Agency.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        importlib.import_module("agencies.migrations.0002_plan_164_data").load_plan(apps, None)
        sync_role_permissions()
