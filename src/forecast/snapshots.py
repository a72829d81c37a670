"""Read a folder of snapshot exports (one file per snapshot date) into one long, checked frame.

The long frame has one row per task per snapshot, with canonical columns::

    snapshot_date, task_id, agency, deadline, status, title, assigned_date, completed_date, source,
    agency_type, file, row

Dates are ``datetime64[ns]`` (midnight), ``status`` is one of :data:`forecast.schema.STATUSES`, ``row`` is the
spreadsheet row number of the record in its file (header = row 1). Every problem in every file is collected
before anything is raised, so one run shows the analyst the whole list.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .errors import DataError, Problem

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

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(sorted(self.frame["snapshot_date"].unique()))

    def status_counts(self) -> pd.DataFrame:
        """Tasks by status at each snapshot date (rows) with a ``total`` column."""
        counts = pd.crosstab(self.frame["snapshot_date"], self.frame["status"]).reindex(
            columns=list(schema.STATUSES), fill_value=0)
        counts["total"] = counts.sum(axis=1)
        counts.columns.name = None
        return counts

    def until(self, as_of: pd.Timestamp | str) -> Snapshots:
        """Only the snapshots taken on or before ``as_of``: what an analyst could have known that day."""
        return dataclasses.replace(self, frame=as_of_frame(self.frame, as_of))


def as_of_frame(frame: pd.DataFrame, as_of: object) -> pd.DataFrame:
    """Rows of snapshots taken on or before ``as_of``; category levels first seen later are dropped too."""
    frame = frame.loc[frame["snapshot_date"] <= pd.Timestamp(as_of)]
    return frame.assign(**{c: frame[c].cat.remove_unused_categories() for c in frame.columns
                           if c != "status" and isinstance(frame[c].dtype, pd.CategoricalDtype)})


def load_snapshots(directory: str | Path, status_labels: Mapping[str, str] | None = None) -> Snapshots:
    """Load every export in ``directory``; raise :class:`DataError` listing every unusable file, row and column."""
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
    for path in data_paths:
        frame, problems = read_export(path, lookup)
        errors += [p for p in problems if p.severity == "error"]
        warnings += [p for p in problems if p.severity != "error"]
        if frame is not None:
            frames.append(frame)
    errors += _duplicate_dates(frames)
    synthetic = any(f.attrs.get("synthetic") for f in frames)
    if errors:
        raise DataError(errors)
    frame = pd.concat(frames, ignore_index=True).sort_values(["snapshot_date", "task_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    for col in ("agency", "source", "agency_type", "file"):
        frame[col] = frame[col].astype("category")
    frame["status"] = pd.Categorical(frame["status"], categories=schema.STATUSES)
    return Snapshots(frame, tuple(data_paths), tuple(warnings), fingerprint(data_paths), synthetic)


def from_frame(frame: pd.DataFrame, synthetic: bool = False) -> Snapshots:
    """Snapshots from a long frame already in canonical form and types (e.g. :func:`forecast.sample.generate`,
    or a query result): missing optional columns are added empty. No file-level checks are run."""
    out = frame.copy()
    for col in ("title", "source", "agency_type"):
        if col not in out:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="str")
    for col in _DATE_COLUMNS:
        out[col] = pd.to_datetime(out[col]) if col in out else pd.Series(pd.NaT, index=out.index,
                                                                          dtype="datetime64[ns]")
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
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def read_export(path: Path, lookup: Mapping[str, str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One export file to canonical columns; returns (frame or None when unusable, problems)."""
    lookup = lookup if lookup is not None else schema.status_lookup()
    name = str(path)
    try:
        raw = _read_raw(path)
    except DataError as exc:
        return None, list(exc.problems)
    if raw.empty:
        return None, [Problem("the file has no data rows", file=name)]
    columns, problems = _map_headers(raw.columns, name)
    if any(p.severity == "error" for p in problems):
        return None, problems
    raw = raw.rename(columns=columns)
    rows = np.arange(len(raw), dtype=np.int64) + 2
    out = pd.DataFrame({"row": rows})
    problems += _snapshot_date(raw, path, out)
    out["task_id"] = _ids(raw["task_id"])
    out["agency"] = _text(raw["agency"])
    for col in _TEXT_COLUMNS:
        out[col] = _text(raw[col]) if col in raw else pd.Series(pd.NA, index=raw.index, dtype="str")
    for col in ("task_id", "agency"):
        empty = out[col].isna().to_numpy()
        if empty.any():
            problems.append(Problem("empty value", file=name, rows=tuple(rows[empty]), column=col))
    problems += _statuses(raw["status"], lookup, out, name, rows)
    for col in _DATE_COLUMNS:
        if col not in raw:
            out[col] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
            continue
        out[col], bad = schema.parse_dates(raw[col])
        if bad.any():
            shown = ", ".join(repr(str(v)) for v in pd.unique(raw.loc[bad, col].astype(str))[:5])
            problems.append(Problem(f"not a date (use YYYY-MM-DD or dd/mm/yyyy): {shown}",
                                    file=name, rows=tuple(rows[bad]), column=col))
    problems += _row_rules(out, name)
    out["file"] = path.name
    dataset = next((c for c in raw.columns if schema.header_key(c) == "dataset"), None)
    out.attrs["synthetic"] = bool(dataset) and raw[dataset].astype(str).str.contains("synthetic", case=False).any()
    return (None if any(p.severity == "error" for p in problems) else out), problems


