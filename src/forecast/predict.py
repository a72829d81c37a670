"""The forecast as a user asks for it: params (and loaded snapshots, or the published figures) in, a
:class:`~forecast.simulate.SlipForecast` out. The question, the fit and the simulation are the seams below it
(:func:`forecast.question.ask`, a model's ``fit``, :func:`forecast.simulate.simulate`)."""

from __future__ import annotations

import pandas as pd

from .models import make_model
from .params import Params
from .published import load_published
from .question import Provenance, Question, ask
from .simulate import SlipForecast, SlipModel, simulate
from .snapshots import Snapshots, fingerprint, load_snapshots


def fit(params: Params, snaps: Snapshots, model: str | None = None) -> tuple[Question, SlipModel]:
    """The question and ``model`` (default ``params.model``) fitted on the snapshots up to its as-of date."""
    question = ask(snaps, params.as_of, params.deadline)
    return question, make_model(model or params.model, **params.model_settings()).fit(snaps, question.as_of)


def forecast(params: Params, snaps: Snapshots | None = None, model: str | None = None) -> SlipForecast:
    """Fit ``model`` (default ``params.model``) on the snapshots up to the as-of date and simulate the open set to
    the deadline (``params.sims`` runs, ``params.seed``)."""
    snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
    question, fitted = fit(params, snaps, model)
    return simulate(fitted, question, params.sims, params.seed)


def forecast_published(params: Params) -> SlipForecast:
    """The forecast from the published aggregate figures alone."""
    from .models.public import published_forecast

    figures = load_published(params.published)
    provenance = Provenance(fingerprint([params.published]), False, str(params.published))
    return published_forecast(figures, params.sims, params.seed, provenance,
                              deadline=params.deadline or pd.Timestamp("2025-12-31"))
