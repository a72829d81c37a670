"""What several levers share: a lever's form (its kind and settings), the task selectors and the multiplier.

A selection (:class:`Selection`) is parsed from a lever's selector settings (``tasks``, ``agency``, ``source``,
``status``, ``count``; see :mod:`.levers`), put into words, and turned into row positions of an application's
current open set (:meth:`Selection.rows`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from forecast.config.validate import Checker, shown
from forecast.core import limits
from forecast.core.languages import N_
from forecast.data.schema import IN_PROGRESS, OVERDUE

if TYPE_CHECKING:
    from forecast.scenarios.apply import Application

ALL = "all"
STATUSES = (IN_PROGRESS, OVERDUE)
SELECTOR_KEYS = ("tasks", "agency", "source", "status", "count")


class Form(NamedTuple):
    """A lever's kind (``lever:`` in the file), the settings it takes and those it requires."""

    kind: str
    takes: tuple[str, ...]
    needs: tuple[str, ...] = ()


def multiplier(c: Checker, key: str, value: Any) -> float:
    """A rate multiplier in (0, 1000] (:data:`forecast.core.limits.MULTIPLIER`)."""
    return c.number(key, value, limits.MULTIPLIER, " (2 = twice as fast, 0.5 = half)")


@dataclass(frozen=True)
class Selection:
    """Open tasks matching every given selector; ``None`` = any. ``count`` keeps the N earliest-deadline ones."""

    tasks: tuple[str, ...] | None = None
    agencies: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    count: int | None = None

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> Selection:
        """The selectors of lever ``key``; at least one of tasks, agency, source and status."""
        if all(item.get(k) is None for k in ("tasks", "agency", "source", "status")):
            raise c.error(
                key, "says no tasks: give tasks, agency, source or status (`agency: all` for every open task)"
            )
        statuses = c.optional(item, key, "status", c.names)
        for s in statuses or ():
            if s not in STATUSES:
                raise c.error(f"{key}.status", f"{shown(s)} is not an open status; use {' or '.join(STATUSES)}")
        return cls(
            tasks=c.optional(item, key, "tasks", c.names),
            agencies=c.optional(item, key, "agency", c.names, ALL),
            sources=c.optional(item, key, "source", c.names),
            statuses=statuses,
            count=c.optional(item, key, "count", c.whole, limits.SELECT_COUNT),
        )

    def describe(self) -> str:
        """In words, e.g. "the 40 earliest-due overdue tasks of Ministry of Finance"."""
        status = " or ".join(s.replace("_", " ") for s in self.statuses) + " " if self.statuses else ""
        what = f"{status}tasks {', '.join(self.tasks)}" if self.tasks else f"{status or 'open '}tasks"
        what += f" of {' or '.join(self.agencies)}" if self.agencies else ""
        what += f" from {' or '.join(self.sources)}" if self.sources else ""
        return f"the {self.count} earliest-due {what}" if self.count else f"all {what}"

    def rows(self, app: Application, key: str) -> np.ndarray:
        """Row positions of the tasks still on in ``app`` that this picks (earliest deadline first, ties by id, when
        it has a count); names resolve against the data, ids must be in the open set."""
        t = app.tasks
        mask = app.active.copy()
        if self.tasks is not None:
            where = pd.Index(t.index.astype(str))
            missing = [i for i in self.tasks if i not in where]
            if missing:
                raise app.error(
                    f"{key}.tasks",
                    f"{_ids(missing)} not in the open set at {app.as_of} (tasks open "
                    f"and due by {app.deadline}: completed, or due later?)",
                )
            gone = [i for i in self.tasks if not mask[where.get_loc(i)]]
            if gone:
                raise app.error(f"{key}.tasks", f"{_ids(gone)} already left the open set by an earlier lever")
            mask &= where.isin(self.tasks)
        if self.agencies is not None:
            names = [app.agencies.resolve(a, f"{key}.agency", app.file) for a in self.agencies]
            mask &= t["agency"].isin(names).to_numpy()
        if self.sources is not None:
            names = [app.sources.resolve(s, f"{key}.source", app.file) for s in self.sources]
            mask &= t["source"].isin(names).to_numpy()
        if self.statuses is not None:
            mask &= t["status"].isin(self.statuses).to_numpy()
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            app.warn(N_("{key}: selects no open task ({selection}); it changes nothing"), key=key, selection=self)
        elif self.count is not None:
            if len(rows) < self.count:
                app.warn(
                    N_("{key}: count {count} but only {found} open task(s) match; all taken"),
                    key=key,
                    count=self.count,
                    found=len(rows),
                )
            order = np.lexsort((t.index.astype(str).to_numpy()[rows], t["deadline"].to_numpy()[rows]))
            rows = rows[order[: self.count]]
        return rows


def _ids(ids: list[str], limit: int = 5) -> str:
    listed = ", ".join(repr(i) for i in ids[:limit])
    return (
        ("task " if len(ids) == 1 else "tasks ")
        + listed
        + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
    )
