"""Export files as offices make them, read into a raw table: cells as found, headers as written.

* **CSV**: UTF-8 (with or without BOM). The delimiter is the one of ``,`` ``;`` tab ``|`` that splits the header
  line into the most known column names (Excel writes ``;`` where the decimal mark is a comma); when none gives a
  known name, :class:`csv.Sniffer` decides.
* **XLSX**: the sheet and header row are found: the first of the first :data:`~forecast.core.limits.XLSX_HEADER_ROWS`
  rows of any sheet that holds the most required columns (a title block above the table, or the table on the
  second sheet, both happen). A formula cell is read from its saved (cached) value; one that has none is
  reported as such, not as an empty cell.
* **Parquet**: as stored; text columns of few values (all but task id and title) as categoricals.

Every file is read by what it holds, never by what it claims, and within bounds
(:data:`~forecast.core.limits.EXPORT_BYTES`, ``EXPORT_ROWS``, ``EXPORT_COLUMNS``) checked before it is expanded: a CSV's
size, an XLSX's unzipped parts (its ``<dimension>`` tag is ignored: openpyxl would read that many rows and columns, no
more and no fewer), a Parquet file's metadata. A CSV whose record has more or fewer fields than its header, or a quote
where CSV allows none (a stray ``"`` that would swallow the records after it), is refused naming the line.

Headers are kept as written, duplicates included (``headers[i]`` names ``frame`` column ``i``), so the checks in
:mod:`forecast.data.snapshots` can flag a column given twice. Rows keep their spreadsheet numbers: the header is
``header_row`` and data row ``i`` is ``header_row + 1 + i``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.core import limits
from forecast.data import schema
from forecast.errors import DataError, Problem

DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class RawTable:
    """One export as read: ``frame`` columns are positions 0..k-1, named by ``headers``."""

    frame: pd.DataFrame
    headers: tuple[str, ...]
    header_row: int = 1
    sheet: str | None = None  # XLSX: "'Name' (header in row N)"
    no_value: dict[int, np.ndarray] = field(default_factory=dict)  # XLSX: column -> rows' formula without a value


def read_table(path: Path, name: str | None = None) -> RawTable:
    """Read ``path`` by its suffix; :class:`DataError` naming the file (as ``name``) when it cannot be read at all,
    or would expand past the bounds."""
    name = name or str(path)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size == 0:
            raise DataError(Problem("the file is empty", file=name))
        _bound(name, "bytes", size, limits.EXPORT_BYTES)
        if suffix == ".csv":
            return _csv(path, name)
        if suffix == ".xlsx":
            return _xlsx(path, name)
        return _parquet(path, name)
    except DataError:
        raise
    except Exception as exc:  # a reader's own message is the most precise thing we can show
        raise DataError(Problem(f"cannot be read as {suffix[1:].upper()}: {_cut(exc)}", file=name)) from None


_BOUNDS = {
    "bytes": ("EXPORT_BYTES", "bytes"),
    "rows": ("EXPORT_ROWS", "rows"),
    "columns": ("EXPORT_COLUMNS", "columns"),
}


def _bound(name: str, what: str, value: int, limit: int) -> None:
    """Refuse a file holding (or expanding to) more than ``limit`` of ``what``, naming the file and the limit."""
    if value > limit:
        raise _too_big(name, what, f"{value:,}", limit)


def _too_big(name: str, what: str, found: str, limit: int) -> DataError:
    key, words = _BOUNDS[what]
    return DataError(
        Problem(
            f"{found} {words}, past the limit of {limit:,} (forecast.core.limits.{key}): not read; split the export, "
            "or check that it is the export you meant",
            file=name,
        )
    )


def _csv(path: Path, name: str) -> RawTable:
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
    _check_records(text, sep, name)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, header=None, skip_blank_lines=True
        )
    except pd.errors.ParserError as exc:
        shown = "tab" if sep == "\t" else repr(sep)
        raise DataError(Problem(f"cannot be read as CSV with delimiter {shown}: {_cut(exc)}", file=name)) from None
    headers = tuple(frame.iloc[0].fillna("").astype(str))
    return RawTable(frame.iloc[1:].reset_index(drop=True), headers)


def _check_records(text: str, sep: str, name: str) -> None:
    """Every record of a CSV text has its header's number of fields, and every quote is where CSV puts one: a
    record cut short (a file truncated mid-line) or a stray quote (which would swallow the records up to the next
    quote) is refused naming its line, not padded or merged. One pass of :mod:`csv` in strict mode; the records are
    counted, not kept."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        fields = np.fromiter(map(len, reader), dtype=np.int64)
    except csv.Error:
        fields = None
    records = fields[fields > 0] if fields is not None else None  # blank lines have none
    if records is not None and len(records):
        _bound(name, "columns", int(records[0]), limits.EXPORT_COLUMNS)
        _bound(name, "rows", len(records) - 1, limits.EXPORT_ROWS)
        if np.all(records == records[0]):
            return
    _find_damage(text, sep, name)


