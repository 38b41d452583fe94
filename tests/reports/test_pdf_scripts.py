"""Every script the partner countries write in prints in the report's PDF (Han, Hangul, Lao,
Khmer, Thai, Cyrillic, from Debian's Noto fonts, embedded as subsets); a character that still
cannot be drawn is named, with where it occurs, on the version's page before anyone issues it,
and issuing then asks for a confirmation. The XLSX annex carries the same text intact.

Two checks find such a character (reports/documents.py render_checked_pdf): WeasyPrint's
.notdef warning (a real rendering: an emoji no installed font has) and the character's kind
(private-use and unassigned code points, whatever renders them)."""

from __future__ import annotations

import io
import logging
import subprocess
import threading
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext

from activities.models import Activity
from agencies.models import Agency
from reports import consolidation, pdf
from reports.errors import ReportError
from reports.models import ConsolidatedReport, IssuingAuthority
from tests.factories import make_activity, make_agency_report, make_user
from tests.support import postgres_only, with_real_worker

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status

# The case of ../shared/cases/README.md ("PDF scripts") and the plan's other partners.
CHIBA_BUSAN = "Đón đoàn tỉnh Chiba (千葉県) và thành phố Busan (부산광역시)"
GUANGDONG = "广东省"
SCRIPTS = {
    "title": CHIBA_BUSAN,
    "place": GUANGDONG,
    "outcome": (
        "Giao lưu học sinh với ສປປ ລາວ và កម្ពុជា; đoàn ประเทศไทย; thư mời từ Москва; "
        "đoàn La Habana (Cuba), José Martí; 臺灣 và とうきょう・トウキョウ."
    ),
}
PRINTED = [
    CHIBA_BUSAN,
    GUANGDONG,
    "ສປປ ລາວ",
    "កម្ពុជា",
    "ประเทศไทย",
    "Москва",
    "José Martí",  # Cuba: Latin with Spanish accents
    "臺灣",  # traditional Han
    "とうきょう・トウキョウ",  # kana
]
# No font of Debian's fonts-noto-cjk, fonts-noto-core, DejaVu or Liberation has it (DejaVu
# Sans has the older emoticons, 😀 among them); fonts-noto-color-emoji would draw it.
MELTING_FACE = "\U0001fae0"
PRIVATE_USE = "\ue000"


def scripts_activity(staff, reviewer, **fields) -> Activity:
    """An accepted activity of the first half of 2020 with the partners' scripts, unless
    `fields` say otherwise."""
    values = {
        "start_date": date(2020, 3, 10),
        "end_date": date(2020, 3, 12),
        "countries": ["JP", "KR", "CN", "LA", "KH", "TH", "RU"],
        **SCRIPTS,
    }
    return make_activity(staff, status="accepted", reviewer=reviewer, **(values | fields))


