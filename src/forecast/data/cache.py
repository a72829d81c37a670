"""A cache of fitted models, backtest cutoffs and forecasts by as-of date, keyed by exactly what each result depends on.

An entry's key is a SHA-256 over

* **the data it reads**: a fingerprint of the snapshot exports dated up to the date the result looks at (a fit's
  as-of date; a backtest cutoff's outcome date), so a snapshot added or edited after that date leaves the entry
  valid, and one on or before it makes a new key (:func:`data_fingerprint`);
* **the settings**: the model's name and every constructor setting, the runs and seed, the dates, the status labels
  the exports were read with;
* **the kit's code**: a hash of every source file of the package (:func:`code_version`), so any code change
  starts afresh.

Entries are pickles written through :mod:`forecast.core.atomic` (a reader sees a whole entry or none), one file per key
named ``<kind>-<key>.pkl``; nothing else in the folder is read, replaced or removed. An entry that cannot be read
(truncated, from another library version) is recomputed and replaced, never an error. A folder that cannot be
written is reported once on stderr and the run goes on uncached.

Where: the params key ``cache:`` (a folder, relative to the params file; ``false``: off); by default ``.cache/`` in
the project folder (an installed package: :data:`forecast.paths.CACHE_DIR`), or ``$FORECAST_CACHE`` when set (the
tests use it). Never inside the snapshot folder.
:func:`open_cache` gives the one :class:`Cache` per folder in a process, so its hit and miss counts cover the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from forecast import paths
from forecast.core.atomic import replace_file
from forecast.errors import ForecastError, OutputError

if TYPE_CHECKING:
    from forecast.data.snapshots import Snapshots

T = TypeVar("T")
DEFAULT_DIR = paths.CACHE_DIR
_VERSION: list[str] = []
_OPEN: dict[tuple[Path | None, str], Cache] = {}


def code_version() -> str:
    """SHA-256 prefix over the names and bytes of every ``.py`` file of the package (once per process)."""
    if not _VERSION:
        digest = hashlib.sha256()
        for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
            digest.update(str(path.relative_to(paths.PACKAGE_DIR)).encode())
            digest.update(path.read_bytes())
        _VERSION.append(digest.hexdigest()[:16])
    return _VERSION[0]


def data_fingerprint(snaps: Snapshots, until: object) -> str:
    """SHA-256 prefix over the snapshots dated on or before ``until``: the name and bytes of each export file holding
    such a row, or (for snapshots built from a frame, with no files) the rows themselves."""
    when = pd.Timestamp(until)
    digest = hashlib.sha256()
    if snaps.files:
        first = snaps.memo("cache:file dates", lambda f: f.groupby("file", observed=True)["snapshot_date"].min())
        for name, day in first.items():
            if day <= when:  # the bytes read at load time (Snapshots.file_digests), not the file as it is now
                digest.update(f"{name}:{snaps.file_digests[str(name)]};".encode())
    else:
        for day, part in snaps.memo("cache:date digests", _digests_by_date).items():
            if day <= when:
                digest.update(f"{day.date()}:{part};".encode())
    return digest.hexdigest()[:16]


def _digests_by_date(frame: pd.DataFrame) -> pd.Series:
    """Per snapshot date, SHA-256 of its rows (every column but ``file`` and ``row``; the frame is sorted by date)."""
    rows = pd.util.hash_pandas_object(frame.drop(columns=["file", "row"], errors="ignore"), index=False).to_numpy()
    dates, starts = np.unique(frame["snapshot_date"].to_numpy(), return_index=True)
    ends = np.append(starts[1:], len(frame))
    return pd.Series(
        [hashlib.sha256(rows[a:b].tobytes()).hexdigest()[:16] for a, b in zip(starts, ends, strict=True)],
        index=pd.DatetimeIndex(dates),
    )


def model_settings(model: object) -> dict[str, str]:
    """A model's name and constructor settings (its attributes before fitting), as text for a key."""
    settings = {k: repr(v) for k, v in sorted(vars(model).items()) if not k.endswith("_")}
    return {"model": str(getattr(model, "name", type(model).__name__)), **settings}


