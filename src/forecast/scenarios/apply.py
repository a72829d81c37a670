"""A scenario applied to a forecast question: the task rows, which are on, and the per-step rate multipliers.

**Order.** The levers that change the open set (``drop``, ``deadline_extension``, ``transfer``, ``new_tasks``) act
in file order, each on the open set the earlier ones left; the rate levers (``rate_multiplier``,
``holiday_slowdown``) then act on the final set, by each task's final agency, whatever their place in the file. So
a task transferred to Justice takes Justice's multiplier, and a new task of Finance takes Finance's.

**Rows, for common random numbers.** The open set keeps its rows and order; a dropped task, or one whose deadline
moves past the forecast deadline (it leaves the window), is switched off rather than removed, and new tasks are
appended at the end. The baseline is simulated on the same rows (new tasks switched off, every rate 1), so each
run draws the same luck for every task in both and their difference is the levers' effect, not noise.

**Rates.** Day k of the horizon is the calendar day ``as_of + k + 1`` (the forecast covers the days after the
as-of snapshot up to and including the deadline). Each lever multiplies a task's daily hazard on the days it
covers; multipliers of several levers multiply. A step of the model (``step_days`` long) gets the mean of its
days' multipliers, which is exact for a hazard constant within the step: its cumulative hazard is
``h * sum(days' multipliers)``. A new task arriving on day d has multiplier 0 before d (it is open from d on).

**Dates.** A ``from`` (or ``arrive``) after the forecast deadline is an error: such a lever could change nothing,
so it is most likely a typo. Dates before the forecast date are fine (the lever covers the whole horizon); a holiday
that ended before the forecast date changes nothing and gives a warning, so old scenario files keep working.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.question import Question
from forecast.data.schema import fold
from forecast.errors import ForecastError, ParamsError, Problem
from forecast.models.base import horizon_steps
from forecast.scenarios.lever_parts import Selection
from forecast.scenarios.levers import Scenario
from forecast.scenarios.rate_levers import HolidaySlowdown, RateMultiplier


@dataclass(frozen=True)
class Inputs:
    """One simulation's input: ``tasks`` rows, ``active`` (bool per row), ``rate`` (rows x model steps)."""

    tasks: pd.DataFrame
    active: np.ndarray
    rate: np.ndarray


@dataclass(frozen=True)
class Applied:
    """A scenario on a question: its inputs, the baseline's on the same rows, and warnings for the planner."""

    scenario: Scenario
    changed: Inputs
    baseline: Inputs
    warnings: tuple[Problem, ...]


class Names:
    """Agency (or source) names of the data, matched ignoring case, accents' encoding and extra spaces."""

    def __init__(self, known: Iterable[str], what: str):
        self.what = what
        self._by_key: dict[str, str] = {}
        for name in known:
            self.add(name)

    def add(self, name: str) -> None:
        self._by_key.setdefault(fold(name), name)

    def find(self, name: str) -> str | None:
        return self._by_key.get(fold(name))

    def resolve(self, name: str, key: str, file: str | None = None) -> str:
        """The data's spelling of ``name``; an error naming ``key`` and the closest names otherwise."""
        found = self.find(name)
        if found is None:
            raise ParamsError(key, f"{name!r} is not {self.what} in the snapshots{self.suggest(name)}", file=file)
        return found

    def suggest(self, name: str) -> str:
        k = fold(name)
        close = difflib.get_close_matches(k, self._by_key, n=3, cutoff=0.6)
        close += [c for c in self._by_key if k and k in c and c not in close]
        return f"; did you mean {', '.join(repr(self._by_key[c]) for c in close[:5])}?" if close else ""

    def split(self, text: str, key: str) -> tuple[str, ...]:
        """Names from a comma-separated list; a name holding commas ("Ministry of Culture, Sports and
        Tourism") is matched whole, longest first."""
        pieces = [p.strip() for p in text.split(",")]
        out, i = [], 0
        while i < len(pieces):
            for j in range(len(pieces), i, -1):
                found = self.find(", ".join(pieces[i:j]))
                if found:
                    out.append(found)
                    i = j
                    break
            else:
                if pieces[i]:
                    self.resolve(pieces[i], key)  # raises, with suggestions
                i += 1
        return tuple(dict.fromkeys(out))


def data_names(question: Question) -> tuple[Names, Names]:
    """Agencies and sources seen in the snapshots up to the as-of date."""
    if question.snapshots is None:
        raise ForecastError("scenarios and goal-seek need the snapshot exports, not the published figures alone")
    frame = question.snapshots.until(question.as_of).frame
    agencies = Names(sorted(frame["agency"].dropna().astype(str).unique()), "an agency")
    sources = Names(sorted(frame["source"].dropna().astype(str).unique()) if "source" in frame else (), "a source")
    return agencies, sources


def check_scenarios(params, snaps) -> None:
    """Each scenario file of ``params`` applied to the open set at the as-of date, nothing fitted or simulated: an
    agency or source the data does not have, a date after the deadline, found in seconds (a report does it before
    any page starts)."""
    from forecast.data.question import ask
    from forecast.scenarios.levers import load_scenario

    question = ask(snaps, params.as_of, params.deadline)
    for file in params.scenarios:
        Application(load_scenario(file), question, step_days=7).run()


def apply_scenario(scenario: Scenario, question: Question, step_days: int) -> Applied:
    """The scenario's levers on ``question``'s open set; the model's steps are ``step_days`` long."""
    return Application(scenario, question, step_days).run()


