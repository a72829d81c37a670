"""Bounds and the memory estimate of a simulation."""

import numpy as np
import pandas as pd
import pytest

from forecast.core import limits
from forecast.data.question import Provenance, Question
from forecast.engine.simulate import simulate
from forecast.errors import ForecastError


def test_the_estimate_counts_per_run_totals_per_agency_and_one_chunk():
    # 472 open tasks in 54 agencies, 10,000 runs: 55 x 10,000 x 8 bytes of counts, 3,776 of per-task counts and a
    # chunk of 4,000,000 task-runs (fewer than the 4,720,000 in all) at 16 bytes
    assert limits.simulation_bytes(472, 54, 10_000) == 55 * 10_000 * 8 + 472 * 8 + 4_000_000 * 16
    assert limits.simulation_bytes(100, 2, 50) == 3 * 50 * 8 + 100 * 8 + 100 * 50 * 16  # all runs in one chunk
    assert limits.simulation_bytes(10_000_000, 1, 10) == 2 * 10 * 8 + 80_000_000 + 10_000_000 * 16  # one run a chunk


def test_a_simulation_that_would_not_fit_is_refused_naming_the_limit():
    limits.check_simulation(472, 54, 1_000_000)  # the largest allowed run count fits on the bundled problem
    with pytest.raises(ForecastError, match=r"needs about 37\.3 GiB, more than the limit of 4 GiB"):
        limits.check_simulation(1000, 5000, 1_000_000)
    with pytest.raises(ForecastError, match="sims must be between 1 and 1,000,000"):
        limits.check_simulation(472, 54, 10**9)


class _Never:
    """A model whose sampler must not be reached: the simulation is refused before it draws."""

    name = "never"
    profile = np.zeros(3, dtype=int)

    def sampler(self, tasks, as_of, deadline, rate=None):
        return self

    def draw(self, rng, size):
        raise AssertionError("drew")


def _question(tasks):
    return Question(pd.Timestamp("2025-12-04"), pd.Timestamp("2025-12-31"), tasks, Provenance("test", False))


def test_simulate_checks_before_it_allocates():
    tasks = pd.DataFrame({"agency": [f"A{i}" for i in range(3)]}, index=["T1", "T2", "T3"])
    with pytest.raises(ForecastError, match="sims must be between"):
        simulate(_Never(), _question(tasks), 10**9, 1)
