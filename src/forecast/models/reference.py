"""Baseline 1, the reference class: of the tasks that were in the same situation at past snapshots, what share
were still open the same number of days later?

A *situation* is a task open at a past snapshot t and due within the horizon h (or already overdue), classed by
days to its deadline at t: overdue > 30 days, overdue 1-30, due in 0-13 days, due in 14 days to h. Its *outcome* is
whether it is still open at the first snapshot on or after t + h (tasks gone or turned regular by then are left
out). Only snapshots with t + h on or before the as-of date are used, so nothing is borrowed from the future.

Per class c the portfolio share ``p_c`` is the prior; an agency's share is partially pooled towards it with a
beta-binomial: ``p_ac ~ Beta(kappa * p_c, kappa * (1 - p_c))``, kappa by maximum marginal likelihood. Simulation
draws ``p_ac`` from its Beta posterior each run. Situations of one task at successive snapshots are not
independent, so these posteriors are too narrow: a known weakness of the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import betaln

from forecast.data import schema
from forecast.data.snapshots import Snapshots, as_of_frame
from forecast.errors import ForecastError

CLASSES = ("overdue >30d", "overdue 1-30d", "due 0-13d", "due 14d+")
_ABSENT, _OPEN, _DONE, _OTHER = 0, 1, 2, 3  # a task's state at a snapshot, in the situations' grid


def situation_class(days_to_deadline: np.ndarray) -> np.ndarray:
    """Class index (0..3) of days to deadline, see :data:`CLASSES`."""
    return np.searchsorted(np.array([-30, 0, 14]), days_to_deadline, side="right")


class ReferenceClassModel:
    """Share of past look-alike tasks still open ``h`` days later, by agency with beta-binomial pooling."""

    name = "reference"

    def fit(self, data, as_of=None) -> ReferenceClassModel:
        frame = data.frame if isinstance(data, Snapshots) else data
        if as_of is not None:
            frame = as_of_frame(frame, as_of)
        if frame.empty:
            raise ForecastError("the reference-class model needs snapshots to learn from")
        self.frame_ = frame[["snapshot_date", "task_id", "agency", "deadline", "status"]]
        self.as_of_ = pd.Timestamp(frame["snapshot_date"].max())
        return self

    def situations(self, horizon_days: int) -> pd.DataFrame:
        """Past situations with ``still_open`` outcome, ``horizon_days`` after each snapshot (rows in the frame's
        order). Each task's status at each snapshot is looked up in a (tasks x snapshots) grid of small codes."""
        f = self.frame_
        when = f["snapshot_date"].to_numpy("datetime64[ns]")
        dates = np.unique(when)
        at = np.searchsorted(dates, when)
        later = np.searchsorted(dates, dates + np.timedelta64(horizon_days, "D"))  # == len(dates): not seen yet
        status = f["status"]
        state = np.where(status.isin(schema.OPEN), _OPEN, np.where(status.isin(schema.COMPLETED), _DONE, _OTHER))
        task, _ = pd.factorize(f["task_id"])
        grid = np.full((task.max(initial=-1) + 1, len(dates) + 1), _ABSENT, dtype=np.int8)
        grid[task, at] = state
        due = f["deadline"].to_numpy("datetime64[ns]")
        dated = ~np.isnat(due)
        ttd = np.zeros(len(f), dtype=np.int64)
        ttd[dated] = (due[dated] - when[dated]) // np.timedelta64(1, "D")  # whole days, rounded down
        then = grid[task, later[at]]
        keep = dated & (state == _OPEN) & (ttd <= horizon_days) & ((then == _OPEN) | (then == _DONE))
        return pd.DataFrame(
            {
                "agency": f["agency"][keep].astype(str).to_numpy(),
                "cls": situation_class(ttd[keep]),
                "still_open": (then[keep] == _OPEN).astype(int),
            }
        )

    def shares(self, horizon_days: int) -> pd.DataFrame:
        """Per (agency, class): situations, still open, raw share and the Beta posterior (alpha, beta)."""
        s = self.situations(horizon_days)
        if s.empty:
            raise ForecastError(f"no past situations {horizon_days} days before the as-of date: too little history")
        cells = s.groupby(["agency", "cls"]).agg(n=("still_open", "size"), k=("still_open", "sum")).reset_index()
        overall = s.groupby("cls")["still_open"].agg(["size", "sum"])
        p_class = ((overall["sum"] + 0.5) / (overall["size"] + 1)).reindex(range(len(CLASSES)))
        p_class = p_class.fillna((s["still_open"].sum() + 0.5) / (len(s) + 1))
        kappa = _fit_kappa(cells["n"].to_numpy(), cells["k"].to_numpy(), p_class[cells["cls"]].to_numpy())
        prior = p_class[cells["cls"]].to_numpy()
        cells["raw_share"] = cells["k"] / cells["n"]
        cells["alpha"] = kappa * prior + cells["k"]
        cells["beta"] = kappa * (1 - prior) + cells["n"] - cells["k"]
        cells.attrs.update(kappa=kappa, p_class=p_class.to_numpy())
        return cells

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> ShareSampler:
        horizon = max((pd.Timestamp(deadline) - pd.Timestamp(as_of)).days, 0)
        cells = self.shares(max(horizon, 1))
        kappa, p_class = cells.attrs["kappa"], cells.attrs["p_class"]
        cls = situation_class((tasks["deadline"] - pd.Timestamp(as_of)).dt.days.to_numpy())
        key = pd.MultiIndex.from_arrays([tasks["agency"].astype(str), cls])
        found = cells.set_index(["agency", "cls"])[["alpha", "beta"]].reindex(key)
        alpha = found["alpha"].fillna(pd.Series(kappa * p_class[cls], index=key)).to_numpy()
        beta = found["beta"].fillna(pd.Series(kappa * (1 - p_class[cls]), index=key)).to_numpy()
        groups, inverse = np.unique(np.column_stack([alpha, beta]), axis=0, return_inverse=True)
        if rate is None:
            return ShareSampler(groups[:, 0], groups[:, 1], inverse.reshape(-1), horizon == 0, None, None)
        # multipliers differ task by task: one profile each, still one draw per (agency, class) cell and run
        power = np.asarray(rate, float).mean(axis=1)
        return ShareSampler(groups[:, 0], groups[:, 1], np.arange(len(tasks)), horizon == 0, power, inverse.reshape(-1))


