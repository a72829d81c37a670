"""The readable output of ``forecast scenario`` and ``forecast goal`` (``--json`` prints the objects instead)."""

from __future__ import annotations

from ..question import SYNTHETIC_WARNING
from .compare import Comparison
from .goal import GoalResult


def _fmt(v: float) -> str:
    return f"{v:+.1f}"


def comparison_text(comparison: Comparison, top: int = 8) -> str:
    """Per scenario: its levers, slips beside the baseline, the difference with its 80 % interval, and the agencies
    that change most."""
    base = comparison.baseline
    lines = [SYNTHETIC_WARNING] if base.provenance.synthetic else []
    lines += [f"Model {base.model}, as of {base.as_of.date()}, deadline {base.deadline.date()}, {base.sims} runs, "
              f"seed {base.seed}; differences from common random numbers (same luck in every run).", "",
              comparison.summary().to_string(index=False, float_format=lambda v: f"{v:.1f}")]
    for r in comparison.results:
        d = r.difference_summary()
        lines += ["", f"== {r.scenario.name}" + (f": {r.scenario.description}" if r.scenario.description else "")]
        lines += [f"   - {text}" for text in r.scenario.describe()]
        lines += [f"   ! {w}" for w in r.warnings]
        lines.append(f"   {len(r.forecast.tasks)} open tasks; slips {r.forecast.summary()['mean']:.1f} vs "
                     f"{r.baseline.summary()['mean']:.1f}; difference {_fmt(d['mean'])} (80 % of runs between "
                     f"{d['p10']:+d} and {d['p90']:+d})")
        agencies = r.agency_differences().head(top)
        if len(agencies):
            lines.append(agencies.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    return "\n".join(lines)


def goal_text(goal: GoalResult, top: int = 10) -> str:
    """The answer, the check one hundredth below it, and the agencies whose acceleration saves most."""
    base = goal.baseline
    lines = [SYNTHETIC_WARNING] if base.provenance.synthetic else []
    lines += [f"Model {base.model}, as of {base.as_of.date()}, deadline {base.deadline.date()}, {base.sims} runs, "
              f"seed {base.seed}; bisection in steps of 0.01 on common random numbers ({goal.evaluations} "
              "simulations).", goal.message()]
    s = goal.forecast.summary()
    where = f"×{goal.multiplier:.2f}" if goal.reachable else f"the cap ×{goal.cap:g}"
    lines.append(f"Slips at {where}: mean {s['mean']:.1f}, P10 {s['p10']}, P50 {s['p50']}, P90 {s['p90']}.")
    if len(goal.ranking):
        lines += ["", f"Expected slips saved by accelerating one agency alone by ×{goal.ranking_multiplier:.2f} "
                      f"(p_target_alone: P(slips <= {goal.target_slips}) then):",
                  goal.ranking.head(top).to_string(index=False, float_format=lambda v: f"{v:.2f}")]
    return "\n".join(lines)
