"""Where things live, resolved once from the package's own location (never from the working directory).

In a source checkout (``pip install -e .``) the project root holds ``data/``, ``params/`` and ``notebooks/``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = PROJECT_DIR / "data"
SAMPLE_DIR = DATA_DIR / "sample" / "synthetic-2025"
PUBLISHED_FIGURES = DATA_DIR / "published" / "figures.csv"
PARAMS_DIR = PROJECT_DIR / "params"
SCENARIOS_DIR = PARAMS_DIR / "scenarios"
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
REPORTS_DIR = PROJECT_DIR / "reports"
