"""Altair charts of the forecast: the fan, the forecast by as-of date, slips by agency, the chance of exceeding a
number of slips, one agency's slips, the planner scenarios, and the index's trend of the headline by as-of date.

Same conventions as :mod:`forecast.present.charts` (offline SVG, no tooltips, dates as ``4 Dec 2025``, legends instead
of colours named in titles). Where a chart has one row per agency and ``pages`` (agency -> page file) is given, each row
links to the agency's page: Vega draws the mark inside an SVG ``<a>``, which works in a static page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from forecast.present.charts import ROW_HEIGHT, WIDTH, keyed_colour
from forecast.present.i18n import N_, agency_name, axis_date, number
from forecast.present.i18n import gettext as _
from forecast.present.prose import round_numbers

OBSERVED, FORECAST = "#37474f", "#b71c1c"


def date_ticks(dates: pd.Series, most: int = 12) -> list[alt.DateTime]:
    """A time axis's ticks at the points' own dates (weekly snapshots: a tick a week, not Vega's every few days),
    every k-th of them when there are more than ``most``."""
    days = sorted(set(pd.to_datetime(dates).dt.normalize()))
    return [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in days[:: -(-len(days) // most) or 1]]


def fan(over_time: pd.DataFrame, history: pd.DataFrame | None = None) -> alt.LayerChart:
    """Open tasks still open from the as-of date to the deadline (mean line, P10-P90 band), after the same count
    observed at the snapshots before it.

    ``over_time`` is :func:`forecast.engine.simulate.still_open_path`; ``history`` (``date, open``) is
    :func:`forecast.present.tables.open_due_history`: tasks open and due by the deadline at each earlier snapshot.
    """
    observed, forecast = _("observed at each snapshot"), _("forecast (P10–P90 band)")
    colours = {observed: OBSERVED, forecast: FORECAST}
    path = over_time[["date", "mean"]].assign(series=forecast)
    if history is not None and len(history):
        seen = history.rename(columns={"open": "mean"})[["date", "mean"]].assign(series=observed)
        path = pd.concat([seen, path], ignore_index=True)
    series = list(pd.unique(path["series"]))
    colour = keyed_colour("series:N", series, [colours[s] for s in series])
    x = alt.X("date:T", title=None, axis=alt.Axis(format=axis_date()))
    band = (
        alt.Chart(over_time)
        .mark_area(opacity=0.2, color=FORECAST)
        .encode(
            x=x, y=alt.Y("p10:Q", title=_("open tasks, due by the deadline"), scale=alt.Scale(zero=True)), y2="p90:Q"
        )
    )
    line = alt.Chart(path).mark_line(point=True).encode(x=x, y="mean:Q", color=colour)
    return (band + line).properties(width=WIDTH, height=260, title=_("Open tasks up to the deadline"))


def convergence(by_date: pd.DataFrame) -> alt.LayerChart:
    """The slip forecast by as-of date (mean and P10-P90) beside the open tasks: how the answer moved as the
    snapshots came in. ``by_date`` is :func:`forecast.combine.by_as_of`."""
    x = alt.X("as_of:T", title=_("as of"), axis=alt.Axis(format=axis_date(), values=date_ticks(by_date["as_of"])))
    base = alt.Chart(by_date).encode(x=x)
    return (
        base.mark_line(color="#90a4ae", strokeDash=[4, 3]).encode(y=alt.Y("open_tasks:Q", title=_("tasks")))
        + base.mark_rule(strokeWidth=3, color=FORECAST).encode(y="p10:Q", y2="p90:Q")
        + base.mark_circle(size=80, opacity=1, color=FORECAST).encode(y="mean:Q")
    ).properties(
        width=WIDTH,
        height=260,
        title=_("Slips forecast by as-of date (dot and bar: mean and P10–P90; dashed: open tasks)"),
    )


def agency_slips(by_agency: pd.DataFrame, top: int = 20, pages: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Per agency (the ``top`` with most expected slips): its open tasks, expected slips and their P10-P90
    interval. ``by_agency`` is :meth:`forecast.engine.simulate.SlipForecast.by_agency`."""
    rows = by_agency.head(top).copy()
    rows["page"] = rows["agency"].map(pages or {}).fillna("")
    rows["agency"] = rows["agency"].map(agency_name)
    tidy = rows.melt(
        id_vars=["agency", "page", "slip_p10", "slip_p90"],
        value_vars=["open", "slip_mean"],
        var_name="kind",
        value_name="tasks",
    )
    kinds = [_("open tasks"), _("expected slips")]
    tidy["kind"] = tidy["kind"].map({"open": kinds[0], "slip_mean": kinds[1]})
    colour = keyed_colour("kind:N", kinds, ["#cfd8dc", "#e53935"], symbolType="square", symbolSize=150)
    y = alt.Y("agency:N", sort=rows["agency"].tolist(), title=None, axis=alt.Axis(labelLimit=300))
    bars = (
        alt.Chart(tidy)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("tasks:Q", title=_("tasks (black line: P10–P90 of slips)"), stack=None),
            color=colour,
            size=alt.condition(alt.datum.kind == kinds[0], alt.value(13), alt.value(7)),  # no scale: no tiny swatch
        )
    )
    if pages:
        bars = bars.encode(href="page:N")
    interval = alt.Chart(rows).mark_rule(color="black").encode(y=y, x="slip_p10:Q", x2="slip_p90:Q")
    shown = (
        _("all {n} agencies with open tasks").format(n=number(len(rows)))
        if len(rows) == len(by_agency)
        else _("the {n} with most, of the {total} agencies with open tasks").format(
            n=number(len(rows)), total=number(len(by_agency))
        )
    )
    return (bars + interval).properties(
        width=WIDTH - 200,
        height=ROW_HEIGHT * len(rows),
        title=_("Expected slips by agency: {shown}").format(shown=shown),
    )


