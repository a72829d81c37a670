"""Monte Carlo of the open tasks to the deadline: slips overall, per agency and per task.

Run s draws each task's cumulative completion hazard ``H[i, s]`` from the model (parameters drawn per run) and an
independent ``U[i, s] ~ Uniform(0, 1)``; task i **slips** in run s when ``U < exp(-H)``, the chance it is still open
at the end of the deadline. Float32 throughout: the comparison needs no more, and it halves memory traffic. Runs go
in chunks, so memory stays bounded for large portfolios; per-run totals, per-agency counts and per-task slip
frequencies are accumulated.

Common random numbers: the model's parameter draws and ``U`` come from two streams of the seed, and ``U`` is
indexed by the task's row, so a scenario that keeps the task list (with some tasks switched off by ``active``, or
extra tasks appended at the end) sees the same luck as the baseline, and their difference is not noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .limits import check_simulation
from .models.base import Sampler

QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}
CHUNK_CELLS = 4_000_000  # task-runs per chunk: about 60 MB of working arrays


@dataclass(frozen=True)
class SlipForecast:
    """The simulated slips. ``totals[s]`` = tasks slipping in run s; ``agency_draws`` (agencies x runs)."""

    model: str
    as_of: pd.Timestamp
    deadline: pd.Timestamp
    seed: int
    tasks: pd.DataFrame  # the open set with ``p_slip``
    totals: np.ndarray
    agencies: tuple[str, ...]
    agency_draws: np.ndarray
    data_fingerprint: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def sims(self) -> int:
        return len(self.totals)

    def summary(self) -> dict[str, float]:
        """Mean and P10/P50/P90 of the number of tasks that slip (not of completions)."""
        return {"mean": float(self.totals.mean()) if self.sims else 0.0, **_quantiles(self.totals)}

    def interval(self, level: float = 0.8) -> tuple[int, int]:
        """Central ``level`` interval of the slip count."""
        lo, hi = np.quantile(self.totals, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
        return int(lo), int(hi)

    def by_agency(self) -> pd.DataFrame:
        """Per agency: open tasks, mean slips and P10/P50/P90, most slips first."""
        open_counts = self.tasks.groupby("agency", observed=True).size() if self.agencies else pd.Series()
        rows = []
        for name, draws in zip(self.agencies, self.agency_draws, strict=True):
            q = _quantiles(draws)
            rows.append({"agency": name, "open": int(open_counts.get(name, 0)), "slip_mean": float(draws.mean()),
                         "slip_p10": q["p10"], "slip_p50": q["p50"], "slip_p90": q["p90"]})
        frame = pd.DataFrame(rows, columns=["agency", "open", "slip_mean", "slip_p10", "slip_p50", "slip_p90"])
        return frame.sort_values(["slip_mean", "agency"], ascending=[False, True], ignore_index=True)

    def early_warning(self) -> pd.DataFrame:
        """Every open task with agency, deadline, status and P(slip), highest risk first."""
        cols = [c for c in ("agency", "deadline", "status", "source", "title", "p_slip") if c in self.tasks]
        out = self.tasks[cols].sort_values(["p_slip", "deadline"], ascending=[False, True])
        return out.reset_index()

    def to_json(self) -> dict[str, Any]:
        """The ``forecast predict --json`` contract."""
        agencies = self.by_agency()
        return {
            "as_of": str(self.as_of.date()), "deadline": str(self.deadline.date()), "model": self.model,
            "sims": self.sims, "open_tasks": len(self.tasks),
            "slip": {k: round(v, 2) if k == "mean" else v for k, v in self.summary().items()},
            "by_agency": [{"agency": r.agency, "open": r.open, "slip_mean": round(r.slip_mean, 2),
                           "slip_p10": r.slip_p10, "slip_p90": r.slip_p90} for r in agencies.itertuples()],
            "data_fingerprint": self.data_fingerprint,
            **self.meta,
        }


def _quantiles(draws: np.ndarray) -> dict[str, int]:
    if len(draws) == 0:
        return dict.fromkeys(QUANTILES, 0)
    values = np.quantile(draws, list(QUANTILES.values()), method="inverted_cdf")
    return {k: int(v) for k, v in zip(QUANTILES, values, strict=True)}


def simulate(sampler: Sampler, tasks: pd.DataFrame, sims: int, seed: int, *, model: str, as_of, deadline,
             active: np.ndarray | None = None, chunk: int | None = None, data_fingerprint: str = "") -> SlipForecast:
    """Simulate ``sims`` runs of ``tasks`` (the open set, one row per task, with an ``agency`` column).

    ``active`` (bool per task) switches tasks off without moving the others' random numbers (scenario drops).
    ``chunk`` runs are drawn at a time (default: as many as keep a chunk near :data:`CHUNK_CELLS` task-runs).
    """
    if sims <= 0:
        raise ValueError("sims must be positive")
    n = len(tasks)
    chunk = chunk or int(np.clip(CHUNK_CELLS // max(n, 1), 1, 4000))
    agency = tasks["agency"].astype(str).to_numpy()
    names, agency_idx = np.unique(agency, return_inverse=True)
    check_simulation(n, len(names), sims)  # refuse, before allocating, what would not fit in memory
    on = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    param_rng = np.random.default_rng([seed, 0])
    luck_rng = np.random.default_rng([seed, 1])
    totals = np.zeros(sims, dtype=np.int64)
    by_agency = np.zeros((len(names), sims), dtype=np.int64)
    per_task = np.zeros(n, dtype=np.int64)
    order = np.argsort(agency_idx, kind="stable")
    presorted = bool(np.all(order == np.arange(n)))  # tasks grouped by agency: no copy per chunk
    starts = np.searchsorted(agency_idx[order], np.arange(len(names)))
    for lo in range(0, sims, chunk):
        size = min(chunk, sims - lo)
        if n == 0:
            continue
        still_open = np.array(sampler.draw(param_rng, size), dtype=np.float32)  # per profile
        np.negative(still_open, out=still_open)
        np.exp(still_open, out=still_open)
        slip = luck_rng.random((n, size), dtype=np.float32) < still_open[sampler.profile]
        slip &= on[:, None]
        per_task += np.count_nonzero(slip, axis=1)
        counts = np.add.reduceat(slip if presorted else slip[order], starts, axis=0)
        by_agency[:, lo:lo + size] = counts
        totals[lo:lo + size] = counts.sum(axis=0)
    out = tasks.loc[on].assign(p_slip=per_task[on] / sims)
    keep = np.isin(np.arange(len(names)), np.unique(agency_idx[on]))
    return SlipForecast(model=model, as_of=pd.Timestamp(as_of), deadline=pd.Timestamp(deadline), seed=seed,
                        tasks=out, totals=totals, agencies=tuple(names[keep]), agency_draws=by_agency[keep],
                        data_fingerprint=data_fingerprint)