def uniform_rate(n: int, steps: int, rows: np.ndarray, multiplier: float) -> np.ndarray:
    """Rate matrix (n x steps): ``multiplier`` on ``rows`` (bool), 1 elsewhere, over the whole horizon."""
    return np.repeat(np.where(rows, multiplier, 1.0)[:, None], steps, axis=1)


def base_frame(tasks: pd.DataFrame) -> pd.DataFrame:
    """The open set with plain-text agency, source and status, so levers can write any value into them."""
    out = tasks.copy()
    for col in ("agency", "source", "status"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


class Application:
    """The shared machinery of applying a scenario: the rows (the open set, then new tasks), which are on, when new
    ones arrive, the rate levers kept for the end, and warnings. Each lever's ``apply`` acts on it, in file order."""

    def __init__(self, scenario: Scenario, question: Question, step_days: int):
        self.scenario, self.question, self.step_days = scenario, question, step_days
        self.file = str(scenario.file) if scenario.file else None
        self.agencies, self.sources = data_names(question)
        self.as_of, self.deadline = question.as_of.date(), question.deadline.date()
        self.horizon_days = max((self.deadline - self.as_of).days, 0)
        self.tasks = base_frame(question.tasks)
        self.n_open = len(self.tasks)
        self.active = np.ones(self.n_open, dtype=bool)
        self.arrive = np.full(self.n_open, np.datetime64("NaT"), dtype="datetime64[D]")
        self.rate_levers: list[RateMultiplier | HolidaySlowdown] = []
        self.warnings: list[Problem] = []

    def error(self, key: str, message: str) -> ParamsError:
        return ParamsError(key, message, file=self.file)

    def warn(self, template: str, **parts: Any) -> None:
        """A warning for the planner: ``template`` (a catalogue message) with its ``parts``. Its message is the
        commands' English, a selection as it says itself and agencies (a tuple) joined by "and"; a page writes it in
        its own language (:func:`forecast.present.scenario_words.warning_words`)."""
        words = {
            k: v.describe() if isinstance(v, Selection) else " and ".join(v) if isinstance(v, tuple) else v
            for k, v in parts.items()
        }
        self.warnings.append(Problem(template.format(**words), severity="warning", template=template, parts=parts))

    def run(self) -> Applied:
        for lever in self.scenario.levers:
            lever.apply(self)
        rate = self.rates()
        base_active = np.zeros(len(self.tasks), dtype=bool)
        base_active[: self.n_open] = True
        baseline = pd.concat([base_frame(self.question.tasks), self.tasks.iloc[self.n_open :]])
        return Applied(
            self.scenario,
            Inputs(self.tasks, self.active, rate),
            Inputs(baseline, base_active, np.ones_like(rate)),
            tuple(self.warnings),
        )

    def day(self, when: date) -> int:
        """Index of the first horizon day on or after ``when`` (0 .. horizon length)."""
        return int(np.clip((when - self.as_of).days - 1, 0, self.horizon_days))

    def not_after_deadline(self, key: str, when: date) -> None:
        if when > self.deadline:
            raise self.error(
                key,
                f"{when} is after the forecast deadline {self.deadline}, so this lever changes "
                "nothing (a typo in the year?)",
            )

    def write(self, rows: np.ndarray, column: str, values: object) -> None:
        """``values`` into ``column`` of the rows at positions ``rows``."""
        self.tasks.iloc[rows, self.tasks.columns.get_loc(column)] = values

    def append(self, new: pd.DataFrame, arrive: np.datetime64) -> None:
        """New task rows at the end, on, arriving on day ``arrive`` (NaT: open from the forecast date)."""
        self.tasks = pd.concat([self.tasks, new.reindex(columns=self.tasks.columns)])
        self.active = np.append(self.active, np.ones(len(new), dtype=bool))
        self.arrive = np.append(self.arrive, np.full(len(new), arrive, dtype="datetime64[D]"))

    def target_agency(self, name: str, new_agency: bool, key: str) -> str:
        """The data's spelling of agency ``name``; with ``new_agency``, a name the data must not have, added."""
        if new_agency:
            if self.agencies.find(name):
                raise self.error(key, f"{name!r} is an agency in the snapshots; drop `new_agency: true`")
            self.agencies.add(name)
            return name
        return self.agencies.resolve(name, key, self.file)

    def rates(self) -> np.ndarray:
        """(rows x steps) multipliers: per-day products of the rate levers, averaged over each model step."""
        _, days = horizon_steps(self.question.as_of, self.question.deadline, self.step_days)
        n, total = len(self.tasks), int(days.sum())
        step_starts = np.concatenate([[0], np.cumsum(days)[:-1]]).astype(int) if len(days) else np.zeros(0, int)
        spans = [(lever, *lever.span(self)) for lever in self.rate_levers]
        cuts = {*step_starts.tolist(), total, *(d for _, first, last in spans for d in (first, last))}
        arrival = {i: self.day(pd.Timestamp(a).date()) for i, a in enumerate(self.arrive) if not np.isnat(a)}
        cuts |= set(arrival.values())
        bounds = np.array(sorted(c for c in cuts if 0 <= c <= total))
        lo, hi = bounds[:-1], bounds[1:]
        factor = np.ones((n, len(lo)))
        for lever, first, last in spans:
            cols = (lo >= first) & (hi <= last)
            rows = lever.rows(self)
            factor[np.ix_(rows, cols) if rows is not None else (slice(None), cols)] *= lever.multiplier
        for row, day in arrival.items():
            factor[row, hi <= day] = 0.0
        if total == 0:
            return np.ones((n, 0))
        weighted = factor * (hi - lo)[None, :]
        return np.add.reduceat(weighted, np.searchsorted(bounds, step_starts), axis=1) / days[None, :]
