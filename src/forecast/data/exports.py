"""One export file into the kit's canonical columns, every cell checked: headers mapped (any order, the names and
labels :mod:`forecast.data.schema` knows), task ids and text tidied column-wise, statuses and dates parsed, row rules
applied. Each problem names the file, row, column and task (:class:`forecast.errors.Problem`). The folder of exports
becomes one long frame in :mod:`forecast.data.snapshots`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from forecast.data import schema
from forecast.data.readers import RawTable, read_table
from forecast.errors import DataError, Problem, printable

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TEXT_COLUMNS = ("title", "source", "agency_type")
DATE_COLUMNS = ("deadline", "assigned_date", "completed_date")


def read_export(path: Path, lookup: Mapping[str, str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One export file to canonical columns; returns (frame or None when unusable, problems).

    Every cell gets at most one error, and every row-level problem names the rows' task ids.
    """
    lookup = lookup if lookup is not None else schema.status_lookup()
    try:
        table = read_table(path, printable(path))
    except DataError as exc:
        return None, list(exc.problems)
    where: dict[str, Any] = {"file": printable(path), "sheet": table.sheet}
    if table.frame.empty:
        return None, [Problem("the file has no data rows", **where)]
    columns, problems = _map_headers(table.headers, where, table.header_row)
    if any(p.severity == "error" for p in problems):
        return None, problems
    raw = {canonical: table.frame[i] for canonical, i in columns.items()}  # the file's columns, not copied
    index = table.frame.index
    rows = np.arange(len(index), dtype=np.int64) + table.header_row + 1
    out = pd.DataFrame({"row": rows})
    hidden: dict[str, np.ndarray] = {}
    out["task_id"] = _ids(raw["task_id"], hidden)
    cells = _Cells(out, where)
    for col, i in columns.items():
        if i in table.no_value:
            cells.flag(
                col,
                np.isin(np.arange(len(index)), table.no_value[i]),
                "a formula with no saved value: open the file in Excel and save it, or paste the values",
            )
    problems += _snapshot_date(raw, path, out, where)
    out["agency"] = _text(raw["agency"], hidden, "agency")
    for col in _TEXT_COLUMNS:
        out[col] = _text(raw[col], hidden, col) if col in raw else pd.Series(pd.NA, index=index, dtype="str")
    problems += _hidden_warnings(hidden, raw, out, where)
    for col in ("task_id", "agency"):
        cells.flag(col, out[col].isna().to_numpy(), "empty value")
    _statuses(raw["status"], lookup, cells)
    for col in DATE_COLUMNS:
        if col not in raw:
            out[col] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
            continue
        out[col], bad, reasons = schema.column_dates(raw[col])
        shown = "; ".join(reasons[v] for v in list(reasons)[:5]) + (" ..." if len(reasons) > 5 else "")
        cells.flag(col, bad, shown)
    _row_rules(cells)
    problems += cells.problems
    out["file"] = printable(path.name)
    out.attrs["synthetic"] = _dataset_column(table)
    return (None if any(p.severity == "error" for p in problems) else out), problems


class _Cells:
    """The problems of one file, at most one per cell: a cell already flagged is not flagged again."""

    def __init__(self, out: pd.DataFrame, where: dict):
        self.out, self.where = out, where
        self.flagged: dict[str, np.ndarray] = {}
        self.problems: list[Problem] = []

    def ok(self, col: str) -> np.ndarray:
        """Rows whose ``col`` cell has no problem yet."""
        return ~self.flagged.get(col, np.zeros(len(self.out), dtype=bool))

    def flag(self, col: str, mask: np.ndarray, message: str) -> None:
        mask = np.asarray(mask, dtype=bool) & self.ok(col)
        if not mask.any():
            return
        self.flagged[col] = ~self.ok(col) | mask
        ids = self.out["task_id"].to_numpy(dtype=object)[mask]
        self.problems.append(
            Problem(
                message,
                rows=tuple(self.out["row"].to_numpy()[mask]),
                column=col,
                task_ids=tuple(str(i) for i in ids if _present(i)),
                **self.where,
            )
        )


def _dataset_column(table: RawTable) -> bool:
    """Whether a ``dataset`` column marks the rows as the SYNTHETIC sample."""
    for i, header in enumerate(table.headers):
        if schema.header_key(header) == "dataset":
            values = table.frame[i]
            if isinstance(values.dtype, pd.CategoricalDtype):  # the values the rows use, each once
                values = pd.Series(values.cat.remove_unused_categories().cat.categories)
            return bool(values.astype(str).str.contains("synthetic", case=False).any())
    return False


