"""How every table in the reports looks: one formatting layer (pandas ``Styler``), one rounding rule per quantity.

The rule is chosen by the column's name (:func:`kind`), so the same quantity reads the same on every page:

* counts of tasks (open, completed, slips at a percentile, targets): whole numbers with thousands separators;
* expected (mean) slips and their changes: one decimal (``324.5``), with a sign when it is a change;
* probabilities and shares (P(slip), coverage): whole percent (``94 %``);
* rate multipliers and hazard ratios: two decimals (``×1.25`` reads as ``1.25``); statuses in words;
* scores (MAE, CRPS, bias): two decimals, Brier three; dates as ``2025-12-04``; yes/no for flags.

Numbers and dates are written by :mod:`forecast.present.i18n` in the run's language.

Headers are words, not column names (:data:`LABELS`); text is escaped (a task title is shown as the text it is,
never as HTML), left-aligned, numbers right-aligned; the index is hidden. ``top`` shows the first rows with a
caption naming how many there are and the download holding them all; agency names link to their pages.
Prose rounds expected slips to whole tasks ("about 324").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from functools import partial
from html import escape
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from forecast.present.i18n import (
    N_,
    agency_name,
    day,
    number,
    percent,
    status_words,
    task_title,
    term_words,
    value_words,
)
from forecast.present.i18n import gettext as _

LABELS = {
    "agency": N_("agency"),
    "open_due": N_("open, due by the deadline"),
    "open": N_("open"),
    "tasks": N_("tasks"),
    "completed": N_("completed"),
    "overdue": N_("overdue"),
    "due_by_deadline": N_("open, due by the deadline"),
    "slip_mean": N_("expected slips"),
    "slip_p10": N_("P10"),
    "slip_p50": N_("P50"),
    "slip_p90": N_("P90"),
    "mean": N_("expected slips"),
    "p10": N_("P10"),
    "p50": N_("P50"),
    "p90": N_("P90"),
    "open_tasks": N_("open tasks"),
    "slips_saved_at_twice_the_pace": N_("fewer slips if it doubles its pace"),
    "pooled_multiplier": N_("pooled rate"),
    "raw_multiplier": N_("raw rate"),
    "completions": N_("completions"),
    "expected": N_("expected completions"),
    "p_slip": N_("P(slip)"),
    "p_slip_at_twice_the_pace": N_("P(slip) at twice the pace"),
    "points_saved": N_("P(slip) lower by (points)"),
    "task_id": N_("task"),
    "days_overdue": N_("days overdue"),
    "difference": N_("difference (mean)"),
    "difference_p10": N_("difference P10"),
    "difference_p90": N_("difference P90"),
    "slip_baseline": N_("baseline slips"),
    "slip_scenario": N_("scenario slips"),
    "open_baseline": N_("open (baseline)"),
    "open_scenario": N_("open (scenario)"),
    "mae": N_("MAE"),
    "crps": N_("CRPS"),
    "bias": N_("bias"),
    "brier": N_("Brier"),
    "coverage50": N_("50 % covered"),
    "coverage80": N_("80 % covered"),
    "coverage90": N_("90 % covered"),
    "abs_error": N_("abs. error"),
    "pit_lower": N_("PIT low"),
    "pit_upper": N_("PIT high"),
    "observed": N_("observed"),
    "cutoff": N_("cutoff"),
    "outcome_date": N_("outcome date"),
    "hazard_ratio": N_("hazard ratio"),
    "hr_low": N_("95 % low"),
    "hr_high": N_("95 % high"),
    "probability": N_("P(slips ≤ target)"),
    "target": N_("target (slips)"),
    "previous": N_("previous run"),
    "now": N_("this run"),
    "change": N_("change"),
    "open_due_previous": N_("open due (before)"),
    "open_due_now": N_("open due (now)"),
    "open_due_change": N_("open due, change"),
    "completed_change": N_("completed, change"),
    "slip_mean_previous": N_("expected slips (before)"),
    "slip_mean_now": N_("expected slips (now)"),
    "slip_mean_change": N_("expected slips, change"),
    "figure": N_("figure"),
    "value": N_("value"),
    "covered50": N_("in 50 %"),
    "covered80": N_("in 80 %"),
    "covered90": N_("in 90 %"),
    "as_of": N_("data as of"),
    "deadline": N_("deadline"),
    "model": N_("model"),
    "completed_mean": N_("completed by the deadline (mean)"),
    "moved_mean": N_("moved out of the window (mean)"),
    "year_end_weight": N_("chance of a year-end push"),
    "year_end_mean": N_("expected slips if December runs like past year ends"),
    "autumn_mean": N_("expected slips if December runs like the autumn"),
    "weights": N_("weights of the pooled models"),
    "synthetic": N_("synthetic sample data"),
    "backtest_crps": N_("backtest CRPS"),
    "weight_last_12_cutoffs": N_("weight (last 12 cutoffs)"),
    "why": N_("why this weight"),
    "population": N_("population"),
    "says": N_("what it measures"),
    "prior_percentile": N_("where it falls in the prior (percentile)"),
    "source_url": N_("source"),
    "quantity": N_("quantity"),
    "prior": N_("before December (the prior)"),
    "with_december": N_("with the December snapshots so far"),
    "pooled_sd": N_("pooled sd (log)"),
    "part": N_("what happens to them"),
    "tasks_mean": N_("tasks (mean)"),
    "forecast": N_("forecast"),
    "confidence": N_("confidence"),
    "at_most": N_("at most this many slip"),
    "task_level": N_("task-level count"),
    "published": N_("published figure"),
    "snapshot": N_("nearest snapshot"),
    "overdue_at_cutoff": N_("overdue at the cutoff"),
    "due_in_window": N_("falling due before the next report"),
    "evidence": N_("earlier transitions learnt from"),
}
_PROBABILITY = {
    "p_slip",
    "p_slip_at_twice_the_pace",
    "probability",
    "share",
    "coverage50",
    "coverage80",
    "coverage90",
    "p_target_alone",
    "weight",
    "weight_last_12_cutoffs",
    "year_end_weight",
    "confidence",
}
_MEAN = {
    "slip_mean",
    "mean",
    "slip_baseline",
    "slip_scenario",
    "difference",
    "expected",
    "bias",
    "slips_saved_at_twice_the_pace",
    "slip_mean_previous",
    "slip_mean_now",
    "slips_saved",
    "tasks_mean",
}
_POINTS = {"points_saved"}  # percentage points, to a tenth: a whole-percent display would hide the threshold
_RATE = {"raw_multiplier", "pooled_multiplier", "hazard_ratio", "hr_low", "hr_high", "multiplier"}
_SCORE = {"mae", "crps", "abs_error", "pit_lower", "pit_upper", "coef", "se", "pooled_sd", "backtest_crps"}
_SIGNED = ("change", "difference", "bias")


def kind(column: str) -> str:
    """The quantity a column holds, by its name: ``probability``, ``points`` (percentage points), ``mean``,
    ``rate``, ``score``, ``brier`` or ``number`` (counts and anything else numeric)."""
    if column in _PROBABILITY:
        return "probability"
    if column in _POINTS:
        return "points"
    if column == "brier":
        return "brier"
    if column in _MEAN or column.endswith(("_mean_change", "_mean")):
        return "mean"
    if column in _RATE:
        return "rate"
    if column in _SCORE:
        return "score"
    return "number"


# A download holds each quantity as the pages show it (:func:`rounded`), and a workbook formats it the same way
_DECIMALS = {"probability": 2, "points": 1, "mean": 1, "rate": 2, "score": 2, "brier": 3, "number": 1}
_NUMBER_FORMATS = {
    "probability": "0%",
    "points": "0.0",
    "mean": "0.0",
    "rate": "0.00",
    "score": "0.00",
    "brier": "0.000",
}

# What a download's columns mean: the README sheet of every workbook the kit writes (a column not listed here is
# described by its header alone)
DESCRIPTIONS = {
    "task_id": N_("the task's id in the monitoring system's exports"),
    "agency": N_("the agency responsible for the task"),
    "deadline": N_("the task's own deadline in the as-of snapshot"),
    "status": N_("the task's status in the as-of snapshot (in progress or overdue)"),
    "source": N_("the programme document the task comes from"),
    "title": N_("the task's title in the exports"),
    "p_slip": N_("the chance the task is still open after the deadline (share of the simulation runs)"),
    "p_slip_at_twice_the_pace": N_(
        "the same chance if the agency completed its open tasks twice as fast from the "
        "as-of date (same simulation runs)"
    ),
    "points_saved": N_(
        "how much lower the chance is at twice the pace, in percentage points; as a share (points / "
        "100) it is the slips this task alone would save, so they add up to an agency's and the total saving"
    ),
    "open_due": N_("the agency's open tasks (in progress or overdue) due by the deadline: those the forecast is about"),
    "slip_mean": N_("expected (mean) number of tasks still open after the deadline, over the simulation runs"),
    "slip_p10": N_("10th percentile of the slips over the runs: 9 in 10 runs have at least this many"),
    "slip_p50": N_("median of the slips over the runs"),
    "slip_p90": N_("90th percentile of the slips over the runs: 9 in 10 runs have at most this many"),
    "slips_saved_at_twice_the_pace": N_(
        "expected slips saved if the agency doubled its completion pace from the as-of date (same simulation runs)"
    ),
    "tasks": N_("every task of the agency in the as-of snapshot, regular tasks included"),
    "completed": N_("tasks completed (on time or late) by the as-of date"),
    "open": N_("tasks in progress or overdue at the as-of date"),
    "overdue": N_("tasks past their deadline and not completed at the as-of date"),
    "pooled_multiplier": N_(
        "the agency's completion rate against the portfolio's (1 = the portfolio's), pooled "
        "towards 1 where it has little evidence"
    ),
}


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every float column rounded as the pages show it (:func:`kind`: probabilities to a whole
    percent, expected slips to a tenth, ...), so a download says what the page says, without float noise
    (``7.843900000000001`` -> ``7.8``)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(_DECIMALS[kind(str(col))])
    return out


def number_format(column: str, values: pd.Series) -> str | None:
    """The spreadsheet number format of a numeric column, by the same rule as the pages (percentages as
    percentages); None for a column that is not numeric."""
    if not _numeric(values):
        return None
    rule = kind(column)
    if rule in _NUMBER_FORMATS:
        return _NUMBER_FORMATS[rule]
    whole = values.dropna().map(lambda v: float(v).is_integer()).all()
    return "#,##0" if whole else "#,##0.0"


def cell(column: str, value: Any) -> str:
    """``value`` of ``column`` as text by the column's rule (:func:`kind`); missing values as "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return day(value, "short")
    if not isinstance(value, int | float):
        if column == "status":
            return status_words(value)
        if column == "agency":
            return agency_name(value)
        if column == "title":
            return task_title(value)
        if column == "source":
            return _(str(value))
        if column == "term":
            return term_words(value)
        if column in ("as_of", "deadline") and _ISO.match(str(value)):
            return day(value, "short")  # a date kept as ISO text (run.json's headline)
        return _(str(value).replace("_", " ")) if column == "metric" else value_words(str(value))
    signed = any(word in column for word in _SIGNED)
    rule = kind(column)
    if rule == "probability":
        return percent(value)
    if rule in ("mean", "points"):
        return number(value, 1, signed)
    if rule in ("rate", "score"):
        return number(value, 2, signed)
    if rule == "brier":
        return number(value, 3)
    return number(value, 0 if float(value).is_integer() else 1, signed)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def label(column: str) -> str:
    """A column's header in words."""
    return _(LABELS.get(column, column.replace("_", " ")))


