"""Altair charts for the notebooks and the report index: small pure functions that take a tidy frame and return a
chart, plus the two switches that keep every chart offline.

Charts render as inline SVG through ``vl-convert`` (no JavaScript, no CDN), both in JupyterLab and in the HTML
reports: notebooks call :func:`use_offline_renderer` once, the index embeds :func:`to_svg` output.
"""

from __future__ import annotations

import io

import altair as alt
import numpy as np
import pandas as pd

from . import schema

# Status colours: completed in greens, open work in blue/red, regular in grey. The order is the stacking order.
STATUS_COLOURS = {
    schema.COMPLETED_ON_TIME: "#2e7d32",
    schema.COMPLETED_LATE: "#9ccc65",
    schema.REGULAR: "#b0bec5",
    schema.IN_PROGRESS: "#1e88e5",
    schema.OVERDUE: "#e53935",
}
WIDTH = 640  # pixels; the HTML reports are read on laptops
CATEGORY_COLOURS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6")


def use_offline_renderer() -> None:
    """Render every Altair chart of this session as an inline SVG image, made locally by ``vl-convert``.

    Altair's default renderer emits ``<script>`` tags that load Vega from a CDN; the SVG renderer needs no network
    in JupyterLab and none in the HTML report.
    """
    alt.renderers.enable("svg")


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document (a string), rendered locally by ``vl-convert``."""
    buffer = io.StringIO()
    chart.save(buffer, format="svg")
    return buffer.getvalue()


def burnup(counts: pd.DataFrame) -> alt.Chart:
    """Tasks by status at each snapshot, stacked, with the total assigned on top.

    ``counts`` is :meth:`forecast.Snapshots.status_counts`: one row per snapshot date (index), one column per
    status and ``total``.
    """
    statuses = list(STATUS_COLOURS)
    tidy = (counts.reindex(columns=statuses, fill_value=0).rename_axis("snapshot_date").reset_index()
            .melt(id_vars="snapshot_date", var_name="status", value_name="tasks"))
    tidy["order"] = tidy["status"].map({s: i for i, s in enumerate(statuses)})
    area = alt.Chart(tidy).mark_area(opacity=0.85).encode(
        x=alt.X("snapshot_date:T", title="snapshot"),
        y=alt.Y("tasks:Q", stack="zero", title="tasks"),
        color=alt.Color("status:N", sort=statuses, title="status",
                        scale=alt.Scale(domain=statuses, range=list(STATUS_COLOURS.values()))),
        order=alt.Order("order:Q"),
        tooltip=["snapshot_date:T", "status:N", "tasks:Q"],
    )
    total = alt.Chart(counts.rename_axis("snapshot_date").reset_index()[["snapshot_date", "total"]]).mark_line(
        color="black", strokeDash=[4, 3]).encode(x="snapshot_date:T", y="total:Q")
    return (area + total).properties(width=WIDTH, height=300, title="Tasks by status at each snapshot (dashed: total)")


def published_vs_tasks(comparison: pd.DataFrame) -> alt.Chart:
    """Each comparable published figure (hollow black ring) beside the task-level count (blue dot), one row each.

    ``comparison`` is :func:`forecast.tables.published_comparison`; figures without a task-level count are left out.
    """
    rows = comparison.dropna(subset=["task_level"]).copy()
    rows["figure"] = (pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d") + " " + rows["scope"] + " "
                      + rows["metric"] + rows["agency"].map(lambda a: f" ({a})" if a else ""))
    rows = rows[["figure", "published", "task_level", "difference"]].astype({"task_level": "float64",
                                                                             "difference": "float64"})
    base = alt.Chart(rows).encode(y=alt.Y("figure:N", sort=None, title=None, axis=alt.Axis(labelLimit=420)))
    tooltip = ["figure:N", "published:Q", "task_level:Q", "difference:Q"]
    published = base.mark_point(size=140, color="black", filled=False, strokeWidth=2).encode(
        x=alt.X("published:Q", title="tasks (symmetric log scale)", scale=alt.Scale(type="symlog")), tooltip=tooltip)
    task_level = base.mark_circle(size=50, color="#1e88e5", opacity=1).encode(x="task_level:Q", tooltip=tooltip)
    return (published + task_level).properties(
        width=WIDTH - 240, title="Published figures (black rings) beside the task-level counts (blue dots)")


def headline_trend(runs: pd.DataFrame) -> alt.Chart:
    """How each numeric headline figure moved across report runs.

    ``runs`` is long: one row per run and figure, columns ``started`` (datetime, UTC), ``scenario``, ``figure``,
    ``value``.
    """
    return alt.Chart(runs).mark_line(point=True).encode(
        x=alt.X("started:T", title="run (UTC)"),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("figure:N", title="headline"),
        strokeDash=alt.StrokeDash("scenario:N", title="scenario"),
        tooltip=["started:T", "scenario:N", "figure:N", "value:Q"],
    ).properties(width=WIDTH, height=220, title="Headline figures across runs")


def agency_rates(table: pd.DataFrame, top: int = 30) -> alt.Chart:
    """Each agency's completion-rate multiplier: raw (observed / expected completions, hollow) and partially pooled
    (filled, with a +-2 sd bar). ``table`` is :meth:`forecast.models.HazardModel.agency_table`; the ``top`` agencies
    by expected completions are shown, so the noisiest small ones are still visible next to the big ones."""
    rows = table.nlargest(top, "expected").copy()
    # pooled_sd is the posterior sd of the log multiplier: the +-2 sd band is multiplicative
    rows["low"] = (rows["pooled_multiplier"] * np.exp(-2 * rows["pooled_sd"])).clip(lower=0.05)
    rows["high"] = (rows["pooled_multiplier"] * np.exp(2 * rows["pooled_sd"])).clip(upper=20)
    rows["raw"] = rows["raw_multiplier"].clip(0.05, 20)  # a raw zero still shows, at the left edge
    order = rows.sort_values("pooled_multiplier")["agency"].tolist()
    x_scale = alt.Scale(type="log", domain=[0.05, 20], nice=False, clamp=True)
    base = alt.Chart(rows).encode(y=alt.Y("agency:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)))
    tooltip = ["agency:N", "completions:Q", alt.Tooltip("expected:Q", format=".1f"),
               alt.Tooltip("raw_multiplier:Q", format=".2f"), alt.Tooltip("pooled_multiplier:Q", format=".2f")]
    bars = base.mark_rule(color="#1e88e5").encode(x=alt.X("low:Q", scale=x_scale, title="rate multiplier (log)"),
                                                  x2="high:Q")
    pooled = base.mark_circle(size=70, color="#1e88e5", opacity=1).encode(x="pooled_multiplier:Q", tooltip=tooltip)
    raw = base.mark_point(size=60, color="black", shape="diamond").encode(x="raw:Q", tooltip=tooltip)
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 3], color="grey").encode(x="x:Q")
    return (bars + pooled + raw + one).properties(
        width=WIDTH - 200, title="Completion rate vs the portfolio: raw (black diamonds) and pooled (blue, ±2 sd)")


def survival_curves(km: pd.DataFrame, top: int = 8) -> alt.Chart:
    """Kaplan-Meier curves (share of tasks still open by days since assignment), "All tasks" in black plus the
    ``top`` agencies with the most tasks. ``km`` is :func:`forecast.models.survival.kaplan_meier`."""
    groups = ["All tasks", *[g for g in km["group"].value_counts().index if g != "All tasks"][:top]]
    rows = km.loc[km["group"].isin(groups)]
    return alt.Chart(rows).mark_line(interpolate="step-after").encode(
        x=alt.X("days:Q", title="days since assigned"),
        y=alt.Y("survival:Q", title="share still open", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("group:N", sort=groups, title=None,
                        scale=alt.Scale(domain=groups, range=["black", *CATEGORY_COLOURS][: len(groups)])),
        strokeWidth=alt.condition(alt.datum.group == "All tasks", alt.value(3), alt.value(1.5)),
        tooltip=["group:N", "days:Q", alt.Tooltip("survival:Q", format=".2f")],
    ).properties(width=WIDTH, height=300, title="Kaplan-Meier: share of tasks still open")


def deadline_effect(coefficients: pd.DataFrame) -> alt.LayerChart:
    """Hazard ratios of the days-to-deadline bands (reference: due in more than 90 days) with 95 % intervals.
    ``coefficients`` is :meth:`forecast.models.hazard.HazardModel.coefficients`."""
    return _ratios(coefficients.loc[coefficients["group"] == "deadline"], "days to the task's own deadline",
                   "hazard ratio vs due in >90 days (log)",
                   "The deadline pull: completion hazard by days to deadline")


def calendar_effects(coefficients: pd.DataFrame) -> alt.LayerChart:
    """Hazard ratios of the programme's milestones (days to the next one) and of the year-end window, 95 %
    intervals. The year-end's is its prior unless the history holds an earlier year-end."""
    rows = coefficients.loc[coefficients["group"].isin(["milestone", "year-end"])]
    return _ratios(rows, None, "hazard ratio (log; 1 = no effect)",
                   "Milestones and the year-end: completion hazard multipliers")


