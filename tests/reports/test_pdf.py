"""reports/pdf.py: real WeasyPrint renders, read back with poppler-utils.

Layout (A4, page numbers from page 2, the shipped fonts only), Vietnamese text, and the
fetcher: user text is escaped, and even HTML that reaches the template raw loads nothing
but the project's static files — no request to a live local server, no local file, no
attachment.
"""

from __future__ import annotations

import datetime
import re
import urllib.request
from pathlib import Path

import pytest

from reports import pdf
from reports.pdf import RefusedURL, bar_chart_svg, fetch_url, render_pdf, static_base_url

# The renderer's own tests: WeasyPrint itself (the local server and the fetcher spy are in
# conftest.py).
pytestmark = pytest.mark.usefixtures("real_renderer")

SUMMARY = "Kết quả công tác đối ngoại Nhân dân 6 tháng đầu năm 2020"
PARAGRAPH = (
    "Sáu tháng đầu năm 2020, Sở Ngoại vụ đã phối hợp với các cơ quan, đơn vị tổ chức nhiều "
    "hoạt động đối ngoại Nhân dân, góp phần tăng cường quan hệ hữu nghị, hợp tác giữa tỉnh "
    "Bà Rịa - Vũng Tàu với các địa phương nước ngoài."
)

REPORT = """{% extends "reports/pdf/base.html" %}
{% block body %}{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>{% endfor %}
{{ chart }}{% endblock %}"""

# Simulates a bug: text reaching the HTML unescaped.
UNSAFE_REPORT = """{% extends "reports/pdf/base.html" %}
{% block body %}<p>Trước.</p>{{ raw|safe }}<p>Sau.</p>{% endblock %}"""


# ---------------------------------------------------------------------------- helpers


def squash(text: str) -> str:
    """Text without whitespace: line breaks and justification do not matter."""
    return re.sub(r"\s+", "", text)


def words(text: str) -> str:
    return " ".join(text.split())


def make_doc(**overrides) -> dict:
    return {
        "issuer_parent": "UBND TỈNH BÀ RỊA - VŨNG TÀU",
        "issuer": "SỞ NGOẠI VỤ",
        "number": "05/BC-SNgV",
        "number_suffix": "BC-SNgV",
        "place": "Bà Rịa - Vũng Tàu",
        "date": datetime.date(2021, 1, 5),
        "year": 2021,
        "title": "BÁO CÁO",
        "summary": SUMMARY,
        "recipients": ["- UBND tỉnh (b/c);", "- Bộ Ngoại giao (b/c);", "- Lưu: VT, VP."],
        "signer_authority": "KT. GIÁM ĐỐC",
        "signer_title": "PHÓ GIÁM ĐỐC",
        "signer_name": "Nguyễn Văn Hùng",
        "draft": False,
        **overrides,
    }


