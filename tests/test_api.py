"""The package's faces: a light import, a handful of public names that are what they say, and the structure rules
(nothing below imports upward; validating a scenario loads no model)."""

import importlib
import pkgutil
import subprocess
import sys
import types

import pytest

import forecast


def test_every_public_name_is_the_function_or_class_even_after_every_submodule_is_imported():
    for info in pkgutil.walk_packages(forecast.__path__, "forecast."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    for name in forecast.__all__:
        value = getattr(forecast, name)
        assert not isinstance(value, types.ModuleType), name
    assert callable(forecast.forecast) and callable(forecast.load_snapshots) and callable(forecast.run_backtest)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.slow
def test_light_imports_load_no_statsmodels():
    for statement in (
        "import forecast",
        "import forecast.engine.simulate",
        "import forecast.scenarios.levers",
        "import forecast.data.question",
        "import forecast.config.params",
    ):
        loaded = _loaded_after(statement)
        assert not any(m == "statsmodels" or m.startswith("statsmodels.") for m in loaded), statement


@pytest.mark.slow
def test_a_report_run_starts_without_nbconvert():
    """The report's parent and its runner import nbconvert only when a page is rendered (0.3 s each, before the
    first page could run)."""
    loaded = _loaded_after("import forecast.report.run, forecast.report.execute")
    assert "nbconvert" not in loaded
    assert "nbconvert" in _loaded_after("from forecast.report.html import exporter; exporter()")
