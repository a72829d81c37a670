"""Shared fixtures (helpers are in ``tests/helpers.py``).

Every test process keeps its cache of fitted models and backtest cutoffs in a temporary folder of its own
(``FORECAST_CACHE``, inherited by the CLI and notebook kernels the tests start), never in the project's ``.cache/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pandas as pd
import pytest

from forecast import sample


@pytest.fixture(scope="session", autouse=True)
def _own_cache():
    folder = tempfile.mkdtemp(prefix="forecast-test-cache-")
    os.environ["FORECAST_CACHE"] = folder
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    """A 200-task synthetic portfolio, weekly from September to 4 Dec 2025."""
    return sample.generate(tasks=200, seed=3, start="2025-09-04", until="2025-12-04")


@pytest.fixture(scope="session")
def sample_frame() -> pd.DataFrame:
    """The bundled sample's generator at its default settings, run on to 8 Jan 2026 (the synthetic truth)."""
    return sample.generate(until="2026-01-08")


@pytest.fixture(scope="session")
def bundled():
    """The bundled sample, loaded, with its forecast question at 4 Dec."""
    from forecast import load_snapshots, paths
    from forecast.question import ask

    snaps = load_snapshots(paths.SAMPLE_DIR)
    return snaps, ask(snaps)
