"""Read a folder of snapshot exports (one file per snapshot date) into one long, checked frame.

The long frame has one row per task per snapshot, with canonical columns::

    snapshot_date, task_id, agency, deadline, status, title, assigned_date, completed_date, source,
    agency_type, file, row

Dates are ``datetime64[ns]`` (midnight), ``status`` is one of :data:`forecast.schema.STATUSES`, ``row`` is the
spreadsheet row number of the record in its file (header = row 1, or the XLSX header row found by
:mod:`forecast.readers`); ``agency``, ``source``, ``agency_type``, ``title``, ``file`` and ``status`` are
categoricals (a national portfolio's 25 million rows hold each value once). The frame is sorted by snapshot date,
then task id. Every problem in every file is collected before anything is raised, so one run shows the
analyst the whole list; each cell gets at most one error, and a row's error names its task id. Task ids and text
are normalised once here, column-wise, whatever the file type. :mod:`forecast.snapshot_dates` flags snapshots that
look wrong (a gap, a future date, a jump in size) and refuses a forecast across a gap.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from . import schema
from .errors import DataError, Problem
from .readers import RawTable, read_table
from .snapshot_dates import date_warnings, duplicate_dates

Progress = Callable[[int, int, str], None]

SUFFIXES = (".csv", ".xlsx", ".parquet")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TEXT_COLUMNS = ("title", "source", "agency_type")
_DATE_COLUMNS = ("deadline", "assigned_date", "completed_date")


@dataclass(frozen=True)
class Snapshots:
    """Every snapshot of a folder, checked. ``warnings`` are findings that do not stop the data being used."""

    frame: pd.DataFrame
    files: tuple[Path, ...]
    warnings: tuple[Problem, ...]
    fingerprint: str
    synthetic: bool
    file_digests: Mapping[str, str] = field(default_factory=dict, repr=False)  # SHA-256 of each file, by name
    derived: dict[str, pd.DataFrame | pd.Series] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(sorted(self.frame["snapshot_date"].unique()))

    def status_counts(self) -> pd.DataFrame:
        """Tasks by status at each snapshot date (rows) with a ``total`` column."""
        counts = pd.crosstab(self.frame["snapshot_date"], self.frame["status"]).reindex(
            columns=list(schema.STATUSES), fill_value=0
        )
        counts["total"] = counts.sum(axis=1)
        counts.columns.name = None
        return counts

    def until(self, as_of: pd.Timestamp | str) -> Snapshots:
        """Only the snapshots taken on or before ``as_of``: what an analyst could have known that day."""
        return dataclasses.replace(self, frame=as_of_frame(self.frame, as_of))

    def memo(self, key: str, make: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
        """``make(frame)`` of every snapshot, computed once per object: a table derived from all the data (the
        intervals, the exit transitions) that callers cut to an as-of date with :meth:`rows_until`."""
        if key not in self.derived:
            self.derived[key] = make(self.frame)
        return self.derived[key]

    def rows_until(self, table: pd.DataFrame, column: str, as_of: object) -> pd.DataFrame:
        """The rows of a :meth:`memo` table whose ``column`` date is on or before ``as_of``, with the category
        levels :func:`as_of_frame` keeps (those seen up to ``as_of``). For a table whose every row depends only on
        the snapshots up to its ``column`` date, this is ``make(as_of_frame(frame, as_of))``, without remaking it
        (``tests/test_history.py`` checks it at every backtest cutoff)."""
        when = pd.Timestamp(as_of)
        out = table.loc[table[column] <= when].reset_index(drop=True)
        for col in out.columns:
            if col != "status" and isinstance(out[col].dtype, pd.CategoricalDtype) and col in self.frame:
                first = self.memo(f"first seen:{col}", partial(_first_seen, column=col))
                keep = [c for c in out[col].cat.categories if first.get(c, pd.NaT) <= when]
                out[col] = out[col].cat.set_categories(keep)
        return out


def as_of_frame(frame: pd.DataFrame, as_of: object) -> pd.DataFrame:
    """Rows of snapshots taken on or before ``as_of``; category levels first seen later are dropped too. A frame in
    date order (a :class:`Snapshots` frame) is cut as a slice: no copy of its rows."""
    dates = frame["snapshot_date"]
    if dates.is_monotonic_increasing:
        frame = frame.iloc[: dates.searchsorted(pd.Timestamp(as_of), side="right")]
    else:
        frame = frame.loc[dates <= pd.Timestamp(as_of)]
    return frame.assign(
        **{
            c: frame[c].cat.remove_unused_categories()
            for c in frame.columns
            if c != "status" and isinstance(frame[c].dtype, pd.CategoricalDtype)
        }
    )


def _first_seen(frame: pd.DataFrame, column: str) -> pd.Series:
    """The first snapshot date of each level of a categorical column."""
    return frame.groupby(column, observed=True)["snapshot_date"].min()


def load_snapshots(
    directory: str | Path, status_labels: Mapping[str, str] | None = None, progress: Progress | None = None
) -> Snapshots:
    """Load every export in ``directory``; raise :class:`DataError` listing every unusable file, row and column.

    ``progress(done, total, file)`` is called after each file (the CLI draws it on a terminal).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(Problem(f"snapshot folder not found: {directory}"))
    paths = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
    data_paths = [p for p in paths if p.suffix.lower() in SUFFIXES]
    warnings = [
        Problem(f"ignored: not a {'/'.join(SUFFIXES)} export", file=str(p), severity="warning")
        for p in paths
        if p.suffix.lower() not in (*SUFFIXES, ".md", ".txt")
    ]
    if not data_paths:
        raise DataError(Problem(f"no {', '.join(SUFFIXES)} exports in {directory}"))
    lookup = schema.status_lookup(status_labels)
    frames, errors = [], []
    for done, path in enumerate(data_paths, start=1):
        frame, problems = read_export(path, lookup)
        errors += [p for p in problems if p.severity == "error"]
        warnings += [p for p in problems if p.severity != "error"]
        if frame is not None:
            frames.append(frame)
        if progress:
            progress(done, len(data_paths), path.name)
    errors += duplicate_dates(frames)
    synthetic = any(f.attrs.get("synthetic") for f in frames)
    if errors:
        raise DataError(errors)
    warnings += date_warnings(frames)
    frame = _long_frame(frames)
    whole, each = digests(data_paths)
    return Snapshots(frame, tuple(data_paths), tuple(warnings), whole, synthetic, each)


