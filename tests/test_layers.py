"""The layers of pyproject's import-linter contract hold, and the contract would see an upward import or a cycle."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from forecast import paths

SRC = paths.PROJECT_DIR / "src" / "forecast"
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tmp_path: Path, plant: dict[str, str]) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the package with ``plant`` (module path -> line) appended to its modules."""
    copy = tmp_path / "src" / "forecast"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for module, line in plant.items():
        with open(copy / module, "a", encoding="utf-8") as f:
            f.write(f"\n{line}\n")
    shutil.copy(paths.PROJECT_DIR / "pyproject.toml", tmp_path / "pyproject.toml")
    return subprocess.run(
        [str(LINT), "--config", str(tmp_path / "pyproject.toml"), "--no-cache"],
        cwd=tmp_path,
        check=False,
        env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contract_covers_every_package_and_top_level_module():
    config = tomllib.loads((paths.PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    top = {f"forecast.{p.name}" for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    top |= {f"forecast.{p.stem}" for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert named == top, (sorted(top - named), sorted(named - top))


def test_the_copy_passes_as_it_is(tmp_path):
    result = _lint(tmp_path, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "said"),
    [
        ("data/schema.py", "from forecast.present import formatting", "forecast.data is not allowed to import"),
        ("models/hazard.py", "import forecast.scenarios.levers", "forecast.models is not allowed to import"),
        ("core/atomic.py", "from forecast.cli import app", "forecast.core is not allowed to import"),
        ("data/schema.py", "from forecast.data import history", "No cycles are allowed in forecast.data"),
    ],
)
def test_an_upward_import_or_a_cycle_breaks_the_contract(tmp_path, module, line, said):
    result = _lint(tmp_path, {module: line})
    assert result.returncode != 0
    assert said in result.stdout, result.stdout
