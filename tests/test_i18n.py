"""The one number and date formatter, by language (forecast.present.i18n)."""

from datetime import date

import pandas as pd
import pytest

from forecast.present import formatting, i18n


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["1,287", "+8.6", "-1,234.57", "94 %", "4.5 %", "4 Dec 2025", "2025-12-04"]),
        ("vi", ["1.287", "+8,6", "-1.234,57", "94 %", "4,5 %", "4 tháng 12 năm 2025", "04/12/2025"]),
    ],
)
def test_numbers_and_dates_by_language(language, expected):
    with i18n.speaking(language):
        got = [
            i18n.number(1287),
            i18n.number(8.6, 1, signed=True),
            i18n.number(-1234.567, 2),
            i18n.percent(0.94),
            i18n.percent(0.045, 1),
            i18n.day(pd.Timestamp("2025-12-04 06:00")),
            i18n.day(date(2025, 12, 4), "short"),
        ]
    assert got == expected
    assert i18n.language() == "en"  # back to the language before the block


def test_rounding_is_pythons_in_every_language():
    """Half to even on the float, as f-strings round: the same digits in both languages, only the symbols differ."""
    for value in (2.675, 0.25, 1e6 + 0.05, -0.04):
        en = i18n.number(value, 2 if value == 2.675 else 1)
        with i18n.speaking("vi"):
            vi = i18n.number(value, 2 if value == 2.675 else 1)
        assert en == f"{value:,.{2 if value == 2.675 else 1}f}"
        assert vi == en.translate(str.maketrans(",.", ".,"))


def test_table_cells_follow_the_language():
    assert formatting.cell("slip_mean", 1234.56) == "1,234.6"
    assert formatting.cell("p_slip", 0.5) == "50 %"
    assert formatting.cell("deadline", pd.Timestamp("2025-12-31")) == "2025-12-31"
    with i18n.speaking("vi"):
        assert formatting.cell("slip_mean", 1234.56) == "1.234,6"
        assert formatting.cell("difference", 3.0) == "+3,0"
        assert formatting.cell("deadline", pd.Timestamp("2025-12-31")) == "31/12/2025"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="choose one of en, vi"):
        i18n.use("fr")
