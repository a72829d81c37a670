"""The report's sentences: the headline in plain words, one agency's position, the targets a summary shows and the
direction of a backtest's bias. Expected slips are rounded to whole tasks in prose ("about 324"); tables keep one
decimal (:mod:`forecast.present.formatting`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine.simulate import SlipForecast
from forecast.present.i18n import day

BIAS_SHARE = 2 / 3  # a model whose mean is on one side of the outcome at 2 cutoffs in 3 (or more) is biased
PIT_BAND = (0.4, 0.6)  # a mean PIT outside this band leans one way


def headline_sentence(result: SlipForecast) -> str:
    """ "About X of the N open tasks are likely to slip past D; 8 in 10 chance between a and b" (a and b: the
    forecast's P10 and P90)."""
    lo, hi = result.interval(0.8)
    year_end = result.meta.get("year_end", {})
    decembers = (
        (year_end["year_end"]["mean"], year_end["autumn"]["mean"], year_end["weight"])
        if year_end.get("applied")
        else None
    )
    return headline_words(result.summary()["mean"], len(result.tasks), result.deadline, lo, hi, decembers)


def headline_words(
    mean: float,
    open_tasks: int,
    deadline: object,
    p10: int,
    p90: int,
    decembers: tuple[float, float, float] | None = None,
) -> str:
    """:func:`headline_sentence` from the figures themselves (e.g. a run's ``headline`` in ``run.json``); with
    ``decembers`` (the year-end forecast's mean, the autumn's and the year-end weight), what the number rests on."""
    text = (
        f"About {mean:,.0f} of the {open_tasks:,} open tasks are likely to slip past "
        f"{day(deadline)}; 8 in 10 chance between {p10:,} and {p90:,}"
    )
    if decembers is None:
        return text
    year_end, autumn, weight = decembers
    return (
        f"{text}: about {year_end:,.0f} if the year-end review clears the backlog as past ones have (likely "
        f"{round(100 * weight)} times in 100), about {autumn:,.0f} if December runs like the autumn"
    )


def headline_text(head: Mapping[str, Any]) -> str:
    """:func:`headline_words` from a run's headline (:func:`forecast.present.headline.headline`, ``run.json``), the
    figures the index and the summary state; "" when one of them (``slip_mean``, ``slip_p10``, ``slip_p90``,
    ``open_tasks``, ``deadline``) is missing."""
    if not all(
        isinstance(head.get(k), int | float) and not isinstance(head.get(k), bool)
        for k in ("slip_mean", "slip_p10", "slip_p90", "open_tasks")
    ) or not head.get("deadline"):
        return ""
    decembers = None
    if all(isinstance(head.get(k), int | float) for k in ("year_end_mean", "autumn_mean")) and head.get(
        "year_end_weight"
    ):
        decembers = (float(head["year_end_mean"]), float(head["autumn_mean"]), float(head["year_end_weight"]))
    return headline_words(
        head["slip_mean"],
        int(head["open_tasks"]),
        head["deadline"],
        int(head["slip_p10"]),
        int(head["slip_p90"]),
        decembers,
    )


def december_sentence(year_end: Mapping[str, Any], open_tasks: int, deadline: object) -> str:
    """What the headline rests on, in a planner's words: the forecast if the year-end review clears the backlog as
    past ones did, the forecast if December runs like the autumn, and how likely the first is (``year_end``: a
    combined forecast's ``meta["year_end"]``). "" when the forecast has no year-end regime."""
    if not year_end.get("applied"):
        return ""
    ye, autumn = year_end["year_end"], year_end["autumn"]
    prior, weight = year_end["prior_weight"], year_end["weight"]
    rows = year_end.get("regime", {}).get("december_intervals", 0)
    if not rows:
        evidence = "no December snapshot has been seen yet, so that is the chance this forecast uses"
    elif abs(weight - prior) < 0.02:
        evidence = f"the December snapshots so far leave that at about {round(100 * weight)} in 100"
    else:
        way = "raise" if weight > prior else "lower"
        evidence = f"the December snapshots so far {way} that to about {round(100 * weight)} in 100"
    when = day(deadline)
    return (
        f"The answer depends on December. If the year-end review clears the backlog as past year-end reviews have, "
        f"about {ye['mean']:,.0f} of the {open_tasks:,} open tasks will slip past {when} (8 in 10 chance between "
        f"{ye['p10']:,} and {ye['p90']:,}); if December runs like the autumn, about {autumn['mean']:,.0f} will "
        f"(between {autumn['p10']:,} and {autumn['p90']:,}). In past year ends such a push came about "
        f"{round(100 * prior)} times in 100; {evidence}."
    )


def prior_sentence(prior: Any) -> str:
    """The year-end prior in a reader's words (:class:`forecast.models.outside_view.YearEndPrior`)."""
    s = prior.summary()
    rows = s["rows"]
    coded = rows["push yes"] + rows["push no"]
    return (
        f"Of {coded} past year ends in the reference class, {rows['push no']} had no year-end push, so a December "
        f"like the autumn gets a chance of about {round(100 * s['no_push_weight'])} in 100. In the others the last "
        f"month ran a median {s['multiplier_median']:.1f} times an ordinary month's pace ({rows['multiplier']} "
        f"figures), and the overdue share at the year end was a median {s['backlog_median']:.2f} times the share "
        f"before it ({rows['backlog']} figures from Vietnam's own task tracking); work carried over at a year-end "
        f"review: {round(100 * s['carry_over_mean'])} % on average ({rows['carry_over']} figure). Each of these is "
        "fitted by the kit on the rows below, and moves when a row is added."
    )


def confidence_sentence(totals: np.ndarray) -> str:
    """ "At most N tasks slip with 50 % confidence, ..." at the planner's levels
    (:func:`forecast.present.tables.confidence_levels`), from a forecast's slips per run."""
    from forecast.present.tables import confidence_levels

    rows = confidence_levels(totals).dropna()
    parts = [f"{int(r.at_most):,} with {r.confidence:.0%}".replace("%", " %") for r in rows.itertuples()]
    if not parts:
        return ""
    parts[0] = parts[0].replace(" with", " tasks slip with", 1) + " confidence"
    return "At most " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])


