"""Read a folder of snapshot exports (one file per snapshot date) into one long, checked frame.

The long frame has one row per task per snapshot, with canonical columns::

    snapshot_date, task_id, agency, deadline, status, title, assigned_date, completed_date, source,
    agency_type, file, row

Dates are ``datetime64[ns]`` (midnight), ``status`` is one of :data:`forecast.data.schema.STATUSES`, ``row`` is the
spreadsheet row number of the record in its file (header = row 1, or the XLSX header row found by
:mod:`forecast.data.readers`); ``agency``, ``source``, ``agency_type``, ``title``, ``file`` and ``status`` are
categoricals (a national portfolio's 25 million rows hold each value once). The frame is sorted by snapshot date,
then task id. Every problem in every file is collected before anything is raised, so one run shows the
analyst the whole list; each cell gets at most one error, and a row's error names its task id. Task ids and text
are normalised once here, column-wise, whatever the file type. :mod:`forecast.data.snapshot_dates` flags snapshots that
look wrong (a gap, a future date, a jump in size) and refuses a forecast across a gap.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from forecast.data import schema
from forecast.data.exports import DATE_COLUMNS, read_export
from forecast.data.snapshot_dates import Shrink, date_warnings, duplicate_dates, shrinks
from forecast.errors import DataError, Problem, printable

Progress = Callable[[int, int, str], None]

SUFFIXES = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True)
class Snapshots:
    """Every snapshot of a folder, checked. ``warnings`` are findings that do not stop the data being used."""

    frame: pd.DataFrame
    files: tuple[Path, ...]
    warnings: tuple[Problem, ...]
    fingerprint: str
    synthetic: bool
    file_digests: Mapping[str, str] = field(default_factory=dict, repr=False)  # SHA-256 of each file, by name
    shrunk: tuple[Shrink, ...] = ()  # exports missing many tasks of the one before (forecast.data.snapshot_dates)
    derived: dict[str, pd.DataFrame | pd.Series] = field(default_factory=dict, init=False, repr=False, compare=False)
    cuts: dict[int, tuple[pd.DataFrame, str, pd.Timestamp, pd.DataFrame]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )  # per table (by id, the table itself kept): its last cut, which the next model fitted at that date reuses

    @property
    def folder(self) -> Path | None:
        """The folder the exports were read from (``None`` for snapshots built from a frame): where the data came
        from, as every page and download says."""
        parents = {f.parent for f in self.files}
        return parents.pop() if len(parents) == 1 else None

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
        (``tests/test_history.py`` checks it at every backtest cutoff). The last cut of each table is kept: the
        models fitted at one date share it (callers must not change it in place)."""
        when = pd.Timestamp(as_of)
        last = self.cuts.get(id(table))
        if last is not None and last[0] is table and last[1] == column and last[2] == when:
            return last[3]
        out = table.loc[table[column] <= when].reset_index(drop=True)
        for col in out.columns:
            if col != "status" and isinstance(out[col].dtype, pd.CategoricalDtype) and col in self.frame:
                first = self.memo(f"first seen:{col}", partial(_first_seen, column=col))
                keep = [c for c in out[col].cat.categories if first.get(c, pd.NaT) <= when]
                out[col] = out[col].cat.set_categories(keep)
        self.cuts[id(table)] = (table, column, when, out)
        return out


