"""Completion-rate models. Each has settings in its constructor, ``fit(snapshots, as_of) -> self`` and
``sampler(tasks, as_of, deadline, rate=None)`` (the protocols of :mod:`forecast.engine.simulate`).

:data:`MODELS` is the one registry of model names. Importing this package loads no model (statsmodels takes
seconds to import); :func:`make_model` imports the one asked for.
"""

from __future__ import annotations

import inspect
from importlib import import_module

# name -> "module:class", in the order the CLI and reports list them
MODELS: dict[str, str] = {
    "hazard": "hazard:HazardModel",
    "reference": "reference:ReferenceClassModel",
    "throughput": "throughput:ThroughputModel",
    "boosting": "boosting:BoostingModel",
}


def make_model(name: str, **settings):
    """A fresh model; of ``settings`` (e.g. :meth:`forecast.config.params.Params.model_settings`) it takes the ones its
    constructor knows. ``KeyError`` naming the choices for an unknown name."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    module, cls_name = MODELS[name].split(":")
    cls = getattr(import_module(f".{module}", __name__), cls_name)
    known = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in settings.items() if k in known})


__all__ = ["MODELS", "make_model"]
