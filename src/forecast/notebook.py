"""What a report notebook calls: validate its ``parameters`` cell, get the run's shared forecast, show the banner,
save a download. (The notebook helpers; the report runner is :mod:`forecast.report`.)

Notebooks stay thin: no logic in cells beyond calling the kit. Every notebook starts with::

    use_offline_renderer()
    params = notebook_params(globals())
    snaps = load_snapshots(params.snapshots, params.status_labels)
    run = run_data(params, snaps, run_folder)     # the run's forecast, computed once per run
    banner(params, snaps)

Besides every params key (:data:`PARAMETER_NAMES`), ``forecast report`` injects :data:`RUNNER_PARAMETERS`:
``run_folder`` (where the run's data and downloads are; empty in JupyterLab, where the notebook computes them) and,
for the agency template, ``agency``.

A notebook imports from two places: the analysis API from ``forecast`` (``load_snapshots``, ``fit``,
``run_backtest``, ...) and everything a page shows from here (the helpers below, and the charts, tables, text and
downloads of :data:`_PAGE`, imported on first use).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from html import escape
from importlib import import_module
from typing import Any

from IPython.display import HTML

from forecast import paths
from forecast.config.params import Params, load_params
from forecast.data.question import SYNTHETIC_WARNING
from forecast.data.snapshots import Snapshots
from forecast.errors import ForecastError
from forecast.present.headline import headline, run_dates
from forecast.present.i18n import agency_name, day, ngettext, number, use  # noqa: F401 (for the notebooks)
from forecast.present.i18n import gettext as _
from forecast.present.rundata import DataFacts, RunData, for_notebook

PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(Params) if f.name != "source")
RUNNER_PARAMETERS = ("run_folder", "agency")

# Every notebook's `parameters` cell: this text, the same in each (tests/test_notebook.py keeps it so), plus
# AGENCY_PARAMETER in the agency template. `forecast report` injects `overrides` (the run's validated params) and
# `run_folder`; in JupyterLab an analyst names a params file or overrides a key.
PARAMETERS_CELL = """\
# Parameters. `forecast report` sets them; in JupyterLab name a params file (relative to this notebook) and change
# any key with `overrides`, e.g. {"as_of": "2025-11-27", "sims": 2000}. None: the kit's params/baseline.yaml on
# the bundled SYNTHETIC sample. Every key and its meaning: params/baseline.yaml, or `forecast params`.
params_file: str = None  # a params YAML file; None: the kit's params/baseline.yaml
overrides: dict = {}  # params keys to change, e.g. {"model": "hazard"}
run_folder: str = ""  # set by forecast report: the run folder holding the run's forecast; "": compute it here"""
AGENCY_PARAMETER = 'agency: str = "Ministry of Finance"  # the agency this page is about'


def notebook_params(namespace: Mapping[str, Any]) -> Params:
    """Validate the notebook's parameters (:data:`PARAMETERS_CELL`): ``params_file`` (None: the kit's
    params/baseline.yaml) with ``overrides`` in place of its values (a report run's name every key); a notebook
    of an earlier kit that declares the params keys one by one (:data:`PARAMETER_NAMES`) is read as overrides.

    Papermill injects dates as ISO strings, JupyterLab users may type dates or strings; both are accepted.
    Relative paths resolve against the working directory, which is the notebook's folder in JupyterLab and in
    ``forecast report``. A parameter left at None takes the kit's default, as on the command line: the bundled
    sample and published figures wherever the notebook is, and (``scenarios``) the kit's example scenarios. From
    here on the kit's own errors (a folder that is not there, a bad value) show as one line, not a traceback.
    """
    _one_line_errors()
    values = dict(namespace.get("overrides") or {}) or {n: namespace[n] for n in PARAMETER_NAMES if n in namespace}
    if "scenarios" in values and values["scenarios"] is None:
        values["scenarios"] = [str(p) for p in sorted(paths.SCENARIOS_DIR.glob("*.yaml"))]
    params = load_params(namespace.get("params_file") or paths.PARAMS_DIR / "baseline.yaml", values)
    use(params.language)  # this kernel's words, numbers and dates
    return params


def _one_line_errors() -> None:
    """In an IPython kernel, show a :class:`~forecast.errors.ForecastError` as the command line does: one line
    saying what to fix. The cell still fails (a report run marks the page failed)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def one_line(shell, etype, value, tb, tb_offset=None) -> list[str]:
        lines = [f"forecast: error: {value}"]
        shell._showtraceback(etype, value, lines)
        return lines

    shell.set_custom_exc((ForecastError,), one_line)


def run_data(params: Params, snaps: Snapshots | None = None, run_folder: str = "") -> RunData:
    """The run's forecast: the one ``forecast report`` computed for this run (``run_folder``), or computed here."""
    return for_notebook(params, snaps, run_folder)