def as_of_frame(frame: pd.DataFrame, as_of: object, levels: bool = True) -> pd.DataFrame:
    """Rows of snapshots taken on or before ``as_of``; category levels first seen later are dropped too (unless not
    ``levels``: for a reader of values, not of levels). A frame in date order (a :class:`Snapshots` frame) is cut as
    a slice: no copy of its rows."""
    dates = frame["snapshot_date"]
    if dates.is_monotonic_increasing:
        frame = frame.iloc[: dates.searchsorted(pd.Timestamp(as_of), side="right")]
    else:
        frame = frame.loc[dates <= pd.Timestamp(as_of)]
    if not levels:
        return frame
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

    The last folder read (up to :data:`REMEMBER_ROWS` rows) is remembered in this process, by its files' names and
    their SHA-256 (read anyway for the fingerprint): the same folder with the same bytes is not parsed again (a report
    kernel's pages, a notebook cell run twice, the commands of one test process). Each call gets its own
    :class:`Snapshots` on a copy-on-write view of the frame, so what one caller changes no other sees.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(Problem(f"snapshot folder not found: {printable(directory)}"))
    data_paths, warnings, unreadable = _entries(directory)
    if unreadable:
        raise DataError(unreadable)
    if not data_paths:
        raise DataError(Problem(f"no {', '.join(SUFFIXES)} exports in {printable(directory)}"))
    whole, each = digests(data_paths)
    names = tuple(p.name for p in data_paths) + tuple(str(w.file) for w in warnings)
    key = (str(directory), tuple(sorted((status_labels or {}).items())), names, whole)
    if key in _LAST:
        if progress:
            progress(len(data_paths), len(data_paths), data_paths[-1].name)
        return _own(_LAST[key])
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
    where = {printable(p.name): printable(p) for p in data_paths}
    shrunk = tuple(dataclasses.replace(s, file=where.get(s.file, s.file)) for s in shrinks(frame))
    warnings += [s.warning() for s in shrunk]
    snaps = Snapshots(frame, tuple(data_paths), tuple(warnings), whole, synthetic, each, shrunk)
    _LAST.clear()
    if len(snaps.frame) <= REMEMBER_ROWS:
        _LAST[key] = snaps
    return _own(snaps)


def _entries(directory: Path) -> tuple[list[Path], list[Problem], list[Problem]]:
    """(export files, warnings, errors) of a snapshot folder. Hidden files and Excel's lock files (``~$``) are
    passed over; a file of another kind is a warning. An entry named as an export that cannot be read as a file (a
    link to nothing, a loop of links, a folder, a pipe, a file without read permission) is an error naming it: were
    it skipped, the forecast would quietly run on the week before."""
    data, warnings, errors = [], [], []
    for p in sorted(directory.iterdir()):
        if p.name.startswith((".", "~$")) or (p.is_dir() and p.suffix.lower() not in SUFFIXES):
            continue  # hidden files, lock files and folders (an export folder may hold an archive of old ones)
        why = _not_readable(p)
        if p.suffix.lower() in SUFFIXES:
            if why:
                errors.append(Problem(f"{why}: remove it, or put the export it names in its place", file=printable(p)))
            else:
                data.append(p)
        elif not why and p.suffix.lower() not in (".md", ".txt"):
            warnings.append(
                Problem(f"ignored: not a {'/'.join(SUFFIXES)} export", file=printable(p), severity="warning")
            )
        elif why and p.is_symlink():
            warnings.append(Problem(f"ignored: {why}", file=printable(p), severity="warning"))
    return data, warnings, errors


def _not_readable(path: Path) -> str:
    """Why ``path`` cannot be read as a file, or ``""``."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if not path.is_symlink():
            return f"cannot be read ({exc.strerror or exc})"
        if exc.errno == errno.ELOOP:
            return "a link that loops (it leads back to itself)"
        return f"a link to {printable(os.readlink(path))}, which does not exist"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe, socket or device)"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return ""


REMEMBER_ROWS = 2_000_000  # a national portfolio's frame is let go with its last user, not kept for a next call
_LAST: dict[tuple, Snapshots] = {}  # the last folder read: (folder, status labels, file names, fingerprint) -> it


def _own(snaps: Snapshots) -> Snapshots:
    """A :class:`Snapshots` of its own (its own memos) on a copy-on-write view of ``snaps``'s frame."""
    return dataclasses.replace(snaps, frame=snaps.frame.copy(deep=False))


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
    for col in DATE_COLUMNS:
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
    files it reads, :mod:`forecast.data.cache`)."""
    digest, each = hashlib.sha256(), {}
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(os.fsencode(path.name))  # a name that is not UTF-8 too
        own = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                own.update(block)
        each[printable(path.name)] = own.hexdigest()  # by the name the frame holds
    return digest.hexdigest()[:16], each
