"""Settings are read from the environment, and refuse unsafe production settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.utils import translation
from django_countries import countries

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG, "engine": db["ENGINE"], "name": str(db["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER, "broker": settings.CELERY_BROKER_URL,
    "hosts": settings.ALLOWED_HOSTS, "lang": settings.LANGUAGE_CODE, "tz": settings.TIME_ZONE,
    "ssl": settings.SECURE_SSL_REDIRECT,
}))
"""


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    clean.update(DJANGO_SETTINGS_MODULE="doingoai.settings", VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_debug_off_without_secret_key_fails_loudly(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_zero_setup_defaults_use_sqlite_and_run_tasks_in_process(tmp_path):
    result = load_settings(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["eager"] is True
    assert (values["lang"], values["tz"]) == ("vi", "Asia/Ho_Chi_Minh")
    assert values["ssl"] is False


def test_production_settings_come_from_the_environment(tmp_path):
    result = load_settings(
        tmp_path,
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://u:p@db:5432/doingoai",
        CELERY_BROKER_URL="redis://redis:6379/0",
        ALLOWED_HOSTS="doingoai.example.vn, www.doingoai.example.vn",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False and values["broker"] == "redis://redis:6379/0"
    assert values["hosts"] == ["doingoai.example.vn", "www.doingoai.example.vn"]
    assert values["ssl"] is True


def test_a_malformed_boolean_is_refused(tmp_path):
    result = load_settings(tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_manage_py_in_a_developer_checkout_defaults_to_debug(tmp_path):
    env = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
    # With a SECRET_KEY (production), manage.py keeps DEBUG off: seed_demo refuses there.
    env["SECRET_KEY"] = "x" * 50
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_two_countries_share_a_name(language):
    with translation.override(language):
        names = Counter(str(name) for _code, name in countries)
        shared = {name: n for name, n in names.items() if n > 1}
        assert shared == {}
        if language == "vi":
            assert [countries.name(c) for c in ("IS", "IE", "NE", "NG", "JE", "AT")] == [
                "Ai-xơ-len",
                "Ai-len",
                "Ni-giê",
                "Nigeria",
                "Jersey",
                "Áo",
            ]
