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


@pytest.fixture(scope="session")
def sample_backtest(bundled):
    """The full backtest on the bundled sample (every model, horizon 27, 500 runs per forecast), run once per test
    process into the process's cache (``FORECAST_CACHE``), where a CLI run with the same settings finds it."""
    from forecast.backtest import run_backtest
    from forecast.cache import open_cache
    from forecast.params import parse_params

    snaps, _ = bundled
    return run_backtest(
        snaps, 27, sims=500, settings=parse_params({}).model_settings(), cache=open_cache(parse_params({}))
    )
