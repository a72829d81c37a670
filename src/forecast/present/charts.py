"""Altair charts of the data, the models and the backtest: small pure functions that take a tidy frame and return
a chart, plus the two switches that keep every chart offline. (Charts of the forecast itself, the scenarios and
the index's trend are in :mod:`forecast.present.forecast_charts`.)

Charts render as inline SVG through ``vl-convert`` (no JavaScript, no CDN), both in JupyterLab and in the HTML
reports: notebooks call :func:`use_offline_renderer` once, the index embeds :func:`to_svg` output. Static SVG has
no hover, so charts carry no tooltips: what a reader needs is on the axes, in the legend or in the table beside.
Dates read ``4 Dec 2025`` on every axis (:func:`forecast.present.i18n.axis_date`, by the run's language).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.utils.mimebundle import spec_to_mimebundle

from forecast.data import schema
from forecast.present.i18n import agency_name, axis_date, chart_numbers, number, status_words, term_words
from forecast.present.i18n import gettext as _

# Status colours: completed in greens, open work in blue/red, regular in grey. The order is the stacking order.
STATUS_COLOURS = {
    schema.COMPLETED_ON_TIME: "#2e7d32",
    schema.COMPLETED_LATE: "#9ccc65",
    schema.REGULAR: "#b0bec5",
    schema.IN_PROGRESS: "#1e88e5",
    schema.OVERDUE: "#e53935",
}
WIDTH = 640  # pixels; the HTML reports are read on laptops
ROW_HEIGHT = 16  # pixels per row of a chart with one row per agency
CATEGORY_COLOURS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6")


# vl-convert's loader resolves a mark's relative link (``href``) against this base; the kit's links are relative
# (an agency page beside the one that links to it), so the base is taken off again.
_VEGA_BASE = 'xlink:href="https://vega.github.io/vega-datasets/'


def use_offline_renderer() -> None:
    """Render every Altair chart of this session as an inline SVG image, made locally by ``vl-convert``.

    Altair's default renderer emits ``<script>`` tags that load Vega from a CDN; the SVG renderer needs no network
    in JupyterLab and none in the HTML report.
    """
    alt.renderers.register("forecast-svg", lambda spec, **_: {"image/svg+xml": svg_of(spec)})
    alt.renderers.enable("forecast-svg")


# Text is what costs in vl-convert: it measures every string through a font engine (1-3 ms each), and a positive
# length limit on a label or title measures it once more to see whether to cut it with "...". The kit's charts cut
# nothing (names are shown whole), so no limit: the same SVG, a third less time for a chart with a time axis and a
# legend. A chart's own config still wins.
NO_TEXT_LIMITS = {
    "axis": {"labelLimit": 0, "titleLimit": 0},
    "legend": {"labelLimit": 0, "titleLimit": 0},
    "title": {"limit": 0},
}


def svg_of(spec: dict) -> str:
    """A Vega-Lite spec as an SVG document (a string), rendered locally by ``vl-convert``; links stay relative.
    Labels and titles are not cut to a length (:data:`NO_TEXT_LIMITS`) unless the spec's config says so; axis numbers
    are written in the process's language (:func:`forecast.present.i18n.chart_numbers`)."""
    config = spec.get("config", {})
    spec = {**spec, "config": {**config, **{k: {**v, **config.get(k, {})} for k, v in NO_TEXT_LIMITS.items()}}}
    locale = chart_numbers()
    options = {"formatLocale": locale} if locale else None
    bundle = spec_to_mimebundle(spec, format="svg", mode="vega-lite", engine="vl-convert", embed_options=options)
    svg = (bundle[0] if isinstance(bundle, tuple) else bundle)["image/svg+xml"]
    return svg.replace(_VEGA_BASE, 'xlink:href="')


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document (a string), rendered locally by ``vl-convert``."""
    return svg_of(chart.to_dict())


def keyed_colour(field: str, keys: Sequence[str], colours: Sequence[str], **legend: Any) -> alt.Color:
    """A colour encoding of ``field`` (an altair shorthand such as ``"kind:N"``) with each of ``keys`` in its own
    colour, in that order, and the legend, untitled, on top (with any other ``legend`` properties)."""
    return alt.Color(
        field,
        title=None,
        sort=list(keys),
        legend=alt.Legend(orient="top", **legend),
        scale=alt.Scale(domain=list(keys), range=list(colours)),
    )


def burnup(counts: pd.DataFrame) -> alt.Chart:
    """Tasks by status at each snapshot, stacked, with the total assigned on top.

    ``counts`` is :meth:`forecast.data.snapshots.Snapshots.status_counts`: one row per snapshot date (index), one
    column per status and ``total``.
    """
    statuses = list(STATUS_COLOURS)
    tidy = (
        counts.reindex(columns=statuses, fill_value=0)
        .rename_axis("snapshot_date")
        .reset_index()
        .melt(id_vars="snapshot_date", var_name="status", value_name="tasks")
    )
    tidy["order"] = tidy["status"].map({s: i for i, s in enumerate(statuses)})
    tidy["status"] = tidy["status"].map(status_words)
    labels = [status_words(s) for s in statuses]
    area = (
        alt.Chart(tidy)
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("snapshot_date:T", title=_("snapshot"), axis=alt.Axis(format=axis_date())),
            y=alt.Y("tasks:Q", stack="zero", title=_("tasks")),
            color=alt.Color(
                "status:N",
                sort=labels,
                title=_("status"),
                scale=alt.Scale(domain=labels, range=list(STATUS_COLOURS.values())),
            ),
            order=alt.Order("order:Q"),
        )
    )
    total = (
        alt.Chart(counts.rename_axis("snapshot_date").reset_index()[["snapshot_date", "total"]])
        .mark_line(color="black", strokeDash=[4, 3])
        .encode(x="snapshot_date:T", y="total:Q")
    )
    return (area + total).properties(
        width=WIDTH, height=300, title=_("Tasks by status at each snapshot (dashed line: every task)")
    )


def published_vs_tasks(comparison: pd.DataFrame) -> alt.Chart:
    """Each comparable published figure beside the task-level count, one row each.

    ``comparison`` is :func:`forecast.present.tables.published_comparison`; figures without a task-level count are left
    out."""
    rows = comparison.dropna(subset=["task_level"]).copy()
    rows["figure"] = (
        pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d")
        + " "
        + rows["scope"].map(_)
        + " "
        + rows["metric"].map(lambda m: _(str(m).replace("_", " ")))
        + rows["agency"].map(lambda a: f" ({agency_name(a)})" if a else "")
    )
    rows = rows[["figure", "published", "task_level"]].astype({"task_level": "float64"})
    tidy = rows.melt(id_vars="figure", var_name="count", value_name="tasks")
    kinds = [_("published figure"), _("task-level count")]
    tidy["count"] = tidy["count"].map({"published": kinds[0], "task_level": kinds[1]})
    return (
        alt.Chart(tidy)
        .mark_point(size=90, strokeWidth=2, opacity=1)
        .encode(
            y=alt.Y("figure:N", sort=None, title=None, axis=alt.Axis(labelLimit=420)),
            x=alt.X("tasks:Q", title=_("tasks (symmetric log scale)"), scale=alt.Scale(type="symlog")),
            color=keyed_colour("count:N", kinds, ["black", "#1e88e5"]),
            shape=alt.Shape(
                "count:N", sort=kinds, scale=alt.Scale(domain=kinds, range=["circle", "diamond"]), legend=None
            ),
        )
        .properties(width=WIDTH - 240, title=_("Published figures beside the task-level counts"))
    )


def agency_rates(table: pd.DataFrame, top: int | None = None) -> alt.Chart:
    """Each agency's completion-rate multiplier: raw (observed / expected completions) and partially pooled (with a
    +-2 sd bar). ``table`` is :meth:`forecast.models.HazardModel.agency_table`; every agency is shown unless ``top``
    picks the agencies with the most expected completions, and the title says how many of how many."""
    rows = (table if top is None else table.nlargest(top, "expected")).copy()
    # pooled_sd is the posterior sd of the log multiplier: the +-2 sd band is multiplicative
    rows["low"] = (rows["pooled_multiplier"] * np.exp(-2 * rows["pooled_sd"])).clip(lower=0.05)
    rows["high"] = (rows["pooled_multiplier"] * np.exp(2 * rows["pooled_sd"])).clip(upper=20)
    rows["raw"] = rows["raw_multiplier"].clip(0.05, 20)  # a raw zero still shows, at the left edge
    rows["agency"] = rows["agency"].map(agency_name)
    order = rows.sort_values("pooled_multiplier")["agency"].tolist()
    x_scale = alt.Scale(type="log", domain=[0.05, 20], nice=False, clamp=True)
    kinds = [_("pooled (±2 sd)"), _("raw")]
    base = alt.Chart(rows).encode(y=alt.Y("agency:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)))
    bars = base.mark_rule(color="#1e88e5").encode(
        x=alt.X("low:Q", scale=x_scale, title=_("rate multiplier (log)")), x2="high:Q"
    )
    points = (
        base.transform_fold(["pooled_multiplier", "raw"], as_=["kind", "rate"])
        .transform_calculate(kind=f"datum.kind == 'raw' ? '{kinds[1]}' : '{kinds[0]}'")
        .mark_point(size=60, filled=True, opacity=1)
        .encode(
            x="rate:Q",
            color=keyed_colour("kind:N", kinds, ["#1e88e5", "black"]),
            shape=alt.Shape(
                "kind:N", sort=kinds, legend=None, scale=alt.Scale(domain=kinds, range=["circle", "diamond"])
            ),
        )
    )
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 3], color="grey").encode(x="x:Q")
    shown = (
        _("all {n} agencies").format(n=number(len(rows)))
        if len(rows) == len(table)
        else _("{n} of {total} agencies").format(n=number(len(rows)), total=number(len(table)))
    )
    return (bars + points + one).properties(
        width=WIDTH - 200,
        height=ROW_HEIGHT * len(rows),
        title=_("Completion rate against the portfolio's ({shown}; 1 = the portfolio rate)").format(shown=shown),
    )


def survival_curves(km: pd.DataFrame, top: int = 6) -> alt.LayerChart:
    """Kaplan-Meier curves (share of tasks still open by days since assignment) with their pointwise 95 % bands,
    "All tasks" in black plus the ``top`` agencies with the most tasks, each labelled with its tasks. ``km`` is
    :func:`forecast.present.tables.kaplan_meier`, whose curves already stop where fewer than
    :data:`forecast.present.tables.MIN_AT_RISK` tasks remain at risk (a curve must not drop to 0 on one task)."""
    sizes = km.groupby("group", sort=False)["tasks"].first()
    groups = ["All tasks", *[g for g in sizes.sort_values(ascending=False).index if g != "All tasks"][:top]]
    rows = km.loc[km["group"].isin(groups)].copy()
    names = {
        g: _("{group} ({n} tasks)").format(
            group=_("All tasks") if g == "All tasks" else agency_name(g), n=number(sizes[g])
        )
        for g in groups
    }
    rows["curve"] = rows["group"].map(names)
    domain = [names[g] for g in groups]
    colour = alt.Color(
        "curve:N",
        sort=domain,
        title=None,
        legend=alt.Legend(labelLimit=0, orient="right"),
        scale=alt.Scale(domain=domain, range=["black", *CATEGORY_COLOURS][: len(domain)]),
    )
    base = alt.Chart(rows).encode(x=alt.X("days:Q", title=_("days since assigned")), color=colour)
    band = base.mark_area(interpolate="step-after", opacity=0.12).encode(
        y=alt.Y("lower:Q", title=_("share still open (95 % band)"), scale=alt.Scale(domain=[0, 1])), y2="upper:Q"
    )
    line = base.mark_line(interpolate="step-after").encode(
        y="survival:Q", strokeWidth=alt.condition(alt.datum.group == "All tasks", alt.value(3), alt.value(1.5))
    )
    return (band + line).properties(
        width=WIDTH - 160, height=300, title=_("Kaplan-Meier: share of tasks still open, by days since assigned")
    )


def deadline_effect(coefficients: pd.DataFrame) -> alt.LayerChart:
    """Hazard ratios of the days-to-deadline bands (reference: due in more than 90 days) with 95 % intervals.
    ``coefficients`` is :meth:`forecast.models.hazard.HazardModel.coefficients`."""
    return _ratios(
        coefficients.loc[coefficients["group"] == "deadline"],
        _("days to the task's own deadline"),
        _("hazard ratio vs due in >90 days (log)"),
        _("The deadline pull: completion hazard by days to deadline"),
    )


def calendar_effects(coefficients: pd.DataFrame) -> alt.LayerChart:
    """Hazard ratios of the programme's milestones (days to the next one), 95 % intervals. (The year end is the
    year-end regime's: :mod:`forecast.models.year_end`.)"""
    rows = coefficients.loc[coefficients["group"].isin(["milestone"])]
    return _ratios(rows, None, _("hazard ratio (log; 1 = no effect)"), _("Milestones: completion hazard multipliers"))


