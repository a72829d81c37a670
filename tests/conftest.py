"""Shared fixtures (helpers are in ``tests/helpers.py``).

A test session keeps its cache of fitted models and backtest cutoffs in a temporary folder of its own
(``FORECAST_CACHE``), never in the project's ``.cache/``. The session's first process makes it before any worker
starts, so the pytest-xdist workers, and the CLI and notebook kernels the tests start, inherit it: a fit or a backtest
cutoff one worker computed is found by the other (entries are written atomically, :mod:`forecast.data.cache`). Tests
that count hits and misses use a cache folder of their own.

``make test`` runs the modules with report runs (kernels) and slow fits first (:func:`pytest_collection_modifyitems`,
with ``--no-loadscope-reorder``), so the two workers end together instead of one finishing a long module alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter, defaultdict

import pandas as pd
import pytest

from forecast import sample

_CACHE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ:  # the controller (or a run without xdist): workers inherit the folder
        config.stash[_CACHE] = os.environ["FORECAST_CACHE"] = tempfile.mkdtemp(prefix="forecast-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CACHE in config.stash:
        shutil.rmtree(config.stash[_CACHE], ignore_errors=True)


# Modules first by what they start: report runs (kernels, several seconds of CPU each), then slow fits; the rest after
_FIRST = ("report", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the modules by their heaviest marker (:data:`_FIRST`), then by how many of their tests carry it (most
    first), keeping the order of the tests in each module."""
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        rank = min((i for i, name in enumerate(_FIRST) if name in marks), default=len(_FIRST))
        counts[item.nodeid.split("::")[0]][rank] += 1
    weight = {module: (min(c), -c[min(c)]) for module, c in counts.items()}
    items.sort(key=lambda item: weight[item.nodeid.split("::")[0]])


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    """A 200-task synthetic portfolio, weekly from September to 4 Dec 2025."""
    return sample.generate(tasks=200, seed=3, start="2025-09-04", until="2025-12-04")


@pytest.fixture(scope="session")
def sample_frame() -> pd.DataFrame:
    """The bundled sample's generator run on to 8 Jan 2026 with December like the history (``december=1``: the
    synthetic truth of the process the models are fitted on; the default continuation draws a year-end push from the
    reference class, which ``tests/test_sample.py`` checks)."""
    return sample.generate(until="2026-01-08", december=1.0)


@pytest.fixture(scope="session")
def bundled():
    """The bundled sample, loaded, with its forecast question at 4 Dec."""
    from forecast import load_snapshots, paths
    from forecast.data.question import ask

    snaps = load_snapshots(paths.SAMPLE_DIR)
    return snaps, ask(snaps)


@pytest.fixture(scope="session")
def sample_backtest(bundled):
    """The full backtest on the bundled sample (every model, horizon 27, 500 runs per forecast), run once per test
    process into the process's cache (``FORECAST_CACHE``), where a CLI run with the same settings finds it."""
    from forecast.config.params import parse_params
    from forecast.data.cache import open_cache
    from forecast.evaluation.backtest import run_backtest

    snaps, _ = bundled
    return run_backtest(
        snaps, 27, sims=500, settings=parse_params({}).model_settings(), cache=open_cache(parse_params({}))
    )


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A test that writes in Vietnamese (forecast.present.i18n.use) leaves the process in English for the next."""
    yield
    from forecast.present import i18n

    i18n.use("en")
