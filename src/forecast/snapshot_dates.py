"""Checks on the snapshot dates across a folder's exports: two exports of one date, a gap of months, a date in the
future, a jump in size; and the refusal to forecast across a gap."""

from __future__ import annotations

import itertools
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import limits
from .errors import ForecastError, Problem

if TYPE_CHECKING:
    from .snapshots import Snapshots


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
                    f"{n:,} tasks against {n_before:,} in the snapshot before ({before.date()}): "
                    f"more than {limits.JUMP:.0%} up in one step; check the export",
                    file=file,
                    severity="warning",
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
