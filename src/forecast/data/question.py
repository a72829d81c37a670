"""The question a forecast answers, and where its data came from: the one object every forecast starts from.

A :class:`Question` is the open set at the as-of date T (every non-regular task open in the latest snapshot on or
before T whose own deadline is on or before the deadline D: on-schedule tasks due by D plus every overdue one) and
D itself; a task *slips* if it is not completed by the end of D. :func:`ask` builds it from snapshots, applying the
date defaults in one place (:func:`resolve_dates`). Its :class:`Provenance` travels with every forecast made from
it, so a number can always be traced to the data it came from, and a synthetic one is always labelled.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from forecast.core.languages import N_
from forecast.data.history import build_history, open_set
from forecast.data.snapshot_dates import require_intact, require_no_gap
from forecast.data.snapshots import Snapshots
from forecast.errors import ForecastError

SYNTHETIC_WARNING = N_("SYNTHETIC sample data - not real monitoring figures.")


@dataclass(frozen=True)
class Provenance:
    """Where a forecast's data came from: ``fingerprint`` of the files (SHA-256 prefix), whether they are the
    ``synthetic`` sample, and ``source`` (the folder or file)."""

    fingerprint: str
    synthetic: bool
    source: str = ""

    @classmethod
    def of(cls, snaps: Snapshots) -> Provenance:
        folder = str(snaps.files[0].parent) if snaps.files else "(frame)"
        return cls(snaps.fingerprint, snaps.synthetic, folder)

    def to_json(self) -> dict[str, object]:
        return {"data_fingerprint": self.fingerprint, "synthetic": self.synthetic}


@dataclass(frozen=True)
class Question:
    """What is being forecast: ``tasks`` (the open set, one row per task, indexed by task id) at ``as_of``, to be
    finished by the end of ``deadline``. ``snapshots`` is the data up to any date (models fit on it up to
    ``as_of``); ``None`` for a question built from published figures alone."""

    as_of: pd.Timestamp
    deadline: pd.Timestamp
    tasks: pd.DataFrame
    provenance: Provenance
    snapshots: Snapshots | None = None

    def with_tasks(self, tasks: pd.DataFrame) -> Question:
        """The same question about a changed open set (a scenario's)."""
        return dataclasses.replace(self, tasks=tasks)

    def until(self, deadline: object) -> Question:
        """The same open set, asked to an earlier or later deadline (the fan of open tasks over time)."""
        return dataclasses.replace(self, deadline=pd.Timestamp(deadline))


def resolve_dates(snaps: Snapshots, as_of=None, deadline=None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(as-of snapshot, deadline): the last snapshot on or before ``as_of`` (default: the last one) and ``deadline``
    (default: 31 Dec of that snapshot's year). The one place these defaults live."""
    dates = snaps.dates
    asked = pd.Timestamp(as_of) if as_of is not None else dates[-1]
    if asked < dates[0]:
        raise ForecastError(f"as_of {asked.date()} is before the first snapshot ({dates[0].date()})")
    when = dates[dates <= asked][-1]
    due = default_deadline(deadline, when)
    if due < when:
        raise ForecastError(f"deadline {due.date()} is before the as-of snapshot {when.date()}")
    return when, due


def year_end(when: object) -> pd.Timestamp:
    """31 December of ``when``'s year: the default deadline."""
    return pd.Timestamp(year=pd.Timestamp(when).year, month=12, day=31)


def default_deadline(deadline: object, when: object) -> pd.Timestamp:
    """``deadline``, or when it is left open (``None``) the year end of ``when``: the one place the default lives."""
    return pd.Timestamp(deadline) if deadline is not None else year_end(when)


def ask(snaps: Snapshots, as_of=None, deadline=None) -> Question:
    """The question at the as-of snapshot, due by the deadline (see :func:`resolve_dates`)."""
    when, due = resolve_dates(snaps, as_of, deadline)
    require_no_gap(snaps, when)  # a clear error, not a model's, for data across a gap of months
    require_intact(snaps, when)  # ... or from an export cut short
    return Question(when, due, open_set(build_history(snaps, when), due), Provenance.of(snaps), snaps)
