"""Planner scenarios: levers on the open set and on completion rates, simulated beside the baseline with common
random numbers, and goal-seek (the rate multiplier a target needs). See :mod:`.levers` for the file format."""

from .apply import Applied, Inputs, apply_scenario
from .compare import Comparison, ScenarioResult, compare, compare_scenarios
from .levers import Scenario, load_scenario, parse_scenario

__all__ = ["Applied", "Comparison", "Inputs", "Scenario", "ScenarioResult", "apply_scenario", "compare",
           "compare_scenarios", "load_scenario", "parse_scenario"]
