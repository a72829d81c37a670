"""The planner's explorer, without its widgets: lever settings -> a scenario -> the numbers ``forecast scenario`` gives.

:class:`Levers` holds what the explorer's controls say (one field per control); :meth:`Levers.scenario` turns it
into a scenario file's mapping (``name``, ``description``, ``levers``: :mod:`forecast.scenarios.levers`), and
:class:`Explorer` fits the model once and answers each setting with a :class:`~forecast.scenarios.compare.
ScenarioResult`: the same scenario, the same params (model, runs, seed), the same common random numbers and so the
same numbers as ``forecast scenario FILE --json`` (:func:`~forecast.scenarios.compare.compare` does the same steps;
tests/test_explorer.py checks the two agree).

**Fast lever changes.** A lever moves only the scenario multipliers and the rows; the hazard model's draws of each
run (its parameters, pace, December, agency effects) depend on neither, and each covariate path's hazards depend
only on those draws and the path. The explorer wraps the hazard model (:mod:`forecast.scenarios.reuse`) so the runs
are drawn once, each path's hazards computed once (a deadline move computes only the moved tasks' new paths), and the
uniforms of as many rows kept (:class:`forecast.engine.simulate.Luck`); only the multipliers and the comparisons are
redone. The random numbers are the same ones, so the numbers are ``forecast scenario``'s to the last digit.

:meth:`Explorer.save` writes the setting as a scenario file that ``forecast scenario --check`` accepts; it never
overwrites a file the explorer did not write.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from forecast import paths
from forecast.config.params import Params, load_params
from forecast.data.question import Question
from forecast.data.schema import IN_PROGRESS, OVERDUE
from forecast.data.snapshots import Snapshots, load_snapshots
from forecast.engine.simulate import SlipForecast
from forecast.errors import ForecastError, Problem
from forecast.present.i18n import gettext as _
from forecast.scenarios.apply import Inputs, apply_scenario
from forecast.scenarios.compare import (
    Comparison,
    ScenarioResult,
    agency_effects,
    baseline_inputs,
    run_inputs,
    same_inputs,
    step_days,
)
from forecast.scenarios.levers import Scenario, load_scenario, parse_scenario
from forecast.scenarios.pooled import LeverModel, fit
from forecast.scenarios.reuse import reusing

MARK = "# Written by the forecast explorer (notebooks/06_explorer.ipynb)"
DEFAULT_NAME = "Explorer scenario"
STATUS_WORDS = {None: "all open tasks", OVERDUE: "overdue tasks", IN_PROGRESS: "tasks in progress"}


@dataclass
class Levers:
    """What the explorer's controls say. A control at its neutral value (a pace of 1, 0 days, 0 tasks) adds no
    lever; ``None`` for an agency or status means every one."""

    pace_all: float = 1.0  # every agency's pace x
    pace: dict[str, float] = field(default_factory=dict)  # agency -> pace x (1 = unchanged)
    pace_from: date | None = None  # the pace levers' first day (None: from the forecast date)
    deadline_days: int = 0  # move deadlines by this many days
    deadline_status: str | None = OVERDUE
    deadline_agency: str | None = None
    deadline_count: int = 0  # the N earliest-due selected tasks; 0: every selected task
    drop_count: int = 0  # drop the N earliest-due selected tasks (0: no drop)
    drop_status: str | None = OVERDUE
    drop_agency: str | None = None
    new_count: int = 0  # new tasks (0: none)
    new_agency: str | None = None
    new_deadline: date | None = None  # None: the forecast deadline
    new_arrive: date | None = None  # None: open from the forecast date
    holiday: float = 1.0  # every agency's pace x on the holiday days (1: no slowdown)
    holiday_from: date | None = None
    holiday_to: date | None = None

    def levers(self, deadline: date | None = None) -> list[dict[str, Any]]:
        """The scenario file's ``levers:`` list for this setting (empty at the baseline). ``deadline``: the
        forecast deadline, the new tasks' default deadline."""
        out: list[dict[str, Any]] = []
        start = {"from": self.pace_from} if self.pace_from else {}
        if self.deadline_days > 0:
            out.append(
                {
                    "lever": "deadline_extension",
                    **_selectors(self.deadline_agency, self.deadline_status, self.deadline_count),
                    "by_days": int(self.deadline_days),
                }
            )
        if self.drop_count > 0:
            out.append({"lever": "drop", **_selectors(self.drop_agency, self.drop_status, self.drop_count)})
        if self.new_count > 0:
            due = self.new_deadline or deadline
            if self.new_agency is None or due is None:
                raise ForecastError(_("new tasks need an agency and a deadline"))
            new: dict[str, Any] = {"lever": "new_tasks", "count": int(self.new_count), "agency": self.new_agency}
            new["deadline"] = due
            if self.new_arrive:
                new["arrive"] = self.new_arrive
            out.append(new)
        if _moved(self.pace_all):
            out.append({"lever": "rate_multiplier", "agency": "all", "multiplier": _x(self.pace_all), **start})
        for agency, value in sorted(self.pace.items()):
            if _moved(value):
                out.append({"lever": "rate_multiplier", "agency": agency, "multiplier": _x(value), **start})
        if _moved(self.holiday):
            if self.holiday_from is None or self.holiday_to is None:
                raise ForecastError(_("a holiday slowdown needs its first and last day"))
            out.append(
                {"lever": "holiday_slowdown", "multiplier": _x(self.holiday), "from": self.holiday_from,
                 "to": self.holiday_to}
            )  # fmt: skip
        return out

    def scenario(self, name: str = DEFAULT_NAME, description: str = "", deadline: date | None = None) -> dict:
        """The scenario file's mapping: ``name``, ``description`` (when given) and ``levers``."""
        out: dict[str, Any] = {"name": name.strip() or DEFAULT_NAME}
        if description.strip():
            out["description"] = " ".join(description.split())
        out["levers"] = self.levers(deadline)
        return out


