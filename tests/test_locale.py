"""The Vietnamese catalogue is complete: no string of ours is left untranslated or fuzzy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    po = polib.pofile(str(CATALOGUE))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """Extract the strings again in a copy of the tree and compare with the catalogue."""
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            "var",
            ".git",
            "static",
            "tests",
            "__pycache__",
            "*.mo",
            "node_modules",
            ".*cache",
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-obsolete", "-v", "0"],
        cwd=copy,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var")},
        check=True,
    )
    fresh = polib.pofile(str(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh.untranslated_entries() + fresh.fuzzy_entries()]
    assert missing == [], "run `make makemessages` and translate these"


def test_compiled_catalogue_matches_the_translations():
    """django.mo is committed (running the portal needs no gettext): it must be current."""
    po = polib.pofile(str(CATALOGUE))
    mo = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo if e.msgid}
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in po if e.msgid and not e.obsolete
    }
    assert compiled == source, "run `make messages` and commit locale/vi/LC_MESSAGES/django.mo"
