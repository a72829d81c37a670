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
from forecast.present.i18n import agency_name as shown_name
from forecast.present.i18n import day, number, percent
from forecast.present.i18n import gettext as _

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
    text = _(
        "About {mean} of the {open} open tasks are likely to slip past {deadline}; 8 in 10 chance between {p10} "
        "and {p90}"
    ).format(mean=number(mean), open=number(open_tasks), deadline=day(deadline), p10=number(p10), p90=number(p90))
    if decembers is None:
        return text
    year_end, autumn, weight = decembers
    return _(
        "{text}: about {year_end} if the year-end review clears the backlog as past ones have (likely {chance} "
        "times in 100), about {autumn} if December runs like the autumn"
    ).format(text=text, year_end=number(year_end), chance=number(round(100 * weight)), autumn=number(autumn))


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
    chance = number(round(100 * weight))
    if not rows:
        evidence = _("no December snapshot has been seen yet, so that is the chance this forecast uses")
    elif abs(weight - prior) < 0.02:
        evidence = _("the December snapshots so far leave that at about {chance} in 100").format(chance=chance)
    elif weight > prior:
        evidence = _("the December snapshots so far raise that to about {chance} in 100").format(chance=chance)
    else:
        evidence = _("the December snapshots so far lower that to about {chance} in 100").format(chance=chance)
    return _(
        "The answer depends on December. If the year-end review clears the backlog as past year-end reviews have, "
        "about {ye} of the {open} open tasks will slip past {when} (8 in 10 chance between {ye_p10} and {ye_p90}); "
        "if December runs like the autumn, about {autumn} will (between {autumn_p10} and {autumn_p90}). In past "
        "year ends such a push came about {prior} times in 100; {evidence}."
    ).format(
        ye=number(ye["mean"]),
        open=number(open_tasks),
        when=day(deadline),
        ye_p10=number(ye["p10"]),
        ye_p90=number(ye["p90"]),
        autumn=number(autumn["mean"]),
        autumn_p10=number(autumn["p10"]),
        autumn_p90=number(autumn["p90"]),
        prior=number(round(100 * prior)),
        evidence=evidence,
    )


def prior_sentence(prior: Any) -> str:
    """The year-end prior in a reader's words (:class:`forecast.models.outside_view.YearEndPrior`)."""
    s = prior.summary()
    rows = s["rows"]
    coded = rows["push yes"] + rows["push no"]
    return _(
        "Of {coded} past year ends in the reference class, {no_push} had no year-end push, so a December like the "
        "autumn gets a chance of about {chance} in 100. In the others the last month ran a median {multiplier} "
        "times an ordinary month's pace ({multiplier_rows} figures), and the overdue share at the year end was a "
        "median {backlog} times the share before it ({backlog_rows} figures from Vietnam's own task tracking); work "
        "carried over at a year-end review: {carry_over} on average ({carry_over_rows} figure). Each of these is "
        "fitted by the kit on the rows below, and moves when a row is added."
    ).format(
        coded=number(coded),
        no_push=number(rows["push no"]),
        chance=number(round(100 * s["no_push_weight"])),
        multiplier=number(s["multiplier_median"], 1),
        multiplier_rows=number(rows["multiplier"]),
        backlog=number(s["backlog_median"], 2),
        backlog_rows=number(rows["backlog"]),
        carry_over=percent(s["carry_over_mean"]),
        carry_over_rows=number(rows["carry_over"]),
    )


def confidence_sentence(totals: np.ndarray) -> str:
    """ "At most N tasks slip with 50 % confidence, ..." at the planner's levels
    (:func:`forecast.present.tables.confidence_levels`), from a forecast's slips per run."""
    from forecast.present.tables import confidence_levels

    rows = confidence_levels(totals).dropna()
    parts = [(number(int(r.at_most)), percent(r.confidence)) for r in rows.itertuples()]
    if not parts:
        return ""
    first = _("At most {n} tasks slip with {level} confidence").format(n=parts[0][0], level=parts[0][1])
    rest = [_("{n} with {level}").format(n=n, level=level) for n, level in parts[1:]]
    if not rest:
        return first
    if len(rest) == 1:
        return _("{first} and {last}").format(first=first, last=rest[-1])
    return _("{first}, {middle} and {last}").format(first=first, middle=", ".join(rest[:-1]), last=rest[-1])


def saving_sentence(agencies: pd.DataFrame) -> str:
    """What doubling every agency's pace saves in all (``agencies``: :meth:`forecast.present.rundata.RunData.by_agency`,
    each agency's ``slips_saved_at_twice_the_pace``): the agencies' savings add up, as the tasks do not interact."""
    saved = agencies["slips_saved_at_twice_the_pace"].sum()
    return _(
        "If every agency doubled its completion pace from the as-of date, about {saved} fewer tasks would be "
        "expected to slip."
    ).format(saved=number(saved))


def agency_sentence(result: SlipForecast, agency: str, saved: float | None = None) -> str:
    """One agency's open tasks and expected slips with their 80 % interval, and what twice the pace would save."""
    rows = result.by_agency().set_index("agency")
    name, total, deadline = shown_name(agency), number(len(result.tasks)), day(result.deadline)
    if agency not in rows.index:
        return _("{agency} holds none of the {total} open tasks due by {deadline}.").format(
            agency=name, total=total, deadline=deadline
        )
    r = rows.loc[agency]
    figures = {
        "agency": name,
        "open": number(int(r["open"])),
        "total": total,
        "deadline": deadline,
        "mean": number(r["slip_mean"]),
        "p10": number(int(r["slip_p10"])),
        "p90": number(int(r["slip_p90"])),
    }
    if saved is None:
        return _(
            "{agency} holds {open} of the {total} open tasks due by {deadline}; about {mean} are likely to slip (8 in "
            "10 chance between {p10} and {p90})."
        ).format(**figures)
    return _(
        "{agency} holds {open} of the {total} open tasks due by {deadline}; about {mean} are likely to slip (8 in "
        "10 chance between {p10} and {p90}); doubling its pace from now would save about {saved} of them."
    ).format(**figures, saved=number(saved, 1))


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
        return _("The backtest has no cutoff for {model}.").format(model=_(model))
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
