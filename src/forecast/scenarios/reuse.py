"""Lever changes that only re-simulate: a fitted hazard model whose samplers keep each chunk's draws of the runs
(:class:`~forecast.models.hazard_sampler.Runs`) and each covariate path's rows computed from them
(:class:`~forecast.models.hazard_sampler.Parts`), and hand them to the next sampler: only the paths it has not seen
are computed (a deadline move changes the paths of the tasks it moves, not the others'). The numbers are the
model's own: the same draws in the same order, each path's rows as the sampler computes them (they do not depend
on the other paths), only the scenario multipliers applied afresh. The planner's explorer uses it
(:mod:`forecast.present.explorer`)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine.simulate import Luck
from forecast.models.hazard import HazardModel
from forecast.models.hazard_sampler import HazardSampler, Parts, Runs
from forecast.scenarios.pooled import CombinedModel, LeverModel


def reusing(model: LeverModel, sims: int) -> LeverModel:
    """``model`` with its hazard model(s) reusing each chunk's draws (:class:`ReusingHazard`); other models as they
    are. The numbers are the model's own."""
    if isinstance(model, CombinedModel):
        year_end = ReusingHazard(model.year_end, sims) if model.year_end is not None else None
        autumn = ReusingHazard(model.autumn, sims)
        return dataclasses.replace(model, autumn=autumn, year_end=year_end, _base={}, luck=Luck())
    if isinstance(model, HazardModel):
        return ReusingHazard(model, sims)
    return model


class ReusingHazard:
    """A fitted hazard model whose samplers keep each chunk's run draws and each covariate path's rows, by the draws'
    key (:func:`_run_key`), and reuse them in the next sampler with the same key: at most ``keep_paths`` paths are
    kept per key (about 0.7 MB each at 10,000 runs and four steps), the least recently used going first. Every other
    attribute is the model's."""

    def __init__(self, model: Any, sims: int, keep: int = 2, keep_paths: int = 240):
        self.model, self.sims, self.keep, self.keep_paths = model, sims, keep, keep_paths
        self.name = model.name
        self.store: OrderedDict[str, _Store] = OrderedDict()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> Any:
        inner = self.model.sampler(tasks, as_of, deadline, rate=rate)
        return _ReusingSampler(inner, self) if isinstance(inner, HazardSampler) else inner

    def stored(self, key: str) -> _Store:
        """The store of ``key`` (a new one if none; the oldest key goes beyond ``keep``)."""
        if key not in self.store:
            self.store[key] = _Store()
            while len(self.store) > self.keep:
                self.store.popitem(last=False)
        self.store.move_to_end(key)
        return self.store[key]


@dataclass
class _Store:
    """One run key's draws: each chunk's :class:`Runs` and, per path (its key), each chunk's rows (step hazards,
    clearance, exits)."""

    runs: list[Runs] = field(default_factory=list)
    stacks: OrderedDict[bytes, list[Parts]] = field(default_factory=OrderedDict)  # by a sampler's paths, per chunk
    paths: OrderedDict[bytes, list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]] = field(
        default_factory=OrderedDict
    )

    def complete(self, sims: int) -> bool:
        return sum(r.pace.shape[1] for r in self.runs) == sims


def _run_key(inner: HazardSampler, size: int) -> str:
    """What a sampler's run draws depend on: the posterior, the regime, the steps, the agencies and the chunk size
    (the seed and the runs are the explorer's, fixed)."""
    unseen = int(inner.agency.max(initial=-1)) + 1
    shapes = f"{inner.X.shape[1:]}|{inner.E.shape[1:]}|{unseen}|{id(inner.regime)}|{id(inner.posterior)}|{size}"
    return hashlib.blake2b(shapes.encode(), digest_size=16).hexdigest()


def _path_keys(inner: HazardSampler) -> list[bytes]:
    """A key per covariate path: its design rows, exposure days and window days."""
    keys = []
    for i in range(inner.X.shape[0]):
        digest = hashlib.blake2b(np.ascontiguousarray(inner.X[i]).tobytes(), digest_size=16)
        digest.update(np.ascontiguousarray(inner.E[i]).tobytes())
        if inner.after is not None:
            digest.update(np.ascontiguousarray(inner.after[i]).tobytes())
        keys.append(digest.digest())
    return keys


class _ReusingSampler:
    """A :class:`~forecast.models.hazard_sampler.HazardSampler` whose chunks' run draws come from its model's store
    when a sampler with the same run key drew them (chunks are drawn in order), and whose paths' rows are computed
    only for paths the store does not hold."""

    def __init__(self, inner: HazardSampler, owner: ReusingHazard):
        self.inner, self.owner = inner, owner
        self.profile = inner.profile
        self.exits = inner.exits
        self.chunk = 0
        self.keys = _path_keys(inner)
        self.paths_key = hashlib.blake2b(b"".join(self.keys), digest_size=16).digest()
        self.store: _Store | None = None
        self.replay = False

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.inner.E.shape[1] == 0:
            return self.inner.draw(rng, size)
        c, self.chunk = self.chunk, self.chunk + 1
        if c == 0:
            self.store = self.owner.stored(_run_key(self.inner, size))
            self.replay = self.store.complete(self.owner.sims)
            if not self.replay:  # drawn afresh from the stream's start: the rows kept belong to other draws
                self.store.runs.clear()
                self.store.paths.clear()
                self.store.stacks.clear()
        assert self.store is not None
        if self.replay:
            if c >= len(self.store.runs) or self.store.runs[c].pace.shape[1] != size:
                raise RuntimeError("the stored draws are for other chunks of runs; the runs would not be the same")
            runs = self.store.runs[c]
        else:
            runs = self.inner.runs(rng, size)
            self.store.runs.append(runs)
        stacked = self.store.stacks.get(self.paths_key, [])
        if c < len(stacked):  # a sampler with these very paths: its chunk, as it was put together
            return self.inner.hazards(stacked[c])
        paths = self.store.paths
        missing: dict[int, list[int]] = {}  # chunk -> the paths without its rows: this chunk's new paths, and (after a
        # run interrupted part-way) the chunks a kept path lacks, from the kept runs
        for i, key in enumerate(self.keys):
            for chunk in range(len(paths.get(key, ())), c + 1):
                missing.setdefault(chunk, []).append(i)
        for chunk, new in sorted(missing.items()):
            fresh = self.inner.rows(self.store.runs[chunk], np.array(new))
            for j, i in enumerate(new):
                row = (
                    fresh.step_h[j],
                    None if fresh.add is None else fresh.add[j],
                    None if fresh.exit is None else fresh.exit[j],
                )
                paths.setdefault(self.keys[i], []).append(row)
        rows = [paths[key][c] for key in self.keys]
        if c == 0:
            self._forget()
        add = None if rows[0][1] is None else np.stack([r[1] for r in rows])  # type: ignore[misc]
        exit_ = None if rows[0][2] is None else np.stack([r[2] for r in rows])  # type: ignore[misc]
        parts = Parts(np.stack([r[0] for r in rows]), add, runs.scale, exit_)
        if c == 0:
            self.store.stacks[self.paths_key] = stacked = []
            while len(self.store.stacks) > 2:
                self.store.stacks.popitem(last=False)
        if c == len(stacked):
            stacked.append(parts)
        return self.inner.hazards(parts)

    def _forget(self) -> None:
        """Mark this sampler's paths as the most recently used, and let the oldest others go beyond ``keep_paths``."""
        assert self.store is not None
        paths = self.store.paths
        for key in self.keys:
            paths.move_to_end(key)
        while len(paths) > max(self.owner.keep_paths, len(self.keys)):
            paths.popitem(last=False)
