"""One BLAS thread for the kit's numerical work.

The kit's matrices are small (a few hundred parameters; draws of a few thousand runs): one BLAS thread is fastest,
and on a busy machine several threads on too few cores are many times slower (the backtest ran 6-8x slower under
load with two). The Laplace fit, the simulation, the published-figures posterior and each backtest cutoff (in its own
worker process when the backtest runs on several) run inside :func:`one_thread`. Results do not depend on it.

The controller knows the libraries loaded when it was made (numpy's BLAS): the boosting model limits scikit-learn's
OpenMP pool itself (``threadpool_limits``), since scikit-learn may be loaded later.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

_CONTROLLER: list[ThreadpoolController] = []  # inspecting the loaded libraries takes ~0.1 s: once, on first use


def one_thread():
    """A context manager limiting every loaded BLAS and OpenMP pool to one thread (restored on exit)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1)
