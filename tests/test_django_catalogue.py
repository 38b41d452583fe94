"""Django's own texts, and those of the apps whose pages the admin shows, come out in
Vietnamese: what their catalogues leave in English is in doingoai/django_locale/vi."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import django
import polib
import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, npgettext, pgettext
from django.views.i18n import JavaScriptCatalog

from agencies.models import Agency, User

DJANGO = Path(django.__file__).parent
DJANGO_CATALOGUES = [
    "conf",
    "contrib/admin",
    "contrib/auth",
    "contrib/contenttypes",
    "contrib/sessions",
    "contrib/humanize",
]
# They ship no English (nor Vietnamese) catalogue: their msgids are extracted from their code.
THIRD_PARTY = ["simple_history", "import_export", "guardian", "axes"]

# Texts that may come back as they are, and why.
SAME_IN_VIETNAMESE = {
    "…": "punctuation",
    ":?.!": "punctuation",
    ":": "punctuation",
    ", ": "punctuation",
    "%(truncated_text)s…": "punctuation",
    "IPv4": "protocol name",
    "IPv6": "protocol name",
    "%(size)d byte": "unit (Vietnamese says byte)",
    "%s KB": "unit",
    "%s MB": "unit",
    "%s GB": "unit",
    "%s TB": "unit",
    "%s PB": "unit",
    "a.m.": "Vietnamese writes the time on 24 hours (vi TIME_FORMAT H:i); kept as Django's vi",
    "p.m.": "Vietnamese writes the time on 24 hours (vi TIME_FORMAT H:i); kept as Django's vi",
    "Email": "the word Vietnamese uses",
    "%(class_name)s %(instance)s": "placeholders only",
}
# English msgstr in a django.contrib vi catalogue: those outrank doingoai (an app listed
# later), so only locale/vi could change them; none is shown by the portal's admin.
ENGLISH_IN_DJANGO_VI = {
    "LogEntry Object": "admin's vi; str() of a log entry without its object",
    "variety": "auth's vi; argon2 hash summary (the portal hashes with PBKDF2)",
    "version": "auth's vi; argon2 hash summary",
    "memory cost": "auth's vi; argon2 hash summary",
    "time cost": "auth's vi; argon2 hash summary",
    "parallelism": "auth's vi; argon2/scrypt hash summary",
    "block size": "auth's vi; scrypt hash summary",
    "session key": "sessions' vi; sessions have no admin",
    "session data": "sessions' vi; sessions have no admin",
    "Humanize": "humanize's vi; the app's name, shown nowhere",
}
ALLOWED = SAME_IN_VIETNAMESE | ENGLISH_IN_DJANGO_VI


def django_catalogue(name: str) -> list[polib.POEntry]:
    return list(polib.pofile(str(DJANGO / name / "locale" / "en" / "LC_MESSAGES" / "django.po")))


@pytest.fixture(scope="module")
def third_party_catalogues(tmp_path_factory) -> dict[str, list[polib.POEntry]]:
    """Extract each package's msgids as Django would (makemessages -l en) in a copy of it."""
    catalogues = {}
    for package in THIRD_PARTY:
        copy = tmp_path_factory.mktemp("tp") / package
        shutil.copytree(
            Path(find_spec(package).origin).parent,
            copy,
            ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "migrations"),
        )
        (copy / "locale").mkdir()
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", "en", "-v", "0"],
            cwd=copy,
            env=env,
            check=True,
        )
        entries = list(polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")))
        assert entries, package
        catalogues[package] = entries
    return catalogues


def left_in_english(entries: list[polib.POEntry]) -> list[str]:
    """The msgids that come back unchanged under Vietnamese (singular and plural)."""
    left = []
    with translation.override("vi"):
        for e in entries:
            if not e.msgid or e.obsolete or e.msgid in ALLOWED:
                continue
            if e.msgid_plural:
                for n, english in ((1, e.msgid), (2, e.msgid_plural)):
                    if e.msgctxt:
                        text = npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                    else:
                        text = ngettext(e.msgid, e.msgid_plural, n)
                    if text == english:
                        left.append(english)
            elif (pgettext(e.msgctxt, e.msgid) if e.msgctxt else gettext(e.msgid)) == e.msgid:
                left.append(e.msgid)
    return left


@pytest.mark.parametrize("name", DJANGO_CATALOGUES)
def test_every_django_text_is_vietnamese(name):
    entries = django_catalogue(name)
    assert len(entries) > 5
    assert left_in_english(entries) == [], "translate them in doingoai/django_locale/vi"


@pytest.mark.parametrize("package", THIRD_PARTY)
def test_every_text_of_the_admin_apps_is_vietnamese(third_party_catalogues, package):
    assert left_in_english(third_party_catalogues[package]) == [], (
        "translate them in doingoai/django_locale/vi"
    )


def test_placeholders_survive_translation():
    with translation.override("vi"):
        assert gettext("Set password: %s") % "an" == "Đặt mật khẩu: an"
        assert ngettext("%(num)d year", "%(num)d years", 3) % {"num": 3} == "3 năm"
        assert pgettext("ordinal 2", "{}nd").format(2) == "thứ 2"
        assert gettext("Cleaned up {count} expired access attempts.").format(count=4) == (
            "Đã dọn 4 lần thử truy cập đã hết hạn."
        )


ENGLISH_PHRASES = [
    "Skip to main content",
    "Toggle theme",
    "Toggle navigation",
    "Filter navigation items",
    "Sidebar",
    "Breadcrumbs",
    "Model name",
    "Add link",
    "Change or view list link",
    "Set password",
    "Reset password",
    "Password-based authentication",
    "Select this object for an action",
    "Select all objects on this page for an action",
    "Show counts",
    "Hide counts",
    "Added:",
    "Changed:",
    "Deleted:",
    "View history",
    "Change History",
    "Attempt Time",
    "IP Address",
    "User Agent",
]


@pytest.mark.django_db
def test_admin_pages_show_no_english(client):
    admin = User.objects.create_superuser("quantri", "quantri@example.org", "mat-khau-dai-1")
    client.force_login(admin)
    agency = Agency.objects.order_by("pk").first()
    pages = [
        reverse("admin:index"),
        reverse("admin:agencies_agency_changelist"),
        reverse("admin:agencies_agency_change", args=[agency.pk]),
        reverse("admin:agencies_user_changelist"),
        reverse("admin:agencies_user_change", args=[admin.pk]),
        reverse("admin:auth_user_password_change", args=[admin.pk]),
        reverse("admin:axes_accessattempt_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'lang="vi"' in html, url
        found = [phrase for phrase in ENGLISH_PHRASES if phrase in html]
        assert found == [], url


def test_the_admins_javascript_texts_are_vietnamese():
    request = RequestFactory().get("/admin/jsi18n/")
    with translation.override("vi"):
        catalogue = JavaScriptCatalog.as_view(packages=["django.contrib.admin"])(request)
    texts = json.loads(re.search(rb"const newcatalog = (\{.*?\});", catalogue.content, re.S)[1])
    for english in ("Choose all %s", "Remove selected %s", "Choose a Time"):
        assert texts.get(english, english) != english, english
