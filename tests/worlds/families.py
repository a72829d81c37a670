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
from .process import Dynamics, pull_multiplier, run
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


DECEMBER_FROM = "2025-12-05"


def additive_push(seed: int, *, push: float = 0.025, push_from: str = DECEMBER_FROM, **settings) -> World:
    """:func:`piecewise`, and from ``push_from`` the same added completion hazard ``push`` (per day) on every open
    task, whatever its own rate: a push that clears slow tasks as fast as quick ones."""
    dynamics = _piecewise_dynamics(settings, pushes=((push_from, END_OF_DECEMBER, push, "all"),))
    return _world("additive_push", seed, {**settings, "push": push, "push_from": push_from}, dynamics)


def overdue_surge(seed: int, *, surge: float = 10.0, surge_from: str = DECEMBER_FROM, **settings) -> World:
    """:func:`piecewise`, and from ``surge_from`` the overdue tasks' completion hazard times ``surge``; tasks not yet
    overdue as before: a backlog clearance and nothing else."""
    dynamics = _piecewise_dynamics(settings, class_surges=((surge_from, END_OF_DECEMBER, surge, "overdue"),))
    return _world("overdue_surge", seed, {**settings, "surge": surge, "surge_from": surge_from}, dynamics)


def carry_over_wave(seed: int, *, share: float = 0.35, on: str = "2025-12-10", **settings) -> World:
    """:func:`piecewise`, and on ``on`` (a review meeting) ``share`` of the open tasks due by the year end are carried
    over: their deadlines move into next year."""
    carry = ((on, on, float(-np.log1p(-share))),)
    dynamics = _piecewise_dynamics(settings, carry=carry)
    return _world("carry_over_wave", seed, {**settings, "share": share, "on": on}, dynamics)


def late_push(seed: int, *, december_push: float = 3.0, push_from: str = "2025-12-15", **settings) -> World:
    """:func:`piecewise` with every completion hazard times ``december_push`` from ``push_from``: a push that starts
    in the middle of December."""
    dynamics = _piecewise_dynamics(settings, surges=((push_from, END_OF_DECEMBER, december_push),))
    return _world("late_push", seed, {**settings, "december_push": december_push, "push_from": push_from}, dynamics)


def no_push(seed: int, **settings) -> World:
    """:func:`piecewise` through December: no year-end push at all."""
    return _world("no_push", seed, dict(settings), _piecewise_dynamics(settings))


def reference(seed: int, **settings) -> World:
    """:func:`piecewise` with a December drawn from the kit's year-end reference class
    (:func:`forecast.models.outside_view.fit_prior`, the rows of ``data/reference/``): with the prior's ``no_push``
    probability none; otherwise, from an onset day drawn from the prior's onset weeks, every completion hazard times
    the intensity that makes December ``M`` times the autumn's pace for a push from the prior's typical onset day,
    an added clearance on overdue tasks and tasks due by the year end (split by the drawn share), and on the onset
    day a carry-over wave (extensions into next year); the clearance is solved, with this world's own hazards, so
    that a push from the typical day leaves ``rho`` times the overdue count of the last snapshot before December
    still open at the year end. The world keeps the draw in ``settings["regime"]``."""
    from forecast.models.outside_view import fit_prior

    prior = fit_prior()
    rng = np.random.default_rng([seed, 58])
    regime: dict[str, float] = {"push": float(rng.random() >= prior.no_push)}
    draw = {k: float(v[0]) for k, v in prior.draw(rng, 1).items()}
    base = _piecewise_dynamics(settings, carry=(("2025-12-01", END_OF_DECEMBER, 0.0),))
    if not regime["push"]:
        return _world("reference", seed, {**settings, "regime": regime}, base)
    start = _world("reference", seed, dict(settings), base, until=np.datetime64("2025-11-27"))
    regime.update(draw)
    days = prior.onset_days(31)
    onset = np.datetime64("2025-12-01") + np.timedelta64(int(rng.choice(31, p=days)), "D")
    typical = np.datetime64("2025-12-01") + np.timedelta64(round(float(np.arange(31) @ days)), "D")
    days_after = int((np.datetime64(END_OF_DECEMBER) - typical).astype(int)) + 1  # a push's daily terms are scaled
    intensity = max(1.0 + (draw["multiplier"] - 1.0) * 31 / days_after, 0.0)  # to the typical onset, as the kit's
    wave = float(-np.log1p(-min(draw["carry_over"], 1 - 1e-9)))
    split = draw["overdue_split"]
    clearance = _solve_clearance(start, base, typical, intensity, split, wave, draw["backlog"])
    regime.update({"intensity": intensity, "clearance": clearance, "onset_day": str(onset)})
    first = str(onset)
    dynamics = _piecewise_dynamics(
        settings,
        surges=((first, END_OF_DECEMBER, intensity),),
        pushes=(
            (first, END_OF_DECEMBER, clearance * 2 * split, "overdue"),
            (first, END_OF_DECEMBER, clearance * 2 * (1 - split), "due"),
        ),
        carry=(("2025-12-01", END_OF_DECEMBER, 0.0), (first, first, wave)),
    )
    return _world("reference", seed, {**settings, "regime": regime}, dynamics)


