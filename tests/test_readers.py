"""Export files as offices make them: CSV delimiters, XLSX sheets, header rows and formulas."""

import openpyxl
import pytest

from forecast.data.readers import delimiter, read_table
from forecast.errors import DataError

ROWS = [["task_id", "agency", "deadline", "status"], ["T1", "Finance", "2025-12-31", "In progress"]]


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("task_id,agency,deadline,status\nT1,A,2025-12-31,x\n", ","),
        ("Mã nhiệm vụ;Cơ quan chủ trì;Thời hạn;Tình trạng\nT1;A, B;31/12/2025;x\n", ";"),
        ("task_id\tagency\tdeadline\tstatus\nT1\tA;B\t2025-12-31\tx\n", "\t"),
        ("task_id|agency|deadline|status\n", "|"),
        ("a;b;c\n1;2;3\n4;5;6\n", ";"),  # no known header: the sniffer decides
    ],
)
def test_the_delimiter_is_the_one_that_finds_the_known_headers(text, sep):
    assert delimiter(text) == sep


def _book(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_xlsx_header_row_and_sheet_are_found_and_rows_keep_their_numbers(tmp_path):
    path = _book(tmp_path / "x.xlsx", {"Notes": [["read me"]], "Tasks": [["Report"], ["as of 4 Dec"], *ROWS, [], []]})
    table = read_table(path)
    assert table.sheet == "'Tasks' (header in row 3)" and table.header_row == 3
    assert table.headers == tuple(ROWS[0]) and table.frame.values.tolist() == [ROWS[1]]  # trailing empty rows go


def test_formula_cells_take_their_saved_values_and_those_without_are_listed(tmp_path):
    path = _book(tmp_path / "f.xlsx", {"S": [*ROWS, ["T2", "=B2", "2025-12-15", "Overdue"]]})
    table = read_table(path)  # openpyxl saves formulas without cached values
    assert list(table.no_value) == [1] and list(table.no_value[1]) == [1]  # column B, the second data row
    book = openpyxl.load_workbook(path)
    assert book["S"]["B3"].value == "=B2"


def test_unreadable_files_are_one_problem_naming_the_file(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    (tmp_path / "broken.xlsx").write_bytes(b"PK not really a zip")
    (tmp_path / "ragged.csv").write_text(
        "task_id,agency,deadline,status\nT1,A,2025-12-31,x,extra,more\n", encoding="utf-8"
    )
    for name, words in (
        ("e.csv", "the file is empty"),
        ("broken.xlsx", "cannot be read as XLSX"),
        ("ragged.csv", "line 2 has 6 fields where the header has 4"),
    ):
        with pytest.raises(DataError) as err:
            read_table(tmp_path / name)
        assert err.value.problems[0].file == str(tmp_path / name) and words in str(err.value)


def test_duplicate_headers_are_kept_as_written(tmp_path):
    (tmp_path / "d.csv").write_text("task_id,status,agency,deadline,status\nT1,a,B,2025-12-31,c\n", encoding="utf-8")
    table = read_table(tmp_path / "d.csv")
    assert table.headers == ("task_id", "status", "agency", "deadline", "status")
    assert table.frame.iloc[0].tolist() == ["T1", "a", "B", "2025-12-31", "c"]
