"""The monitoring pages' shared reading of ?year= and ?agency= (monitoring/params.py)."""

from __future__ import annotations

import pytest

from agencies.models import Agency
from monitoring.params import agency_of, year_in


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026", 2026), (" 2020 ", 2020), ("2019", None), ("2027", None), ("abc", None), ("", None)],
)
def test_a_year_is_read_only_within_its_range(value, expected):
    assert year_in(value, 2020, 2026) == expected


def test_an_agency_is_found_by_its_code_whatever_the_letter_case():
    agencies = [Agency(code="VUNGTAU"), Agency(code="SLDTBXH")]
    assert agency_of("vungTau", agencies) is agencies[0]
    assert agency_of("NOPE", agencies) is None