def _selectors(agency: str | None, status: str | None, count: int) -> dict[str, Any]:
    out: dict[str, Any] = {"agency": agency or "all"}
    if status:
        out["status"] = status
    if count > 0:
        out["count"] = int(count)
    return out


def _x(value: float) -> float:
    """A multiplier as the controls show it (two decimals), so the saved file says what the planner saw."""
    return round(float(value), 2)


def _moved(value: float) -> bool:
    return _x(value) != 1.0


@dataclass(frozen=True)
class Outcome:
    """One setting's answer: the scenario (None at the baseline), its result beside its baseline, and how long it
    took (seconds, from the setting to the numbers)."""

    scenario: Scenario | None
    result: ScenarioResult | None
    baseline: SlipForecast
    seconds: float
    _table: list[pd.DataFrame] = field(default_factory=list, compare=False, repr=False)  # agency_table, once

    @property
    def forecast(self) -> SlipForecast:
        """The forecast with the levers (the baseline's when there are none)."""
        return self.result.forecast if self.result is not None else self.baseline

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.result.warnings if self.result is not None else ()

    def headline(self) -> dict[str, Any]:
        """Open tasks, expected slips and their 80 % interval, and the paired difference from the baseline (mean and
        80 % interval of the per-run difference), as ``forecast scenario --json`` rounds them."""
        lo, hi = self.forecast.interval(0.8)
        diff = self.result.difference_summary() if self.result is not None else {"mean": 0.0, "p10": 0, "p90": 0}
        return {
            "open_tasks": len(self.forecast.tasks),
            "mean": round(float(self.forecast.totals.mean()), 2),
            "p10": lo,
            "p90": hi,
            "difference": diff,
        }

    def comparison(self) -> Comparison:
        """A one-scenario :class:`~forecast.scenarios.compare.Comparison` (the report's scenario charts take it)."""
        return Comparison(self.baseline, (self.result,) if self.result is not None else ())

    def agency_table(self) -> pd.DataFrame:
        """Every agency with open tasks in the baseline or the scenario: open tasks, expected slips without and with
        the levers, and the mean and 80 % interval of the per-run difference; most baseline slips first (so rows
        stay put as a lever moves)."""
        if not self._table:
            base = self.result.baseline if self.result is not None else self.baseline
            frame, _ = agency_effects(base, self.forecast)
            frame = frame.drop(columns="open_baseline").rename(columns={"open_scenario": "open"})
            self._table.append(
                frame.sort_values(["slip_baseline", "agency"], ascending=[False, True], ignore_index=True)
            )
        return self._table[0].copy()


