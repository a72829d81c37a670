"""The planner's explorer on screen: a control per lever, the headline, two charts and the agency table, updated as a
lever moves, and "Save as scenario". The numbers come from :class:`forecast.present.explorer.Explorer` (the same as
``forecast scenario``); this module only draws them (ipywidgets, from the ``[lab]`` extra; Altair charts as SVG).

``explore()`` is what notebooks/06_explorer.ipynb calls (and Voilà shows): without ipywidgets it returns a message
saying what to install, not a traceback.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
from IPython.display import HTML

from forecast import paths
from forecast.config.params import Params, load_params
from forecast.data.schema import IN_PROGRESS, OVERDUE
from forecast.errors import ForecastError
from forecast.present.charts import keyed_colour, svg_of
from forecast.present.explorer import Explorer, Levers, Outcome
from forecast.present.forecast_charts import SCENARIO_COLOURS
from forecast.present.i18n import day, number
from forecast.present.scenario_words import warning_words

INSTALL = (
    "The explorer needs ipywidgets (the kit's <code>[lab]</code> extra). Install it with "
    "<code>make setup</code>, or <code>pip install -e '.[lab]'</code> in the kit's folder, then restart the kernel "
    "and run this notebook again."
)
REPORT_NOTE = (
    "The explorer is interactive: open notebooks/06_explorer.ipynb in JupyterLab (<code>make lab</code>) or as a page "
    "(<code>make explorer</code>)."
)
ANY = ""  # a dropdown's "every agency" or "all open tasks"
SAVE_TO = "FORECAST_EXPLORER_SAVE_TO"  # where "Save as scenario" writes, if not the kit's params/scenarios/
WIDE = {"description_width": "230px"}
PACE = {"min": 0.25, "max": 4.0, "step": 0.05, "value": 1.0, "readout_format": ".2f"}


def explore(
    params: Params | str | Path | None = None, run_folder: str = "", scenario_folder: str | Path | None = None
) -> Any:
    """The explorer of ``params`` (validated params, or a params file; default: the kit's params/baseline.yaml),
    saving scenarios into ``scenario_folder`` (default: ``$FORECAST_EXPLORER_SAVE_TO``, else the kit's
    params/scenarios/). Show the value it returns (a cell's last line). In a report run (``run_folder`` given) the
    explorer is not built: a report is read, not moved. Without ipywidgets: a message saying what to install."""
    if run_folder:
        return HTML(f"<p>{REPORT_NOTE}</p>")
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return HTML(f'<div style="border-left:4px solid #e53935;padding:8px 12px">{INSTALL}</div>')
    if not isinstance(params, Params):
        params = load_params(Path(params) if params else paths.PARAMS_DIR / "baseline.yaml")
    folder = scenario_folder or os.environ.get(SAVE_TO) or None
    return ExplorerView(Explorer(params), folder).widget


class ExplorerView:
    """The widgets of one explorer. ``widget`` is what to display; :meth:`update` recomputes from the controls."""

    def __init__(self, explorer: Explorer, scenario_folder: str | Path | None = None):
        import ipywidgets as w

        self.w, self.explorer, self.folder = w, explorer, scenario_folder
        ex = explorer
        self.outcome: Outcome | None = None
        self.updates = 0
        agencies = [(f"{a} ({ex.open_counts[a]} open)", a) for a in ex.agencies]
        statuses = [
            (f"overdue tasks ({ex.status_counts[OVERDUE]})", OVERDUE),
            (f"tasks in progress ({ex.status_counts[IN_PROGRESS]})", IN_PROGRESS),
            (f"all open tasks ({sum(ex.status_counts.values())})", ANY),
        ]
        every = [("every agency", ANY), *agencies]
        layout = w.Layout(width="460px")

        def slider(kind, description, **kw):
            return kind(description=description, style=WIDE, layout=layout, continuous_update=False, **kw)

        def pick(description, options, value=ANY):
            return w.Dropdown(description=description, options=options, value=value, style=WIDE, layout=layout)

        def day(description, value=None):
            return w.DatePicker(description=description, value=value, style=WIDE, layout=w.Layout(width="400px"))

        self.pace_all = slider(w.FloatSlider, "Every agency's pace ×", **PACE)
        self.pace = {a: slider(w.FloatSlider, f"{a} pace ×", **PACE) for a in ex.agencies}
        self.pace_from = day("Pace changes from")
        self.deadline_days = slider(w.IntSlider, "Move deadlines by (days)", min=0, max=180, step=5, value=0)
        self.deadline_status = pick("… of", statuses, OVERDUE)
        self.deadline_agency = pick("… held by", every)
        self.deadline_count = slider(w.IntSlider, "… how many (0 = all)", min=0, max=len(ex.question.tasks), value=0)
        self.drop_count = slider(w.IntSlider, "Drop tasks (earliest due first)", min=0, max=len(ex.question.tasks))
        self.drop_status = pick("… of", statuses, OVERDUE)
        self.drop_agency = pick("… held by", every)
        self.new_count = slider(w.IntSlider, "New tasks", min=0, max=200, value=0)
        self.new_agency = pick("… assigned to", agencies, ex.agencies[0] if ex.agencies else None)
        self.new_deadline = day("… due", ex.deadline)
        self.new_arrive = day("… assigned on (empty: now)")
        self.holiday = slider(w.FloatSlider, "Pace over the holiday ×", **{**PACE, "min": 0.1, "max": 1.0})
        self.holiday_from = day("Holiday from", max(ex.deadline - timedelta(days=7), ex.as_of))
        self.holiday_to = day("Holiday to", ex.deadline)
        self.reset = w.Button(description="Back to the baseline", icon="undo", layout=w.Layout(width="200px"))
        self.reset.on_click(lambda _: self.back_to_baseline())

        one_agency = w.VBox(list(self.pace.values()), layout=w.Layout(max_height="260px", overflow="auto"))
        by_agency = w.Accordion(children=[one_agency], titles=("Pace of one agency",), layout=layout)
        sections = [
            ("Pace", [self.pace_all, by_agency, self.pace_from]),
            ("Deadlines", [self.deadline_days, self.deadline_status, self.deadline_agency, self.deadline_count]),
            ("Dropped tasks", [self.drop_count, self.drop_status, self.drop_agency]),
            ("New tasks", [self.new_count, self.new_agency, self.new_deadline, self.new_arrive]),
            ("Holiday slowdown", [self.holiday, self.holiday_from, self.holiday_to]),
        ]
        controls: list[Any] = []
        for title, items in sections:
            controls += [w.HTML(f"<h4 style='margin:10px 0 2px'>{title}</h4>"), *items]
        controls.append(self.reset)
        self._quiet = False  # True while the controls are set together (back to the baseline)
        for control in self._controls():
            control.observe(lambda _: None if self._quiet else self.update(), names="value")

        self.headline = w.HTML()
        self.status = w.HTML()
        self.distribution = w.HTML()
        self.deltas = w.HTML()
        self.table = w.HTML()
        self.name = w.Text(description="Scenario name", value="", placeholder="e.g. Finance doubles its pace",
                           continuous_update=False,
                           style={"description_width": "120px"}, layout=w.Layout(width="460px"))  # fmt: skip
        self.description = w.Text(description="Its question", placeholder="optional: what if …?",
                                  continuous_update=False,
                                  style={"description_width": "120px"}, layout=w.Layout(width="460px"))  # fmt: skip
        self.save_button = w.Button(description="Save as scenario", icon="save", button_style="primary")
        self.save_button.on_click(lambda _: self.save())
        self.saved = w.HTML()
        save = w.VBox(
            [w.HTML("<h4 style='margin:10px 0 2px'>Save as a scenario file</h4>"), self.name, self.description,
             self.save_button, self.saved]
        )  # fmt: skip
        results = w.VBox(
            [self.headline, self.status, self.distribution, self.deltas,
             w.HTML("<h4 style='margin:10px 0 2px'>Agencies</h4>"), self.table, save],
            layout=w.Layout(width="700px", margin="0 0 0 24px"),
        )  # fmt: skip
        self.widget = w.HBox([w.VBox(controls), results])
        self.widget.add_class("forecast-explorer")
        self.update()

    def _controls(self) -> list[Any]:
        return [
            self.pace_all, *self.pace.values(), self.pace_from, self.deadline_days, self.deadline_status,
            self.deadline_agency, self.deadline_count, self.drop_count, self.drop_status, self.drop_agency,
            self.new_count, self.new_agency, self.new_deadline, self.new_arrive, self.holiday, self.holiday_from,
            self.holiday_to,
        ]  # fmt: skip

    def levers(self) -> Levers:
        """The controls' setting."""
        return Levers(
            pace_all=self.pace_all.value,
            pace={a: s.value for a, s in self.pace.items()},
            pace_from=self.pace_from.value,
            deadline_days=self.deadline_days.value,
            deadline_status=self.deadline_status.value or None,
            deadline_agency=self.deadline_agency.value or None,
            deadline_count=self.deadline_count.value,
            drop_count=self.drop_count.value,
            drop_status=self.drop_status.value or None,
            drop_agency=self.drop_agency.value or None,
            new_count=self.new_count.value,
            new_agency=self.new_agency.value,
            new_deadline=self.new_deadline.value,
            new_arrive=self.new_arrive.value,
            holiday=self.holiday.value,
            holiday_from=self.holiday_from.value,
            holiday_to=self.holiday_to.value,
        )

    def back_to_baseline(self) -> None:
        self._quiet = True
        try:
            for s in (self.pace_all, *self.pace.values(), self.holiday):
                s.value = 1.0
            for s in (self.deadline_days, self.deadline_count, self.drop_count, self.new_count):
                s.value = 0
        finally:
            self._quiet = False
        self.update()

    def update(self) -> None:
        """Recompute from the controls and redraw: the numbers first, then the charts."""
        start = time.perf_counter()
        try:
            outcome = self.explorer.evaluate(self.levers())
        except ForecastError as e:
            self.status.value = _note(f"This setting cannot be simulated: {escape(str(e))}", "#e53935")
            return
        self.outcome = outcome
        self.updates += 1
        self.headline.value = headline_html(outcome, self.explorer.deadline, self.updates)
        self.table.value = agency_html(outcome)
        numbers = time.perf_counter() - start
        notes = [_note(escape(warning_words(w)), "#ef6c00") for w in outcome.warnings]
        self.distribution.value = _svg(distribution_chart(outcome))
        self.deltas.value = _svg(agency_chart(outcome)) if outcome.result is not None else ""
        took = f"numbers in {numbers:.2f} s, charts in {time.perf_counter() - start - numbers:.2f} s"
        self.status.value = "".join(notes) + f"<div style='color:#777;font-size:12px'>Updated: {took}.</div>"

    def save(self) -> None:
        """Write the setting as a scenario file and say where; an error says what to change."""
        name = self.name.value.strip()
        if not name:
            self.saved.value = _note("Give the scenario a name first.", "#e53935")
            return
        try:
            path, _ = self.explorer.save(self.levers(), name, self.description.value, self.folder)
        except ForecastError as e:
            self.saved.value = _note(escape(str(e)), "#e53935")
            return
        command = f"forecast scenario {path} --params params/baseline.yaml"
        self.saved.value = (
            f"<div class='explorer-saved' data-path='{escape(str(path))}'>Saved <code>{escape(str(path))}</code>. "
            f"Its numbers again: <code>{escape(command)}</code></div>"
        )


def _note(text: str, colour: str) -> str:
    return f"<div style='border-left:4px solid {colour};padding:4px 10px;margin:4px 0'>{text}</div>"


def _svg(chart: alt.TopLevelMixin) -> str:
    return svg_of(chart.to_dict())


def _n(value: float, digits: int = 1, signed: bool = False) -> str:
    """A number as the page shows it (:func:`forecast.present.i18n.number`), with a real minus sign."""
    return number(value, digits, signed).replace("-", "−")


def headline_html(outcome: Outcome, deadline: date, updates: int = 0) -> str:
    """The headline: expected slips and their 80 % interval, and the paired difference from the baseline. The
    ``data-`` attributes hold the numbers as ``forecast scenario --json`` rounds them."""
    h = outcome.headline()
    d = h["difference"]
    base = outcome.baseline.totals.mean()
    change = (
        f"<b>{_n(d['mean'], signed=d['mean'] > 0)}</b> tasks from the baseline's {_n(base)} (80 % of runs: "
        f"{_n(d['p10'], 0)} to {_n(d['p90'], 0)}, run by run)"
        if outcome.result is not None
        else "The baseline: no lever is moved."
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
    }
    attributes = " ".join(f"data-{key}='{value}'" for key, value in data.items())
    big = "font-size:30px;font-weight:bold;line-height:1.2"
    small = "font-size:16px;font-weight:normal"
    lines = [
        ("color:#555", f"Expected tasks slipping past {day(deadline)}"),
        (
            big,
            f"<span class='explorer-mean'>{_n(h['mean'])}</span> <span style='{small}'>of "
            f"{_n(h['open_tasks'], 0)} open tasks</span>",
        ),
        ("", f"80 % interval: {_n(h['p10'], 0)} to {_n(h['p90'], 0)} tasks"),
        ("margin-top:4px", f"Change: <span class='explorer-difference'>{change}</span>"),
    ]
    inner = "".join(f"<div style='{style}'>{text}</div>" for style, text in lines)
    return f"<div class='explorer-headline' {attributes}>{inner}</div>"


def agency_html(outcome: Outcome) -> str:
    """The agency table as HTML: open tasks, expected slips without and with the levers, the change."""
    frame = outcome.agency_table()
    head = ["Agency", "Open tasks", "Slips, baseline", "Slips, with the levers", "Change", "Change in 80 % of runs"]
    cell = "padding:2px 8px;border-bottom:1px solid #eee"
    rows = []
    for r in frame.itertuples():
        colour = "#2e7d32" if r.difference < -0.005 else "#e53935" if r.difference > 0.005 else "#777"
        rows.append(
            f"<tr><td style='{cell}'>{escape(r.agency)}</td>"
            + "".join(
                f"<td style='{cell};text-align:right'>{v}</td>"
                for v in (f"{r.open:,}", _n(r.slip_baseline), _n(r.slip_scenario))
            )
            + f"<td style='{cell};text-align:right;color:{colour}'>{_n(r.difference)}</td>"
            + f"<td style='{cell};text-align:right'>{_n(r.difference_p10, 0)} to {_n(r.difference_p90, 0)}</td></tr>"
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
    series = {"baseline": outcome.result.baseline if outcome.result else outcome.baseline}
    if outcome.result is not None:
        series["with the levers"] = outcome.forecast
    for label, forecast in series.items():
        counts = pd.Series(forecast.totals).value_counts(normalize=True).sort_index()
        frames.append(pd.DataFrame({"series": label, "slips": counts.index.astype(int), "share": counts.to_numpy()}))
    data = pd.concat(frames, ignore_index=True)
    return (
        alt.Chart(data)
        .mark_bar(opacity=0.55, binSpacing=0)
        .encode(
            x=alt.X("slips:Q", title="tasks slipping past the deadline", bin=alt.Bin(step=5)),
            y=alt.Y("sum(share):Q", stack=None, title="share of runs", axis=alt.Axis(format="%")),
            color=keyed_colour("series:N", list(series), list(SCENARIO_COLOURS.values())[: len(series)]),
        )
        .properties(width=560, height=130, title="Slips in each run, with the levers over the baseline")
    )


def agency_chart(outcome: Outcome, top: int = 8) -> alt.LayerChart | alt.FacetChart:
    """The agencies whose expected slips change most: the mean change (bar) and 80 % of the runs' changes (line)."""
    frame = outcome.agency_table()
    frame = frame.loc[frame["difference"].abs().sort_values(ascending=False).index].head(top)
    frame = frame.assign(way=frame["difference"].map(lambda d: "fewer slips" if d < 0 else "more slips"))
    y = alt.Y("agency:N", sort=list(frame["agency"]), title=None, axis=alt.Axis(labelLimit=0))
    bars = (
        alt.Chart(frame)
        .mark_bar(opacity=0.8)
        .encode(
            y=y,
            x=alt.X("difference:Q", title="change in expected slips (line: 80 % of the runs' changes)"),
            color=keyed_colour("way:N", ["fewer slips", "more slips"], ["#2e7d32", "#e53935"]),
        )
    )
    rules = alt.Chart(frame).mark_rule(color="black").encode(y=y, x="difference_p10:Q", x2="difference_p90:Q")
    return alt.layer(bars, rules).properties(width=330, height=alt.Step(18), title="Agencies that change most")
