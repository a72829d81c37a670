"""The readable text the commands print (``--json`` prints the objects instead): the forecast, the backtest, the
year-end prior, scenarios and goals.

Tables are narrow by default (under 100 characters: intervals folded into one column, words wrapped); ``wide``
prints every column as the JSON has it.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd

from forecast.data.question import SYNTHETIC_WARNING
from forecast.engine.simulate import SlipForecast
from forecast.present.i18n import number
from forecast.present.prose import december_sentence, headline_sentence
from forecast.scenarios.compare import Comparison
from forecast.scenarios.goal import GoalResult

WIDTH = 100


def _fmt(v: float) -> str:
    return number(v, 1, signed=True)


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
        (summary if wide else _narrow_summary(summary)).to_string(index=False, float_format=lambda v: number(v, 1)),
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
                    index=False, float_format=lambda v: number(v, 1)
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
        lines.append(ranking.to_string(index=False, float_format=lambda v: number(v, 4)))
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


def forecast_table(result: SlipForecast, top: int = 15) -> str:
    """The readable report of one forecast."""
    s = result.summary()
    lines = []
    if result.provenance.synthetic:
        lines.append(SYNTHETIC_WARNING)
    lines += [
        f"Model {result.model}, as of {result.as_of.date()}, {result.sims} runs, seed {result.seed}.",
        headline_sentence(result) + ".",
        f"Slips: mean {s['mean']:.1f}, P10 {s['p10']}, P50 {s['p50']}, P90 {s['p90']}.",
    ]
    split = result.split()
    lines.append(
        f"Of the {len(result.tasks)} open tasks: completed by the deadline {split['completed']['mean']:.1f}, "
        f"moved out of the window {split['moved']['mean']:.1f}, slipped {split['slipped']['mean']:.1f} "
        "(means)."
    )
    components = result.meta.get("components")
    if components:
        table = pd.DataFrame(components)[["model", "weight", "mean", "p10", "p90", "backtest_crps", "why"]]
        lines += [
            "",
            f"Components (weights by stacking on {result.meta['stacking']['cutoffs']} backtest cutoffs; "
            "--model NAME gives one model's own forecast):",
            table.to_string(index=False, float_format=lambda v: number(v, 2)),
        ]
    year_end = result.meta.get("year_end", {})
    if year_end.get("applied"):
        rows = []
        for name, part in (
            ("if December runs like past year ends", "year_end"),
            ("if it runs like the autumn", "autumn"),
        ):
            c = year_end[part]
            rows.append(
                {
                    "December": name,
                    "weight": year_end["weight"] if part == "year_end" else 1 - year_end["weight"],
                    **{
                        f"{k} (mean, P10-P90)": f"{v['mean']:.1f} ({v['p10']}-{v['p90']})"
                        for k, v in c["split"].items()
                    },
                }
            )
        lines += [
            "",
            december_sentence(year_end, len(result.tasks), result.deadline),
            pd.DataFrame(rows).to_string(index=False, float_format=lambda v: number(v, 2)),
            f"Weight: {year_end['weight_source']}.",
        ]
    agencies = result.by_agency()
    if len(agencies):
        shown = agencies.head(top).rename(
            columns={"slip_mean": "mean", "slip_p10": "p10", "slip_p50": "p50", "slip_p90": "p90"}
        )
        lines += [
            "",
            f"Agencies with the most expected slips (top {min(top, len(agencies))} of {len(agencies)}):",
            shown.to_string(index=False, float_format=lambda v: number(v, 1)),
        ]
    return "\n".join(lines)


def backtest_table(result) -> str:
    """The readable report of a backtest: scores per model, best CRPS first."""
    table = result.scores()
    return "\n".join(
        [
            f"Backtest, horizon {result.horizon_days} days, {len(result.origins)} cutoffs "
            f"({result.origins[0]} to {result.origins[-1]}).",
            table.to_string(index=False, float_format=lambda v: number(v, 3)),
            f"Best (lowest CRPS): {result.best}.",
        ]
    )


def published_backtest_table(frame: pd.DataFrame) -> str:
    """The published-figures model on the published transitions
    (``forecast.evaluation.published_scores.published_backtest``)."""
    if frame.empty:
        return "Published-figures model: the published figures hold no transition it can be scored on."
    cols = [
        "cutoff",
        "outcome_date",
        "scope",
        "open",
        "observed",
        "slip_mean",
        "p10",
        "p90",
        "abs_error",
        "crps",
        "covered80",
    ]
    shown = frame[cols].assign(cutoff=frame["cutoff"].dt.date, outcome_date=frame["outcome_date"].dt.date)
    return "\n".join(
        [
            "Published-figures model on the published transitions (overdue count at the next report, forecast from "
            "the figures up to the cutoff):",
            shown.to_string(index=False, float_format=lambda v: number(v, 2)),
            f"Mean CRPS {frame['crps'].mean():.2f}, 80 % interval covered {frame['covered80'].mean():.0%}.",
        ]
    )


def prior_text(
    reference: object, reference_len: int, fitted, contributions: pd.DataFrame, loo: pd.DataFrame, effects
) -> str:
    """What ``forecast prior`` prints: the year-end prior ``fitted`` on the ``reference_len`` rows of ``reference``
    (:mod:`forecast.models.outside_view`), what each row contributes, and the leave-one-out table (with each
    refit's forecast effects when there are ``effects``)."""
    summary: dict[str, Any] = fitted.summary()
    weeks = ", ".join(f"{100 * p:.0f} %" for p in summary["onset_weeks"])
    return "\n".join(
        [
            f"The year-end prior, fitted on {reference_len} rows of {reference}",
            f"  December like the autumn (no push): {100 * summary['no_push_weight']:.0f} % "
            f"({summary['rows']['push no']} of {summary['rows']['push no'] + summary['rows']['push yes']} "
            "coded regimes had none)",
            f"  a push's December pace against the autumn: median {summary['multiplier_median']:.2f}, "
            f"80 % between {summary['multiplier_p10']:.2f} and {summary['multiplier_p90']:.2f} "
            f"({_rows(summary['rows']['multiplier'])})",
            f"  year-end overdue share against the share before it: median {summary['backlog_median']:.2f}, "
            f"80 % between {summary['backlog_p10']:.2f} and {summary['backlog_p90']:.2f} "
            f"({_rows(summary['rows']['backlog'])})",
            f"  the push starts in week 1, 2, 3, 4 of December: {weeks} ({_rows(summary['rows']['onset'])})",
            f"  share carried over at the year-end review: mean {100 * summary['carry_over_mean']:.0f} % "
            f"({_rows(summary['rows']['carry_over'])})",
            "",
            "What each row contributes (prior percentile: where the row's figure falls in the fitted prior):",
            contributions.drop(columns=["source_url", "population"]).to_string(
                index=False, float_format=lambda v: f"{v:.3g}"
            ),
            "",
            "Leave one out (the prior refitted without each row"
            + ("; weight and year-end forecast on the params' data)" if effects is not None else ")")
            + ":",
            loo.to_string(index=False, float_format=lambda v: f"{v:.3g}"),
        ]
    )


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"