def _long_frame(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The files' frames as one frame sorted by (snapshot_date, task_id), its few-valued text as categoricals.

    Each file is one snapshot date and no two share one (an error above), so the files in date order, each sorted
    by task id, are that order: no sort of every row, and no copy of the whole frame for it. The categorical
    columns are made per file and merged by their codes (:func:`~pandas.api.types.union_categoricals`, categories
    sorted as ``astype("category")`` sorts them), and ``file`` is the file's name repeated as one code: a file of
    a million rows does not hold a million copies of its name. ``title`` is a categorical too: each title once,
    not once per snapshot."""
    order = sorted(range(len(frames)), key=lambda i: frames[i]["snapshot_date"].iloc[0])
    parts, names = [], []
    while frames:  # each file's frame is let go as its part is made, so the text is held once, not twice
        f = frames.pop(0)
        if not f["task_id"].is_monotonic_increasing:
            f = f.sort_values("task_id", kind="stable")
        names.append(f["file"].iloc[0])
        parts.append(f.assign(status=pd.Categorical(f["status"], categories=schema.STATUSES)))
    parts = [parts[i] for i in order]
    names = [names[i] for i in order]
    categorical = {
        col: union_categoricals([p[col].astype("category") for p in parts], sort_categories=True)
        for col in ("agency", "source", "agency_type")
    }
    lengths = [len(p) for p in parts]
    columns = list(parts[0].columns)
    frame = pd.concat([p.drop(columns=[*categorical, "file"]) for p in parts], ignore_index=True)
    parts.clear()
    files = pd.Categorical(names).categories
    frame["file"] = pd.Categorical.from_codes(np.repeat(files.get_indexer(names), lengths), categories=files)
    for col, values in categorical.items():
        frame[col] = values
    frame["title"] = frame["title"].astype("category")  # a task's title repeats in every snapshot: held once
    return frame[columns]


def from_frame(frame: pd.DataFrame, synthetic: bool = False) -> Snapshots:
    """Snapshots from a long frame already in canonical form and types (e.g. :func:`forecast.sample.generate`,
    or a query result): missing optional columns are added empty. No file-level checks are run."""
    out = frame.copy()
    for col in ("title", "source", "agency_type"):
        if col not in out:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="str")
    for col in _DATE_COLUMNS:
        out[col] = (
            pd.to_datetime(out[col]) if col in out else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        )
    out["file"] = out.get("file", "(frame)")
    out["row"] = np.arange(len(out)) + 2
    out = out.sort_values(["snapshot_date", "task_id"], kind="stable").reset_index(drop=True)
    for col in ("agency", "source", "agency_type", "file"):
        out[col] = out[col].astype("category")
    out["status"] = pd.Categorical(out["status"], categories=schema.STATUSES)
    digest = hashlib.sha256(pd.util.hash_pandas_object(out[["snapshot_date", "task_id", "status"]]).values)
    return Snapshots(out, (), (), digest.hexdigest()[:16], synthetic)


def fingerprint(paths: list[Path]) -> str:
    """SHA-256 over the names and bytes of the data files: two runs on the same exports share it."""
    return digests(paths)[0]


def digests(paths: list[Path]) -> tuple[str, dict[str, str]]:
    """:func:`fingerprint` and, in the same pass, each file's own SHA-256 by name (the cache keys a result by the
    files it reads, :mod:`forecast.cache`)."""
    digest, each = hashlib.sha256(), {}
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        own = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                own.update(block)
        each[path.name] = own.hexdigest()
    return digest.hexdigest()[:16], each


def read_export(path: Path, lookup: Mapping[str, str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One export file to canonical columns; returns (frame or None when unusable, problems).

    Every cell gets at most one error, and every row-level problem names the rows' task ids.
    """
    lookup = lookup if lookup is not None else schema.status_lookup()
    try:
        table = read_table(path)
    except DataError as exc:
        return None, list(exc.problems)
    where: dict[str, Any] = {"file": str(path), "sheet": table.sheet}
    if table.frame.empty:
        return None, [Problem("the file has no data rows", **where)]
    columns, problems = _map_headers(table.headers, where, table.header_row)
    if any(p.severity == "error" for p in problems):
        return None, problems
    raw = pd.DataFrame({canonical: table.frame[i] for canonical, i in columns.items()})
    rows = np.arange(len(raw), dtype=np.int64) + table.header_row + 1
    out = pd.DataFrame({"row": rows})
    out["task_id"] = _ids(raw["task_id"])
    cells = _Cells(out, where)
    for col, i in columns.items():
        if i in table.no_value:
            cells.flag(
                col,
                np.isin(np.arange(len(raw)), table.no_value[i]),
                "a formula with no saved value: open the file in Excel and save it, or paste the values",
            )
    problems += _snapshot_date(raw, path, out, where)
    out["agency"] = _text(raw["agency"])
    for col in _TEXT_COLUMNS:
        out[col] = _text(raw[col]) if col in raw else pd.Series(pd.NA, index=raw.index, dtype="str")
    for col in ("task_id", "agency"):
        cells.flag(col, out[col].isna().to_numpy(), "empty value")
    _statuses(raw["status"], lookup, cells)
    for col in _DATE_COLUMNS:
        if col not in raw:
            out[col] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
            continue
        out[col], bad, reasons = schema.column_dates(raw[col])
        shown = "; ".join(reasons[v] for v in list(reasons)[:5]) + (" ..." if len(reasons) > 5 else "")
        cells.flag(col, bad, shown)
    _row_rules(cells)
    problems += cells.problems
    out["file"] = path.name
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


