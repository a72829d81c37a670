"""forecast: how many Resolution 57 programme tasks will slip past their deadline, and who holds them.

Importing the package has no side effects and loads nothing heavy; each name below is imported on first use.
The public API, in the order an analysis uses it::

    snaps = load_snapshots("exports/")            # every export, checked (DataError names file, row, column)
    params = load_params("params/baseline.yaml")  # or Params(as_of=..., sims=...), validated once
    question = ask(snaps, params.as_of, params.deadline)   # the open set and where the data came from
    result = forecast(params, snaps)              # params.model's forecast: the models pooled (combined) by default
    result = forecast(params, snaps, "hazard")    # one model: fit + simulate
    question, model = fit(params, snaps, "hazard")  # or the two steps: forecast.engine.simulate.simulate(...)
    backtest = run_backtest(snaps)                # which model to trust
    comparison = compare_scenarios(params, snaps=snaps)    # planner scenarios, common random numbers
    goal = goal_seek(params, target_slips=250)    # the pace a target needs
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from forecast.errors import DataError, ForecastError, ParamsError, ReportError

try:
    __version__ = version("forecast")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

# name -> module. A name must not be a submodule's name too: once the submodule is imported, Python sets the package
# attribute to the module (so `simulate` itself is imported from forecast.engine.simulate).
_LAZY = {
    "Params": "config.params",
    "load_params": "config.params",
    "Snapshots": "data.snapshots",
    "load_snapshots": "data.snapshots",
    "load_published": "data.published",
    "build_history": "data.history",
    "Question": "data.question",
    "ask": "data.question",
    "SlipForecast": "engine.simulate",
    "fit": "scenarios.pooled",
    "forecast": "combine",
    "combined_forecast": "combine",
    "compare_models": "combine",
    "run_backtest": "evaluation.backtest",
    "compare_scenarios": "scenarios.compare",
    "goal_seek": "scenarios.goal",
}

__all__ = ["DataError", "ForecastError", "ParamsError", "ReportError", "__version__", *_LAZY]  # noqa: PLE0604


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