def _ratios(rows: pd.DataFrame, y_title: str | None, x_title: str, title: str) -> alt.LayerChart:
    rows = rows.assign(term=rows["term"].map(term_words))
    base = alt.Chart(rows).encode(y=alt.Y("term:N", sort=None, title=y_title, axis=alt.Axis(labelLimit=240)))
    scale = alt.Scale(type="log")
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="grey", strokeDash=[3, 3]).encode(x="x:Q")
    return (
        base.mark_rule().encode(x=alt.X("hr_low:Q", scale=scale, title=x_title), x2="hr_high:Q")
        + base.mark_circle(size=80, opacity=1).encode(x="hazard_ratio:Q")
        + one
    ).properties(width=WIDTH - 160, title=title)


def pace(table: pd.DataFrame) -> alt.LayerChart:
    """The portfolio's pace by snapshot period (the random walk the forecast carries on, 80 % band) and each
    period's own pace (dots). ``table`` is :meth:`forecast.models.hazard.HazardModel.pace`."""
    base = alt.Chart(table).encode(
        x=alt.X("start:T", title=_("snapshot period starting"), axis=alt.Axis(format=axis_date()))
    )
    band = base.mark_area(opacity=0.2, color="#1e88e5").encode(
        y=alt.Y("low:Q", title=_("completion pace (x the first period's)"), scale=alt.Scale(type="log")), y2="high:Q"
    )
    walk = base.mark_line(color="#0d47a1").encode(y="multiplier:Q")
    own = base.mark_circle(color="#0d47a1", size=25, opacity=0.6).encode(y="with_noise:Q")
    return (band + walk + own).properties(width=WIDTH, height=220, title=_("The portfolio's pace, period by period"))


