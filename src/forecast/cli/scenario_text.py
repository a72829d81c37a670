"""The readable output of ``forecast scenario`` and ``forecast goal`` (``--json`` prints the objects instead).

Tables are narrow by default (under 100 characters: intervals folded into one column, words wrapped); ``wide``
prints every column as the JSON has it.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from forecast.data.question import SYNTHETIC_WARNING
from forecast.scenarios.compare import Comparison
from forecast.scenarios.goal import GoalResult

WIDTH = 100


def _fmt(v: float) -> str:
    return f"{v:+.1f}"


def _wrap(text: str, indent: str = "   ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def _span(mean: float, lo: int, hi: int, signed: bool = False) -> str:
    """ "305.9 (211–388)", or with signs "-8.6 (-14 to -4)"."""
    if signed:
        return f"{mean:+.1f} ({int(lo):+d} to {int(hi):+d})"
    return f"{mean:.1f} ({int(lo):d}–{int(hi):d})"


def _narrow_summary(summary: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": summary["scenario"],
            "open": summary["open_tasks"],
            "slips (P10–P90)": [_span(r.slip_mean, r.slip_p10, r.slip_p90) for r in summary.itertuples()],
            "vs baseline (P10–P90)": [
                "" if r.scenario == "baseline" else _span(r.difference, r.difference_p10, r.difference_p90, signed=True)
                for r in summary.itertuples()
            ],
        }
    )


def _narrow_agencies(agencies: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agency": agencies["agency"],
            "open": [
                f"{a}" if a == b else f"{a} → {b}"
                for a, b in zip(agencies["open_baseline"], agencies["open_scenario"], strict=True)
            ],
            "slips": [
                f"{a:.1f} → {b:.1f}" for a, b in zip(agencies["slip_baseline"], agencies["slip_scenario"], strict=True)
            ],
            "change (P10–P90)": [
                _span(r.difference, r.difference_p10, r.difference_p90, signed=True) for r in agencies.itertuples()
            ],
        }
    )


def comparison_text(comparison: Comparison, top: int = 8, wide: bool = False) -> str:
    """Per scenario: its levers, slips beside the baseline, the difference with its 80 % interval, and the agencies
    that change most."""
    base = comparison.baseline
    summary = comparison.summary()
    lines = [SYNTHETIC_WARNING] if base.provenance.synthetic else []
    lines += [
        *textwrap.wrap(
            f"Model {base.model}, as of {base.as_of.date()}, deadline {base.deadline.date()}, "
            f"{base.sims} runs, seed {base.seed}; differences from common random numbers (same "
            "luck in every run).",
            WIDTH,
        ),
        "",
        (summary if wide else _narrow_summary(summary)).to_string(index=False, float_format=lambda v: f"{v:.1f}"),
    ]
    for r in comparison.results:
        d = r.difference_summary()
        head = f"== {r.scenario.name}" + (f": {r.scenario.description}" if r.scenario.description else "")
        lines += ["", *(textwrap.wrap(head, WIDTH, subsequent_indent="   ") if not wide else [head])]
        lines += [f"   - {text}" for text in r.scenario.describe()]
        lines += [f"   ! {w}" for w in r.warnings]
        lines += _wrap(
            f"{len(r.forecast.tasks)} open tasks; slips {r.forecast.summary()['mean']:.1f} vs "
            f"{r.baseline.summary()['mean']:.1f}; difference {_fmt(d['mean'])} (80 % of runs between "
            f"{d['p10']:+d} and {d['p90']:+d})"
        )
        agencies = r.agency_differences().head(top)
        if len(agencies):
            lines.append(
                (agencies if wide else _narrow_agencies(agencies)).to_string(
                    index=False, float_format=lambda v: f"{v:.1f}"
                )
            )
    return "\n".join(lines)


def goal_text(goal: GoalResult, top: int = 10, wide: bool = False) -> str:
    """The answer, the check one hundredth below it, and the agencies whose acceleration saves most."""
    base = goal.baseline
    lines = [SYNTHETIC_WARNING] if base.provenance.synthetic else []
    lines += [
        *textwrap.wrap(
            f"Model {base.model}, as of {base.as_of.date()}, deadline {base.deadline.date()}, "
            f"{base.sims} runs, seed {base.seed}; bisection in steps of 0.01 on common random "
            f"numbers ({goal.evaluations} simulations).",
            WIDTH,
        ),
        *textwrap.wrap(goal.message(), WIDTH),
    ]
    s = goal.forecast.summary()
    where = f"×{goal.multiplier:.2f}" if goal.reachable else f"the cap ×{goal.cap:g}"
    lines.append(f"Slips at {where}: mean {s['mean']:.1f}, P10 {s['p10']}, P50 {s['p50']}, P90 {s['p90']}.")
    if not len(goal.ranking):
        return "\n".join(lines)
    ranking = goal.ranking.head(top)
    lines += ["", f"Expected slips saved by accelerating one agency alone by ×{goal.ranking_multiplier:.2f}:"]
    if wide:
        lines.append(f"(p_target_alone: P(slips <= {goal.target_slips}) if only that agency accelerated)")
        lines.append(ranking.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)
    shown = pd.DataFrame(
        {
            "agency": ranking["agency"],
            "open": ranking["open"],
            "slips": ranking["slip_mean"].map(lambda v: f"{v:.1f}"),
            "saved alone": ranking["slips_saved"].map(lambda v: f"{v:.1f}"),
        }
    )
    alone = ranking["p_target_alone"]
    if (alone >= 0.0005).any():
        shown[f"P(≤{goal.target_slips}) alone"] = alone.map(lambda p: "<0.1 %" if p < 0.0005 else f"{p:.1%}")
        lines.append(shown.to_string(index=False))
    else:
        lines.append(shown.to_string(index=False))
        lines += _wrap(
            f"No agency accelerated alone brings P(slips <= {goal.target_slips}) to 0.1 %: the target "
            "needs several at once.",
            indent="",
        )
    return "\n".join(lines)