def link(name: Any, pages: Mapping[str, str]) -> str:
    """An agency's name, escaped, linked to its page when it has one."""
    text = escape(agency_name(name))
    page = pages.get(str(name))
    return f'<a href="{escape(page)}">{text}</a>' if page else text


def table(
    frame: pd.DataFrame,
    *,
    pages: Mapping[str, str] | None = None,
    top: int | None = None,
    download: str | None = None,
    caption: str | None = None,
    index: bool = False,
    empty: str = N_("None."),
    labels: Mapping[str, str] | None = None,
) -> Styler:
    """``frame`` as a formatted table: words for headers, each column's rounding rule, text escaped and
    left-aligned, agency names linked to their pages (``pages``: agency -> file). ``top`` shows that many rows with
    a caption saying so and naming the ``download`` that holds them all; ``caption`` (escaped) goes first. A frame
    with no rows shows its caption and ``empty`` ("": the caption alone, when it already says why). ``labels``
    gives headers of this table alone (a column whose usual header would mislead here)."""
    shown = frame.reset_index() if index else frame
    notes = [escape(caption)] if caption else []
    if top is not None and len(shown) > top:
        anchor = f'<a href="{escape(download)}">{escape(download)}</a>' if download else ""
        first = {"top": number(top), "n": number(len(shown)), "download": anchor}
        notes.append(
            _("The first {top} of {n}; the full list is in {download}.").format(**first)
            if download
            else _("The first {top} of {n}.").format(**first)
        )
        shown = shown.head(top)
    shown = shown.copy()
    shown.columns = [str(c) for c in shown.columns]
    formats: dict[str, Callable[[Any], str]] = {c: partial(_escaped_cell, c) for c in shown.columns}
    if pages is not None and "agency" in formats:
        formats["agency"] = partial(link, pages=pages)
    styler = shown.style.hide(axis="index").format(formats)  # one call: a second format() resets the first
    headers = {**{c: label(c) for c in shown.columns}, **{c: _(t) for c, t in (labels or {}).items()}}
    styler = styler.format_index(lambda c: escape(headers[c]), axis=1)
    text = [c for c in shown.columns if not _numeric(shown[c])]
    styles = {
        c: [{"selector": "td", "props": "text-align: left" + ("; white-space: nowrap" if _short(shown[c]) else "")}]
        for c in text
    }
    styles.update(
        {
            c: [{"selector": "td", "props": "text-align: right; white-space: nowrap"}]
            for c in shown.columns
            if c not in text
        }
    )
    styler = styler.set_table_styles(styles, overwrite=False)
    styler = styler.set_table_attributes('class="kit-table"')
    if shown.empty:  # the caption alone, on a readable width (an empty table is a few pixels wide): no header
        styler = styler.hide(axis="columns").set_table_attributes('class="kit-table" style="min-width: 36em"')
        notes += [escape(_(empty))] if empty else []
    if notes:
        styler = styler.set_caption(" ".join(notes))
    return styler


def _short(column: pd.Series) -> bool:
    """A text column of short values (ids, dates, statuses): kept on one line."""
    lengths = [len(str(v)) for v in column]  # not Series.map: on a categorical it gives an unordered categorical
    return max(lengths, default=0) <= 16


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def figures(values: Mapping[str, Any]) -> Styler:
    """A mapping of figures (e.g. the run's headline: every key, whatever it is) as a two-column table of
    ``figure`` and ``value``, each value by its key's rule."""
    rows = [{"figure": label(k), "value": cell(k, v)} for k, v in values.items()]
    frame = pd.DataFrame(rows, columns=["figure", "value"])
    return (
        frame.style.hide(axis="index")
        .format(escape="html")
        .format_index(label, axis=1)
        .set_table_styles({"value": [{"selector": "td", "props": "text-align: right"}]}, overwrite=False)
        .set_table_attributes('class="kit-table"')
    )


def _escaped_cell(column: str, value: Any) -> str:
    return escape(cell(column, value))
