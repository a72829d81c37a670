"""The forecast as a user asks for it: params (and loaded snapshots, or the published figures) in, a
:class:`~forecast.engine.simulate.SlipForecast` out. The question, the fit and the simulation are the seams below it
(:func:`forecast.data.question.ask`, a model's ``fit``, :func:`forecast.engine.simulate.simulate`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from forecast.config.params import Params
from forecast.data.cache import open_cache
from forecast.data.published import load_published
from forecast.data.question import Provenance, Question, ask, default_deadline
from forecast.data.snapshots import Snapshots, fingerprint, load_snapshots
from forecast.engine.simulate import SlipForecast, SlipModel, simulate
from forecast.errors import ForecastError
from forecast.models import make_model


def fit(params: Params, snaps: Snapshots, model: str | None = None) -> tuple[Question, SlipModel]:
    """The question and ``model`` (default ``params.model``) fitted on the snapshots up to its as-of date (from the
    params' cache, :mod:`forecast.data.cache`, when the same fit was made before)."""
    name = model or params.model
    if name == "combined":
        raise ForecastError(
            "the combined forecast pools the models: forecast.forecast and forecast.scenarios.pooled.fit give it"
        )
    question = ask(snaps, params.as_of, params.deadline)
    unfitted = make_model(name, **params.model_settings())
    return question, open_cache(params).fitted(unfitted, snaps, question.as_of)


def forecast(params: Params, snaps: Snapshots | None = None, model: str | None = None) -> SlipForecast:
    """Fit ``model`` (default ``params.model``) on the snapshots up to the as-of date and simulate the open set to
    the deadline (``params.sims`` runs, ``params.seed``)."""
    snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
    question, fitted = fit(params, snaps, model)
    return simulate(fitted, question, params.sims, params.seed)


def prior_effects(params: Params, snaps: Snapshots, priors: Mapping[str, Any], sims: int = 2000) -> pd.DataFrame:
    """What each year-end prior in ``priors`` (name -> :class:`forecast.models.outside_view.YearEndPrior`) makes of the
    params' question: the hazard model's ordinary-week fit once, then per prior its regime (:mod:`forecast.models.
    year_end`) and ``sims`` runs of the forecast if December runs like past year ends. Columns ``prior, weight,
    year_end_mean, year_end_p10, year_end_p90``."""
    from forecast.models.year_end import fit_regime

    question, fitted = fit(params, snaps, "hazard")
    model: Any = fitted
    rows = []
    for name, prior in priors.items():
        other = model.with_year_end_mode("year_end")
        other.regime_ = fit_regime(model, snaps, question.as_of, prior).with_mode("year_end")
        result = simulate(other, question, sims, params.seed)
        s = result.summary()
        rows.append(
            {
                "prior": name,
                "weight": round(other.regime_.weight, 4),
                "year_end_mean": round(s["mean"], 1),
                "year_end_p10": s["p10"],
                "year_end_p90": s["p90"],
            }
        )
    return pd.DataFrame(rows)


def forecast_published(params: Params) -> SlipForecast:
    """The forecast from the published aggregate figures alone."""
    from forecast.engine.published import published_forecast

    figures = load_published(params.published)
    provenance = Provenance(fingerprint([params.published]), False, str(params.published))
    return published_forecast(
        figures, params.sims, params.seed, provenance, deadline=default_deadline(params.deadline, figures["date"].max())
    )