def _map_headers(headers: tuple[str, ...], where: dict, header_row: int) -> tuple[dict[str, int], list[Problem]]:
    """Canonical column -> position; a column given twice, or a required one missing, is an error."""
    mapping: dict[str, int] = {}
    problems = []
    for i, header in enumerate(headers):
        canonical = schema.canonical_column(str(header))
        if canonical is None:
            continue
        if canonical in mapping:
            first = headers[mapping[canonical]]
            same = (
                "appears twice"
                if schema.header_key(first) == schema.header_key(header)
                else f"and column '{first}' both mean '{canonical}'"
            )
            problems.append(
                Problem(
                    f"column '{header}' {same} (columns {mapping[canonical] + 1} and {i + 1}): keep one",
                    rows=(header_row,),
                    column=canonical,
                    **where,
                )
            )
            continue
        mapping[canonical] = i
    for col in schema.REQUIRED:
        if col not in mapping:
            accepted = ", ".join(repr(a) for a in (col, *schema.COLUMN_ALIASES[col]))
            problems.append(
                Problem(
                    f"required column missing (accepted headers: {accepted})", rows=(header_row,), column=col, **where
                )
            )
    return mapping, problems


def _snapshot_date(raw: Mapping[str, pd.Series], path: Path, out: pd.DataFrame, where: dict) -> list[Problem]:
    m = _DATE_IN_NAME.search(path.name)
    unreadable = None  # why the file name's date is no date (2300-01-04 is out of range, 2025-02-30 is no day)
    try:
        named = pd.Timestamp(schema.parse_date(f"{m[1]}-{m[2]}-{m[3]}")) if m else None
    except schema.DateError as exc:
        named, unreadable = None, str(exc)
    if "snapshot_date" in raw:
        dates, bad, _ = schema.column_dates(raw["snapshot_date"])
        distinct = dates.dropna().unique()
        if bad.any() or dates.isna().any() or len(distinct) != 1:
            rows = tuple(out["row"].to_numpy()[bad | dates.isna().to_numpy()])
            return [
                Problem(
                    "a file holds one snapshot: every row needs the same readable snapshot_date",
                    rows=rows or (int(out["row"].iloc[0]),),
                    column="snapshot_date",
                    **where,
                )
            ]
        out["snapshot_date"] = pd.Timestamp(distinct[0])
        if named is not None and named != distinct[0]:
            return [
                Problem(
                    f"the file name says {named.date()} but the snapshot_date column says "
                    f"{pd.Timestamp(distinct[0]).date()}; the column is used",
                    column="snapshot_date",
                    severity="warning",
                    **where,
                )
            ]
        return []
    if named is None:
        out["snapshot_date"] = pd.NaT
        if unreadable:
            return [
                Problem(
                    f"the date in the file name is no snapshot date: {unreadable}; rename the file, or add a "
                    "snapshot_date column",
                    column="snapshot_date",
                    **where,
                )
            ]
        return [
            Problem(
                "no snapshot date: add a snapshot_date column or put YYYY-MM-DD in the file name",
                column="snapshot_date",
                **where,
            )
        ]
    out["snapshot_date"] = named
    return []


def _ids(values: pd.Series, hidden: dict[str, np.ndarray] | None = None) -> pd.Series:
    """Task ids as text, the same whatever the file type: integral numbers without a decimal part (Excel and
    Parquet turn ``101`` into ``101.0``, and so may a CSV written from them), surrounding whitespace trimmed."""
    text = _text(values, hidden, "task_id")
    return pd.Series(
        pc.replace_substring_regex(pa.array(text.array), r"^(\d+)\.0+$", r"\1"), index=values.index, dtype="str"
    )


_OTHER_SPACES = r"\x{0B}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{1C}-\x{1F}"
_SPACES = rf"[\s{_OTHER_SPACES}]+"  # what str.split() splits on
_UNTIDY = rf"\s\s|[^ \S]|^\s|\s$|[{_OTHER_SPACES}]"  # a cell that needs _SPACES collapsed