def _fit_kappa(n: np.ndarray, k: np.ndarray, prior: np.ndarray) -> float:
    """Beta-binomial prior strength kappa maximising the marginal likelihood of the agency cells."""

    def neg(log_kappa: float) -> float:
        kappa = np.exp(log_kappa)
        a, b = kappa * prior, kappa * (1 - prior)
        return -float(np.sum(betaln(a + k, b + n - k) - betaln(a, b)))

    return float(np.exp(minimize_scalar(neg, bounds=(np.log(0.5), np.log(5000.0)), method="bounded").x))


@dataclass
class ShareSampler:
    """Draws P(still open) per (agency, class) cell from Beta posteriors; returns ``H = -log P``.

    Without scenario multipliers a profile is a cell. With them each task is its own profile: ``H`` of its cell's
    draw (shared by the cell's tasks, as without multipliers) times its multiplier.
    """

    alpha: np.ndarray  # (cells,)
    beta: np.ndarray
    profile: np.ndarray  # (tasks,)
    no_time: bool
    power: np.ndarray | None  # (tasks,) scenario rate multiplier (time-averaged): P -> P ** m
    cell: np.ndarray | None  # (tasks,) cell of each task, with ``power``

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.no_time:
            return np.zeros((len(self.alpha) if self.power is None else len(self.power), size))
        p = rng.beta(self.alpha[:, None], self.beta[:, None], size=(len(self.alpha), size))
        H = -np.log(np.clip(p, 1e-12, 1.0))
        return H if self.power is None else H[self.cell] * self.power[:, None]