def font_has(char: str) -> bool:
    """Whether fontconfig knows an installed font with a glyph for `char`."""
    found = subprocess.run(
        ["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True
    )
    return bool(found.stdout.strip())


def page_of(client, report: ConsolidatedReport) -> str:
    return client.get(reverse("reports:consolidated", args=[report.pk])).content.decode()


def assert_names(where: str, title: str, agency, field: str) -> None:
    """`where` names the activity by its title and agency, and the field, in Vietnamese."""
    with translation.override("vi"):
        label = str(Activity._meta.get_field(field).verbose_name)
    assert title in where and agency.short_name in where and where.endswith(label), where


# ------------------------------------------------------------------------ every script prints


def test_every_partner_script_prints_in_the_pdf_from_embedded_noto_subsets(
    h1, staff, reviewer, build_now, pdf_words, poppler, caplog, real_renderer
):
    scripts_activity(staff, reviewer)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        report = build_now(h1, reviewer)

    assert report.status == Status.READY
    assert report.missing_glyphs == []
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    text = pdf_words(report)
    for printed in PRINTED:
        assert printed in text, printed
    fonts = {}
    for line in poppler("pdffonts", report.pdf.path).splitlines()[2:]:
        name, *_, emb, sub, _uni, _obj, _gen = line.split()
        fonts[name.split("+", 1)[1]] = (emb, sub, name[6] == "+")
    for family in ["Noto-Serif-CJK-JP", "Noto-Serif-Lao", "Noto-Serif-Khmer", "Noto-Serif-Thai"]:
        assert fonts[family] == ("yes", "yes", True), fonts  # embedded, a subset
    # The glyphs used, not the fonts: Noto Serif CJK alone is 20 MB.
    assert Path(report.pdf.path).stat().st_size < 400_000


# ------------------------------------------------------------------------ named before issuing


@with_real_worker
def test_an_emoji_no_font_has_is_named_with_where_it_occurs_by_the_real_worker(
    worker_app, period, staff, reviewer, client, pdf_words, real_renderer
):
    assert not font_has(MELTING_FACE), "this test needs a character no installed font draws"
    activity = scripts_activity(staff, reviewer, title=f"Giao lưu thanh niên {MELTING_FACE} Busan")

    with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        report = consolidation.start_drafting(actor=reviewer, period=period)
        assert worker_app.AsyncResult(report.task_id).get(timeout=120) == "ready"

    report.refresh_from_db()
    # Found by WeasyPrint's .notdef warning alone: an emoji is an assigned character.
    [glyph] = report.missing_glyphs
    assert (glyph["char"], glyph["codepoint"], glyph["name"]) == (
        MELTING_FACE,
        "U+1FAE0",
        "MELTING FACE",
    )
    [where] = glyph["where"]
    assert_names(where, activity.title, activity.agency, "title")
    assert "Giao lưu thanh niên" in pdf_words(report)  # the rest prints

    client.force_login(reviewer)
    page = page_of(client, report)
    assert 'data-testid="missing-glyphs"' in page
    for shown in [MELTING_FACE, "U+1FAE0", "MELTING FACE", escape(where)]:
        assert shown in page, shown
    assert "alert-success" not in page  # not a plain 'ready'
    assert 'data-testid="blanks-confirmed"' in page


def test_a_private_use_character_is_named_whatever_the_renderer_draws(
    h1, staff, reviewer, build_now, client
):
    # The fake renderer logs no .notdef warning: the character's kind is the second check.
    activity = scripts_activity(staff, reviewer, place=f"Hội trường {PRIVATE_USE} tỉnh")
    report = build_now(h1, reviewer)

    assert report.status == Status.READY
    [glyph] = report.missing_glyphs
    assert (glyph["char"], glyph["codepoint"]) == (PRIVATE_USE, "U+E000")
    with translation.override("vi"):
        kind = gettext("private-use character (its picture depends on the font)")
    assert (glyph["name"], glyph["kind"]) == ("", kind)  # no Unicode name: what it is
    [where] = glyph["where"]
    assert_names(where, CHIBA_BUSAN, activity.agency, "place")
    client.force_login(reviewer)
    page = page_of(client, report)
    assert "U+E000" in page and escape(where) in page


def test_a_private_use_character_in_the_reviewers_text_is_named_by_the_real_rendering(
    h1, staff, reviewer, build_now, caplog, django_capture_on_commit_callbacks, real_renderer
):
    scripts_activity(staff, reviewer)
    report = build_now(h1, reviewer)
    with (
        caplog.at_level(logging.WARNING, logger="weasyprint"),
        django_capture_on_commit_callbacks(execute=True),  # the drafting it queues
    ):
        consolidation.save_narrative(
            actor=reviewer,
            report=report,
            sections={"results": f"Kết quả tốt {PRIVATE_USE}."},
            version=report.version,
        )
    report.refresh_from_db()
    # No installed font has U+E000: WeasyPrint drew .notdef too.
    assert any(f"U+{ord(PRIVATE_USE):04X}" in r.getMessage() for r in caplog.records)
    [glyph] = report.missing_glyphs
    [where] = glyph["where"]
    with translation.override("vi"):
        section = str(capfirst(ConsolidatedReport._meta.get_field("results").verbose_name))
    assert glyph["codepoint"] == "U+E000" and section in where


def test_notdef_characters_collects_what_weasyprint_drew_blank_and_nothing_else(real_renderer):
    assert not font_has(MELTING_FACE)
    summary = f"{MELTING_FACE} {CHIBA_BUSAN} {GUANGDONG} Москва ສປປ ລາວ កម្ពុជា ประเทศไทย"
    doc = {"title": "Thử", "summary": summary, "recipients": [], "year": 2020}
    with pdf.notdef_characters() as missing:
        pdf.render_pdf("reports/pdf/base.html", {"doc": doc})
    assert (missing.characters, missing.readable) == ({MELTING_FACE}, True)


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\ue000", "private use"),
        ("\U000f0000", "supplementary private use"),
        ("\u0378", "unassigned"),
        ("\uffff", "noncharacter"),
    ],
)
def test_private_use_unassigned_and_noncharacters_are_never_printable(char, kind):
    assert pdf.never_printable(f"Đoàn {char} Chiba 千葉県 😀") == {char}, kind


