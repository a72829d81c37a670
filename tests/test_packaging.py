"""Package data (#26): the wheel holds what the CLI runs on by default (the bundled sample, the reference class, the
published figures, the params and scenarios, the notebooks, the index template), byte for byte as in the checkout, and
an installed wheel runs ``forecast predict`` on the sample from any folder, without the checkout."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from forecast import paths

pytestmark = pytest.mark.slow  # a wheel build, a venv and a forecast: about 20 s

ROOT = paths.PROJECT_DIR
SHIPPED = {  # the checkout's folder -> its place in the wheel, and the files that must be there
    "data/sample": ("forecast/bundled/data/sample", ["README.md", "synthetic-2025/README.md"]),
    "data/reference": ("forecast/bundled/data/reference", ["year_end.csv"]),
    "data/published": ("forecast/bundled/data/published", ["figures.csv"]),
    "params": ("forecast/bundled/params", ["baseline.yaml"]),
    "notebooks": ("forecast/bundled/notebooks", ["00_summary.ipynb", "templates/agency.ipynb"]),
}


def _source(tmp: Path) -> Path:
    """The parts of the checkout a wheel is built from, copied (symlinks kept) so the build writes nothing here."""
    src = tmp / "src-copy"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    for name in ("src", "data", "params", "notebooks"):
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    return src


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    out = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(_source(tmp)), "--no-deps", "--no-build-isolation", "-q", "-w", out],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("forecast-*.whl")
    return found


def test_the_wheel_holds_the_sample_reference_published_figures_params_and_notebooks_unchanged(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for folder, (inside, required) in SHIPPED.items():
            assert {f"{inside}/{name}" for name in required} <= names, folder
        snapshots = sorted((ROOT / "data/sample/synthetic-2025").glob("snapshot_*.csv"))
        assert len(snapshots) >= 40
        checked = [
            *snapshots,
            ROOT / "data/reference/year_end.csv",
            ROOT / "data/published/figures.csv",
            *sorted((ROOT / "params").rglob("*.yaml")),
            *sorted((ROOT / "notebooks").glob("*.ipynb")),
        ]
        for path in checked:
            folder = next(f for f in SHIPPED if path.relative_to(ROOT).as_posix().startswith(f + "/"))
            inside = f"{SHIPPED[folder][0]}/{path.relative_to(ROOT / folder).as_posix()}"
            assert z.read(inside) == path.read_bytes(), inside  # raw data ships byte for byte
        assert "forecast/report/templates/index.html.j2" in names
        assert not [n for n in names if "/bundled/" in n and (".ipynb_checkpoints" in n or n.endswith(".py"))]


def test_the_installed_wheel_runs_predict_on_the_bundled_sample_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # the dependencies (and pip) from this interpreter's environment, as plain path entries: a .pth line does not
    # process that folder's own .pth files, so the checkout's editable install cannot shadow the installed copy
    outer = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "outer-env.pth").write_text("\n".join(outer) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["FORECAST_CACHE"] = str(tmp_path / "cache")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], check=True, env=env, timeout=300
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [python, "-I", "-c", "import forecast, forecast.paths as p; print(forecast.__file__); print(p.SAMPLE_DIR)"],
        cwd=elsewhere,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    assert Path(where[0]).is_relative_to(site) and Path(where[1]).is_relative_to(site / "forecast" / "bundled")
    run = subprocess.run(
        [venv / "bin" / "forecast", "predict", "--json", "--sims", "500"],
        check=False,
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["as_of"] == "2025-12-04" and result["open_tasks"] == 472  # the bundled sample's last snapshot
    assert not (elsewhere / "reports").exists() and sorted(p.name for p in elsewhere.iterdir()) == []


def test_in_the_checkout_the_bundled_folders_are_the_projects_own():
    """forecast/bundled/ links to data/, params/ and notebooks/: the paths the kit shows and reads in a checkout are
    the project's, as before the data became package data."""
    assert paths.CHECKOUT and paths.PACKAGE_DIR == ROOT / "src" / "forecast"
    assert paths.SAMPLE_DIR == ROOT / "data" / "sample" / "synthetic-2025" and paths.SAMPLE_DIR.is_dir()
    assert paths.PUBLISHED_FIGURES == ROOT / "data" / "published" / "figures.csv"
    assert (paths.PARAMS_DIR, paths.NOTEBOOKS_DIR) == (ROOT / "params", ROOT / "notebooks")
    assert (paths.REPORTS_DIR, paths.CACHE_DIR) == (ROOT / "reports", ROOT / ".cache")
    for name in ("data", "params", "notebooks"):
        link = paths.PACKAGE_DIR / "bundled" / name
        assert link.is_symlink() and link.resolve() == ROOT / name
