"""Where things live, resolved once from the package's own location (never from the working directory).

What the CLI runs on by default ships inside the package, under ``forecast/bundled/``, and is found with
:mod:`importlib.resources`: the bundled synthetic sample, the reference class and the published figures
(``bundled/data``), the params and scenario files (``bundled/params``) and the report's notebooks
(``bundled/notebooks``). In a source checkout those three are symlinks to the project's ``data/``, ``params/`` and
``notebooks/``, resolved here, so every path below is the checkout's own; a wheel (``pip install .``) holds copies
(``[tool.setuptools.package-data]`` in pyproject.toml), so ``forecast predict`` runs on the sample from any folder.

Only a checkout has a project folder (``src/forecast`` inside it, beside ``pyproject.toml``): there reports go to its
``reports/`` and the cache to its ``.cache/``; an installed package writes reports to ``reports/`` in the working
folder and caches in the user's cache folder (``$XDG_CACHE_HOME/forecast``, else ``~/.cache/forecast``).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
CHECKOUT = PACKAGE_DIR == PROJECT_DIR / "src" / "forecast" and (PROJECT_DIR / "pyproject.toml").is_file()


def _bundled(name: str) -> Path:
    """``forecast/bundled/NAME`` as a real folder (through the checkout's symlink)."""
    return Path(str(files("forecast").joinpath("bundled", name))).resolve()


DATA_DIR = _bundled("data")
SAMPLE_DIR = DATA_DIR / "sample" / "synthetic-2025"
PUBLISHED_FIGURES = DATA_DIR / "published" / "figures.csv"
PARAMS_DIR = _bundled("params")
SCENARIOS_DIR = PARAMS_DIR / "scenarios"
NOTEBOOKS_DIR = _bundled("notebooks")
REPORTS_DIR = PROJECT_DIR / "reports" if CHECKOUT else Path("reports")
CACHE_DIR = (
    PROJECT_DIR / ".cache"
    if CHECKOUT
    else Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "forecast"
)