def test_the_page_lists_at_most_fifty_characters_each_in_at_most_ten_places(
    h1, staff, reviewer, build_now
):
    many = "".join(chr(0xE000 + i) for i in range(60))
    for n in range(12):
        scripts_activity(staff, reviewer, title=f"Hoạt động {n} {many}")
    report = build_now(h1, reviewer)

    assert [g["char"] for g in report.missing_glyphs] == list(many[:50])
    assert all(len(g["where"]) == 10 for g in report.missing_glyphs)


# ------------------------------------------------------------------------ issuing with blanks


@pytest.fixture
def with_blank(h1, staff, reviewer, build_now) -> ConsolidatedReport:
    scripts_activity(staff, reviewer, place=f"Nhà khách {PRIVATE_USE}")
    return build_now(h1, reviewer)


def test_issuing_a_version_with_blanks_asks_for_a_confirmation_and_changes_nothing(
    with_blank, reviewer, client
):
    refusal = consolidation.unprintable_refusal(with_blank, confirmed=False)
    assert refusal and not consolidation.unprintable_refusal(with_blank, confirmed=True)
    with pytest.raises(ReportError) as refused:
        consolidation.issue_report(actor=reviewer, report=with_blank, version=with_blank.version)
    assert str(refused.value) == refusal
    client.force_login(reviewer)
    assert 'data-testid="blanks-confirmed"' in page_of(client, with_blank)
    url = reverse("reports:consolidated-issue", args=[with_blank.pk])
    response = client.post(url, {"version": with_blank.version})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [refusal]
    with_blank.refresh_from_db()
    assert (with_blank.status, with_blank.number, with_blank.pdf.name.count("-so-")) == (
        Status.READY,
        None,
        0,
    )


def test_a_confirmed_version_with_blanks_is_issued_and_still_names_them(
    with_blank, reviewer, client
):
    client.force_login(reviewer)
    url = reverse("reports:consolidated-issue", args=[with_blank.pk])
    client.post(url, {"version": with_blank.version, "blanks_confirmed": "1"})
    with_blank.refresh_from_db()
    assert with_blank.status == Status.ISSUED and with_blank.number == 1
    page = page_of(client, with_blank)
    assert 'data-testid="missing-glyphs"' in page and "U+E000" in page
    assert 'data-testid="blanks-confirmed"' not in page


# ------------------------------------------------------------------------ the annex, the override


def test_the_xlsx_annex_carries_every_script_intact_as_string_cells(h1, staff, reviewer, build_now):
    title = f"={CHIBA_BUSAN} {MELTING_FACE}"  # a formula start and an emoji, kept as written
    scripts_activity(staff, reviewer, title=title, place=f"{GUANGDONG} {PRIVATE_USE}")
    scripts_activity(
        staff, reviewer, title="#N/A", start_date=date(2020, 4, 1), end_date=date(2020, 4, 1)
    )  # text, not Excel's error value
    report = build_now(h1, reviewer)
    workbook = openpyxl.load_workbook(io.BytesIO(Path(report.xlsx.path).read_bytes()))
    first, second = workbook["Danh sách hoạt động"].iter_rows(min_row=2)

    assert [first[3].value, first[6].value, first[13].value, second[3].value] == [
        title,
        f"{GUANGDONG} {PRIVATE_USE}",
        SCRIPTS["outcome"],
        "#N/A",
    ]
    assert all(cell.data_type == "s" for cell in (first[3], first[6], first[13], second[3]))


