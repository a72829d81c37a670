from datetime import date, datetime

import pandas as pd
import pytest

from forecast.data import schema
from tests.helpers import nfd


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("task_id", "task_id"),
        ("Task ID", "task_id"),
        ("  ID ", "task_id"),
        ("Mã nhiệm vụ", "task_id"),
        (nfd("Mã nhiệm vụ"), "task_id"),
        ("MÃ NHIỆM VỤ", "task_id"),
        ("Lead_Agency", "agency"),
        ("ministry", "agency"),
        (nfd("Cơ quan chủ trì"), "agency"),
        ("Due Date", "deadline"),
        ("due__date", "deadline"),
        ("Thời hạn", "deadline"),
        ("Trạng thái", "status"),
        (nfd("Tình trạng"), "status"),
        ("Ngày hoàn thành", "completed_date"),
        ("Văn bản giao", "source"),
        ("agency type", "agency_type"),
        ("Assigned", "assigned_date"),
    ],
)
def test_headers_match_aliases_in_any_form(header, canonical):
    assert schema.canonical_column(header) == canonical


def test_unknown_header_is_not_guessed():
    assert schema.canonical_column("deadline2") is None
    assert schema.canonical_column("notes") is None


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("Hoàn thành đúng hạn", "completed_on_time"),
        (nfd("Hoàn thành quá hạn"), "completed_late"),
        ("  hoàn thành trễ hạn ", "completed_late"),
        ("ĐANG THỰC HIỆN", "in_progress"),
        ("Đang thực hiện trong hạn", "in_progress"),
        (nfd("Quá hạn chưa hoàn thành"), "overdue"),
        ("Overdue", "overdue"),
        ("Nhiệm vụ thường xuyên", "regular"),
        ("completed_on_time", "completed_on_time"),
    ],
)
def test_status_labels_in_both_languages_and_normal_forms(label, status):
    assert schema.status_lookup()[schema.fold(label)] == status


def test_extra_status_labels_extend_the_table():
    table = schema.status_lookup({"Đã xong": "completed_on_time"})
    assert table[schema.fold(nfd("đã xong"))] == "completed_on_time"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-31", date(2025, 12, 31)),
        ("03/06/2025", date(2025, 6, 3)),
        ("3/6/2025", date(2025, 6, 3)),
        ("31.12.2025", date(2025, 12, 31)),
        ("2025-12-31 00:00:00", date(2025, 12, 31)),
        (datetime(2025, 1, 2, 15, 0), date(2025, 1, 2)),
        (pd.Timestamp("2025-05-01"), date(2025, 5, 1)),
        ("04/12/2025", date(2025, 12, 4)),
        ("13/12/2025", date(2025, 12, 13)),
        ("2025/12/04", date(2025, 12, 4)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date_accepts_iso_and_day_first(value, expected):
    assert schema.parse_date(value) == expected
    assert schema.parse_date(value, cell=True) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (45657, date(2024, 12, 31)),
        (45657.0, date(2024, 12, 31)),
        ("45657", date(2024, 12, 31)),
        ("31/12/9999", None),
        ("9999-12-31", None),
        (date(9999, 12, 31), None),
        ("nan", None),
    ],
)
def test_export_cells_also_take_excel_serials_and_the_no_deadline_placeholder(value, expected):
    assert schema.parse_date(value, cell=True) == expected
    with pytest.raises(schema.DateError):
        schema.parse_date(value)  # on the command line and in params files these are errors


@pytest.mark.parametrize(
    "value",
    [
        "12/31/2025",
        "31/13/2025",
        "next week",
        "2025-02-30",
        12,
        "2025",
        "Dec 4",
        "2025-12",
        "4 Dec 2025",
        "04/12/25",
        "29/02/2025",
        "inf",
        "31/12/2300",
        "0001-12-04",
        date(2263, 1, 1),
        float("inf"),
    ],
)
def test_parse_date_rejects_what_is_not_a_day_first_date(value):
    for cell in (False, True):
        with pytest.raises(schema.DateError) as exc:
            schema.parse_date(value, cell=cell)
        assert "YYYY-MM-DD or dd/mm/yyyy" in str(exc.value) or "out of range" in str(exc.value)


def test_a_date_error_is_a_value_error_and_an_argparse_message():
    import argparse

    exc = schema.DateError("x")
    assert isinstance(exc, ValueError) and isinstance(exc, argparse.ArgumentTypeError)


def test_parse_dates_flags_bad_cells_only():
    values = pd.Series(["2025-01-01", "", "31/02/2025", "15/01/2025", "31/12/9999", "31/12/2999"], dtype=object)
    parsed, bad, reasons = schema.column_dates(values)
    assert bad.tolist() == [False, False, True, False, False, True]
    assert "day is out of range" in reasons["31/02/2025"] and "out of range" in reasons["31/12/2999"]
    assert pd.isna(parsed.iloc[4])  # the no-deadline placeholder
    assert parsed.iloc[3] == pd.Timestamp("2025-01-15")
    assert pd.isna(parsed.iloc[1])