def _snapshot_date(raw: pd.DataFrame, path: Path, out: pd.DataFrame, where: dict) -> list[Problem]:
    m = _DATE_IN_NAME.search(path.name)
    try:
        named = pd.Timestamp(schema.parse_date(f"{m[1]}-{m[2]}-{m[3]}")) if m else None
    except schema.DateError:
        named = None
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
        return [
            Problem(
                "no snapshot date: add a snapshot_date column or put YYYY-MM-DD in the file name",
                column="snapshot_date",
                **where,
            )
        ]
    out["snapshot_date"] = named
    return []


def _ids(values: pd.Series) -> pd.Series:
    """Task ids as text, the same whatever the file type: integral numbers without a decimal part (Excel and
    Parquet turn ``101`` into ``101.0``, and so may a CSV written from them), surrounding whitespace trimmed."""
    text = _text(values)
    return pd.Series(
        pc.replace_substring_regex(pa.array(text.array), r"^(\d+)\.0+$", r"\1"), index=values.index, dtype="str"
    )


_OTHER_SPACES = r"\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{1C}-\x{1F}"
_SPACES = rf"[\s{_OTHER_SPACES}]+"  # what str.split() splits on
_UNTIDY = rf"\s\s|[^ \S]|^\s|\s$|[{_OTHER_SPACES}]"  # a cell that needs _SPACES collapsed


def _text(values: pd.Series) -> pd.Series:
    """NFC, trimmed, inner whitespace collapsed; empty cells become missing. Vectorised (Arrow), as a million-row
    export has a million distinct titles; a categorical (a Parquet dictionary) stays one, tidied by category."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # a Parquet dictionary: each distinct value tidied once
        tidy = pd.Categorical(_text(pd.Series(values.cat.categories)))
        codes = np.append(tidy.codes, -1)[values.cat.codes.to_numpy()]  # code -1 (an empty cell) stays missing
        return pd.Series(
            pd.Categorical.from_codes(codes, dtype=tidy.dtype).remove_unused_categories(), index=values.index
        )
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        values = values.astype("str")  # numbers as text; None, NaN and NaT stay missing
    arr = pc.utf8_normalize(pa.array(values.array), "NFC")
    if pc.any(pc.match_substring_regex(arr, _UNTIDY)).as_py():  # rare: the slow regex only when needed
        arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, _SPACES, " "))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return pd.Series(arr, index=values.index, dtype="str")


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