def _solve_clearance(
    start: World, base: Dynamics, onset: np.datetime64, intensity: float, split: float, wave: float, rho: float
) -> float:
    """The added clearance per day whose expected count of the tasks open on 27 Nov (and due by 31 Dec) still open
    after 31 Dec is ``rho`` times the overdue tasks then, for a push from ``onset`` (its carry-over ``wave`` that
    day), with the world's own daily hazards."""
    when = np.datetime64("2025-11-27")
    snap = start.frame.loc[start.frame["snapshot_date"] == pd.Timestamp(when)]
    open_ = snap.loc[snap["status"].isin(["in_progress", "overdue"]) & (snap["deadline"] <= END_OF_DECEMBER)]
    target = rho * int((open_["status"] == "overdue").sum())
    tasks = start.tasks.set_index("task_id").loc[open_["task_id"]]
    deadline = open_["deadline"].to_numpy("datetime64[D]")
    H0, C = np.zeros(len(open_)), np.zeros(len(open_))
    for day in np.arange(when + 1, np.datetime64(END_OF_DECEMBER) + 1, dtype="datetime64[D]"):
        k = (deadline - day).astype(np.int64)
        h = tasks["rate"].to_numpy(float) * pull_multiplier(k, base.pull_edges, base.pull)
        if day >= onset:
            H0 += h * intensity + (wave if day == onset else 0.0)
            C += np.where(k < 0, 2 * split, 2 * (1 - split))
        else:
            H0 += h
    a = 0.0
    for _ in range(100):
        s = np.exp(-(H0 + a * C))
        f, slope = s.sum() - target, -(C * s).sum()
        if f <= 1e-6 or slope > -1e-12:
            break
        a = min(a - f / slope, 5.0)
    return a


FAMILIES: dict[str, Callable[..., World]] = {
    f.__name__: f
    for f in (
        piecewise,
        spike,
        december,
        exits,
        additive_push,
        overdue_surge,
        carry_over_wave,
        late_push,
        no_push,
        reference,
    )
}
DECEMBER_SHAPES = ("additive_push", "overdue_surge", "carry_over_wave", "late_push", "no_push")


def _piecewise_dynamics(settings: dict[str, Any], **december: Any) -> Dynamics:
    """:func:`piecewise`'s dynamics (its ``push`` and ``overdue`` from ``settings``) with December's additions."""
    return Dynamics(pull_edges=(0, 15), pull=(settings.get("overdue", 0.5), settings.get("pull", 5.0), 1.0), **december)


WORLD_DEFAULTS = {"tasks": 1500, "agencies": 48, "base_rate": 0.0035, "agency_sd": 0.6}


def _world(
    family: str, seed: int, settings: dict[str, Any], dynamics: Dynamics, until: np.datetime64 | None = None
) -> World:
    """Draw the tasks, simulate them to the last snapshot (or ``until``), and write the snapshots."""
    settings = {**WORLD_DEFAULTS, **{k: v for k, v in settings.items() if k not in ("seed", "dynamics")}}
    rng = np.random.default_rng([seed, 57])
    tasks = draw_tasks(rng, settings["tasks"], settings["agencies"], settings["agency_sd"], settings["base_rate"])
    dates = snapshot_dates()
    if until is not None:
        dates = dates[dates <= pd.Timestamp(until)]
    events = run(tasks, dynamics, rng, dates[-1].to_datetime64().astype("datetime64[D]"))
    return World(family, seed, settings, tasks, events, snapshot_frame(tasks, events, pd.DatetimeIndex(dates)))