def test_a_direction_override_stored_raw_prints_in_logical_order(
    h1, staff, reviewer, build_now, pdf_words, real_renderer
):
    activity = scripts_activity(staff, reviewer)
    # Written around the normaliser, as a row from before it or from raw SQL would be.
    Activity.objects.filter(pk=activity.pk).update(title="Đoàn \u202eNB nậhN\u202c Nhật Bản")
    report = build_now(h1, reviewer)

    assert report.status == Status.READY
    text = pdf_words(report)
    assert "Đoàn NB nậhN Nhật Bản" in text
    assert "Nhận BN" not in text


# ------------------------------------------------------------------------ the check itself


def render_base(summary: str) -> None:
    doc = {"title": "Thử", "summary": summary, "recipients": [], "year": 2020}
    pdf.render_pdf("reports/pdf/base.html", {"doc": doc})


def test_notdef_characters_reads_the_warnings_with_thread_ids_off(monkeypatch, real_renderer):
    # logging.logThreads = False leaves record.thread None: the block is known by its context.
    monkeypatch.setattr(logging, "logThreads", False)
    with pdf.notdef_characters() as missing:
        render_base(f"Giao lưu {MELTING_FACE} Busan")
    assert (missing.characters, missing.readable) == ({MELTING_FACE}, True)


def test_the_weasyprint_logger_keeps_its_level_and_shows_nothing_it_would_hide(
    monkeypatch, caplog, real_renderer
):
    weasyprint_logger = logging.getLogger("weasyprint")
    monkeypatch.setattr(weasyprint_logger, "level", logging.ERROR)  # as LOG_LEVEL=ERROR
    caplog.set_level(logging.DEBUG)  # a handler that shows whatever reaches the root
    with pdf.notdef_characters() as missing:
        render_base(f"Giao lưu {MELTING_FACE} Busan")

    assert missing.characters == {MELTING_FACE}
    assert weasyprint_logger.level == logging.ERROR
    assert not weasyprint_logger.filters
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]


def test_the_logger_is_put_back_when_the_rendering_raises(monkeypatch):
    weasyprint_logger = logging.getLogger("weasyprint")
    monkeypatch.setattr(weasyprint_logger, "level", logging.ERROR)
    with pytest.raises(ZeroDivisionError), pdf.notdef_characters():
        assert weasyprint_logger.level == logging.WARNING
        1 / 0  # noqa: B018
    assert (weasyprint_logger.level, weasyprint_logger.filters) == (logging.ERROR, [])


def test_two_renderings_at_once_in_two_threads_keep_their_characters_apart():
    both_open = threading.Barrier(2, timeout=10)
    found: dict[str, set[str]] = {}

    def render(name: str, char: str) -> None:
        with pdf.notdef_characters() as missing:
            both_open.wait()  # both blocks open before either logs
            logging.getLogger("weasyprint").warning(
                '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
                char,
                ord(char),
            )
            both_open.wait()  # and neither closes before both have logged
        found[name] = missing.characters

    threads = [
        threading.Thread(target=render, args=("a", MELTING_FACE)),
        threading.Thread(target=render, args=("b", PRIVATE_USE)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert found == {"a": {MELTING_FACE}, "b": {PRIVATE_USE}}


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("Glyph missing from every font: %r", ("🫠",)),  # another wording, no U+XXXX
        ('.notdef glyph rendered for "%s"', ("🫠",)),  # the character, not its code
        (".notdef glyph for U+%X", (0x110000,)),  # no such code point
    ],
)
def test_a_glyph_warning_that_cannot_be_read_fails_the_check_closed(message, args):
    with pdf.notdef_characters() as missing:
        logging.getLogger("weasyprint").warning(message, *args)
    assert not missing.readable


def test_other_weasyprint_warnings_leave_the_check_readable():
    with pdf.notdef_characters() as missing:
        logging.getLogger("weasyprint").warning("Ignored `foo: bar` at 1:2, unknown property.")
    assert (missing.characters, missing.readable) == (set(), True)