def banner(params: Params, data: Snapshots | RunData) -> HTML:
    """A header naming the scenario, dates and data, a red SYNTHETIC warning when the data is the sample, and a
    collapsed "About this run" box with what a reader does not need but an analyst may (the data's folder and
    fingerprint, the model, its runs and seed, the kit's version). ``data``: the snapshots, or the run's data (an
    agency page, which loads no snapshots)."""
    from forecast import __version__

    if isinstance(data, RunData):
        facts, as_of, deadline = data.facts, data.question.as_of.date(), data.question.deadline.date()
    else:
        facts, (as_of, deadline) = DataFacts.of(data), run_dates(params, data)
    text = _(
        "Scenario <b>{scenario}</b> · data as of {as_of} · deadline {deadline} · {files} snapshots, {first} – {last}"
    ).format(
        scenario=escape(_(params.scenario)),
        as_of=day(as_of),
        deadline=day(deadline),
        files=number(facts.files),
        first=day(facts.first),
        last=day(facts.last),
    )
    about = {
        _("data folder"): facts.source,
        _("data fingerprint"): facts.fingerprint,
        _("forecast model"): _(params.model),
        _("simulation runs"): _("{sims} (seed {seed})").format(sims=number(params.sims), seed=params.seed),
        _("kit"): f"forecast {__version__}",
    }
    rows = "".join(f"<tr><th>{escape(k)}</th><td><code>{escape(v)}</code></td></tr>" for k, v in about.items())
    about_run = escape(_("About this run"))
    details = (
        f'<details style="font-size:13px;color:#555"><summary>{about_run}</summary>'
        f'<table class="kit-table">{rows}</table></details>'
    )
    synthetic = _(SYNTHETIC_WARNING)
    warning = (
        '<div style="background:#b71c1c;color:#fff;padding:10px 14px;font-size:1.2em;font-weight:bold;'
        f'border-radius:4px;margin-bottom:6px">{escape(synthetic)}</div>'
        if facts.synthetic
        else ""
    )
    return HTML(f'{warning}<div style="padding:6px 0">{text}</div>{details}')


def save_download(frame, name: str, run_folder: str, params: Params) -> HTML:
    """Write ``frame`` as the run's download ``name`` (:mod:`forecast.present.downloads`) and link it; in a notebook
    opened by hand (no ``run_folder``) nothing is written."""
    from forecast.present.downloads import write

    if not run_folder:
        return HTML(
            f"<p><i>{escape(name)} is written by <code>forecast report</code> (this notebook runs outside a "
            "report run, so nothing was written).</i></p>"
        )
    path = write(frame, run_folder, name, protected=[params.snapshots])
    link = f'<a href="{escape(path.name)}">{escape(path.name)}</a>'
    text = _("Download: {link} ({n} rows).").format(link=link, n=number(len(frame)))
    return HTML(f"<p>{text}</p>")


# What the report pages show, besides the helpers above: a notebook imports the analysis from ``forecast`` and
# everything else from here. module -> names (``None``: the module itself); each is imported on first use.
_PAGE: dict[str, tuple[str, ...] | None] = {
    "forecast.data.cache": ("open_cache",),
    "forecast.present.changes": None,
    "forecast.present.charts": (
        "agency_rates",
        "backtest_scores",
        "burnup",
        "calendar_effects",
        "deadline_effect",
        "model_comparison",
        "pace",
        "pit_chart",
        "published_vs_tasks",
        "reliability_chart",
        "survival_curves",
        "use_offline_renderer",
    ),
    "forecast.combine": ("by_as_of", "compare_models"),
    "forecast.data.published": ("load_published",),
    "forecast.scenarios.pooled": ("fit",),
    "forecast.evaluation.stacking": ("COMPONENTS", "earned_weights"),
    "forecast.present.explorer_view": ("explore",),
    "forecast.present.downloads": ("backtest_table",),
    "forecast.present.forecast_charts": (
        "agency_distribution",
        "agency_slips",
        "convergence",
        "exceedance",
        "fan",
        "scenario_agency_deltas",
        "scenario_differences",
        "scenario_distributions",
    ),
    "forecast.present.formatting": ("figures", "table"),
    "forecast.present.scenario_words": ("levers_table",),
    "forecast.data.history": ("build_history", "trajectory_warnings"),
    "forecast.present.prose": (
        "agency_sentence",
        "bias_sentence",
        "confidence_sentence",
        "default_targets",
        "headline_text",
        "saving_sentence",
        "december_sentence",
        "prior_sentence",
    ),
    "forecast.evaluation.published_scores": ("published_backtest",),
    "forecast.engine.simulate": ("SPLIT_DEFINITION", "still_open_path"),
    "forecast.present.tables": (
        "agency_status_counts",
        "agency_table",
        "at_risk",
        "confidence_levels",
        "kaplan_meier",
        "open_due_history",
        "overdue_tasks",
        "problems_table",
        "published_comparison",
        "reference_table",
        "regime_table",
        "split_table",
        "target_chances",
        "year_end_table",
    ),
}
_PAGE_NAMES = {name: module for module, names in _PAGE.items() for name in (names or (module.rsplit(".", 1)[1],))}


def __getattr__(name: str) -> Any:
    module = _PAGE_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'forecast.notebook' has no attribute {name!r}")
    loaded = import_module(module)
    value = loaded if module.endswith(f".{name}") else getattr(loaded, name)
    globals()[name] = value
    return value


__all__ = [  # noqa: PLE0604
    "PARAMETER_NAMES",
    "RUNNER_PARAMETERS",
    "banner",
    "headline",
    "notebook_params",
    "run_data",
    "run_dates",
    "save_download",
    *_PAGE_NAMES,
]
