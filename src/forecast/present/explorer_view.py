"""The planner's explorer on screen: a control per lever, the headline, two charts and the agency table, updated as a
lever moves, and "Save as scenario". The numbers come from :class:`forecast.present.explorer.Explorer` (the same as
``forecast scenario``); this module only draws them (ipywidgets, from the ``[lab]`` extra; Altair charts as SVG).

``explore()`` is what notebooks/06_explorer.ipynb calls (and Voilà shows): without ipywidgets it returns a message
saying what to install, not a traceback.

Everything it shows is in the params' ``language`` (:mod:`forecast.present.i18n`): the words from the catalogue,
numbers and dates by the one formatter, agencies by their official names; the controls' values, the ``data-``
attributes, the classes and the saved files stay as the data says (what ``forecast scenario --check`` reads).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from html import escape
from pathlib import Path
from typing import Any, TypeVar

from IPython.display import HTML

from forecast import paths
from forecast.config.params import Params, load_params
from forecast.data.schema import IN_PROGRESS, OVERDUE
from forecast.errors import ForecastError
from forecast.present.explorer import Explorer, Levers, Outcome
from forecast.present.explorer_html import agency_chart, agency_html, distribution_chart, headline_html, note, svg
from forecast.present.i18n import N_, agency_name, number, speaking
from forecast.present.i18n import gettext as _
from forecast.present.scenario_words import warning_words

INSTALL = N_(
    "The explorer needs ipywidgets (the kit's <code>[lab]</code> extra). Install it with "
    "<code>make setup</code>, or <code>pip install -e '.[lab]'</code> in the kit's folder, then restart the kernel "
    "and run this notebook again."
)
REPORT_NOTE = N_(
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
    explorer is not built: a report is read, not moved. Without ipywidgets: a message saying what to install. All
    in the params' language."""
    if not isinstance(params, Params):
        params = load_params(Path(params) if params else paths.PARAMS_DIR / "baseline.yaml")
    with speaking(params.language):
        if run_folder:
            return HTML(f"<p>{_(REPORT_NOTE)}</p>")
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return HTML(f'<div style="border-left:4px solid #e53935;padding:8px 12px">{_(INSTALL)}</div>')
    folder = scenario_folder or os.environ.get(SAVE_TO) or None
    return ExplorerView(Explorer(params), folder).widget


Method = TypeVar("Method", bound=Callable[..., Any])


def _in_its_language(method: Method) -> Method:
    """``method`` of an :class:`ExplorerView`, speaking the view's language (:func:`forecast.present.i18n.speaking`)."""

    @wraps(method)
    def speaking_its_language(self: ExplorerView, *args: Any, **kwargs: Any) -> Any:
        with speaking(self.language):
            return method(self, *args, **kwargs)

    return speaking_its_language  # type: ignore[return-value]


