"""Independent test worlds: portfolios of families other than the kit's hazard GLM, and a harness that scores any
forecaster on them (issue #11, item 8).

``forecast.sample`` generates the bundled sample from the same hazard family the default model fits, so a model
recovering it proves little. These worlds are written apart from it (nothing here imports it): their own agencies,
arrival waves, deadline rule and daily hazards (:mod:`tests.worlds.families`). Each world keeps its event log, so
the true outcome of the forecast question at any as-of date is known (:meth:`World.outcome`).

* :mod:`tests.worlds.portfolio` — agencies, sources, arrival waves, deadlines;
* :mod:`tests.worlds.process` — day-by-day competing exits (completion, extension, reclassification);
* :mod:`tests.worlds.world` — snapshot exports from the event log, and the truth;
* :mod:`tests.worlds.families` — ``piecewise``, ``spike``, ``december``, ``exits``;
* :mod:`tests.worlds.harness` — ``evaluate(forecaster, family, seeds, as_of_dates)`` and its summaries.
"""

from .families import FAMILIES, december, exits, piecewise, spike
from .world import YEAR_END, Outcome, World

__all__ = ["FAMILIES", "YEAR_END", "Outcome", "World", "december", "exits", "piecewise", "spike"]
