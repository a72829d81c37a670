"""Planner scenarios: levers on the open set and on completion rates, simulated beside the baseline with common
random numbers, and goal-seek (the rate multiplier a target needs). See :mod:`.levers` for the file format.

Modules: :mod:`.levers` (scenario files -> typed levers, the lever registry; imports no model), one class per
lever in :mod:`.rate_levers` and :mod:`.task_levers` (each owns its ``parse``, ``describe`` and ``apply``; shared
parts in :mod:`.lever_parts`), :mod:`.apply` (the machinery levers apply to: rows, switches, rates),
:mod:`.compare` (:func:`~.compare.compare_scenarios`), :mod:`.goal` (:func:`~.goal.goal_seek`), :mod:`.text` (what
the CLI prints). Import from them directly; this package imports nothing.
"""
