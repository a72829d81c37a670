"""What the planner's explorer shows of an :class:`~forecast.present.explorer.Outcome`: the headline and the agency
table as HTML, the two charts, a note; in the process's language (:mod:`forecast.present.i18n`: the view speaks its
params' language around each call, :class:`forecast.present.explorer_view.ExplorerView`).

Classes, ids and ``data-`` attributes are the same in every language (the browser test and the bench read them);
agencies are shown by :func:`~forecast.present.i18n.agency_name` (the data's names stay in the saved files).
"""

from __future__ import annotations

from datetime import date
from html import escape

import altair as alt
import pandas as pd

from forecast.present.charts import keyed_colour, svg_of
from forecast.present.explorer import Outcome
from forecast.present.forecast_charts import SCENARIO_COLOURS
from forecast.present.i18n import N_, agency_name, day, number
from forecast.present.i18n import gettext as _
from forecast.present.scenario_words import lever_words

WITH_LEVERS = N_("with the levers")


def note(text: str, colour: str) -> str:
    """A line of HTML with a coloured bar on its left (a warning, an error, a saved file)."""
    return f"<div style='border-left:4px solid {colour};padding:4px 10px;margin:4px 0'>{text}</div>"


def svg(chart: alt.TopLevelMixin) -> str:
    return svg_of(chart.to_dict())


def _n(value: float, digits: int = 1, signed: bool = False) -> str:
    """A number as the page shows it (:func:`forecast.present.i18n.number`), with a real minus sign."""
    return number(value, digits, signed).replace("-", "−")


def _between(low: float, high: float) -> str:
    return _("{low} to {high}").format(low=_n(low, 0), high=_n(high, 0))


def headline_html(outcome: Outcome, deadline: date, updates: int = 0) -> str:
    """The headline: expected slips and their 80 % interval, and the paired difference from the baseline. The
    ``data-`` attributes hold the numbers as ``forecast scenario --json`` rounds them, and the setting they answer
    (the levers as the commands describe them)."""
    h = outcome.headline()
    d = h["difference"]
    base = outcome.baseline.totals.mean()
    change = (
        _("<b>{change}</b> tasks from the baseline's {baseline} (80 % of runs: {low} to {high}, run by run)").format(
            change=_n(d["mean"], signed=d["mean"] > 0), baseline=_n(base), low=_n(d["p10"], 0), high=_n(d["p90"], 0)
        )
        if outcome.result is not None
        else _("The baseline: no lever is moved.")
    )
    data = {
        "mean": h["mean"],
        "p10": h["p10"],
        "p90": h["p90"],
        "difference": d["mean"],
        "difference-p10": d["p10"],
        "difference-p90": d["p90"],
        "open": h["open_tasks"],
        "updates": updates,
        "setting": "; ".join(lever.describe() for lever in outcome.scenario.levers) if outcome.scenario else "",
    }
    attributes = " ".join(f"data-{key}='{escape(str(value), quote=True)}'" for key, value in data.items())
    big = "font-size:30px;font-weight:bold;line-height:1.2"
    small = "font-size:16px;font-weight:normal"
    of_open = _("of {open} open tasks").format(open=_n(h["open_tasks"], 0))
    lines = [
        ("color:#555", _("Expected tasks slipping past {deadline}").format(deadline=day(deadline))),
        (big, f"<span class='explorer-mean'>{_n(h['mean'])}</span> <span style='{small}'>{of_open}</span>"),
        ("", _("80 % interval: {low} to {high} tasks").format(low=_n(h["p10"], 0), high=_n(h["p90"], 0))),
        (
            "margin-top:4px",
            _("Change: {change}").format(change=f"<span class='explorer-difference'>{change}</span>"),
        ),
    ]
    if outcome.scenario is not None:  # the setting these numbers answer, as the scenarios page words it
        levers = "; ".join(escape(lever_words(lever)) for lever in outcome.scenario.levers)
        lines.append(("color:#777;font-size:12px", _("Levers: {levers}").format(levers=levers)))
    inner = "".join(f"<div style='{style}'>{text}</div>" for style, text in lines)
    return f"<div class='explorer-headline' {attributes}>{inner}</div>"


