"""Optional parts: `pip install forecast` is the library and CLI; a command that needs `forecast[report]` says so."""

import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest

from forecast import paths
from forecast.cli import main
from forecast.core.extras import EXTRAS

PARAMS = str(paths.PARAMS_DIR / "baseline.yaml")


def _normal(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


@pytest.mark.parametrize("module", EXTRAS["report"])
def test_forecast_report_without_the_report_extra_says_what_to_install(module, monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, module, None)  # what `import module` meets when it is not installed
    assert main(["report", "--params", PARAMS, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("forecast report: error: forecast report needs ") and module in err
    assert "install forecast[report]" in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_forecast_schedule_without_croniter_says_what_to_install(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "croniter", None)
    assert main(["schedule", "--params", PARAMS, "--cron", "0 6 * * MON", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "forecast schedule needs croniter, not installed: install forecast[report]" in err
    assert not (tmp_path / "out").exists()


def test_the_report_modules_are_the_report_extra_of_pyproject():
    project = tomllib.loads((paths.PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_normal(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in project["optional-dependencies"]["report"]}
    provided = packages_distributions()
    assert {_normal(provided[m][0]) for m in EXTRAS["report"]} == declared
    core = {_normal(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    assert not core & (declared | {"jupyterlab"})


BLOCK = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
from forecast.cli import main
sys.exit(main({argv!r}))
"""


def test_the_library_and_cli_run_without_the_report_and_lab_extras(tmp_path):
    blocked = {*EXTRAS["report"], "jupyterlab", "IPython", "jupyter_client"}
    code = BLOCK.format(blocked=blocked, argv=["predict", "--model", "throughput", "--sims", "200", "--json"])
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stdout.lstrip().startswith("{") and '"open_tasks": 472' in run.stdout
    code = BLOCK.format(blocked=blocked, argv=["report", "--params", PARAMS, "--out", str(tmp_path / "out")])
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode == 2 and "install forecast[report]" in run.stderr and "Traceback" not in run.stderr
