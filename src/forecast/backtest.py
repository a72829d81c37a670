"""Rolling-origin backtest: which model to trust.

For each past snapshot date t (the *cutoff*; expanding window), the task histories are built from the snapshots up
to t only, each model is fitted on them and forecasts the then-open tasks (deadline on or before the *outcome date*,
the first snapshot on or after t + h) to the outcome date; the outcome is what that later snapshot shows. Tasks
missing from the outcome snapshot cannot be scored and are left out of both sides (switched off in the simulation,
so the others keep their random numbers).

Scores per model over all cutoffs (:mod:`forecast.scores`): MAE of the mean, mean CRPS, coverage of the central
50/80/90 % intervals, the non-randomised PIT histogram, and per task the Brier score and a reliability table. The
best model is the one with the lowest mean CRPS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import schema, scores
from .errors import ForecastError
from .models import MODELS, make_model
from .question import ask
from .simulate import simulate
from .snapshots import Snapshots

LEVELS = (0.5, 0.8, 0.9)


@dataclass(frozen=True)
class Backtest:
    """Per (cutoff, model): the forecast and the outcome (``frame``); per (cutoff, model, task): P(slip) and
    whether it slipped (``tasks``)."""

    horizon_days: int
    frame: pd.DataFrame
    tasks: pd.DataFrame
    draws: dict[tuple[pd.Timestamp, str], np.ndarray] = field(default_factory=dict, repr=False)  # slip draws

    @property
    def origins(self) -> list[str]:
        return [str(d.date()) for d in sorted(self.frame["cutoff"].unique())]

    def scores(self) -> pd.DataFrame:
        """One row per model: ``bias`` (mean of forecast mean minus outcome: negative = too few slips forecast),
        ``mae, crps, coverage50, coverage80, coverage90, brier``, best CRPS first."""
        f = self.frame.assign(error=self.frame["slip_mean"] - self.frame["observed"])
        per = f.groupby("model", sort=False).agg(
            bias=("error", "mean"), mae=("abs_error", "mean"), crps=("crps", "mean"),
            **{f"coverage{int(level * 100)}": (f"covered{int(level * 100)}", "mean") for level in LEVELS})
        per["brier"] = self.tasks.groupby("model", sort=False).apply(
            lambda g: scores.brier(g["p_slip"], g["slipped"]), include_groups=False)
        return per.reset_index().sort_values("crps", ignore_index=True)

    @property
    def best(self) -> str:
        return str(self.scores()["model"].iloc[0])

    def pit(self, model: str, bins: int = 10) -> pd.DataFrame:
        rows = self.frame.loc[self.frame["model"] == model]
        return scores.pit_histogram(rows["pit_lower"], rows["pit_upper"], bins)

    def reliability(self, model: str, bins: int = 10) -> pd.DataFrame:
        rows = self.tasks.loc[self.tasks["model"] == model]
        return scores.reliability(rows["p_slip"], rows["slipped"], bins)

    def to_json(self) -> dict:
        table = self.scores()
        return {"horizon_days": self.horizon_days, "origins": self.origins,
                "models": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
                           for row in table.to_dict("records")],
                "best": self.best}


def cutoffs(snaps: Snapshots, horizon_days: int, min_history: int = 8) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(cutoff, outcome date) pairs: every snapshot with ``min_history`` snapshots up to it and a snapshot on or
    after cutoff + horizon to score it against."""
    dates = snaps.dates
    pairs = []
    for t in dates[max(min_history - 1, 1):]:
        later = dates[dates >= t + pd.Timedelta(days=horizon_days)]
        if len(later):
            pairs.append((t, later[0]))
    return pairs


def outcome(at: pd.DataFrame, task_ids: pd.Index, when: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """(seen, slipped) per task at the snapshot of ``when``: seen = in that snapshot (else it cannot be scored);
    slipped = still open and due by ``when``. A task reclassified as regular, or extended past ``when``, has left
    the window: seen, not slipped (the forecast's competing exits)."""
    later = at.reindex(pd.MultiIndex.from_product([[when], task_ids]))
    seen = later["status"].notna().to_numpy()
    slipped = (later["status"].isin(schema.OPEN) & (later["deadline"] <= when)).to_numpy()
    return seen, slipped


def run_backtest(snaps: Snapshots, horizon_days: int = 27, models: Sequence[str] = tuple(MODELS),
                 sims: int = 2000, seed: int = 2025, min_history: int = 8,
                 progress: Callable[[str], None] | None = None, settings: dict | None = None) -> Backtest:
    """Backtest ``models`` at every eligible cutoff; raise :class:`ForecastError` when there is none. ``settings``
    (:meth:`forecast.params.Params.model_settings`) reach each model as in a forecast."""
    if horizon_days < 1:
        raise ForecastError(f"horizon_days must be at least 1, not {horizon_days}")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ForecastError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    pairs = cutoffs(snaps, horizon_days, min_history)
    if not pairs:
        raise ForecastError(f"no cutoff has {min_history} snapshots before it and one {horizon_days} days after it")
    at = snaps.frame.set_index(["snapshot_date", "task_id"])[["status", "deadline"]]
    rows, task_rows, draws = [], [], {}
    for i, (cutoff, outcome_date) in enumerate(pairs, 1):
        question = ask(snaps, cutoff, outcome_date)
        seen, slipped = outcome(at, question.tasks.index, outcome_date)
        observed = int(slipped[seen].sum())
        for name in models:
            model = make_model(name, **(settings or {})).fit(snaps, cutoff)
            fc = simulate(model, question, sims, seed, active=seen)
            draws[cutoff, name] = fc.totals.astype(np.int32)
            lo, hi = scores.pit_bounds(fc.totals, observed)
            rows.append({"cutoff": cutoff, "model": name, "outcome_date": outcome_date, "open": int(seen.sum()),
                         "observed": observed, **fc.summary(),
                         "abs_error": abs(fc.totals.mean() - observed), "crps": scores.crps(fc.totals, observed),
                         **{f"covered{int(level * 100)}": scores.interval_covers(fc.totals, observed, level)
                            for level in LEVELS},
                         "pit_lower": lo, "pit_upper": hi})
            task_rows.append(pd.DataFrame({"cutoff": cutoff, "model": name, "task_id": fc.tasks.index,
                                           "p_slip": fc.tasks["p_slip"].to_numpy(), "slipped": slipped[seen]}))
        if progress:
            progress(f"cutoff {i}/{len(pairs)} {cutoff.date()} -> {outcome_date.date()}: {int(seen.sum())} open, "
                     f"{observed} slipped")
    frame = pd.DataFrame(rows).rename(columns={"mean": "slip_mean"})
    return Backtest(horizon_days, frame, pd.concat(task_rows, ignore_index=True), draws)