def _ratios(rows: pd.DataFrame, y_title: str | None, x_title: str, title: str) -> alt.LayerChart:
    base = alt.Chart(rows).encode(y=alt.Y("term:N", sort=None, title=y_title, axis=alt.Axis(labelLimit=240)))
    scale = alt.Scale(type="log")
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="grey", strokeDash=[3, 3]).encode(x="x:Q")
    return (base.mark_rule().encode(x=alt.X("hr_low:Q", scale=scale, title=x_title), x2="hr_high:Q")
            + base.mark_circle(size=80, opacity=1).encode(x="hazard_ratio:Q")
            + one).properties(width=WIDTH - 160, title=title)


def pace(table: pd.DataFrame) -> alt.LayerChart:
    """The portfolio's pace by snapshot period (the random walk the forecast carries on, 80 % band) and each
    period's own pace (dots). ``table`` is :meth:`forecast.models.hazard.HazardModel.pace`."""
    base = alt.Chart(table).encode(x=alt.X("start:T", title="snapshot period starting"))
    band = base.mark_area(opacity=0.2, color="#1e88e5").encode(
        y=alt.Y("low:Q", title="completion pace (x the first period's)", scale=alt.Scale(type="log")), y2="high:Q")
    walk = base.mark_line(color="#0d47a1").encode(y="multiplier:Q")
    own = base.mark_circle(color="#0d47a1", size=25, opacity=0.6).encode(y="with_noise:Q")
    return (band + walk + own).properties(width=WIDTH, height=220,
                                          title="The portfolio's pace, week by week (line: the trend carried on)")