def saving_sentence(agencies: pd.DataFrame) -> str:
    """What doubling every agency's pace saves in all (``agencies``: :meth:`forecast.present.rundata.RunData.by_agency`,
    each agency's ``slips_saved_at_twice_the_pace``): the agencies' savings add up, as the tasks do not interact."""
    saved = agencies["slips_saved_at_twice_the_pace"].sum()
    return (
        f"If every agency doubled its completion pace from the as-of date, about {saved:,.0f} fewer tasks would be "
        "expected to slip."
    )


def agency_sentence(result: SlipForecast, agency: str, saved: float | None = None) -> str:
    """One agency's open tasks and expected slips with their 80 % interval, and what twice the pace would save."""
    rows = result.by_agency().set_index("agency")
    if agency not in rows.index:
        return f"{agency} holds none of the {len(result.tasks):,} open tasks due by {day(result.deadline)}."
    r = rows.loc[agency]
    text = (
        f"{agency} holds {int(r['open']):,} of the {len(result.tasks):,} open tasks due by "
        f"{day(result.deadline)}; about {r['slip_mean']:,.0f} are likely to slip (8 in 10 chance between "
        f"{int(r['slip_p10']):,} and {int(r['slip_p90']):,})"
    )
    if saved is not None:
        text += f"; doubling its pace from now would save about {saved:,.1f} of them"
    return text + "."


def default_targets(totals: np.ndarray, most: int = 5) -> tuple[int, ...]:
    """Round numbers of slips across the forecast's range (P5 to P95), at most ``most`` of them, for the summary's
    "chance of at most N slips" table when the params name no ``targets``."""
    if len(totals) == 0:
        return ()
    lo, hi = np.quantile(totals, [0.05, 0.95])
    return round_numbers(lo, hi, most) or (int(np.median(totals).round()),)


def round_numbers(lo: float, hi: float, most: int) -> tuple[int, ...]:
    """At most ``most`` round numbers from ``lo`` to ``hi`` (multiples of 1, 2, 5, 10, 20, 25, 50, ...): targets,
    or a chart's ticks; () when even the largest step gives more."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        values = tuple(range(math.ceil(lo / step) * step, int(hi) + 1, step))
        if len(values) <= most:
            return values
    return ()


def bias_sentence(frame: pd.DataFrame, model: str) -> str:
    """Which way ``model`` errs on the backtest (``frame``: :attr:`forecast.evaluation.backtest.Backtest.frame`): biased
    when its mean is below (or above) the outcome at :data:`BIAS_SHARE` of the cutoffs or more, or its mean PIT is
    outside :data:`PIT_BAND` (a PIT histogram leaning right: outcomes in the upper part of the forecast)."""
    rows = frame.loc[frame["model"] == model]
    if rows.empty:
        return f"The backtest has no cutoff for {model}."
    error = rows["slip_mean"] - rows["observed"]
    n, under, over = len(rows), int((error < 0).sum()), int((error > 0).sum())
    pit = float(((rows["pit_lower"] + rows["pit_upper"]) / 2).mean())
    facts = (
        f"mean error {error.mean():+.1f} slips against a mean absolute error of {error.abs().mean():.2f}; "
        f"mean PIT {pit:.2f}"
    )
    if under >= BIAS_SHARE * n or pit > PIT_BAND[1]:
        return (
            f"The {model} model under-forecasts: its mean was below the outcome at {under} of {n} cutoffs "
            f"({facts}, so outcomes fall in the upper part of its forecast and the PIT histogram leans right). "
            "Read its slips as a floor rather than a centre."
        )
    if over >= BIAS_SHARE * n or pit < PIT_BAND[0]:
        return (
            f"The {model} model over-forecasts: its mean was above the outcome at {over} of {n} cutoffs "
            f"({facts}, so outcomes fall in the lower part of its forecast and the PIT histogram leans left). "
            "Read its slips as a ceiling rather than a centre."
        )
    return (
        f"The {model} model shows no clear bias: its mean was below the outcome at {under} and above it at "
        f"{over} of {n} cutoffs ({facts})."
    )
