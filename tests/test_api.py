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


@pytest.mark.slow
def test_the_main_job_is_the_docstrings_few_lines_from_import_forecast(monkeypatch, capsys):
    """The package docstring's example runs as written (with fewer runs): load, forecast, summarise, scenarios."""
    from forecast import paths

    block = forecast.__doc__.split("::", 1)[1].split("\n\n")[1]
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    assert 3 <= len(lines) <= 5 and lines[0] == "import forecast"
    code = "\n".join(lines).replace('"params/baseline.yaml")', '"params/baseline.yaml", {"sims": 300})')
    monkeypatch.chdir(paths.PROJECT_DIR)
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["result"].sims == 300 and len(namespace["result"].tasks) == 472
    assert [r.scenario.name for r in namespace["comparison"].results]  # the baseline's scenarios, compared
    assert "mean" in capsys.readouterr().out