def fan(over_time: pd.DataFrame) -> alt.Chart:
    """Open tasks still open from the as-of date to the deadline: mean line and P10-P90 band.
    ``over_time`` is :func:`forecast.simulate.still_open_path`."""
    base = alt.Chart(over_time).encode(x=alt.X("date:T", title=None))
    band = base.mark_area(opacity=0.25, color="#e53935").encode(
        y=alt.Y("p10:Q", title="open tasks still open", scale=alt.Scale(zero=True)), y2="p90:Q")
    line = base.mark_line(point=True, color="#b71c1c").encode(
        y="mean:Q", tooltip=["date:T", alt.Tooltip("mean:Q", format=".0f"), "p10:Q", "p90:Q"])
    return (band + line).properties(width=WIDTH, height=260, title="Open tasks to the deadline (band: P10-P90)")


def convergence(by_date: pd.DataFrame) -> alt.Chart:
    """The slip forecast by as-of date (mean and P10-P90) beside the open tasks: how the answer converged as the
    snapshots came in. ``by_date`` is :func:`forecast.predict.by_as_of`."""
    base = alt.Chart(by_date).encode(x=alt.X("as_of:T", title="as of"))
    tooltip = [alt.Tooltip("as_of:T"), "open_tasks:Q", alt.Tooltip("mean:Q", format=".0f"), "p10:Q", "p90:Q"]
    return (base.mark_line(color="#90a4ae", strokeDash=[4, 3]).encode(y=alt.Y("open_tasks:Q", title="tasks"))
            + base.mark_rule(strokeWidth=3, color="#e53935").encode(y="p10:Q", y2="p90:Q")
            + base.mark_circle(size=80, opacity=1, color="#b71c1c").encode(y="mean:Q", tooltip=tooltip)
            ).properties(width=WIDTH, height=260,
                         title="Slips forecast by as-of date (red: mean and P10-P90; grey: open tasks)")


