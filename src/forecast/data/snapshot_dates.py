"""Checks on the snapshot dates across a folder's exports: two exports of one date, a gap of months, a date in the
future, a jump in size, an export missing many tasks of the one before (:class:`Shrink`); and the refusal to forecast
across a gap or from an export that looks cut short."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.core import limits
from forecast.core.languages import N_
from forecast.data import schema
from forecast.errors import ForecastError, Problem

if TYPE_CHECKING:
    from forecast.data.snapshots import Snapshots

JUMPED = N_(
    "{n} tasks against {before_n} in the snapshot before ({before}): more than {jump} up in one step; check the export"
)


def duplicate_dates(frames: list[pd.DataFrame]) -> list[Problem]:
    """An error for each export whose snapshot date another export has already."""
    seen: dict[pd.Timestamp, str] = {}
    problems = []
    for frame in frames:
        when = frame["snapshot_date"].iloc[0]
        file = frame["file"].iloc[0]
        if when in seen:
            problems.append(
                Problem(
                    f"same snapshot date {when.date()} as {seen[when]}: keep one of them",
                    file=file,
                    column="snapshot_date",
                )
            )
        seen[when] = file
    return problems


def date_warnings(frames: list[pd.DataFrame], today: date | None = None) -> list[Problem]:
    """Snapshots that look wrong but may be right: more than 8 weeks after the one before (a year typo?), dated
    after ``today``, or holding 50 % more tasks than the one before."""
    now = pd.Timestamp(today or date.today())
    sizes = sorted((f["snapshot_date"].iloc[0], len(f), f["file"].iloc[0]) for f in frames)
    problems = []
    for (before, n_before, _), (when, n, file) in itertools.pairwise(sizes):
        if (when - before).days > limits.GAP_DAYS:
            problems.append(
                Problem(
                    f"snapshot {when.date()} comes {(when - before).days} days after the one before "
                    f"({before.date()}); forecasts cannot be made across a gap of more than "
                    f"{limits.GAP_DAYS // 7} weeks: check the date",
                    file=file,
                    column="snapshot_date",
                    severity="warning",
                )
            )
        if n > n_before * (1 + limits.JUMP):
            problems.append(
                Problem(
                    JUMPED.format(
                        n=f"{n:,}", before_n=f"{n_before:,}", before=before.date(), jump=f"{limits.JUMP:.0%}"
                    ),
                    file=file,
                    severity="warning",
                    template=JUMPED,
                    parts={"n": n, "before_n": n_before, "before": before.date(), "jump": limits.JUMP},
                )
            )
    problems += [
        Problem(
            f"snapshot dated {when.date()}, after today ({now.date()})",
            file=file,
            column="snapshot_date",
            severity="warning",
        )
        for when, _, file in sizes
        if when > now
    ]
    return problems


def require_no_gap(snaps: Snapshots, as_of: object) -> None:
    """Refuse a forecast from snapshots up to ``as_of`` that include a gap of more than 8 weeks."""
    dates = snaps.dates[snaps.dates <= pd.Timestamp(as_of)]
    gaps = np.diff(dates.to_numpy()).astype("timedelta64[D]").astype(int)
    if len(gaps) and gaps.max() > limits.GAP_DAYS:
        i = int(np.argmax(gaps > limits.GAP_DAYS))
        raise ForecastError(
            f"snapshot {dates[i + 1].date()} comes {gaps[i]} days after the one before "
            f"({dates[i].date()}); the kit cannot forecast across a gap of more than "
            f"{limits.GAP_DAYS // 7} weeks. Check that snapshot's date (a year typo?), or forecast "
            f"as of {dates[i].date()} (--as-of)"
        )


@dataclass(frozen=True)
class Shrink:
    """An export with far fewer tasks than the one before it (more than :data:`~forecast.core.limits.SHRINK` of them,
    and at least ``SHRINK_TASKS``), as many of them missing without having been completed: cut short (copied while being
    written, saved half-way) or partial (one agency's rows), or a real removal. ``back``: the first later snapshot
    holding some of them again (then it is damage); ``last``: it is the folder's last export (then nothing yet tells the
    two apart)."""

    date: pd.Timestamp
    before: pd.Timestamp
    file: str
    tasks: int
    tasks_before: int
    missing: int
    last_row: int
    back: pd.Timestamp | None
    back_count: int
    last: bool

    def _what(self) -> str:
        return (
            f"{self.missing:,} of the {self.tasks_before:,} tasks of the snapshot before ({self.before.date()}) are "
            f"missing from this one without having been completed (it holds {self.tasks:,} tasks; its last row is "
            f"row {self.last_row:,}): the export looks cut short or partial"
        )

    def _back(self) -> str:
        return f"; {self.back_count:,} of them are back on {self.back.date()}, so it is damaged" if self.back else ""

    def warning(self) -> Problem:
        if self.back is not None or self.last:
            then = "a forecast from it is refused: replace it with a whole export"
        else:
            then = "they are not back in later exports, so they are taken as removed"
        return Problem(f"{self._what()}{self._back()}; {then}", file=self.file, severity="warning")

    def refusal(self) -> ForecastError:
        fix = "replace it with a whole export, or remove it" if self.back else "replace it with a whole export"
        return ForecastError(
            f"{self.file}: {self._what()}{self._back()}. The kit does not forecast from it: {fix}, or forecast as of "
            f"{self.before.date()} (--as-of)"
        )


def shrinks(frame: pd.DataFrame) -> tuple[Shrink, ...]:
    """The exports of a long frame (:mod:`forecast.data.snapshots`: in date order) missing many tasks the export before
    held open. Only an export with fewer tasks than the one before by more than the share is compared task by task."""
    when = frame["snapshot_date"].to_numpy()
    starts = np.r_[0, np.flatnonzero(when[1:] != when[:-1]) + 1, len(when)]
    ids, completed = frame["task_id"].to_numpy(dtype=object), frame["status"].isin(schema.COMPLETED).to_numpy()
    part = [slice(a, b) for a, b in itertools.pairwise(starts)]
    out = []
    for k in range(1, len(part)):
        before, now = part[k - 1], part[k]
        n_before = before.stop - before.start
        if (n_before - (now.stop - now.start)) <= max(limits.SHRINK * n_before, limits.SHRINK_TASKS - 1):
            continue
        gone = ~completed[before] & ~np.isin(ids[before], ids[now])
        if gone.sum() < limits.SHRINK_TASKS or gone.sum() <= limits.SHRINK * n_before:
            continue
        missing = ids[before][gone]
        back = next(((j, n) for j in range(k + 1, len(part)) if (n := int(np.isin(missing, ids[part[j]]).sum()))), None)
        out.append(
            Shrink(
                date=pd.Timestamp(when[now.start]),
                before=pd.Timestamp(when[before.start]),
                file=str(frame["file"].iloc[now.start]),
                tasks=now.stop - now.start,
                tasks_before=n_before,
                missing=int(gone.sum()),
                last_row=int(frame["row"].to_numpy()[now].max()),
                back=None if back is None else pd.Timestamp(when[part[back[0]].start]),
                back_count=0 if back is None else back[1],
                last=k == len(part) - 1,
            )
        )
    return tuple(out)


def require_intact(snaps: Snapshots, as_of: object) -> None:
    """Refuse a forecast from snapshots up to ``as_of`` that include an export cut short or partial (a
    :class:`Shrink` that is the folder's last export, or whose missing tasks come back later)."""
    for shrink in snaps.shrunk:
        if shrink.date <= pd.Timestamp(as_of) and (shrink.back is not None or shrink.last):
            raise shrink.refusal()
