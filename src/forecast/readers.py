"""Export files as offices make them, read into a raw table: cells as found, headers as written.

* **CSV**: UTF-8 (with or without BOM). The delimiter is the one of ``,`` ``;`` tab ``|`` that splits the header
  line into the most known column names (Excel writes ``;`` where the decimal mark is a comma); when none gives a
  known name, :class:`csv.Sniffer` decides.
* **XLSX**: the sheet and header row are found: the first of the first :data:`~forecast.limits.XLSX_HEADER_ROWS`
  rows of any sheet that holds the most required columns (a title block above the table, or the table on the
  second sheet, both happen). A formula cell is read from its saved (cached) value; one that has none is
  reported as such, not as an empty cell.
* **Parquet**: as stored; text columns of few values (all but task id and title) as categoricals.

Headers are kept as written, duplicates included (``headers[i]`` names ``frame`` column ``i``), so the checks in
:mod:`forecast.snapshots` can flag a column given twice. Rows keep their spreadsheet numbers: the header is
``header_row`` and data row ``i`` is ``header_row + 1 + i``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import limits, schema
from .errors import DataError, Problem

DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class RawTable:
    """One export as read: ``frame`` columns are positions 0..k-1, named by ``headers``."""

    frame: pd.DataFrame
    headers: tuple[str, ...]
    header_row: int = 1
    sheet: str | None = None  # XLSX: "'Name' (header in row N)"
    no_value: dict[int, np.ndarray] = field(default_factory=dict)  # XLSX: column -> rows' formula without a value


def read_table(path: Path) -> RawTable:
    """Read ``path`` by its suffix; :class:`DataError` naming the file when it cannot be read at all."""
    name = str(path)
    if path.stat().st_size == 0:
        raise DataError(Problem("the file is empty", file=name))
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _csv(path)
        if suffix == ".xlsx":
            return _xlsx(path)
        return _parquet(path)
    except DataError:
        raise
    except Exception as exc:  # a reader's own message is the most precise thing we can show
        raise DataError(Problem(f"cannot be read as {suffix[1:].upper()}: {_cut(exc)}", file=name)) from None


def _csv(path: Path) -> RawTable:
    name = str(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            Problem(
                f"not UTF-8 text (byte 0x{data[exc.start]:02X}); re-save the export as UTF-8", file=name, rows=(line,)
            )
        ) from None
    if not text.strip():
        raise DataError(Problem("the file is empty", file=name))
    sep = delimiter(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, header=None, skip_blank_lines=True
        )
    except pd.errors.ParserError as exc:
        shown = "tab" if sep == "\t" else repr(sep)
        raise DataError(Problem(f"cannot be read as CSV with delimiter {shown}: {_cut(exc)}", file=name)) from None
    headers = tuple(frame.iloc[0].fillna("").astype(str))
    return RawTable(frame.iloc[1:].reset_index(drop=True), headers)


_MANY_VALUES = ("task_id", "title")  # columns with a value per task: not worth a dictionary


def _parquet(path: Path) -> RawTable:
    """Parquet through Arrow, with no Python loop per row: text columns of few distinct values (agency, status,
    dates as text, ...) are read dictionary-encoded, as categoricals, so every later step works on each distinct
    value once, not on every row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = pq.read_schema(path)
    few = [
        f.name
        for f in fields
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and schema.canonical_column(f.name) not in _MANY_VALUES
    ]
    frame = pq.read_table(path, read_dictionary=few).to_pandas()
    return RawTable(frame.set_axis(range(frame.shape[1]), axis=1), tuple(str(c) for c in frame.columns))


def delimiter(text: str) -> str:
    """The delimiter of a CSV text: the one that splits its header line into the most known column names."""
    first = next((line for line in io.StringIO(text[:65536]) if line.strip()), "").rstrip("\r\n")
    known = {
        sep: sum(schema.canonical_column(h) is not None for h in next(csv.reader([first], delimiter=sep)))
        for sep in DELIMITERS
    }
    best = max(DELIMITERS, key=lambda sep: known[sep])
    if known[best]:
        return best
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def _xlsx(path: Path) -> RawTable:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheet, row, headers = _find_header(book, str(path))
        cells = [list(r) for r in book[sheet].iter_rows(min_row=row + 1, values_only=True)]
    finally:
        book.close()
    width = len(headers)
    cells = [(r + [None] * width)[:width] for r in cells]
    while cells and all(v is None or (isinstance(v, str) and not v.strip()) for v in cells[-1]):
        cells.pop()  # formatted but empty rows at the end of a sheet
    frame = pd.DataFrame(cells, columns=range(width), dtype=object)
    no_value = _cached_values(path, sheet, row, frame) if _has_formulas(frame) else {}
    label = f"'{sheet}' (header in row {row})"
    return RawTable(frame, tuple("" if h is None else str(h) for h in headers), row, label, no_value)


def _find_header(book, name: str) -> tuple[str, int, list]:
    """(sheet, header row, header cells): the first row, in the first rows of any sheet, with the most required
    columns (then the most known ones)."""
    best: tuple[tuple[int, int], str, int, list] | None = None
    for ws in book.worksheets:
        for number, cells in enumerate(ws.iter_rows(max_row=limits.XLSX_HEADER_ROWS, values_only=True), start=1):
            found = [schema.canonical_column(str(c)) for c in cells if isinstance(c, str)]
            score = (sum(c in schema.REQUIRED for c in found), sum(c is not None for c in found))
            if best is None or score > best[0]:
                best = (score, ws.title, number, list(cells))
    if best is None or best[0][0] == 0:
        sheets = ", ".join(repr(ws.title) for ws in book.worksheets)
        raise DataError(
            Problem(
                f"no sheet has the required columns ({', '.join(schema.REQUIRED)}) in its first "
                f"{limits.XLSX_HEADER_ROWS} rows; sheets: {sheets}",
                file=name,
            )
        )
    _, sheet, row, headers = best
    while headers and headers[-1] is None:
        headers.pop()
    return sheet, row, headers


def _has_formulas(frame: pd.DataFrame) -> bool:
    return any(frame[c].map(lambda v: isinstance(v, str) and v.startswith("=")).any() for c in frame.columns)


def _cached_values(path: Path, sheet: str, header_row: int, frame: pd.DataFrame) -> dict[int, np.ndarray]:
    """Replace formula cells of ``frame`` by the values Excel saved; the rows whose formula has none, by column."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        cached = [
            list(r)
            for r in book[sheet].iter_rows(min_row=header_row + 1, max_row=header_row + len(frame), values_only=True)
        ]
    finally:
        book.close()
    width = frame.shape[1]
    values = pd.DataFrame([(r + [None] * width)[:width] for r in cached], columns=range(width), dtype=object)
    missing = {}
    for c in frame.columns:
        formula = frame[c].map(lambda v: isinstance(v, str) and v.startswith("=")).to_numpy()
        if formula.any():
            frame.loc[formula, c] = values.loc[formula, c]
            empty = formula & values[c].isna().to_numpy()
            if empty.any():
                missing[c] = np.flatnonzero(empty)
    return missing


def _cut(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."
