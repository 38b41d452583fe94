"""The one normaliser every text crosses (doingoai.text.clean_text), and the search fold."""

from __future__ import annotations

import unicodedata

import pytest

from doingoai.text import clean_text, fold, has_control_characters

TITLE = "Đón đoàn công tác tỉnh Chiba (Nhật Bản)"


@pytest.mark.parametrize(
    "typed",
    [
        unicodedata.normalize("NFD", TITLE),  # a Mac, some phones
        TITLE.replace("Đ", "Ð"),  # Icelandic eth pasted from an old page
        TITLE.replace("Đ", "Ɖ").replace("đ", "ɖ"),  # African D with tail
        TITLE.replace("đ", "ð"),
        TITLE.replace("Đ", "D\u0335").replace("đ", "d\u0336"),  # a stroke overlay on D/d
        "\u202a" + TITLE + "\u202c",  # a left-to-right embedding around it
        TITLE.replace("Chiba", "\u2066Chiba\u2069"),  # an isolate
        TITLE.replace(" ", " \u200b", 2),  # zero-width spaces
        "\ufeff" + TITLE,  # a byte-order mark at the start of a pasted cell
        TITLE.replace("tỉnh", "t\x00ỉnh"),  # a NUL byte
        TITLE.replace("Nhật", "Nh\x07ật\x1b"),  # other C0 controls
        TITLE.replace("công", "c\x85ông".replace("\x85", "\x9b")),  # a C1 control
        TITLE.replace("Chiba", "Chi\u00adba"),  # a soft hyphen pasted from Word
        TITLE.replace(" (", "\u2060\u2062 ("),  # a word joiner, an invisible operator
        TITLE.replace(" ", "\u00a0"),  # no-break spaces from a web page
        TITLE.replace(" tỉnh", "\u202ftỉnh\u3000"),  # narrow no-break, ideographic space
        TITLE.replace(" ", "  ").replace("Chiba", "\u2003Chiba\t"),  # doubled, em space, tab
        TITLE.replace("ỉ", "i\u034f\u0309"),  # a grapheme joiner keeping the hook apart
        TITLE.replace("Chiba", "Chi\u206aba\u180e\ufff9"),  # deprecated, Mongolian, annotation
        TITLE.replace(" (", "\U000e0067\U000e007f ("),  # tag characters outside a flag
        TITLE.replace(" tỉnh", " \u3164\u115f\u1160\uffa0tỉnh"),  # Hangul fillers
    ],
)
def test_every_form_of_a_title_cleans_to_the_composed_one(typed):
    assert clean_text(typed) == TITLE
    assert fold(typed) == fold(TITLE) == "don doan cong tac tinh chiba (nhat ban)"


def test_a_right_to_left_override_is_removed_so_the_words_print_in_order():
    assert clean_text("Ngày \u202eNB nậhN\u202c 2025") == "Ngày NB nậhN 2025"


def test_single_line_text_turns_tabs_and_line_breaks_into_spaces():
    assert clean_text("Hội nghị\tgiao lưu\r\nhữu nghị\rViệt\u2028Lào") == (
        "Hội nghị giao lưu hữu nghị Việt Lào"
    )


def test_single_line_text_makes_every_run_of_blanks_one_plain_space():
    assert clean_text("Hội\u00a0Hữu\u2009 nghị\t \u3000Việt\r\n \u205fLào") == (
        "Hội Hữu nghị Việt Lào"
    )
    assert clean_text("Hội\u00a0Hữu nghị") == clean_text("Hội Hữu nghị")


def test_multiline_text_makes_other_spaces_plain_and_keeps_tabs_and_lines():
    assert clean_text("Dòng\u00a01\n\tDòng\u202f2  cuối\u3000", multiline=True) == (
        "Dòng 1\n\tDòng 2  cuối "
    )


def test_a_grapheme_joiner_no_longer_keeps_a_letter_from_composing():
    assert clean_text("a\u034f\u0300") == "à"


def test_a_subdivision_flag_keeps_its_tags_and_stray_tags_go():
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert clean_text(f"Đoàn {scotland} Glasgow") == f"Đoàn {scotland} Glasgow"
    # The tags without their black flag, or a flag with no cancel tag, are invisible noise.
    assert clean_text("Đoàn\U000e0067\U000e0062\U000e007f") == "Đoàn"
    assert clean_text("\U0001f3f4\U000e0067\U000e0062") == "\U0001f3f4"


def test_multiline_text_keeps_tabs_and_line_breaks_as_line_feeds():
    assert clean_text("Dòng 1\r\nDòng 2\rDòng 3\u2029\tDòng 4\x00", multiline=True) == (
        "Dòng 1\nDòng 2\nDòng 3\n\tDòng 4"
    )


@pytest.mark.parametrize(
    "text",
    [
        "ສປປ ລາວ",  # Lao
        "ព្រះរាជាណាចក្រកម្ពុជា",  # Khmer, with its coeng signs
        "千葉県 广东省",  # Han
        "부산광역시",  # Hangul
        "ประเทศไทย",  # Thai
        "Российская Федерация",  # Cyrillic
        "La Habana, Cuba",
        "👨\u200d👩\u200d👧 Gia đình",  # joiners of an emoji sequence
        "Þingvellir — Reykjavík",  # Icelandic letters other than eth stay
    ],
)
def test_partner_scripts_pass_unchanged(text):
    assert clean_text(text) == text


@pytest.mark.parametrize(
    "typed",
    [
        "A\u0308\x00\u202e\r\nb",
        "Ð\u0301",
        "\ud800x",
        "x" * 3 + "\u2028" + "\u0323\u0302",
        " \u00a0\t\u3000 a \u200b b\u034f\u0300 ",
        "\U0001f3f4\U000e0067\U000e007f\U000e007f\u3164 \u115f",
    ],
)
def test_cleaning_twice_changes_nothing(typed):
    once = clean_text(typed)
    assert clean_text(once) == once
    assert clean_text(clean_text(typed, multiline=True), multiline=True) == clean_text(
        typed, multiline=True
    )


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/agencies/SLDTBXH/", False),
        ("/plan/1/duties/III.2.3/", False),
        ("/agencies/Đoàn/", False),
        ("/agencies/SLDTBXH\x00/", True),
        ("/agencies/SLD\u202eTBXH/", True),
        ("/agencies/SLDTBXH\n/", True),
        ("/agencies/\x9b/", True),
    ],
)
def test_a_path_with_a_control_or_invisible_character_is_told_apart(path, expected):
    assert has_control_characters(path) is expected