@pytest.fixture
def templates(settings, tmp_path: Path) -> Path:
    """The test templates, in a folder added to the template DIRS."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.html").write_text(REPORT, encoding="utf-8")
    (folder / "unsafe_report.html").write_text(UNSAFE_REPORT, encoding="utf-8")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], folder]}]
    return folder


@pytest.fixture
def render(templates, tmp_path: Path):
    """Render a test template and write the PDF to a file for poppler."""

    def _render(template: str = "report.html", **context) -> Path:
        context.setdefault("doc", make_doc())
        context.setdefault("paragraphs", [PARAGRAPH])
        path = tmp_path / "out.pdf"
        data = render_pdf(template, context)
        assert data.startswith(b"%PDF-")
        path.write_bytes(data)
        return path

    return _render


# ---------------------------------------------------------------------------- layout and text


def test_vietnamese_text_comes_out_intact(render, poppler) -> None:
    text = words(poppler("pdftotext", "-layout", render(), "-"))

    for expected in [
        "UBND TỈNH BÀ RỊA - VŨNG TÀU",
        "SỞ NGOẠI VỤ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/BC-SNgV",
        "Bà Rịa - Vũng Tàu, ngày 05 tháng 01 năm 2021",
        "BÁO CÁO",
        SUMMARY,
        "Nơi nhận:",
        "- UBND tỉnh (b/c);",
        "- Lưu: VT, VP.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn Hùng",
    ]:
        assert expected in text
    assert squash(PARAGRAPH) in squash(text)
    assert "DỰ THẢO" not in text


def test_one_page_a4_document(render, poppler) -> None:
    info = poppler("pdfinfo", render())

    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    assert size, info
    assert round(float(size[1])) == 595
    assert round(float(size[2])) == 842


def test_unissued_draft_has_blanks_and_the_draft_mark(render, poppler) -> None:
    doc = make_doc(number="", date=None, draft=True)
    text = words(poppler("pdftotext", "-layout", render(doc=doc), "-"))

    assert "Số: /BC-SNgV" in text
    assert "Bà Rịa - Vũng Tàu, ngày tháng năm 2021" in text
    assert "DỰ THẢO" in text


def test_dates_are_zero_padded(render, poppler) -> None:
    doc = make_doc(date=datetime.date(2020, 12, 31))
    text = words(poppler("pdftotext", "-layout", render(doc=doc), "-"))

    assert "ngày 31 tháng 12 năm 2020" in text


def test_page_numbers_at_the_top_from_page_two(render, poppler) -> None:
    path = render(paragraphs=[f"{PARAGRAPH} ({n})" for n in range(45)])

    pages = int(re.search(r"^Pages:\s+(\d+)$", poppler("pdfinfo", path), re.MULTILINE)[1])
    assert pages >= 3

    def first_line(page: int) -> str:
        text = poppler("pdftotext", "-layout", "-f", str(page), "-l", str(page), path, "-")
        return next(line.strip() for line in text.splitlines() if line.strip())

    assert first_line(1).startswith("UBND TỈNH")
    assert first_line(2) == "2"
    assert first_line(3) == "3"


def test_only_the_shipped_liberation_serif_fonts(render, fetched, poppler) -> None:
    chart = bar_chart_svg([("Đoàn vào", 7), ("Hội thảo", 0)], title="Hoạt động theo loại")
    path = render(chart=chart)

    lines = poppler("pdffonts", path).splitlines()[2:]
    assert lines, "no fonts in the PDF"
    for line in lines:
        name, *_, emb, sub, _uni, _obj, _gen = line.split()
        assert re.fullmatch(r"[A-Z]{6}\+Liberation-?Serif(-[A-Za-z-]+)?", name), line
        assert (emb, sub) == ("yes", "yes"), line
    assert len(lines) == 4  # regular, bold, italic (date), bold italic (Nơi nhận)

    served = {Path(url).name for url, ok in fetched if ok}
    assert {
        "pdf.css",
        "LiberationSerif-Regular.ttf",
        "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf",
        "LiberationSerif-BoldItalic.ttf",
    } <= served
    text = words(poppler("pdftotext", "-layout", path, "-"))
    assert "Hoạt động theo loại" in text
    assert "Đoàn vào" in text


# ---------------------------------------------------------------------------- security


def _attacks(port: int) -> list[str]:
    local = f"http://127.0.0.1:{port}"
    return [
        f'<img src="{local}/img.png">',
        '<img src="http://169.254.169.254/latest/meta-data/">',
        '<img src="file:///etc/passwd">',
        f'<img src="ftp://127.0.0.1:{port}/x.png">',
        '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">',
        '<img src="../../../../../../etc/passwd">',
        f'<link rel="stylesheet" href="{local}/style.css">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<link rel="attachment" href="{local}/link-attachment">',
        '<link rel="attachment" href="fonts/LiberationSerif-Bold.ttf">',
        f'<a rel="attachment" href="{local}/a-attachment">tệp</a>',
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
        f'<a rel="attachment" href="{static_base_url()}reports/pdf.css">css</a>',
        f'<div style="background-image: url({local}/background.png)">nền</div>',
        f'<p style="list-style-image: url({local}/list.png)">danh sách</p>',
        f"<style>@import url({local}/import.css);"
        f" @font-face {{ font-family: Probe; src: url({local}/font.ttf) }}</style>",
        f'<object data="{local}/object.svg" type="image/svg+xml"></object>',
        f'<embed src="{local}/embed.svg" type="image/svg+xml">',
        f'<svg width="10" height="10"><image href="{local}/svg-image.png"'
        ' width="10" height="10"/></svg>',
    ]


def _assert_nothing_leaked(poppler, path: Path, server) -> None:
    assert server.connections == []
    assert server.requests == []
    detached = poppler("pdfdetach", "-list", path)
    assert re.match(r"0 embedded files", detached), detached
    text = poppler("pdftotext", "-layout", path, "-")
    assert "root:" not in text


def test_recorder_sees_requests(http_server) -> None:
    """The server the security tests rely on does record a fetch."""
    url = f"http://127.0.0.1:{http_server.server_port}/probe"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
    assert http_server.requests == ["/probe"]


def test_user_text_is_escaped_and_loads_nothing(render, http_server, fetched, poppler) -> None:
    attacks = _attacks(http_server.server_port)
    doc = make_doc(summary=attacks[0], recipients=[f"- {attacks[8]};", "- Lưu: VT, VP."])
    path = render(doc=doc, paragraphs=attacks)

    text = squash(poppler("pdftotext", "-layout", path, "-"))
    for attack in attacks:
        assert squash(attack) in text  # shown as text, not interpreted
    assert all(ok for _, ok in fetched)  # only the stylesheet and its fonts were asked for
    _assert_nothing_leaked(poppler, path, http_server)


def test_raw_html_fetches_nothing_but_static_files(render, http_server, fetched, poppler) -> None:
    attacks = _attacks(http_server.server_port)
    path = render("unsafe_report.html", raw="\n".join(attacks))

    _assert_nothing_leaked(poppler, path, http_server)
    refused = {url for url, ok in fetched if not ok}
    # The markup was live: WeasyPrint asked, and the fetcher said no.
    port = http_server.server_port
    assert f"http://127.0.0.1:{port}/img.png" in refused
    assert f"http://127.0.0.1:{port}/style.css" in refused
    assert f"http://127.0.0.1:{port}/background.png" in refused
    assert "http://169.254.169.254/latest/meta-data/" in refused
    assert "file:///etc/passwd" in refused
    assert any(url.startswith("data:") for url in refused)
    assert any(url.startswith("ftp:") for url in refused)
    served = [url for url, ok in fetched if ok]
    assert all(url.startswith(static_base_url()) for url in served)
    text = words(poppler("pdftotext", "-layout", path, "-"))
    assert "Trước." in text
    assert "Sau." in text


# ---------------------------------------------------------------------------- the fetcher


def test_fetcher_serves_a_static_font() -> None:
    font = Path(pdf.static_root(), "fonts", "LiberationSerif-Regular.ttf")
    response = fetch_url(f"{static_base_url()}fonts/LiberationSerif-Regular.ttf")
    try:
        assert response.read() == font.read_bytes()
    finally:
        response.close()
    css = fetch_url(f"{static_base_url()}reports/pdf.css")
    assert css.content_type == "text/css"
    css.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/static/reports/pdf.css",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/font.ttf",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "data:text/plain,hello",
        "javascript:alert(1)",
        "gopher://127.0.0.1:70/",
        "fonts/LiberationSerif-Regular.ttf",
        "//127.0.0.1/static/x.css",
        "",
    ],
)
def test_fetcher_refuses(url: str) -> None:
    with pytest.raises(RefusedURL):
        fetch_url(url)


@pytest.mark.parametrize(
    "suffix",
    [
        "../pyproject.toml",
        "fonts/../../pyproject.toml",
        "%2e%2e/pyproject.toml",
        "fonts/%2e%2e/%2e%2e/doingoai/settings.py",
        "../../../../../../etc/passwd",
        "fonts/missing.ttf",
        "fonts/",
        "fonts/LiberationSerif-Regular.ttf%00.css",
    ],
)
def test_fetcher_refuses_paths_outside_static(suffix: str) -> None:
    with pytest.raises(RefusedURL):
        fetch_url(static_base_url() + suffix)


def test_fetcher_refuses_another_host() -> None:
    with pytest.raises(RefusedURL):
        fetch_url(static_base_url().replace("file://", "file://example.com", 1) + "reports/pdf.css")


def test_fetcher_refuses_symlinks_out_of_static(settings, tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "ok.css").write_text("p {}")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("root:x:0:0")
    (static / "secret.css").symlink_to(outside / "secret.txt")
    (static / "linked").symlink_to(outside, target_is_directory=True)
    (static / "inner.css").symlink_to(static / "css" / "ok.css")
    settings.STATICFILES_DIRS = [static]

    base = static.resolve().as_uri()
    assert fetch_url(f"{base}/css/ok.css").read() == b"p {}"
    assert fetch_url(f"{base}/inner.css").read() == b"p {}"
    for name in ("secret.css", "linked/secret.txt"):
        with pytest.raises(RefusedURL):
            fetch_url(f"{base}/{name}")


# ---------------------------------------------------------------------------- charts


def test_bar_chart_escapes_labels() -> None:
    chart = bar_chart_svg(
        [("<script>alert(1)</script>", 3), ('Đoàn "vào" & ra', 5)], title="<b>Tiêu đề</b>"
    )

    assert "<script" not in chart
    assert "&lt;script&gt;" in chart
    assert "&quot;vào&quot; &amp; ra" in chart
    assert "&lt;b&gt;Tiêu đề&lt;/b&gt;" in chart
    assert chart.startswith('<div class="svg-chart">')
    assert "<svg" in chart


def test_bar_chart_handles_zeros_and_empty_input() -> None:
    all_zero = bar_chart_svg([("Hội thảo", 0), ("Đoàn vào", 0)])
    assert all_zero.count('width="0"') == 2

    assert "<svg" in bar_chart_svg([])

    widths = re.findall(r'<rect [^>]*width="([\d.]+)"', bar_chart_svg([("a", 10), ("b", 5)]))
    assert float(widths[0]) == pytest.approx(2 * float(widths[1]))

    with pytest.raises(ValueError):
        bar_chart_svg([("a", -1)])


def test_bar_chart_shortens_long_labels() -> None:
    chart = bar_chart_svg([("Hoạt động " * 20, 1)])
    label = re.search(r'text-anchor="end">([^<]*)<', chart)[1]
    assert label.endswith("…")
    assert len(label) <= 32


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (datetime.date(2021, 1, 5), "ngày 05 tháng 01 năm 2021"),
        (datetime.date(2021, 2, 28), "ngày 28 tháng 02 năm 2021"),
        (datetime.date(2021, 3, 9), "ngày 09 tháng 3 năm 2021"),
        (datetime.date(2020, 12, 15), "ngày 15 tháng 12 năm 2020"),
    ],
)
def test_the_date_line_pads_days_below_10_and_months_1_and_2_only(
    render, day, line, poppler
) -> None:
    # Decree 30/2020, Appendix I: a zero before days under 10 and before months 1 and 2.
    text = words(poppler("pdftotext", "-layout", render(doc=make_doc(date=day)), "-"))
    assert f"Bà Rịa - Vũng Tàu, {line}" in text
