"""Lever changes that only re-simulate: a fitted hazard model whose samplers keep each chunk's draws
(:class:`~forecast.models.hazard_sampler.Parts`) by covariate paths and agencies, and replay them for the next
scenario with the same ones (the planner's explorer, :mod:`forecast.present.explorer`). The numbers are the
model's own: the same draws in the same order, only the scenario multipliers applied afresh."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from forecast.models.hazard import HazardModel
from forecast.models.hazard_sampler import HazardSampler, Parts
from forecast.scenarios.pooled import CombinedModel, LeverModel


def reusing(model: LeverModel, sims: int) -> LeverModel:
    """``model`` with its hazard model(s) reusing each chunk's draws (:class:`ReusingHazard`); other models as they
    are. The numbers are the model's own."""
    if isinstance(model, CombinedModel):
        year_end = ReusingHazard(model.year_end, sims) if model.year_end is not None else None
        return dataclasses.replace(model, autumn=ReusingHazard(model.autumn, sims), year_end=year_end, _base={})
    if isinstance(model, HazardModel):
        return ReusingHazard(model, sims)
    return model


class ReusingHazard:
    """A fitted hazard model whose samplers keep each chunk's :class:`~forecast.models.hazard_sampler.Parts` by
    covariate paths and agencies, and hand them to the next sampler with the same ones instead of drawing them
    again. Every other attribute is the model's."""

    def __init__(self, model: Any, sims: int, keep: int = 8):
        self.model, self.sims, self.keep = model, sims, keep
        self.name = model.name
        self.store: OrderedDict[str, list[Parts]] = OrderedDict()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> Any:
        inner = self.model.sampler(tasks, as_of, deadline, rate=rate)
        return _ReusingSampler(inner, self) if isinstance(inner, HazardSampler) else inner

    def chunks(self, key: str) -> list[Parts] | None:
        """The stored parts of every run for ``key``; None unless all ``sims`` runs are there."""
        parts = self.store.get(key)
        if parts is None or sum(p.scale.shape[1] for p in parts) != self.sims:
            return None
        self.store.move_to_end(key)
        return parts

    def record(self, key: str) -> list[Parts]:
        """A fresh list to fill with ``key``'s parts, chunk by chunk (the oldest key goes beyond ``keep``)."""
        self.store[key] = []
        while len(self.store) > self.keep:
            self.store.popitem(last=False)
        return self.store[key]


class _ReusingSampler:
    """A :class:`~forecast.models.hazard_sampler.HazardSampler` whose chunks' parts come from its model's store when a
    sampler with the same paths drew them (in the same chunk order: the simulation draws chunks in order)."""

    def __init__(self, inner: HazardSampler, owner: ReusingHazard):
        self.inner, self.owner = inner, owner
        self.profile = inner.profile
        self.exits = inner.exits
        self.chunk = 0
        digest = hashlib.blake2b(digest_size=16)
        for part in (inner.X, inner.E, inner.after):
            digest.update(b"-" if part is None else np.ascontiguousarray(part).tobytes())
        unseen = int(inner.agency.max(initial=-1)) + 1
        digest.update(f"{inner.X.shape}|{inner.E.shape}|{unseen}|{id(inner.regime)}|{id(inner.posterior)}".encode())
        self.key = digest.hexdigest()
        self.replay = owner.chunks(self.key)
        self.recording: list[Parts] | None = None

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.inner.E.shape[1] == 0:
            return self.inner.draw(rng, size)
        c, self.chunk = self.chunk, self.chunk + 1
        if self.replay is not None:
            if c >= len(self.replay) or self.replay[c].scale.shape[1] != size:
                raise RuntimeError("the stored draws are for other chunks of runs; the runs would not be the same")
            return self.inner.hazards(self.replay[c])
        if c == 0:
            self.recording = self.owner.record(self.key)
        parts = self.inner.parts(rng, size)
        if self.recording is not None:
            self.recording.append(parts)
        return self.inner.hazards(parts)