@pytest.fixture
def unreadable_renderer(monkeypatch, fake_renderer):
    """The fake renderer, logging a glyph warning in a wording the check cannot read."""
    fake = pdf.render_pdf

    def render(template_name, context):
        logging.getLogger("weasyprint").warning("Glyph missing from every font: %r", "🫠")
        return fake(template_name, context)

    monkeypatch.setattr(pdf, "render_pdf", render)


def test_a_drafting_whose_check_failed_is_not_checked_and_is_not_issued(
    h1, staff, reviewer, build_now, client, unreadable_renderer
):
    scripts_activity(staff, reviewer)
    report = build_now(h1, reviewer)

    assert (report.status, report.missing_glyphs) == (Status.READY, None)
    client.force_login(reviewer)
    assert 'data-testid="glyphs-unchecked"' in page_of(client, report)
    with pytest.raises(ReportError) as refused:
        consolidation.issue_report(
            actor=reviewer, report=report, version=report.version, blanks_confirmed=True
        )
    assert str(refused.value) == consolidation.unconfirmed_refusal(report, None, confirmed=True)
    report.refresh_from_db()
    assert (report.status, report.number) == (Status.READY, None)


def test_an_emoji_is_named_by_a_real_drafting_run_in_process(
    h1, staff, reviewer, build_now, client, real_renderer
):
    assert not font_has(MELTING_FACE)
    activity = scripts_activity(staff, reviewer, title=f"Giao lưu thanh niên {MELTING_FACE} Busan")
    report = build_now(h1, reviewer)  # the task eager, WeasyPrint itself

    assert report.status == Status.READY
    [glyph] = report.missing_glyphs
    assert (glyph["char"], glyph["codepoint"], glyph["name"], glyph["kind"]) == (
        MELTING_FACE,
        "U+1FAE0",
        "MELTING FACE",
        "",
    )
    [where] = glyph["where"]
    assert_names(where, activity.title, activity.agency, "title")
    client.force_login(reviewer)
    page = page_of(client, report)
    with translation.override("vi"):
        label = gettext("Unicode name:")
    assert f'{label} <span lang="en">MELTING FACE</span>' in page
    assert escape(where) in page


# ------------------------------------------------------------------------ issuing checks again


def test_issuing_checks_the_final_pdf_and_names_what_was_not_confirmed(
    h1, staff, reviewer, build_now, client, vi, real_renderer
):
    scripts_activity(staff, reviewer)
    report = build_now(h1, reviewer)
    assert report.missing_glyphs == []
    # The final PDF is not the draft: its header comes from the issuing authority as it is
    # now.
    IssuingAuthority.objects.update(signer_name=f"Nguyễn Văn An {MELTING_FACE}")

    with pytest.raises(ReportError) as refused:
        consolidation.issue_report(actor=reviewer, report=report, version=report.version)
    assert "U+1FAE0" in str(refused.value) and "MELTING FACE" in str(refused.value)
    issued_before = report.version
    report.refresh_from_db()
    assert (report.status, report.number, report.version) == (
        Status.READY,
        None,
        issued_before + 1,
    )
    [glyph] = report.missing_glyphs  # recorded for the page, which lists it now
    assert glyph["char"] == MELTING_FACE
    assert glyph["where"][0] == vi(
        "Document header (issuer, place, signer: the issuing authority in the admin)"
    )
    client.force_login(reviewer)
    assert 'data-testid="blanks-confirmed"' in page_of(client, report)

    issued = consolidation.issue_report(
        actor=reviewer, report=report, version=report.version, blanks_confirmed=True
    )
    assert (issued.status, issued.number) == (Status.ISSUED, 1)  # the refusal took no number
    assert [g["char"] for g in issued.missing_glyphs] == [MELTING_FACE]


