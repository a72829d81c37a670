"""The published-figures model scored on the published transitions (:data:`BACKTEST`): each forecast from the figures
dated on or before its start only, scored against the published overdue count at its end like
:mod:`forecast.evaluation.backtest` (CRPS, interval coverage, PIT)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.engine.published import (
    TRANSITIONS,
    Transition,
    at_risk,
    overdue_at_end,
    posterior,
    simulate_slips,
    usable,
    window,
)
from forecast.evaluation import scores

# The published transitions a forecast is scored on: June -> 28 Aug (the June report's tasks), 28 Aug -> 28 Oct,
# 28 Oct -> 4 Dec.
BACKTEST = (
    Transition("2025-06-20", "2025-08-28", "res71", "res71", "all", "2025-07-31", TRANSITIONS[0].reading),
    TRANSITIONS[2],
    TRANSITIONS[3],
)


BACKTEST_COLUMNS = [
    "cutoff",
    "model",
    "outcome_date",
    "scope",
    "open",
    "overdue_at_cutoff",
    "due_in_window",
    "evidence",
    "observed",
    "slip_mean",
    "p10",
    "p50",
    "p90",
    "abs_error",
    "crps",
    "covered50",
    "covered80",
    "covered90",
    "pit_lower",
    "pit_upper",
]


def published_backtest(figures: pd.DataFrame, sims: int = 2000, seed: int = 2025) -> pd.DataFrame:
    """Each transition of :data:`BACKTEST` forecast from the figures dated on or before its start, scored against
    the published overdue count at its end: one row per transition, with the score columns of
    :mod:`forecast.evaluation.backtest` (``abs_error, crps, covered50/80/90, pit_lower, pit_upper``). Transitions whose
    counts the figures lack are left out."""
    rows = []
    for t in BACKTEST:
        before = figures.loc[figures["date"].notna() & (figures["date"] <= pd.Timestamp(t.start))]
        if not usable(pd.concat([before, figures.loc[figures["date"] == pd.Timestamp(t.end)]]), t):
            continue
        late, due = at_risk(before, t)
        post, used = posterior(before, t.start)
        horizon, early = window(t)
        totals = simulate_slips(post, late, due, horizon, early, sims, seed)[0]
        observed = overdue_at_end(figures, t)
        lo, hi = scores.pit_bounds(totals, observed)
        q = np.quantile(totals, [0.1, 0.5, 0.9], method="inverted_cdf")
        rows.append(
            {
                "cutoff": pd.Timestamp(t.start),
                "model": "published",
                "outcome_date": pd.Timestamp(t.end),
                "scope": t.scope if t.scope == t.end_scope else f"{t.scope} -> {t.end_scope}",
                "open": late + due,
                "overdue_at_cutoff": late,
                "due_in_window": due,
                "evidence": len(used),
                "observed": observed,
                "slip_mean": float(totals.mean()),
                "p10": int(q[0]),
                "p50": int(q[1]),
                "p90": int(q[2]),
                "abs_error": abs(float(totals.mean()) - observed),
                "crps": scores.crps(totals, observed),
                **{
                    f"covered{int(level * 100)}": scores.interval_covers(totals, observed, level)
                    for level in (0.5, 0.8, 0.9)
                },
                "pit_lower": lo,
                "pit_upper": hi,
            }
        )
    return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)