def agency_slips(by_agency: pd.DataFrame, top: int = 20) -> alt.Chart:
    """Expected slips per agency (bar) with the P10-P90 interval, beside its open tasks (light bar).
    ``by_agency`` is :meth:`forecast.simulate.SlipForecast.by_agency`."""
    rows = by_agency.head(top)
    order = rows["agency"].tolist()
    base = alt.Chart(rows).encode(y=alt.Y("agency:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)))
    tooltip = ["agency:N", "open:Q", alt.Tooltip("slip_mean:Q", format=".1f"), "slip_p10:Q", "slip_p90:Q"]
    return (base.mark_bar(color="#cfd8dc").encode(x=alt.X("open:Q", title="tasks"), tooltip=tooltip)
            + base.mark_bar(color="#e53935", height=8).encode(x="slip_mean:Q", tooltip=tooltip)
            + base.mark_rule(color="black").encode(x="slip_p10:Q", x2="slip_p90:Q")
            ).properties(width=WIDTH - 200,
                         title=f"Expected slips by agency (red, black: P10-P90) of its open tasks (grey), top {top}")


def model_comparison(models: pd.DataFrame) -> alt.Chart:
    """Each model's mean slips and P10-P90 interval. ``models`` is :func:`forecast.combine.compare_models`."""
    base = alt.Chart(models).encode(y=alt.Y("model:N", sort=None, title=None))
    tooltip = ["model:N", alt.Tooltip("mean:Q", format=".0f"), "p10:Q", "p90:Q", "open_tasks:Q"]
    return (base.mark_rule(strokeWidth=3).encode(x=alt.X("p10:Q", title="tasks that slip", scale=alt.Scale(zero=True)),
                                                 x2="p90:Q")
            + base.mark_circle(size=120, opacity=1, color="#b71c1c").encode(x="mean:Q", tooltip=tooltip)
            ).properties(width=WIDTH - 120, title="Slips by model: mean and P10-P90")


def reliability_chart(table: pd.DataFrame) -> alt.Chart:
    """Predicted P(slip) against the observed share per bin, sized by tasks; the diagonal is perfect calibration.
    ``table`` is :func:`forecast.scores.reliability`."""
    rows = table.loc[table["tasks"] > 0]
    diagonal = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(strokeDash=[4, 3], color="grey").encode(
        x="x:Q", y="y:Q")
    points = alt.Chart(rows).mark_circle(opacity=1, color="#1e88e5").encode(
        x=alt.X("predicted:Q", title="predicted P(slip)", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("observed:Q", title="share that slipped", scale=alt.Scale(domain=[0, 1])),
        size=alt.Size("tasks:Q", title="tasks"),
        tooltip=[alt.Tooltip("predicted:Q", format=".2f"), alt.Tooltip("observed:Q", format=".2f"), "tasks:Q"])
    return (diagonal + points).properties(width=320, height=320, title="Reliability of the per-task P(slip)")


def pit_chart(histogram: pd.DataFrame) -> alt.Chart:
    """The non-randomised PIT histogram; the dashed line is the flat height of a calibrated forecast.
    ``histogram`` is :func:`forecast.scores.pit_histogram`."""
    flat = 1 / len(histogram)
    bars = alt.Chart(histogram).mark_bar(color="#78909c").encode(
        x=alt.X("bin_low:Q", bin="binned", title="PIT"), x2="bin_high:Q",
        y=alt.Y("share:Q", title="share of cutoffs"), tooltip=[alt.Tooltip("share:Q", format=".3f")])
    line = alt.Chart(pd.DataFrame({"y": [flat]})).mark_rule(strokeDash=[4, 3]).encode(y="y:Q")
    return (bars + line).properties(width=320, height=220, title="PIT histogram (flat = calibrated)")


def backtest_scores(frame: pd.DataFrame) -> alt.Chart:
    """CRPS of each model at each cutoff. ``frame`` is :attr:`forecast.backtest.Backtest.frame`."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("cutoff:T", title="cutoff"), y=alt.Y("crps:Q", title="CRPS (slips)"),
        color=alt.Color("model:N", title="model"),
        tooltip=["cutoff:T", "model:N", alt.Tooltip("crps:Q", format=".2f"), "observed:Q",
                 alt.Tooltip("slip_mean:Q", format=".1f")],
    ).properties(width=WIDTH, height=240, title="Backtest CRPS by cutoff (lower is better)")


SCENARIO_COLOURS = {"baseline": "#9e9e9e", "scenario": "#1e88e5"}


def scenario_distributions(distributions: pd.DataFrame) -> alt.FacetChart:
    """Each scenario's distribution of slips (blue) over its baseline's (grey), one panel per scenario.

    ``distributions`` is :meth:`forecast.scenarios.Comparison.distributions`: columns ``scenario, series`` (
    "baseline" or "scenario"), ``slips`` and ``share`` (of runs).
    """
    series = list(SCENARIO_COLOURS)
    return alt.Chart(distributions).mark_bar(opacity=0.55, binSpacing=0).encode(
        x=alt.X("slips:Q", title="tasks slipping past the deadline", bin=alt.Bin(step=2)),
        y=alt.Y("sum(share):Q", stack=None, title="share of runs"),
        color=alt.Color("series:N", sort=series, title=None,
                        scale=alt.Scale(domain=series, range=list(SCENARIO_COLOURS.values()))),
        tooltip=["series:N", alt.Tooltip("slips:Q", bin=alt.Bin(step=2)), alt.Tooltip("sum(share):Q", format=".3f")],
    ).properties(width=WIDTH, height=110).facet(row=_scenario_row(distributions)).properties(
        title="Slips in each scenario (blue) over the baseline (grey), same runs")


def scenario_differences(summary: pd.DataFrame) -> alt.LayerChart:
    """Each scenario's difference from the baseline: the mean (dot) and the 80 % interval of the per-run difference
    (bar), with zero marked.

    ``summary`` is :meth:`forecast.scenarios.Comparison.summary`; the baseline row is left out.
    """
    rows = summary.loc[summary["scenario"] != "baseline"]
    base = alt.Chart(rows).encode(y=alt.Y("scenario:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)))
    tooltip = ["scenario:N", alt.Tooltip("difference:Q", format="+.1f"), "difference_p10:Q", "difference_p90:Q"]
    interval = base.mark_rule(strokeWidth=6, opacity=0.45, color="#1e88e5").encode(
        x=alt.X("difference_p10:Q", title="slips vs the baseline (dot: mean; bar: P10–P90 of the per-run difference)"),
        x2="difference_p90:Q", tooltip=tooltip)
    mean = base.mark_circle(size=90, color="#0d47a1", opacity=1).encode(x="difference:Q", tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="black", strokeDash=[3, 3]).encode(x="x:Q")
    return (interval + mean + zero).properties(width=WIDTH - 200, title="Difference from the baseline")


def scenario_agency_deltas(deltas: pd.DataFrame) -> alt.FacetChart:
    """Per scenario, the agencies whose slips change most: mean change (bar) and the 80 % interval of the per-run
    change (line), one panel per scenario.

    ``deltas`` is :meth:`forecast.scenarios.Comparison.agency_differences`.
    """
    tooltip = ["agency:N", "open_baseline:Q", "open_scenario:Q", alt.Tooltip("difference:Q", format="+.2f"),
               "difference_p10:Q", "difference_p90:Q"]
    y = alt.Y("agency:N", sort=alt.EncodingSortField("size", op="max", order="descending"), title=None,
              axis=alt.Axis(labelLimit=260))
    bars = alt.Chart().transform_calculate(size="abs(datum.difference)").mark_bar(opacity=0.8).encode(
        y=y, x=alt.X("difference:Q", title="change in expected slips"),
        color=alt.condition("datum.difference < 0", alt.value("#2e7d32"), alt.value("#e53935")), tooltip=tooltip)
    rules = alt.Chart().mark_rule(color="black").encode(y=y, x="difference_p10:Q", x2="difference_p90:Q")
    rules = rules.transform_calculate(size="abs(datum.difference)")
    return alt.layer(bars, rules, data=deltas).properties(width=WIDTH - 260).facet(
        row=_scenario_row(deltas)).resolve_scale(y="independent").properties(
        title="Agencies whose slips change most (green: fewer; line: P10–P90 of the per-run change)")


def _scenario_row(frame: pd.DataFrame) -> alt.Row:
    """One facet row per scenario, in the order the frame lists them."""
    return alt.Row("scenario:N", title=None, sort=list(pd.unique(frame["scenario"])),
                   header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=260))