def test_a_version_drafted_before_the_check_is_checked_when_issued(
    h1, staff, reviewer, build_now, client
):
    scripts_activity(staff, reviewer, place=f"Nhà khách {PRIVATE_USE}")
    report = build_now(h1, reviewer)
    # As migration 0008 leaves the unissued versions drafted before the check.
    ConsolidatedReport.objects.filter(pk=report.pk).update(missing_glyphs=None)
    report.refresh_from_db()
    client.force_login(reviewer)
    url = reverse("reports:consolidated-issue", args=[report.pk])

    # The page listed nothing, so a confirmation confirms nothing.
    response = client.post(url, {"version": report.version, "blanks_confirmed": "on"})
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "U+E000" in message
    report.refresh_from_db()
    assert report.status == Status.READY
    assert [g["char"] for g in report.missing_glyphs] == [PRIVATE_USE]

    client.post(url, {"version": report.version, "blanks_confirmed": "on"})
    report.refresh_from_db()
    assert (report.status, report.number) == (Status.ISSUED, 1)


def test_the_confirmation_is_read_through_the_issue_form(with_blank, reviewer, client):
    # A browser posts a checkbox without a value as "on".
    client.force_login(reviewer)
    url = reverse("reports:consolidated-issue", args=[with_blank.pk])
    client.post(url, {"version": with_blank.version, "blanks_confirmed": "on"})
    with_blank.refresh_from_db()
    assert with_blank.status == Status.ISSUED


# ------------------------------------------------------------------------ where, and the lists


def test_a_character_only_in_an_agency_name_names_that_agency(h1, staff, reviewer, build_now, vi):
    scripts_activity(staff, reviewer)
    sender = make_user("mgrsyt", "SYT", "manager")
    make_agency_report(h1, "SYT", status="submitted", sender=sender, difficulties="Thiếu xe.")
    # Written before the normaliser, as an old row would be; SYT has no activity counted.
    Agency.objects.filter(code="SYT").update(short_name=f"SYT {PRIVATE_USE}")
    report = build_now(h1, reviewer)

    [glyph] = report.missing_glyphs
    assert glyph["where"] == [
        vi("Difficulties reported by %(agency)s", agency=f"SYT {PRIVATE_USE}")
    ]


def test_the_lists_of_versions_say_a_ready_draft_has_characters_that_cannot_print(
    with_blank, reviewer, client
):
    client.force_login(reviewer)
    label = with_blank.status_label
    assert label != with_blank.get_status_display() and "1" in label
    period_page = client.get(
        reverse("reports:consolidated-period", args=[with_blank.period.code])
    ).content.decode()
    index_page = client.get(reverse("reports:index")).content.decode()
    assert escape(label) in period_page and escape(label) in index_page


# ------------------------------------------------------------------------ the migration

BEFORE_UNCHECKED = [("reports", "0007_text_limits")]


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_unissued_versions_made_before_the_check_become_not_checked():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from reports.periods import ensure_periods

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    ensure_periods([2020])
    try:
        MigrationExecutor(connection).migrate(BEFORE_UNCHECKED)
        old = MigrationExecutor(connection).loader.project_state(BEFORE_UNCHECKED).apps
        OldReport = old.get_model("reports", "ConsolidatedReport")
        period = old.get_model("reports", "ReportingPeriod").objects.get(kind="half", year=2020)
        ready = OldReport.objects.create(period=period, draft_number=1, status="ready")
        issued = OldReport.objects.create(
            period=period,
            draft_number=2,
            status="issued",
            number=1,
            number_year=2020,
            issued_on=date(2020, 7, 1),
        )
        assert ready.missing_glyphs == issued.missing_glyphs == []

        MigrationExecutor(connection).migrate(latest)

        glyphs = dict(ConsolidatedReport.objects.values_list("pk", "missing_glyphs"))
        assert glyphs == {ready.pk: None, issued.pk: []}
    finally:
        MigrationExecutor(connection).migrate(latest)


def test_a_ready_version_with_blanks_says_so_in_one_alert_beside_unstretched_buttons(
    with_blank, reviewer, client
):
    client.force_login(reviewer)
    page = page_of(client, with_blank)
    assert page.count("alert alert-warning") == 1
    assert 'data-testid="missing-glyphs" role="status"' in page
    assert "d-flex gap-2 flex-wrap align-items-start" in page  # the buttons keep their height
