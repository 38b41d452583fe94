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
        "\u202a" + TITLE + "\u202c",  # a left-to-right embedding around it
        TITLE.replace("Chiba", "\u2066Chiba\u2069"),  # an isolate
        TITLE.replace(" ", " \u200b", 2),  # zero-width spaces
        "\ufeff" + TITLE,  # a byte-order mark at the start of a pasted cell
        TITLE.replace("tỉnh", "t\x00ỉnh"),  # a NUL byte
        TITLE.replace("Nhật", "Nh\x07ật\x1b"),  # other C0 controls
        TITLE.replace("công", "c\x85ông".replace("\x85", "\x9b")),  # a C1 control
        TITLE.replace("Chiba", "Chi\u00adba"),  # a soft hyphen pasted from Word
        TITLE.replace(" (", "\u2060\u2062 ("),  # a word joiner, an invisible operator
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
    ["A\u0308\x00\u202e\r\nb", "Ð\u0301", "\ud800x", "x" * 3 + "\u2028" + "\u0323\u0302"],
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