class Explorer:
    """The fitted model of ``params`` kept in memory, answering lever settings (:meth:`evaluate`) with the numbers
    ``forecast scenario`` gives for the same scenario file and params."""

    def __init__(self, params: Params, snaps: Snapshots | None = None):
        self.params = params
        snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
        question, model = fit(params, snaps)
        self.question: Question = question
        self.model: LeverModel = reusing(model, params.sims)
        self.step_days = step_days(self.model)
        self._runs: list[tuple[Inputs, SlipForecast]] = []
        self.baseline = self._run(baseline_inputs(question, self.model))
        tasks = question.tasks
        counts = tasks.groupby(tasks["agency"].astype(str)).size()
        self.agencies: tuple[str, ...] = tuple(counts.sort_values(ascending=False, kind="stable").index)
        self.open_counts = {a: int(n) for a, n in counts.items()}
        self.status_counts = {s: int((tasks["status"] == s).sum()) for s in (OVERDUE, IN_PROGRESS)}

    @classmethod
    def from_file(cls, params_file: str | Path | None = None, sims: int | None = None) -> Explorer:
        """The explorer of a params file (default: the kit's ``params/baseline.yaml``), ``sims`` runs if given."""
        file = Path(params_file) if params_file else paths.PARAMS_DIR / "baseline.yaml"
        return cls(load_params(file, {"sims": sims} if sims else None))

    @property
    def as_of(self) -> date:
        return self.question.as_of.date()

    @property
    def deadline(self) -> date:
        return self.question.deadline.date()

    def scenario(self, levers: Levers, name: str = DEFAULT_NAME, description: str = "") -> dict:
        """The scenario file's mapping for ``levers`` (new tasks due the forecast deadline unless set)."""
        return levers.scenario(name, description, self.deadline)

    def evaluate(self, levers: Levers | Mapping) -> Outcome:
        """The numbers for a setting (or a scenario file's mapping): as ``forecast scenario`` computes them, the
        scenario beside its baseline on the same rows and runs (:func:`forecast.scenarios.compare.compare`)."""
        start = time.perf_counter()
        data = self.scenario(levers) if isinstance(levers, Levers) else levers
        if not data.get("levers"):
            return Outcome(None, None, self.baseline, time.perf_counter() - start)
        scenario = parse_scenario(data)
        applied = apply_scenario(scenario, self.question, self.step_days)
        changed = self._run(applied.changed)
        result = ScenarioResult(scenario, changed, self._run(applied.baseline), applied.warnings)
        return Outcome(scenario, result, self.baseline, time.perf_counter() - start)

    def _run(self, inputs: Inputs) -> SlipForecast:
        """``run_inputs``, reusing the result of an identical input (the baseline, mostly), as ``compare`` does."""
        for seen, result in self._runs:
            if same_inputs(seen, inputs):
                return result
        result = run_inputs(self.model, self.question, inputs, self.params)
        self._runs = [*self._runs[:1], *self._runs[1:][-3:], (inputs, result)]  # the first is the baseline's
        return result

    def save(
        self, levers: Levers, name: str, description: str = "", folder: str | Path | None = None
    ) -> tuple[Path, dict]:
        """Write the setting as a scenario file in ``folder`` (default: the kit's ``params/scenarios/``), named after
        the scenario; returns the path and the mapping written. A file of that name that the explorer did not write
        is never overwritten: :class:`~forecast.errors.ForecastError` says to choose another name."""
        data = self.scenario(levers, name, description)
        if not data["levers"]:
            raise ForecastError(_("nothing to save: every lever is at its baseline value; move one first"))
        parse_scenario(data)  # a setting the file format refuses is not written
        folder = Path(folder) if folder else paths.SCENARIOS_DIR
        path = folder / f"{slug(data['name'])}.yaml"
        if path.exists() and not written_by_explorer(path):
            raise ForecastError(
                _(
                    "{path} exists and was not written by the explorer; it is left as it is. Choose another name."
                ).format(path=path)
            )
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(scenario_yaml(data, self.params, path), encoding="utf-8")
        load_scenario(path)  # it reads back
        return path, data


def slug(name: str) -> str:
    """A file name for a scenario name: lower case letters, digits and underscores (accents dropped)."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:60] or "explorer_scenario"


def written_by_explorer(path: Path) -> bool:
    """Whether the file starts with the explorer's mark (:data:`MARK`)."""
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().startswith(MARK)
    except (OSError, UnicodeDecodeError):
        return False


def scenario_yaml(data: Mapping, params: Params, path: Path | None = None) -> str:
    """A scenario file's text: the explorer's mark, the command that gives its numbers, and the mapping as YAML."""
    file = _shown(path) if path else "FILE"
    source = f" --params {_shown(params.source)}" if params.source else ""
    header = (
        f"{MARK} on {datetime.now():%Y-%m-%d %H:%M}.\n"
        f"# Its numbers (model {params.model}, {params.sims:,} runs, seed {params.seed}):\n"
        f"#   forecast scenario {file}{source} --sims {params.sims} --seed {params.seed} --json\n"
        '# Format: README, "Scenario files".\n'
    )
    return header + yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100)


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(paths.PROJECT_DIR))
    except ValueError:
        return str(path)