def model_comparison(models: pd.DataFrame) -> alt.Chart:
    """Each model's mean slips (dot) and P10-P90 interval (bar). ``models`` is
    :func:`forecast.combine.compare_models`."""
    base = alt.Chart(models.dropna(subset=["mean"]).assign(model=lambda f: f["model"].map(_))).encode(
        y=alt.Y("model:N", sort=None, title=None)
    )
    return (
        base.mark_rule(strokeWidth=3).encode(
            x=alt.X("p10:Q", title=_("tasks that slip (dot: mean; bar: P10–P90)"), scale=alt.Scale(zero=True)),
            x2="p90:Q",
        )
        + base.mark_circle(size=120, opacity=1, color="#b71c1c").encode(x="mean:Q")
    ).properties(width=WIDTH - 120, title=_("Slips by model"))


def reliability_chart(table: pd.DataFrame) -> alt.Chart:
    """Predicted P(slip) against the observed share per bin, sized by tasks; the diagonal is perfect calibration.
    ``table`` is :func:`forecast.evaluation.scores.reliability`."""
    rows = table.loc[table["tasks"] > 0]
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]}))
        .mark_line(strokeDash=[4, 3], color="grey")
        .encode(x="x:Q", y="y:Q")
    )
    points = (
        alt.Chart(rows)
        .mark_circle(opacity=1, color="#1e88e5")
        .encode(
            x=alt.X("predicted:Q", title=_("predicted P(slip)"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("observed:Q", title=_("share that slipped"), scale=alt.Scale(domain=[0, 1])),
            size=alt.Size("tasks:Q", title=_("tasks")),
        )
    )
    return (diagonal + points).properties(width=320, height=320, title=_("Reliability of the per-task P(slip)"))


def pit_chart(histogram: pd.DataFrame) -> alt.Chart:
    """The non-randomised PIT histogram; the dashed line is the flat height of a calibrated forecast.
    ``histogram`` is :func:`forecast.evaluation.scores.pit_histogram`."""
    flat = 1 / len(histogram)
    bars = (
        alt.Chart(histogram)
        .mark_bar(color="#78909c")
        .encode(
            x=alt.X("bin_low:Q", bin="binned", title=_("PIT")),
            x2="bin_high:Q",
            y=alt.Y("share:Q", title=_("share of cutoffs")),
        )
    )
    line = alt.Chart(pd.DataFrame({"y": [flat]})).mark_rule(strokeDash=[4, 3]).encode(y="y:Q")
    return (bars + line).properties(width=320, height=220, title=_("PIT histogram (flat = calibrated)"))


def backtest_scores(frame: pd.DataFrame) -> alt.Chart:
    """CRPS of each model at each cutoff. ``frame`` is :attr:`forecast.evaluation.backtest.Backtest.frame`."""
    return (
        alt.Chart(frame.assign(model=frame["model"].map(lambda m: _(str(m)))))
        .mark_line(point=True)
        .encode(
            x=alt.X("cutoff:T", title=_("cutoff"), axis=alt.Axis(format=axis_date())),
            y=alt.Y("crps:Q", title=_("CRPS (slips)")),
            color=alt.Color("model:N", title=_("model")),
        )
        .properties(width=WIDTH, height=240, title=_("Backtest CRPS by cutoff (lower is better)"))
    )