def _read_raw(path: Path) -> pd.DataFrame:
    name = str(path)
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise DataError(Problem("the file is empty", file=name))
    try:
        if suffix == ".csv":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                raise DataError(Problem(
                    f"not UTF-8 text (byte 0x{data[exc.start]:02X}); re-save the export as UTF-8",
                    file=name, rows=(line,))) from None
            if not text.strip():
                raise DataError(Problem("the file is empty", file=name))
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=False)
        if suffix == ".xlsx":
            return pd.read_excel(path, dtype=object, engine="openpyxl")
        return pd.read_parquet(path)
    except DataError:
        raise
    except Exception as exc:  # a reader's own message is the most precise thing we can show
        raise DataError(Problem(f"cannot be read as {suffix[1:].upper()}: {exc}", file=name)) from None


def _map_headers(headers: pd.Index, name: str) -> tuple[dict[str, str], list[Problem]]:
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    problems = []
    for header in headers:
        canonical = schema.canonical_column(str(header))
        if canonical is None:
            continue
        if canonical in seen:
            problems.append(Problem(f"columns '{seen[canonical]}' and '{header}' both mean '{canonical}'",
                                    file=name, rows=(1,), column=str(header)))
        seen[canonical] = str(header)
        mapping[header] = canonical
    for col in schema.REQUIRED:
        if col not in seen:
            accepted = ", ".join(repr(a) for a in (col, *schema.COLUMN_ALIASES[col]))
            problems.append(Problem(f"required column missing (accepted headers: {accepted})",
                                    file=name, rows=(1,), column=col))
    return mapping, problems


def _snapshot_date(raw: pd.DataFrame, path: Path, out: pd.DataFrame) -> list[Problem]:
    name = str(path)
    if "snapshot_date" in raw:
        dates, bad = schema.parse_dates(raw["snapshot_date"])
        distinct = dates.dropna().unique()
        if bad.any() or dates.isna().any() or len(distinct) != 1:
            rows = tuple(out["row"].to_numpy()[bad | dates.isna().to_numpy()])
            return [Problem("a file holds one snapshot: every row needs the same readable snapshot_date",
                            file=name, rows=rows or (2,), column="snapshot_date")]
        out["snapshot_date"] = pd.Timestamp(distinct[0])
        return []
    m = _DATE_IN_NAME.search(path.name)
    try:
        out["snapshot_date"] = pd.Timestamp(f"{m[1]}-{m[2]}-{m[3]}") if m else None
    except ValueError:
        m = None
    if m is None:
        out["snapshot_date"] = pd.NaT
        return [Problem("no snapshot date: add a snapshot_date column or put YYYY-MM-DD in the file name",
                        file=name, column="snapshot_date")]
    return []


def _ids(values: pd.Series) -> pd.Series:
    """Task ids as text; Excel turns ``101`` into ``101.0``, which is put back."""
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    return _text(values.map(one) if values.dtype == object else values)


def _text(values: pd.Series) -> pd.Series:
    """NFC, trimmed, inner whitespace collapsed; empty cells become missing."""
    uniques = pd.unique(values.to_numpy(dtype=object))
    clean = {u: (" ".join(unicodedata.normalize("NFC", str(u)).split()) or None) if _present(u) else None
             for u in uniques}
    return values.map(clean).astype("str")


def _present(v: object) -> bool:
    return not (v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)))


def _statuses(values: pd.Series, lookup: Mapping[str, str], out: pd.DataFrame, name: str,
              rows: np.ndarray) -> list[Problem]:
    uniques = pd.unique(values.to_numpy(dtype=object))
    mapping = {u: lookup.get(schema.fold(u)) if _present(u) else None for u in uniques}
    out["status"] = values.map(mapping)
    unknown = sorted({str(u) if _present(u) and str(u).strip() else "(empty)"
                      for u, s in mapping.items() if s is None})
    if not unknown:
        return []
    bad = out["status"].isna().to_numpy()
    labels = ", ".join(repr(u) for u in unknown)
    return [Problem(f"unknown status label(s) {labels}; map them under status_labels in a params file",
                    file=name, rows=tuple(rows[bad]), column="status")]


def _row_rules(out: pd.DataFrame, name: str) -> list[Problem]:
    problems = []
    rows = out["row"].to_numpy()
    no_deadline = (out["deadline"].isna() & out["status"].notna() & (out["status"] != schema.REGULAR)).to_numpy()
    if no_deadline.any():
        problems.append(Problem("empty deadline (only regular tasks may have none)",
                                file=name, rows=tuple(rows[no_deadline]), column="deadline"))
    early = (out["deadline"] < out["assigned_date"]).to_numpy()
    if early.any():
        problems.append(Problem("deadline before the assigned date", file=name, rows=tuple(rows[early]),
                                column="deadline"))
    dup = out["task_id"].notna() & out["task_id"].duplicated(keep=False)
    if dup.any():
        ids = ", ".join(sorted(out.loc[dup, "task_id"].unique())[:5])
        problems.append(Problem(f"task_id appears more than once in this snapshot ({ids})",
                                file=name, rows=tuple(rows[dup.to_numpy()]), column="task_id"))
    return problems


def _duplicate_dates(frames: list[pd.DataFrame]) -> list[Problem]:
    seen: dict[pd.Timestamp, str] = {}
    problems = []
    for frame in frames:
        when = frame["snapshot_date"].iloc[0]
        file = frame["file"].iloc[0]
        if when in seen:
            problems.append(Problem(f"same snapshot date {when.date()} as {seen[when]}: keep one of them",
                                    file=file, column="snapshot_date"))
        seen[when] = file
    return problems
