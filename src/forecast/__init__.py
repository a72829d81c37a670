"""forecast: how many Resolution 57 programme tasks will slip past their deadline, and who holds them.

Importing the package has no side effects and loads nothing heavy; each name below is imported on first use.
The main job::

    import forecast
    params = forecast.load_params("params/baseline.yaml")   # or forecast.Params(as_of=..., sims=...): validated
    result = forecast.forecast(params)                      # params.model's forecast of the open tasks (combined)
    print(result.summary(), result.by_agency().head())      # expected slips and interval; who holds them
    comparison = forecast.compare_scenarios(params)         # the params' scenarios beside it (same runs)

``load_snapshots`` reads and checks a folder of exports (pass the result as ``snaps`` to reuse it; it is then the
data every figure comes from), ``goal_seek`` finds the pace a target needs, ``run_backtest`` scores the models on
the history. The stages' own modules (``forecast.data``, ``forecast.models``, ...) hold the rest; a report
notebook's helpers are ``forecast.notebook``.
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
    "load_snapshots": "data.snapshots",
    "forecast": "combine",
    "compare_scenarios": "scenarios.compare",
    "goal_seek": "scenarios.goal",
    "run_backtest": "evaluation.backtest",
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
