"""A report run's forecast, computed once and shared by every page of the run.

``forecast report`` computes one :class:`RunData` before its notebooks start (the fit, the simulation, the planner
scenarios and the twice-the-pace run), writes it into the run folder (:func:`save`, a
pickle only the kit writes and reads, in a folder only it writes to), and every notebook and agency page reads it
(:func:`for_notebook`), so no page refits the model and every page shows the same numbers. A notebook opened in
JupyterLab, without a run folder, computes it itself. (The seam for a fitted-model cache is :func:`compute`'s one
call of :func:`forecast.engine.predict.fit`.)

**Twice the pace.** The pages say what doubling an agency's completion pace would save: :data:`FASTER` times
every open task's hazard on every day from the as-of date to the deadline, simulated with the same runs as the
baseline (common random numbers), so the difference is the pace's effect, not noise. A task's drop in P(slip) is
the expected slips it alone would save; an agency's saving is the sum over its tasks (tasks do not interact), and
the total is what doubling every agency's pace saves. With a cumulative hazard H over the horizon the drop is
``E[exp(-H) - exp(-2H)]``, at most 0.25 (at P(slip) = 0.5): small both for tasks that will finish anyway and for
hopeless ones (a task long overdue with P(slip) 0.97 gains about 0.03), and largest where effort changes the
outcome. The summary's "where a faster pace pays" lists the agencies and the tasks with the largest savings.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import pickle
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.data.question import Question
from forecast.data.snapshots import Snapshots
from forecast.engine.simulate import SlipForecast
from forecast.present.headline import headline

if TYPE_CHECKING:
    from forecast.scenarios.pooled import LeverModel

FILE = ".run-data.pickle"  # in the run folder, beside the pages; removed when the run is published
FASTER = 2.0


@dataclass(frozen=True)
class DataFacts:
    """What a page's banner says about the data: its folder, files, first and last snapshot, fingerprint, and
    whether it is the SYNTHETIC sample."""

    source: str
    files: int
    first: pd.Timestamp
    last: pd.Timestamp
    fingerprint: str
    synthetic: bool

    @classmethod
    def of(cls, snaps: Snapshots) -> DataFacts:
        """The facts of the snapshots themselves (their folder too), so a banner names the data that was used."""
        dates = snaps.dates
        return cls(str(snaps.folder or ""), len(snaps.files), dates[0], dates[-1], snaps.fingerprint, snaps.synthetic)


@dataclass(frozen=True)
class RunData:
    """Everything the pages of one run show, computed once by :func:`compute`."""

    params: Params
    facts: DataFacts
    question: Question  # the open set, without the snapshots
    model: LeverModel
    forecast: SlipForecast  # params.model's forecast (the combined headline by default): every figure of the run
    faster: np.ndarray  # per open task (``forecast.tasks`` order): P(slip) at FASTER times the pace
    comparison: Any  # forecast.scenarios.compare.Comparison: the params' scenarios beside the baseline
    agencies: pd.DataFrame  # forecast.present.tables.agency_table at the as-of date
    agency_history: pd.DataFrame  # snapshot_date, agency, status, tasks: the open-set agencies' tasks over time
    headline: dict[str, Any]
    previous: dict[str, Any] | None = None  # the run.json of the run before this one (forecast.present.changes)
    rerun: dict[str, Any] | None = None  # the run.json of the earlier run on the same as-of date this one repeats

    @functools.cached_property
    def pages(self) -> dict[str, str]:
        """Agency -> its page's file name, for every agency of the open set."""
        return page_names(self.forecast.agencies)

    # The tables below are computed once per process and copied out: the agency pages share one RunData.
    def early_warning(self) -> pd.DataFrame:
        """Every open task, highest P(slip) first: agency, deadline, status, source, title, ``p_slip``,
        ``p_slip_at_twice_the_pace`` and ``points_saved`` (how much lower the second is, in percentage points; over
        100, the expected slips the task alone would save)."""
        return self._early_warning.copy()

    @functools.cached_property
    def _early_warning(self) -> pd.DataFrame:
        out = self.forecast.early_warning()
        faster = pd.Series(self.faster, index=self.forecast.tasks.index)
        out["p_slip_at_twice_the_pace"] = out[out.columns[0]].map(faster).to_numpy()
        out["points_saved"] = np.round((out["p_slip"] - out["p_slip_at_twice_the_pace"]) * 100, 2)
        out["deadline"] = pd.to_datetime(out["deadline"]).dt.date
        return out

    def where_action_pays(self, top: int = 10) -> pd.DataFrame:
        """The ``top`` tasks whose P(slip) twice the pace lowers most (``points_saved``): the tasks where a faster
        pace saves most."""
        tasks = self.early_warning()
        return tasks.sort_values(["points_saved", "deadline"], ascending=[False, True]).head(top)

    def by_agency(self) -> pd.DataFrame:
        """Per agency in the as-of snapshot: open tasks due by the deadline, expected slips (mean, P10/P50/P90),
        slips a doubled pace would save, its tasks by status and (hazard model) its pooled completion rate; most
        expected slips first."""
        return self._by_agency.copy()

    @functools.cached_property
    def _by_agency(self) -> pd.DataFrame:
        fc = self.forecast.by_agency().rename(columns={"open": "open_due"})
        saved = (self.forecast.tasks["p_slip"] - self.faster).groupby(self.forecast.tasks["agency"].astype(str)).sum()
        fc["slips_saved_at_twice_the_pace"] = fc["agency"].map(saved).fillna(0.0)
        status = self.agencies.drop(index="All agencies", errors="ignore").rename_axis("agency").reset_index()
        status = status.drop(columns=["due_by_deadline"])
        out = status.merge(fc, on="agency", how="outer")
        counts = ["open_due", "slip_p10", "slip_p50", "slip_p90", "tasks", "completed", "open", "overdue"]
        out[counts] = out[counts].fillna(0).astype("int64")
        out[["slip_mean", "slips_saved_at_twice_the_pace"]] = out[
            ["slip_mean", "slips_saved_at_twice_the_pace"]
        ].fillna(0.0)
        rates = getattr(self.model, "agency_table", None)
        if rates is not None:
            out = out.merge(rates()[["agency", "pooled_multiplier"]], on="agency", how="left")
        first = ["agency", "open_due", "slip_mean", "slip_p10", "slip_p50", "slip_p90", "slips_saved_at_twice_the_pace"]
        out = out[first + [c for c in out.columns if c not in first]]
        return out.sort_values(["slip_mean", "open_due", "agency"], ascending=[False, False, True], ignore_index=True)

    @functools.cached_property
    def scenario_effects(self) -> pd.DataFrame:
        """Per planner scenario and agency, what the scenario does to it
        (:func:`forecast.present.tables.scenario_effects`)."""
        from forecast.present.tables import scenario_effects

        return scenario_effects(self.comparison)

    def record(self) -> dict[str, Any]:
        """This run's figures in ``run.json``'s shape: ``{"headline": ..., "summary": ...}``."""
        return {"headline": self.headline, "summary": self.summary()}

    def summary(self) -> dict[str, Any]:
        """The figures ``run.json`` keeps beside the headline, for "what changed since the last run"
        (:mod:`forecast.present.changes`) and the index's trend: task counts, per-agency figures, each scenario's
        slips."""
        return copy.deepcopy(self._summary)

    @functools.cached_property
    def _summary(self) -> dict[str, Any]:
        total = self.agencies.loc["All agencies"] if "All agencies" in self.agencies.index else None
        agencies = self.by_agency()
        return {
            "tasks": {
                "assigned": int(total["tasks"]) if total is not None else 0,
                "completed": int(total["completed"]) if total is not None else 0,
                "open": int(total["open"]) if total is not None else 0,
                "overdue": int(total["overdue"]) if total is not None else 0,
                "open_due": len(self.forecast.tasks),
            },
            "slips_saved_at_twice_the_pace": round(float(agencies["slips_saved_at_twice_the_pace"].sum()), 1),
            "agencies": [
                {
                    "agency": r.agency,
                    "open_due": int(r.open_due),
                    "completed": int(r.completed),
                    "slip_mean": round(float(r.slip_mean), 1),
                    "slip_p10": int(r.slip_p10),
                    "slip_p90": int(r.slip_p90),
                }
                for r in agencies.itertuples()
            ],
            "scenarios": [
                {
                    "scenario": r.scenario,
                    "open_tasks": int(r.open_tasks),
                    "slip_mean": round(float(r.slip_mean), 1),
                    "slip_p10": int(r.slip_p10),
                    "slip_p90": int(r.slip_p90),
                    "difference": round(float(r.difference), 1),
                }
                for r in self.comparison.summary().iloc[1:].itertuples()
            ],
        }


