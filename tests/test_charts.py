import altair as alt
import pandas as pd
import pytest

from forecast import load_snapshots, paths
from forecast.config.params import DEFAULT_SCOPE_SOURCES
from forecast.data import schema
from forecast.data.published import load_published
from forecast.present import charts, tables


@pytest.fixture(scope="module")
def snaps():
    return load_snapshots(paths.SAMPLE_DIR)


def test_burnup_stacks_every_status_at_every_snapshot(snaps):
    counts = snaps.status_counts()
    chart = charts.burnup(counts)
    spec = chart.to_dict()
    area, total = spec["layer"]
    assert area["mark"]["type"] == "area" and area["encoding"]["y"]["stack"] == "zero"
    assert area["encoding"]["color"]["scale"]["domain"] == [s.replace("_", " ") for s in charts.STATUS_COLOURS]
    areas = chart.layer[0].data
    assert len(areas) == len(counts) * len(schema.STATUSES)
    last = areas.loc[areas["snapshot_date"] == counts.index[-1]].set_index("status")["tasks"]
    assert last.sum() == counts["total"].iloc[-1] == 1287
    assert total["mark"]["type"] == "line"


def test_charts_render_to_inline_svg_without_network(snaps):
    comparison = tables.published_comparison(load_published(), snaps.frame, DEFAULT_SCOPE_SOURCES)
    for chart in (charts.burnup(snaps.status_counts()), charts.published_vs_tasks(comparison)):
        svg = charts.to_svg(chart)
        assert svg.lstrip().startswith("<svg") and "role-mark" in svg
        assert "<script" not in svg and 'href="http' not in svg


def test_published_vs_tasks_shows_only_figures_the_data_can_count(snaps):
    comparison = tables.published_comparison(load_published(), snaps.frame, DEFAULT_SCOPE_SOURCES)
    chart = charts.published_vs_tasks(comparison)
    rows = chart.data.pivot(index="figure", columns="count", values="tasks").reset_index()
    rows = rows.rename(columns={"published figure": "published", "task-level count": "task_level"})
    assert len(rows) == comparison["task_level"].notna().sum()
    dec4 = rows.loc[rows["figure"] == "2025-12-04 all to finish by year end"].iloc[0]
    assert (dec4["published"], dec4["task_level"]) == (472, 472)


def test_text_from_the_data_is_escaped_in_the_svg():
    figure = pd.DataFrame(
        {
            "published": [3],
            "task_level": [4.0],
            "difference": [1.0],
            "scope": ["all"],
            "date": [pd.Timestamp("2025-12-04")],
            "metric": ["overdue"],
            "agency": ["<script>alert(1)</script>"],
        }
    )
    svg = charts.to_svg(charts.published_vs_tasks(figure))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_no_chart_carries_tooltips_or_names_colours_in_its_title(snaps):
    # static SVG has no hover: a tooltip would be dead weight, and a title spelling out colours is a legend in words
    import inspect

    from forecast.present import forecast_charts

    for module in (charts, forecast_charts):
        assert "tooltip" not in inspect.getsource(module).replace("no tooltips", "")
    chart = charts.burnup(snaps.status_counts())
    title = chart.to_dict()["title"]
    assert not any(colour in title for colour in ("red", "blue", "grey", "green", "black"))


def test_offline_renderer_emits_svg_and_no_script():
    previous = alt.renderers.active
    try:
        charts.use_offline_renderer()
        bundle = alt.renderers.get()(alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x").to_dict())
    finally:
        alt.renderers.enable(previous)
    assert "text/html" not in bundle
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")


def test_labels_are_shown_whole_unless_the_chart_sets_a_limit():
    name = "Ministry of Agriculture and Environment, Department of Science, Technology and International Cooperation"
    bars = alt.Chart(pd.DataFrame({"agency": [name, "Ha Noi"], "tasks": [3, 5]})).mark_bar()
    chart = bars.encode(y=alt.Y("agency:N", title=name), x=alt.X("tasks:Q", title=name))
    shown = f">{name}</text>"  # an axis label or title as drawn (aria labels carry the name too)
    svg = charts.to_svg(chart)
    assert svg.count(shown) == 3 and "…" not in svg
    cut = charts.to_svg(chart.configure_axis(labelLimit=80))  # the chart's own config wins: the label is cut
    assert "…</text>" in cut and cut.count(shown) == 2