def _text(values: pd.Series, hidden: dict[str, np.ndarray] | None = None, column: str = "") -> pd.Series:
    """Without :data:`~forecast.data.schema.HIDDEN` characters (control, zero-width and bidirectional ones), NFC,
    trimmed, inner whitespace collapsed; empty cells become missing. The cells that held hidden characters go into
    ``hidden[column]`` (a row mask), for a warning. Vectorised (Arrow), as a million-row export has a million
    distinct titles; a categorical (a Parquet dictionary) stays one, tidied by category."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # a Parquet dictionary: each distinct value tidied once
        found: dict[str, np.ndarray] = {}
        tidy = pd.Categorical(_text(pd.Series(values.cat.categories), found, column))
        codes = values.cat.codes.to_numpy()
        if column in found and hidden is not None:
            hidden[column] = np.append(found[column], False)[codes]
        codes = np.append(tidy.codes, -1)[codes]  # code -1 (an empty cell) stays missing
        return pd.Series(
            pd.Categorical.from_codes(codes, dtype=tidy.dtype).remove_unused_categories(), index=values.index
        )
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        values = values.astype("str")  # numbers as text; None, NaN and NaT stay missing
    arr = pa.array(values.array)
    if pc.any(found_hidden := pc.match_substring_regex(arr, schema.HIDDEN_RE2)).as_py():
        arr = pc.replace_substring_regex(arr, schema.HIDDEN_RE2, "")
        if hidden is not None:
            hidden[column] = found_hidden.fill_null(False).to_numpy(zero_copy_only=False)
    arr = pc.utf8_normalize(arr, "NFC")
    if pc.any(pc.match_substring_regex(arr, _UNTIDY)).as_py():  # rare: the slow regex only when needed
        arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, _SPACES, " "))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return pd.Series(arr, index=values.index, dtype="str")


def _hidden_warnings(
    hidden: Mapping[str, np.ndarray], raw: Mapping[str, pd.Series], out: pd.DataFrame, where: dict
) -> list[Problem]:
    """A warning per column whose cells held :data:`~forecast.data.schema.HIDDEN` characters (removed), naming them."""
    problems = []
    for col, mask in hidden.items():
        chars = {
            f"U+{ord(c):04X}"
            for value in raw[col].to_numpy(dtype=object)[mask][:1000]
            for c in str(value)
            if schema.HIDDEN.match(c)
        }
        ids = out["task_id"].to_numpy(dtype=object)[mask]
        problems.append(
            Problem(
                f"control or invisible characters removed ({', '.join(sorted(chars)[:6])}"
                f"{' ...' if len(chars) > 6 else ''}): a spreadsheet refuses them, and they make one name two",
                rows=tuple(out["row"].to_numpy()[mask]),
                column=col,
                task_ids=tuple(str(i) for i in ids if _present(i)),
                severity="warning",
                **where,
            )
        )
    return problems


def _present(v: object) -> bool:
    return not (v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)))


def _statuses(values: pd.Series, lookup: Mapping[str, str], cells: _Cells) -> None:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    found = [lookup.get(schema.fold(u)) for u in uniques]
    mapped = np.array([*found, None], dtype=object)[codes]  # code -1 (an empty cell) takes the last: None
    cells.out["status"] = mapped
    unknown = sorted(
        {str(u) if str(u).strip() else "(empty)" for u, s in zip(uniques, found, strict=True) if s is None}
        | ({"(empty)"} if (codes < 0).any() else set())
    )
    if not unknown:
        return
    labels = ", ".join(_cut(u) for u in unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
    cells.flag(
        "status",
        cells.out["status"].isna().to_numpy(),
        f"unknown status label(s) {labels}; map them under status_labels in a params file",
    )


def _cut(text: str, limit: int = 40) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def _row_rules(cells: _Cells) -> None:
    out = cells.out
    no_deadline = (out["deadline"].isna() & out["status"].notna() & (out["status"] != schema.REGULAR)).to_numpy()
    cells.flag(
        "deadline",
        no_deadline & cells.ok("status"),
        f"no deadline (empty, or the {schema.NO_DEADLINE:%d/%m/%Y} placeholder): only regular tasks may have none",
    )
    cells.flag("deadline", (out["deadline"] < out["assigned_date"]).to_numpy(), "deadline before the assigned date")
    dup = (out["task_id"].notna() & out["task_id"].duplicated(keep=False)).to_numpy()
    if dup.any():
        ids = ", ".join(sorted(out.loc[dup, "task_id"].unique())[:5])
        cells.flag("task_id", dup, f"task_id appears more than once in this snapshot ({ids})")
