"""Kaplan-Meier curves of time to completion, per agency, for exploration (statsmodels ``SurvfuncRight``).

Time is days since the task was assigned (since first seen when the export has no assigned date). A completed task's
event time is the first snapshot it was seen completed (or its ``completed_date``); an open one is censored at its
last snapshot. Tasks enter the risk set when first seen (``entry``): left truncation, so tasks assigned before the
first export do not make early completion look rarer than it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight

from ..history import build_history
from . import design


def completion_times(data, as_of=None) -> pd.DataFrame:
    """Per non-regular task observed at risk: ``agency, entry, time, completed`` in days since assignment."""
    hist = build_history(data, as_of)
    hist = hist.loc[~hist["regular"] & hist["deadline"].notna()]
    origin = design.task_origin(hist)
    end = hist["completed_hi"].where(hist["completed"], hist["last_seen"])
    time = (end - origin).dt.days.clip(lower=0)
    entry = (hist["first_seen"] - origin).dt.days.clip(lower=0)
    out = pd.DataFrame({"agency": hist["agency"].astype(str), "entry": entry, "time": time,
                        "completed": hist["completed"].astype(int)})
    return out.loc[out["time"] > out["entry"]]  # seen only once, or first seen completed: no time at risk


def kaplan_meier(data, as_of=None, min_tasks: int = 15) -> pd.DataFrame:
    """Tidy KM curves: ``group, days, survival, lower, upper`` (pointwise 95 %). One group per agency with at least
    ``min_tasks`` tasks, plus "All tasks"."""
    times = completion_times(data, as_of)
    groups = [("All tasks", times)]
    sizes = times["agency"].value_counts()
    groups += [(a, times.loc[times["agency"] == a]) for a in sizes.index[sizes >= min_tasks]]
    frames = []
    for name, g in groups:
        if g["completed"].sum() == 0:
            continue
        sf = SurvfuncRight(g["time"].to_numpy(float), g["completed"].to_numpy(), entry=g["entry"].to_numpy(float))
        half = 1.96 * np.nan_to_num(sf.surv_prob_se)
        frames.append(pd.DataFrame({"group": name, "days": sf.surv_times, "survival": sf.surv_prob,
                                    "lower": np.clip(sf.surv_prob - half, 0, 1),
                                    "upper": np.clip(sf.surv_prob + half, 0, 1)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["group", "days", "survival", "lower", "upper"])