class ExplorerView:
    """The widgets of one explorer. ``widget`` is what to display; :meth:`update` recomputes from the controls.

    The view speaks its params' ``language``, whatever the process's: building it, and each redraw and save (the
    widgets' callbacks, run later in the kernel), speak it for their own duration (:func:`_in_its_language`) and leave
    the process's language as it was. A view does not set the kernel's language for the cells run after it (a report
    page's, or a second view's of other params), and a cell that changes it does not change the view's words."""

    def __init__(self, explorer: Explorer, scenario_folder: str | Path | None = None):
        self.explorer, self.folder = explorer, scenario_folder
        self.language = explorer.params.language
        self._build()

    @_in_its_language
    def _build(self) -> None:
        import ipywidgets as w

        self.w = w
        ex = self.explorer
        self.outcome: Outcome | None = None
        self.updates = 0
        agencies = [(_("{agency} ({n} open)").format(agency=agency_name(a), n=number(ex.open_counts[a])), a)
                    for a in ex.agencies]  # fmt: skip
        statuses = [
            (_("overdue tasks ({n})").format(n=number(ex.status_counts[OVERDUE])), OVERDUE),
            (_("tasks in progress ({n})").format(n=number(ex.status_counts[IN_PROGRESS])), IN_PROGRESS),
            (_("all open tasks ({n})").format(n=number(sum(ex.status_counts.values()))), ANY),
        ]
        every = [(_("every agency"), ANY), *agencies]
        layout = w.Layout(width="460px")

        def slider(kind, description, **kw):
            return kind(description=description, style=WIDE, layout=layout, continuous_update=False, **kw)

        def pick(description, options, value=ANY):
            return w.Dropdown(description=description, options=options, value=value, style=WIDE, layout=layout)

        def heading(text):
            return w.HTML(f"<h4 style='margin:10px 0 2px'>{text}</h4>")

        def day(description, value=None):
            return w.DatePicker(description=description, value=value, style=WIDE, layout=w.Layout(width="400px"))

        tasks = len(ex.question.tasks)
        self.pace_all = slider(w.FloatSlider, _("Every agency's pace ×"), **PACE)
        self.pace = {a: slider(w.FloatSlider, _("{agency} pace ×").format(agency=agency_name(a)), **PACE)
                     for a in ex.agencies}  # fmt: skip
        self.pace_from = day(_("Pace changes from"))
        self.deadline_days = slider(w.IntSlider, _("Move deadlines by (days)"), min=0, max=180, step=5, value=0)
        self.deadline_status = pick(_("… of"), statuses, OVERDUE)
        self.deadline_agency = pick(_("… held by"), every)
        self.deadline_count = slider(w.IntSlider, _("… how many (0 = all)"), min=0, max=tasks, value=0)
        self.drop_count = slider(w.IntSlider, _("Drop tasks (earliest due first)"), min=0, max=tasks)
        self.drop_status = pick(_("… of"), statuses, OVERDUE)
        self.drop_agency = pick(_("… held by"), every)
        self.new_count = slider(w.IntSlider, _("New tasks"), min=0, max=200, value=0)
        self.new_agency = pick(_("… assigned to"), agencies, ex.agencies[0] if ex.agencies else None)
        self.new_deadline = day(_("… due"), ex.deadline)
        self.new_arrive = day(_("… assigned on (empty: now)"))
        self.holiday = slider(w.FloatSlider, _("Pace over the holiday ×"), **{**PACE, "min": 0.1, "max": 1.0})
        self.holiday_from = day(_("Holiday from"), max(ex.deadline - timedelta(days=7), ex.as_of))
        self.holiday_to = day(_("Holiday to"), ex.deadline)
        self.reset = w.Button(description=_("Back to the baseline"), icon="undo", layout=w.Layout(width="200px"))
        self.reset.on_click(lambda _click: self.back_to_baseline())

        one_agency = w.VBox(list(self.pace.values()), layout=w.Layout(max_height="260px", overflow="auto"))
        by_agency = w.Accordion(children=[one_agency], titles=(_("Pace of one agency"),), layout=layout)
        sections = [
            (_("Pace"), [self.pace_all, by_agency, self.pace_from]),
            (_("Deadlines"), [self.deadline_days, self.deadline_status, self.deadline_agency, self.deadline_count]),
            (_("Dropped tasks"), [self.drop_count, self.drop_status, self.drop_agency]),
            (_("New tasks"), [self.new_count, self.new_agency, self.new_deadline, self.new_arrive]),
            (_("Holiday slowdown"), [self.holiday, self.holiday_from, self.holiday_to]),
        ]
        controls: list[Any] = []
        for title, items in sections:
            controls += [heading(title), *items]
        controls.append(self.reset)
        self._quiet = False  # True while the controls are set together (back to the baseline)
        for control in self._controls():
            control.observe(lambda _change: None if self._quiet else self.update(), names="value")

        self.headline = w.HTML()
        self.status = w.HTML()
        self.distribution = w.HTML()
        self.deltas = w.HTML()
        self.table = w.HTML()
        self.name = w.Text(description=_("Scenario name"), value="", placeholder=_("e.g. Finance doubles its pace"),
                           continuous_update=False,
                           style={"description_width": "120px"}, layout=w.Layout(width="460px"))  # fmt: skip
        self.description = w.Text(description=_("Its question"), placeholder=_("optional: what if …?"),
                                  continuous_update=False,
                                  style={"description_width": "120px"}, layout=w.Layout(width="460px"))  # fmt: skip
        self.save_button = w.Button(description=_("Save as scenario"), icon="save", button_style="primary")
        self.save_button.on_click(lambda _click: self.save())
        self.saved = w.HTML()
        save = w.VBox(
            [heading(_("Save as a scenario file")), self.name, self.description,
             self.save_button, self.saved]
        )  # fmt: skip
        results = w.VBox(
            [self.headline, self.status, self.distribution, self.deltas,
             heading(_("Agencies")), self.table, save],
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

    @_in_its_language
    def update(self) -> None:
        """Recompute from the controls and redraw: the numbers first, then the charts."""
        start = time.perf_counter()
        try:
            outcome = self.explorer.evaluate(self.levers())
        except ForecastError as e:
            self.status.value = note(_("This setting cannot be simulated: {error}").format(error=escape(str(e))),
                                     "#e53935")  # fmt: skip
            return
        self.outcome = outcome
        self.updates += 1
        self.headline.value = headline_html(outcome, self.explorer.deadline, self.updates)
        self.table.value = agency_html(outcome)
        numbers = time.perf_counter() - start
        notes = [note(escape(warning_words(w)), "#ef6c00") for w in outcome.warnings]
        self.distribution.value = svg(distribution_chart(outcome))
        self.deltas.value = svg(agency_chart(outcome)) if outcome.result is not None else ""
        charts = time.perf_counter() - start - numbers
        took = _("Updated: numbers in {numbers} s, charts in {charts} s.").format(
            numbers=number(numbers, 2), charts=number(charts, 2)
        )
        self.status.value = "".join(notes) + f"<div style='color:#777;font-size:12px'>{took}</div>"

    @_in_its_language
    def save(self) -> None:
        """Write the setting as a scenario file and say where; an error says what to change."""
        name = self.name.value.strip()
        if not name:
            self.saved.value = note(_("Give the scenario a name first."), "#e53935")
            return
        try:
            path, _data = self.explorer.save(self.levers(), name, self.description.value, self.folder)
        except ForecastError as e:
            self.saved.value = note(escape(str(e)), "#e53935")
            return
        command = f"forecast scenario {path} --params params/baseline.yaml"
        said = _("Saved {path}. Its numbers again: {command}").format(
            path=f"<code>{escape(str(path))}</code>", command=f"<code>{escape(command)}</code>"
        )
        self.saved.value = f"<div class='explorer-saved' data-path='{escape(str(path))}'>{said}</div>"
