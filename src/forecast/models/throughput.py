"""Baseline 2, throughput Monte Carlo (Magennis style): how many tasks did each agency complete per snapshot
period lately? Resample that to the deadline and compare with the open work.

For each run, ``ceil(h / step)`` past periods are drawn with replacement from the last ``window`` periods (the same
periods for every agency, so good and bad weeks stay joint); the last one counts for the fraction of a step left.
Agency a's completions ``C_a`` close that many of its ``n_a`` open tasks: each open task slips with probability
``max(0, 1 - C_a / n_a)``. It ignores the mix of open work: completions of tasks due next year count as much as
those of tasks due this month, and a deadline wall is invisible to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data.history import intervals
from forecast.errors import ForecastError
from forecast.models.base import agency_codes, horizon_steps


class ThroughputModel:
    name = "throughput"

    def __init__(self, window: int = 12):
        if window < 1:
            raise ValueError("window must be at least 1 period")
        self.window = window

    def fit(self, data, as_of=None) -> ThroughputModel:
        iv = intervals(data, as_of)
        if iv.empty:
            raise ForecastError("the throughput model needs at least two snapshots")
        ends = np.sort(iv["end"].unique())[-self.window :]
        recent = iv.loc[iv["end"].isin(ends)]
        table = pd.crosstab(recent["end"], recent["agency"].astype(str), values=recent["event"], aggfunc="sum")
        self.periods_ = table.fillna(0).reindex(ends, fill_value=0)
        self.agencies_ = tuple(self.periods_.columns)
        self.step_days_ = int(np.median(iv["days"]))
        return self

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> ThroughputSampler:
        _, days = horizon_steps(as_of, deadline, self.step_days_)
        agency = agency_codes(tasks["agency"], self.agencies_)
        n_agencies = int(agency.max(initial=-1)) + 1
        counts = np.zeros((len(self.periods_), max(n_agencies, len(self.agencies_))))
        counts[:, : len(self.agencies_)] = self.periods_.to_numpy(float)
        open_per = np.bincount(agency, minlength=counts.shape[1]).astype(float)
        if rate is None:  # every task of an agency is alike to this model: one profile per agency
            profile, task_agency, boost = agency, np.arange(counts.shape[1]), np.ones(counts.shape[1])
        else:
            profile, task_agency, boost = np.arange(len(agency)), agency, np.asarray(rate, float).mean(axis=1)
        return ThroughputSampler(counts, days / self.step_days_, task_agency, open_per, boost, profile)


@dataclass
class ThroughputSampler:
    counts: np.ndarray  # (past periods x agencies) completions
    fractions: np.ndarray  # (steps,) share of a period each future step covers
    agency: np.ndarray  # (profiles,) agency of each profile
    open_per: np.ndarray  # (agencies,) open tasks
    boost: np.ndarray  # (profiles,) scenario rate multiplier
    profile: np.ndarray  # (tasks,)

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        n = len(self.agency)
        if len(self.fractions) == 0:
            return np.zeros((n, size))
        picks = rng.integers(0, len(self.counts), size=(size, len(self.fractions)))
        done = np.einsum("spa,p->as", self.counts[picks], self.fractions)  # (agencies x size)
        share = np.clip(1 - done / np.maximum(self.open_per, 1)[:, None], 0.0, 1.0)[self.agency]
        with np.errstate(divide="ignore"):
            return -np.log(share) * self.boost[:, None]