def agency_html(outcome: Outcome) -> str:
    """The agency table as HTML: open tasks, expected slips without and with the levers, the change."""
    frame = outcome.agency_table()
    head = [
        _("Agency"),
        _("Open tasks"),
        _("Slips, baseline"),
        _("Slips, with the levers"),
        _("Change"),
        _("Change in 80 % of runs"),
    ]
    cell = "padding:2px 8px;border-bottom:1px solid #eee"
    rows = []
    for r in frame.itertuples():
        colour = "#2e7d32" if r.difference < -0.005 else "#e53935" if r.difference > 0.005 else "#777"
        rows.append(
            f"<tr><td style='{cell}'>{escape(agency_name(r.agency))}</td>"
            + "".join(
                f"<td style='{cell};text-align:right'>{v}</td>"
                for v in (number(r.open), _n(r.slip_baseline), _n(r.slip_scenario))
            )
            + f"<td style='{cell};text-align:right;color:{colour}'>{_n(r.difference)}</td>"
            + f"<td style='{cell};text-align:right'>{_between(r.difference_p10, r.difference_p90)}</td></tr>"
        )
    header = "".join(f"<th style='{cell};text-align:left'>{h}</th>" for h in head)
    return (
        "<div style='max-height:380px;overflow-y:auto;border:1px solid #eee'>"
        "<table class='explorer-agencies' style='border-collapse:collapse;font-size:13px'>"
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def distribution_chart(outcome: Outcome) -> alt.Chart:
    """How often each number of slips occurs: with the levers over the baseline (the same runs)."""
    frames = []
    series = {_("baseline"): outcome.result.baseline if outcome.result else outcome.baseline}
    if outcome.result is not None:
        series[_(WITH_LEVERS)] = outcome.forecast
    for label, forecast in series.items():
        counts = pd.Series(forecast.totals).value_counts(normalize=True).sort_index()
        frames.append(pd.DataFrame({"series": label, "slips": counts.index.astype(int), "share": counts.to_numpy()}))
    data = pd.concat(frames, ignore_index=True)
    return (
        alt.Chart(data)
        .mark_bar(opacity=0.55, binSpacing=0)
        .encode(
            x=alt.X("slips:Q", title=_("tasks slipping past the deadline"), bin=alt.Bin(step=5)),
            y=alt.Y("sum(share):Q", stack=None, title=_("share of runs"), axis=alt.Axis(format="%")),
            color=keyed_colour("series:N", list(series), list(SCENARIO_COLOURS.values())[: len(series)]),
        )
        .properties(width=560, height=130, title=_("Slips in each run, with the levers over the baseline"))
    )


def agency_chart(outcome: Outcome, top: int = 8) -> alt.LayerChart | alt.FacetChart:
    """The agencies whose expected slips change most: the mean change (bar) and 80 % of the runs' changes (line)."""
    frame = outcome.agency_table()
    frame = frame.loc[frame["difference"].abs().sort_values(ascending=False).index].head(top)
    ways = [_("fewer slips"), _("more slips")]
    frame = frame.assign(
        way=frame["difference"].map(lambda d: ways[0] if d < 0 else ways[1]), agency=frame["agency"].map(agency_name)
    )
    y = alt.Y("agency:N", sort=list(frame["agency"]), title=None, axis=alt.Axis(labelLimit=0))
    bars = (
        alt.Chart(frame)
        .mark_bar(opacity=0.8)
        .encode(
            y=y,
            x=alt.X("difference:Q", title=_("change in expected slips (line: 80 % of the runs' changes)")),
            color=keyed_colour("way:N", ways, ["#2e7d32", "#e53935"]),
        )
    )
    rules = alt.Chart(frame).mark_rule(color="black").encode(y=y, x="difference_p10:Q", x2="difference_p90:Q")
    return alt.layer(bars, rules).properties(width=330, height=alt.Step(18), title=_("Agencies that change most"))
