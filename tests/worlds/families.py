"""The world families: pure functions ``(seed, **settings) -> World``, none of them the kit's hazard GLM family.

Every family draws its tasks with :func:`tests.worlds.portfolio.draw_tasks` (``tasks`` tasks over ``agencies``
agencies, log-normal agency effects with sd ``agency_sd``, arrivals in waves) and simulates them day by day with
:func:`tests.worlds.process.run`; ``rate`` is ``base_rate`` (per day) times the source and agency multipliers. The
families differ in their daily completion hazard and exits; ``k`` is days to the task's current deadline:

* :func:`piecewise`: ``pull(k)`` = 1 far from the deadline (k > ``push_days``), ``push`` (5) in the last two
  weeks (0 <= k <= ``push_days`` = 14), ``overdue`` (0.5) once overdue. No calendar effect. With the default
  ``push_days`` its step falls on the kit's own 15-day band edge, so of the four it is the nearest to the GLM's
  family (it differs in the hazard changing within a week, log-normal agencies and arrival waves).
* :func:`spike`: 1 up to the last ``spike_days`` days, then ``spike`` (8) on the deadline day and the days just
  before it, ``overdue`` (0.5) once overdue: a wall of completions the weekly exports see only as a blur.
* :func:`december`: :func:`piecewise`, and from ``push_from`` (5 Dec 2025) every completion hazard times
  ``december_push`` (3): a regime nothing before it shows. With one seed its exports up to 4 Dec are exactly
  :func:`piecewise`'s.
* :func:`exits`: :func:`piecewise` completion plus competing exits: deadline extensions (daily ``extend_rate``
  once within 21 days of the deadline or overdue; 2-6 months later) and reclassification as regular (daily
  ``reclassify_rate``), with a year-end surge from ``surge_from`` (15 Dec): completions times ``surge`` (2.5),
  extensions times ``extend_surge`` (3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .portfolio import draw_tasks
from .process import Dynamics, run
from .world import World, snapshot_dates, snapshot_frame

END_OF_DECEMBER = "2025-12-31"


def piecewise(
    seed: int,
    *,
    tasks: int = 1500,
    agencies: int = 48,
    base_rate: float = 0.0035,
    agency_sd: float = 0.6,
    push: float = 5.0,
    push_days: int = 14,
    overdue: float = 0.5,
) -> World:
    """Piecewise-constant deadline pull, no calendar effect (see the module docstring)."""
    dynamics = Dynamics(pull_edges=(0, push_days + 1), pull=(overdue, push, 1.0))
    return _world("piecewise", seed, locals(), dynamics)


def spike(
    seed: int,
    *,
    tasks: int = 1500,
    agencies: int = 48,
    base_rate: float = 0.004,
    agency_sd: float = 0.6,
    spike: float = 8.0,
    spike_days: int = 3,
    overdue: float = 0.5,
) -> World:
    """A sharp spike of ``spike`` times the far rate in the last ``spike_days`` days up to the deadline day."""
    dynamics = Dynamics(pull_edges=(0, spike_days), pull=(overdue, spike, 1.0))
    return _world("spike", seed, locals(), dynamics)


def december(
    seed: int,
    *,
    tasks: int = 1500,
    agencies: int = 48,
    base_rate: float = 0.0035,
    agency_sd: float = 0.6,
    push: float = 5.0,
    overdue: float = 0.5,
    december_push: float = 3.0,
    push_from: str = "2025-12-05",
) -> World:
    """:func:`piecewise` with every completion hazard times ``december_push`` from ``push_from`` on."""
    dynamics = Dynamics(
        pull_edges=(0, 15), pull=(overdue, push, 1.0), surges=((push_from, "2099-12-31", december_push),)
    )
    return _world("december", seed, locals(), dynamics)


def exits(
    seed: int,
    *,
    tasks: int = 1500,
    agencies: int = 48,
    base_rate: float = 0.0035,
    agency_sd: float = 0.6,
    push: float = 5.0,
    overdue: float = 0.5,
    extend_rate: float = 0.004,
    reclassify_rate: float = 0.0006,
    surge: float = 2.5,
    extend_surge: float = 3.0,
    surge_from: str = "2025-12-15",
) -> World:
    """:func:`piecewise` completion with extensions and reclassifications as competing exits and a year-end surge
    from ``surge_from`` to 31 Dec."""
    dynamics = Dynamics(
        pull_edges=(0, 15),
        pull=(overdue, push, 1.0),
        surges=((surge_from, END_OF_DECEMBER, surge),),
        extend_rate=extend_rate,
        extend_surges=((surge_from, END_OF_DECEMBER, extend_surge),),
        reclassify_rate=reclassify_rate,
    )
    return _world("exits", seed, locals(), dynamics)


FAMILIES: dict[str, Callable[..., World]] = {f.__name__: f for f in (piecewise, spike, december, exits)}


def _world(family: str, seed: int, settings: dict[str, Any], dynamics: Dynamics) -> World:
    """Draw the tasks, simulate them to the last snapshot, and write the snapshots."""
    settings = {k: v for k, v in settings.items() if k not in ("seed", "dynamics")}
    rng = np.random.default_rng([seed, 57])
    tasks = draw_tasks(rng, settings["tasks"], settings["agencies"], settings["agency_sd"], settings["base_rate"])
    dates = snapshot_dates()
    events = run(tasks, dynamics, rng, dates[-1].to_datetime64().astype("datetime64[D]"))
    return World(family, seed, settings, tasks, events, snapshot_frame(tasks, events, pd.DatetimeIndex(dates)))
