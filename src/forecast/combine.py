"""Several models on one question: every model's forecast side by side (and, with #11, the combined headline)."""

from __future__ import annotations

import pandas as pd

from .models import MODELS
from .params import Params
from .predict import forecast, forecast_published
from .snapshots import Snapshots


def compare_models(params: Params, snaps: Snapshots, models: tuple[str, ...] = tuple(MODELS)) -> pd.DataFrame:
    """Every task-level model and the published-figures forecast on the same question: one row each, with
    ``model, open_tasks, mean, p10, p50, p90``."""
    results = [forecast(params, snaps, name) for name in models]
    results.append(forecast_published(params))
    return pd.DataFrame([{"model": r.model, "open_tasks": len(r.tasks), **r.summary()} for r in results])
