"""Completion-rate models. Each has settings in its constructor, ``fit(snapshots, as_of) -> self`` and
``sampler(tasks, as_of, deadline)`` (see :mod:`.base`)."""

from .hazard import HazardModel
from .reference import ReferenceClassModel
from .throughput import ThroughputModel

MODELS = {"hazard": HazardModel, "reference": ReferenceClassModel, "throughput": ThroughputModel}


def make_model(name: str):
    """A fresh model with default settings; ``KeyError`` naming the choices for an unknown name."""
    try:
        return MODELS[name]()
    except KeyError:
        raise KeyError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}") from None


__all__ = ["MODELS", "HazardModel", "ReferenceClassModel", "ThroughputModel", "make_model"]