def compute(
    params: Params,
    snaps: Snapshots,
    previous: Mapping[str, Any] | None = None,
    rerun: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> RunData:
    """Fit ``params.model`` once on the snapshots up to the as-of date (the combined headline by default:
    :mod:`forecast.scenarios.pooled`) and simulate the open set, then at twice the pace and the params' scenarios
    against it with the same runs: one forecast for every page. ``previous`` and ``rerun`` are the runs this one is
    compared with and repeats (:mod:`forecast.present.changes`); ``progress`` gets the name of each stage as it
    starts."""
    from forecast.data.history import build_history
    from forecast.engine.simulate import simulate
    from forecast.present.tables import agency_table
    from forecast.scenarios.compare import compare
    from forecast.scenarios.levers import load_scenario
    from forecast.scenarios.pooled import CombinedModel, fit

    combined = params.model == "combined"
    pooled = "the models, pooled (the stacking backtest from the cache where it can)"
    progress(pooled if combined else f"fitting the {params.model} model")
    question, model = fit(params, snaps)
    if isinstance(model, CombinedModel):
        result = model.forecast_
    else:
        progress(f"simulating {len(question.tasks):,} open tasks, {params.sims:,} runs")
        result = simulate(model, question, params.sims, params.seed)
    progress(f"{len(params.scenarios)} planner scenario(s)")
    comparison = compare(question, model, [load_scenario(f) for f in params.scenarios], params)
    as_of = question.as_of
    known = snaps.until(as_of).frame
    known = known.loc[known["agency"].astype(str).isin(result.agencies)]
    history = (
        known.assign(agency=known["agency"].astype(str), status=known["status"].astype(str))
        .groupby(["snapshot_date", "agency", "status"])
        .size()
        .rename("tasks")
        .reset_index()
    )
    progress("twice the pace, and the tables")
    return RunData(
        params=params,
        facts=DataFacts.of(snaps),
        question=dataclasses.replace(question, snapshots=None),
        model=model,
        forecast=result,
        faster=faster_pace(model, question, params, result),
        comparison=comparison,
        agencies=agency_table(build_history(snaps, as_of), question.deadline),
        agency_history=history,
        headline=headline(result),
        previous=dict(previous) if previous else None,
        rerun=dict(rerun) if rerun else None,
    )


def faster_pace(model: LeverModel, question: Question, params: Params, result: SlipForecast) -> np.ndarray:
    """Per task of ``result``: P(slip) when every open task completes :data:`FASTER` times as fast (the scenario
    :func:`forecast.scenarios.compare.faster_pace`, with the same runs as the baseline)."""
    from forecast.scenarios import compare

    fast = compare.run_scenario(question, model, compare.faster_pace(FASTER), params)
    return fast.tasks["p_slip"].reindex(result.tasks.index).to_numpy(float)


def page_names(agencies: Iterable[str]) -> dict[str, str]:
    """Agency -> ``agency_<slug>.html``: the name in lower-case ASCII (Vietnamese letters without their marks,
    đ as d), other characters as '-'; names that give the same slug get -2, -3 ... in name order."""
    pages: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(map(str, agencies))):
        plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
        slug = re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode().lower()).strip("-")[:60] or "agency"
        candidate, n = slug, 1
        while candidate in taken:
            n += 1
            candidate = f"{slug}-{n}"
        taken.add(candidate)
        pages[name] = f"agency_{candidate}.html"
    return pages