def exceedance(totals: np.ndarray, targets: Sequence[int] = ()) -> alt.LayerChart | alt.FacetChart:
    """The chance that more than x tasks slip, for every x the runs reach (``totals``: slips per run), with the
    ``targets`` marked."""
    values = np.sort(np.asarray(totals))
    xs = np.arange(max(values.min() - 1, 0), values.max() + 1) if len(values) else np.arange(0)
    chance = 1 - np.searchsorted(values, xs, side="right") / max(len(values), 1)
    curve = (
        alt.Chart(pd.DataFrame({"slips": xs, "chance": chance}))
        .mark_line(interpolate="step-after", color=FORECAST)
        .encode(
            x=alt.X("slips:Q", title=_("x: tasks slipping past the deadline"), scale=alt.Scale(zero=False)),
            y=alt.Y(
                "chance:Q",
                title=_("chance that more than x slip"),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
        )
    )
    layers = [curve]
    if len(targets):
        marks = alt.Chart(pd.DataFrame({"slips": list(targets)})).mark_rule(color="grey", strokeDash=[4, 3])
        layers.append(marks.encode(x="slips:Q"))
    return alt.layer(*layers).properties(
        width=WIDTH - 160, height=220, title=_("How likely more than x tasks slip (dashed: the targets)")
    )


def agency_distribution(draws: np.ndarray, agency: str) -> alt.Chart:
    """How often each number of one agency's open tasks slips (``draws``: its slips per run)."""
    counts = pd.Series(np.asarray(draws)).value_counts(normalize=True).sort_index()
    frame = pd.DataFrame({"slips": counts.index.astype(int), "share": counts.to_numpy()})
    frame["from"], frame["to"] = frame["slips"] - 0.5, frame["slips"] + 0.5  # a bar centred on its count
    ticks = round_numbers(frame["slips"].min(), frame["slips"].max(), 12) if len(frame) else ()
    return (
        alt.Chart(frame)
        .mark_bar(color=FORECAST, opacity=0.8, binSpacing=1)
        .encode(
            x=alt.X(
                "from:Q",
                bin="binned",
                title=_("of its open tasks, slipping past the deadline"),
                axis=alt.Axis(values=list(ticks), format="d"),
            ),
            x2="to:Q",
            y=alt.Y("share:Q", title=_("share of runs"), axis=alt.Axis(format="%")),
        )
        .properties(
            width=WIDTH - 200,
            height=180,
            title=_("{agency}: slips over the simulation runs").format(agency=agency_name(agency)),
        )
    )


def trend(points: pd.DataFrame) -> alt.LayerChart:
    """The headline by the data's as-of date: per series (a run scenario, or a planner scenario compared in it)
    the expected slips, and for the run scenarios the P10-P90 band. ``points``: ``as_of`` (datetime), ``series``,
    ``mean``, ``p10``, ``p90`` (missing for a series without a band)."""
    series = list(pd.unique(points["series"]))
    legend = alt.Legend(
        orient="bottom", columns=1, labelLimit=0, symbolOpacity=1, symbolType="stroke", symbolStrokeWidth=3
    )
    colour = alt.Color("series:N", title=None, sort=series, legend=legend)
    x = alt.X("as_of:T", title=_("data as of"), axis=alt.Axis(format=axis_date(), values=date_ticks(points["as_of"])))
    band = (
        alt.Chart(points.dropna(subset=["p10", "p90"]))
        .mark_area(opacity=0.18)
        .encode(x=x, y=alt.Y("p10:Q", title=_("tasks expected to slip (band: P10–P90)")), y2="p90:Q", color=colour)
    )
    line = alt.Chart(points).mark_line(point=True).encode(x=x, y="mean:Q", color=colour)
    return (band + line).properties(width=WIDTH, height=240, title=_("Expected slips by as-of date"))


SCENARIO_COLOURS = {N_("baseline"): "#9e9e9e", N_("scenario"): "#1e88e5"}


def scenario_distributions(distributions: pd.DataFrame) -> alt.FacetChart:
    """Each scenario's distribution of slips over its baseline's, one panel per scenario.

    ``distributions`` is :meth:`forecast.scenarios.Comparison.distributions`: columns ``scenario, series`` (
    "baseline" or "scenario"), ``slips`` and ``share`` (of runs).
    """
    series = [_(s) for s in SCENARIO_COLOURS]
    distributions = distributions.assign(series=distributions["series"].map(_), scenario=_words(distributions))
    slips = distributions["slips"]
    ticks = list(round_numbers(slips.min(), slips.max(), 12)) if len(slips) else []  # not a tick every 16
    return (
        alt.Chart(distributions)
        .mark_bar(opacity=0.55, binSpacing=0)
        .encode(
            x=alt.X(
                "slips:Q", title=_("tasks slipping past the deadline"), bin=alt.Bin(step=2), axis=alt.Axis(values=ticks)
            ),
            y=alt.Y("sum(share):Q", stack=None, title=_("share of runs")),
            color=keyed_colour("series:N", series, list(SCENARIO_COLOURS.values())),
        )
        .properties(width=WIDTH, height=110)
        .facet(row=_scenario_row(distributions))
        .properties(title=_("Slips in each scenario over the baseline, same runs"))
    )


def scenario_differences(summary: pd.DataFrame) -> alt.LayerChart:
    """Each scenario's difference from the baseline: the mean (dot) and the 80 % interval of the per-run difference
    (bar), with zero marked.

    ``summary`` is :meth:`forecast.scenarios.Comparison.summary`; the baseline row is left out.
    """
    rows = summary.loc[summary["scenario"] != "baseline"]
    rows = rows.assign(scenario=_words(rows))
    base = alt.Chart(rows).encode(y=alt.Y("scenario:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)))
    interval = base.mark_rule(strokeWidth=6, opacity=0.45, color="#1e88e5").encode(
        x=alt.X(
            "difference_p10:Q", title=_("slips vs the baseline (dot: mean; bar: P10–P90 of the per-run difference)")
        ),
        x2="difference_p90:Q",
    )
    mean = base.mark_circle(size=90, color="#0d47a1", opacity=1).encode(x="difference:Q")
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="black", strokeDash=[3, 3]).encode(x="x:Q")
    return (interval + mean + zero).properties(width=WIDTH - 200, title=_("Difference from the baseline"))


def scenario_agency_deltas(deltas: pd.DataFrame) -> alt.FacetChart:
    """Per scenario, the agencies whose slips change most: mean change (bar; fewer slips and more) and the 80 %
    interval of the per-run change (line), one panel per scenario.

    ``deltas`` is :meth:`forecast.scenarios.Comparison.agency_differences`.
    """
    deltas = deltas.assign(scenario=_words(deltas), agency=deltas["agency"].map(agency_name))
    y = alt.Y(
        "agency:N",
        sort=alt.EncodingSortField("size", op="max", order="descending"),
        title=None,
        axis=alt.Axis(labelLimit=260),
    )
    ways = [_("fewer slips"), _("more slips")]
    bars = (
        alt.Chart()
        .transform_calculate(size="abs(datum.difference)", way=f"datum.difference < 0 ? '{ways[0]}' : '{ways[1]}'")
        .mark_bar(opacity=0.8)
        .encode(
            y=y,
            x=alt.X("difference:Q", title=_("change in expected slips (line: P10–P90 of the per-run change)")),
            color=keyed_colour("way:N", ways, ["#2e7d32", "#e53935"]),
        )
    )
    rules = alt.Chart().mark_rule(color="black").encode(y=y, x="difference_p10:Q", x2="difference_p90:Q")
    rules = rules.transform_calculate(size="abs(datum.difference)")
    return (
        alt.layer(bars, rules, data=deltas)
        .properties(width=WIDTH - 260)
        .facet(row=_scenario_row(deltas))
        .resolve_scale(y="independent")
        .properties(title=_("Agencies whose slips change most"))
    )


def _words(frame: pd.DataFrame) -> pd.Series:
    """A frame's scenario names as the page shows them (the example scenarios' names from the catalogue)."""
    return frame["scenario"].map(lambda s: _(str(s)))


def _scenario_row(frame: pd.DataFrame) -> alt.Row:
    """One facet row per scenario, in the order the frame lists them."""
    return alt.Row(
        "scenario:N",
        title=None,
        sort=list(pd.unique(frame["scenario"])),
        header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=260),
    )