def _find_damage(text: str, sep: str, name: str) -> None:
    """The first damaged record of a CSV text, as a :class:`DataError` naming its row and line (the slow path: a
    loop over the records, taken only when the fast pass found something)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    header: int | None = None
    row, bad, first = 0, 0, None
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            where = f"line {line}" + (f" to {reader.line_num}" if reader.line_num > line else "")
            raise DataError(
                Problem(
                    f"{where}: a quote out of place ({exc}); a stray or unclosed quote would merge records into "
                    "one: fix the quote in the export, or export it again",
                    file=name,
                    rows=(row + 1,),
                )
            ) from None
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line, as pandas skips it
        row += 1
        if header is None:
            header = len(record)
        elif len(record) != header:
            bad += 1
            first = first or (row, line, len(record))
    if first is None or header is None:
        return
    row, line, count = first
    more = f" ({bad:,} records are like this)" if bad > 1 else ""
    raise DataError(
        Problem(
            f"line {line} has {count} field{'s' if count != 1 else ''} where the header has {header}{more}: the file "
            "is cut short or damaged (a missing or extra delimiter, or a quote out of place); export it again",
            file=name,
            rows=(row,),
        )
    )


_MANY_VALUES = ("task_id", "title")  # columns with a value per task: not worth a dictionary


def _parquet(path: Path, name: str) -> RawTable:
    """Parquet through Arrow, with no Python loop per row: text columns of few distinct values (agency, status,
    dates as text, ...) are read dictionary-encoded, as categoricals, so every later step works on each distinct
    value once, not on every row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    _bound(name, "columns", meta.num_columns, limits.EXPORT_COLUMNS)
    _bound(name, "rows", meta.num_rows, limits.EXPORT_ROWS)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > limits.EXPORT_BYTES:
        raise _too_big(name, "bytes", f"expands to {unpacked:,}", limits.EXPORT_BYTES)
    fields = pq.read_schema(path)
    few = [
        f.name
        for f in fields
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and schema.canonical_column(f.name) not in _MANY_VALUES
    ]
    table = pq.read_table(path, read_dictionary=few)
    table.validate(full=True)  # text that is not UTF-8 (Parquet does not check it): refused here, not met later
    frame = table.to_pandas()
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


def _xlsx(path: Path, name: str) -> RawTable:
    _check_workbook(path, name)
    book = _open_book(path, data_only=False)
    try:
        sheet, row, headers = _find_header(book, name)
        width = len(headers)
        _bound(name, "columns", width, limits.EXPORT_COLUMNS)
        cells = _sheet_rows(book[sheet], row, width, name)
    finally:
        book.close()
    frame = pd.DataFrame(cells, columns=range(width), dtype=object)
    no_value = _cached_values(path, sheet, row, frame) if _has_formulas(frame) else {}
    label = f"'{sheet}' (header in row {row})"
    return RawTable(frame, tuple("" if h is None else str(h) for h in headers), row, label, no_value)


_ROW_TAG = re.compile(rb"<row[\s>/]")


def _check_workbook(path: Path, name: str) -> None:
    """What a workbook expands to, before openpyxl builds any of it: the unzipped size of its parts (as the zip
    states it: zipfile stops a part there, and its checksum then fails) and the rows of each sheet (its ``<row>``
    tags, counted as the part is unzipped, a megabyte at a time)."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        unzipped = sum(i.file_size for i in parts)
        if unzipped > limits.EXPORT_BYTES:
            raise _too_big(name, "bytes", f"expands to {unzipped:,}", limits.EXPORT_BYTES)
        for part in parts:
            if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                rows, tail = 0, b""
                with archive.open(part) as fh:
                    while block := fh.read(1 << 20):
                        rows += len(_ROW_TAG.findall(tail + block))
                        tail = (tail + block)[-4:]  # a tag cut between two blocks; too short to hold a whole one
                        if rows > limits.EXPORT_ROWS + 1:  # the header's row and the data's
                            raise _too_big(name, "rows", f"more than {limits.EXPORT_ROWS:,}", limits.EXPORT_ROWS)


def _open_book(path: Path, data_only: bool):
    """The workbook, read-only, each sheet read by its cells: the ``<dimension>`` tag a sheet states is dropped
    (openpyxl would read that many rows and columns, whatever the sheet holds)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    for ws in book.worksheets:
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
    return book


def _sheet_rows(ws, header_row: int, width: int, name: str, last: int | None = None) -> list[tuple]:
    """The rows below ``header_row`` (up to row ``last``), each cut or padded to ``width`` cells, without the empty
    rows at the end (formatted but empty rows of a sheet); at most :data:`~forecast.core.limits.EXPORT_ROWS`."""
    cells: list[tuple] = []
    kept = 0  # rows up to the last that holds a value
    for r in ws.iter_rows(min_row=header_row + 1, max_row=last, max_col=width, values_only=True):
        row = tuple(r) + (None,) * (width - len(r)) if len(r) < width else tuple(r)
        cells.append(row)
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row):
            kept = len(cells)
        if len(cells) > limits.EXPORT_ROWS:
            raise _too_big(name, "rows", f"more than {limits.EXPORT_ROWS:,}", limits.EXPORT_ROWS)
    del cells[kept:]
    return cells


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
    width = frame.shape[1]
    book = _open_book(path, data_only=True)
    try:
        cached = _sheet_rows(book[sheet], header_row, width, str(path), last=header_row + len(frame))
    finally:
        book.close()
    cached += [(None,) * width] * (len(frame) - len(cached))
    values = pd.DataFrame(cached, columns=range(width), dtype=object)
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
