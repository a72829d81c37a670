"""Altair charts for the notebooks and the report index: small pure functions that take a tidy frame and return a
chart, plus the two switches that keep every chart offline.

Charts render as inline SVG through ``vl-convert`` (no JavaScript, no CDN), both in JupyterLab and in the HTML
reports: notebooks call :func:`use_offline_renderer` once, the index embeds :func:`to_svg` output.
"""

from __future__ import annotations

import io

import altair as alt
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
