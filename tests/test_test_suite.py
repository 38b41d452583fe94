"""The test suite's own rules: no test module imports another test module or a conftest, and
data shared by a module's tests (tests/support.py shared_data) starts outside any transaction
and never has a transactional test run inside it.

What tests share lives in fixtures (a conftest.py, which pytest loads by itself), in
tests/factories.py (data built through the services) or in tests/support.py (markers,
constants, test doubles). A helper imported from another test module ties the two files
together and hides where it lives; a conftest imported by name runs its fixtures twice.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from tests.support import refuse_transactional_test, shared_data

TESTS = Path(__file__).resolve().parent
ALLOWED = {"tests.factories", "tests.support"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(TESTS.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, path: Path) -> list[tuple[int, str]]:
    """Every module an import statement of `source` (the file at `path`) names,
    function-level ones included, relative imports resolved, with the line it is on."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from tests import factories` names the module tests.factories
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            found.append((node.lineno, module))
    return found


def forbidden(module: str) -> bool:
    if module.split(".")[-1] == "conftest":
        return True
    if module == "tests" or not module.startswith("tests."):
        return False
    return not any(module == allowed or module.startswith(f"{allowed}.") for allowed in ALLOWED)


def test_no_test_module_imports_another_test_module_or_a_conftest():
    offences = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, module in imported_modules(path.read_text(), path)
        if forbidden(module)
    ]
    assert offences == []


def test_the_guard_sees_every_way_of_importing():
    source = (
        "from tests.conftest import make_user\n"
        "from .conftest import dataset\n"
        "from tests.activities import test_views\n"
        "import tests.browser.test_activities_browser\n"
        "def f():\n"
        "    from tests.exchange.test_pages import helper\n"
        "from tests.factories import make_activity\n"
        "from tests import support\n"
        "from django.test import Client\n"
    )
    sample = TESTS / "reports" / "test_sample.py"
    named = {module for _line, module in imported_modules(source, sample) if forbidden(module)}
    assert named >= {
        "tests.conftest",
        "tests.reports.conftest",
        "tests.activities.test_views",
        "tests.browser.test_activities_browser",
        "tests.exchange.test_pages",
    }
    assert not {m for m in named if m.startswith(("tests.factories", "tests.support", "django"))}


@pytest.mark.django_db
def test_shared_data_refuses_to_start_inside_a_tests_transaction(django_db_blocker):
    built = []
    with (
        pytest.raises(AssertionError, match="outside any transaction"),
        shared_data(django_db_blocker, lambda: built.append("made")),
    ):
        pass
    assert built == []


@pytest.fixture
def blocker_outside_transactions(django_db_setup, django_db_blocker):
    """The database as a module-scoped fixture meets it: no test's transaction around. The
    connection these tests open is closed after them: run after a Playwright test, it would
    otherwise still be open when the test databases are dropped, which PostgreSQL refuses."""
    yield django_db_blocker
    with django_db_blocker.unblock():
        connection.close()


def test_shared_data_refuses_to_nest_and_rolls_back_what_it_made(blocker_outside_transactions):
    blocker = blocker_outside_transactions

    def build() -> int:
        return Group.objects.create(name="shared-data-guard").pk

    with shared_data(blocker, build) as made:
        with blocker.unblock():
            assert Group.objects.filter(pk=made).exists()
        with (
            pytest.raises(AssertionError, match="never inside another shared_data"),
            shared_data(blocker, lambda: None),
        ):
            pass
    assert not connection.in_atomic_block
    with blocker.unblock():
        assert not Group.objects.filter(pk=made).exists()


def test_a_transactional_test_is_failed_inside_shared_data(blocker_outside_transactions):
    with (
        shared_data(blocker_outside_transactions, lambda: None),
        pytest.raises(pytest.fail.Exception, match="transactional test runs inside"),
    ):
        refuse_transactional_test()
    refuse_transactional_test()  # outside any shared data: nothing to refuse