def save(data: RunData, folder: Path) -> Path:
    """Write ``data`` into the run ``folder`` (atomically) for the run's notebooks to read."""
    from forecast.core.atomic import replace_file

    return replace_file(Path(folder) / FILE, lambda tmp: tmp.write_bytes(pickle.dumps(data, protocol=5)))


def load(folder: str | Path) -> RunData:
    """The :class:`RunData` a report run saved in ``folder``; read once per process (agency pages share one)."""
    path = Path(folder) / FILE
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _load(path: str, _mtime_ns: int) -> RunData:
    with open(path, "rb") as fh:
        return pickle.load(fh)  # the kit's own file, in a run folder only the kit writes


def for_notebook(params: Params, snaps: Snapshots | None = None, run_folder: str | Path = "") -> RunData:
    """The run's data for a notebook: the one ``forecast report`` saved in ``run_folder`` (an error when it is not
    there: a page never refits silently), or (a notebook opened by hand, without a run) computed here from
    ``snaps`` (loaded from the params when not given), with no earlier run to compare with."""
    if run_folder:
        if not (Path(run_folder) / FILE).is_file():
            from forecast.errors import ReportError

            raise ReportError(
                f"{Path(run_folder) / FILE} is missing: the run's forecast was not written, or "
                "run_folder is not the run's folder (it must be absolute or relative to the notebook)"
            )
        return load(run_folder)
    if snaps is None:
        from forecast.data.snapshots import load_snapshots

        snaps = load_snapshots(params.snapshots, params.status_labels)
    return compute(params, snaps)