class Cache:
    """Fitted models and backtest cutoffs in ``folder`` (``None``: off, every lookup computes). ``hits`` and
    ``misses`` count lookups since the cache was opened."""

    def __init__(self, folder: Path | None, salt: Mapping[str, Any] | None = None):
        self.folder = folder
        self.salt = dict(salt or {})
        self.hits = 0
        self.misses = 0
        self.unwritable = False

    def key(self, kind: str, parts: Mapping[str, Any]) -> str:
        """SHA-256 of the parts, the salt (e.g. the status labels) and the code version."""
        text = json.dumps({"kind": kind, "code": code_version(), **self.salt, **parts}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, kind: str, parts: Mapping[str, Any], make: Callable[[], T]) -> T:
        """The entry for these parts, or ``make()`` stored under them."""
        found, value = self.lookup(kind, parts)
        if not found:
            value = make()
            self.store(kind, parts, value)
        return value

    def lookup(self, kind: str, parts: Mapping[str, Any]) -> tuple[bool, Any]:
        """``(True, entry)`` for these parts; ``(False, None)`` when there is none (a miss) or the cache is off. For
        work computed elsewhere (a backtest's cutoffs on several cores): look up, compute the misses, :meth:`store`."""
        if self.folder is None:
            return False, None
        try:
            with self._path(self.folder, kind, parts).open("rb") as fh:
                value = pickle.load(fh)
        except Exception:  # missing, truncated, unreadable, from another library version: recompute
            self.misses += 1
            return False, None
        self.hits += 1
        return True, value

    def store(self, kind: str, parts: Mapping[str, Any], value: object) -> None:
        """Write ``value`` as the entry for these parts (atomically; nothing when off or unwritable)."""
        if self.folder is not None:
            self._put(self._path(self.folder, kind, parts), value)

    def _path(self, folder: Path, kind: str, parts: Mapping[str, Any]) -> Path:
        return folder / f"{kind}-{self.key(kind, parts)}.pkl"

    def _put(self, path: Path, value: object) -> None:
        if self.unwritable:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(path, lambda tmp: tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
        except (OSError, OutputError) as exc:
            self.unwritable = True
            print(
                f"forecast: warning: cache {self.folder} cannot be written ({exc}); going on without it",
                file=sys.stderr,
            )

    def fitted(self, model: T, snaps: Snapshots, as_of: object) -> T:
        """``model`` fitted on the snapshots up to ``as_of`` (``model.fit(snaps, as_of)``), from the cache when the
        same model and settings were fitted on the same data before."""
        parts = {
            **model_settings(model),
            "as_of": str(pd.Timestamp(as_of).date()),
            "data": data_fingerprint(snaps, as_of),
        }
        return self.get("fit", parts, lambda: model.fit(snaps, as_of))  # type: ignore[attr-defined]

    def summary(self) -> str:
        """``cache FOLDER: 3 hits, 1 miss`` (or ``cache off``)."""
        if self.folder is None:
            return "cache off"
        return (
            f"cache {self.folder}: {self.hits} hit{'s' * (self.hits != 1)}, "
            f"{self.misses} miss{'es' * (self.misses != 1)}"
        )


def as_of_key(params, snaps: Snapshots, when, model: str) -> dict:
    """The key of the forecast of ``model`` as of ``when`` (:func:`forecast.combine.by_as_of`): the same model,
    settings, runs, seed and deadline on the same snapshots up to that date give the same row, so the week after
    only the new date is fitted and simulated."""
    return {
        "model": model,
        **{k: repr(v) for k, v in params.model_settings().items()},
        "sims": params.sims,
        "seed": params.seed,
        "deadline": str(params.deadline),
        "as_of": str(pd.Timestamp(when).date()),
        "data": data_fingerprint(snaps, when),
    }


def cache_folder(params) -> Path | None:
    """The folder ``params.cache`` names (``None`` when off): the default, ``$FORECAST_CACHE``, or the given one.
    A folder inside the snapshot folder is refused."""
    if params.cache is False:
        return None
    folder = (
        Path(params.cache)
        if params.cache not in (None, True)
        else Path(os.environ.get("FORECAST_CACHE") or DEFAULT_DIR)
    )
    folder = folder.resolve()
    if folder.is_relative_to(Path(params.snapshots).resolve()):
        raise ForecastError(
            f"cache folder {folder} is inside the snapshot folder {params.snapshots}: the kit never "
            "writes there; set `cache:` to another folder"
        )
    return folder


def open_cache(params) -> Cache:
    """The cache the params name, one object per folder and process (so its counts cover the whole run)."""
    folder = cache_folder(params)
    salt = {"status_labels": dict(sorted(params.status_labels.items()))}
    key = (folder, json.dumps(salt, sort_keys=True))
    if key not in _OPEN:
        _OPEN[key] = Cache(folder, salt)
    return _OPEN[key]


def summaries() -> list[str]:
    """One line per cache used in this process (a lookup made)."""
    return [c.summary() for c in _OPEN.values() if c.hits or c.misses]
