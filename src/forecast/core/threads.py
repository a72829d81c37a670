"""One BLAS thread for the kit's numerical work.

The kit's matrices are small (a few hundred parameters; draws of a few thousand runs): one BLAS thread is fastest,
and on a busy machine several threads on too few cores are many times slower (the backtest ran 6-8x slower under
load with two). The Laplace fit, the simulation, the published-figures posterior and each backtest cutoff (in its own
worker process when the backtest runs on several) run inside :func:`one_thread`. Results do not depend on it.

A controller knows the libraries loaded when it was made, and making one takes a few milliseconds (it inspects the
process's loaded libraries), so each is made once: the one for every pool on first use (numpy's BLAS), the one for
OpenMP pools when the boosting model first asks, after scikit-learn (and its OpenMP runtime) is loaded.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

_CONTROLLERS: dict[str | None, ThreadpoolController] = {}  # by user_api: made once, on first use


def one_thread(user_api: str | None = None):
    """A context manager limiting the loaded pools to one thread (restored on exit): every BLAS and OpenMP pool, or
    only those of ``user_api`` (``"openmp"``, ``"blas"``)."""
    if user_api not in _CONTROLLERS:
        _CONTROLLERS[user_api] = ThreadpoolController()
    return _CONTROLLERS[user_api].limit(limits=1, user_api=user_api)
