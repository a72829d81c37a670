"""Planner scenarios in the run's language: each lever and each warning as a sentence (the catalogue's templates, the
numbers, dates and agency names by :mod:`forecast.present.i18n`), and the scenarios' table of questions and levers.

In English a lever reads exactly as its own ``describe()`` and a warning as its message (the commands' words); a
scenario's ``name`` and ``description`` are the file's, shown through the catalogue, which holds the kit's example
scenarios (``params/scenarios``: ``make messages`` extracts them) and leaves any other text as written.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pandas as pd

from forecast.errors import Problem
from forecast.present.i18n import agency_name, day, number, problem_words, status_words
from forecast.present.i18n import gettext as _


def _names(names: tuple[str, ...], word: str, agencies: bool = True) -> str:
    shown = [agency_name(n) if agencies else _(n) for n in names]
    return f" {_(word)} ".join(shown)


def _times(multiplier: float) -> str:
    text = f"{multiplier:g}"
    return text if "." not in text else number(multiplier, len(text.split(".")[1]))


def _selection(select: Any) -> str:
    """A lever's selection of open tasks in words (as :meth:`forecast.scenarios.lever_parts.Selection.describe`)."""
    status = f" {_('or')} ".join(status_words(s) for s in select.statuses) if select.statuses else ""
    if select.tasks:
        what = (_("{status} tasks {ids}") if status else _("tasks {ids}")).format(
            status=status, ids=", ".join(select.tasks)
        )
    else:
        what = _("{status} tasks").format(status=status) if status else _("open tasks")
    if select.agencies:
        what = _("{what} of {agencies}").format(what=what, agencies=_names(select.agencies, "or"))
    if select.sources:
        what = _("{what} from {sources}").format(what=what, sources=_names(select.sources, "or", agencies=False))
    if select.count:
        return _("the {count} earliest-due {what}").format(count=number(select.count), what=what)
    return _("all {what}").format(what=what)


def lever_words(lever: Any) -> str:
    """One lever (:data:`forecast.scenarios.levers.LEVERS`) as a sentence in the run's language."""
    kind = type(lever).__name__
    if kind == "RateMultiplier":
        who = _("every agency") if lever.agencies is None else _names(lever.agencies, "and")
        if lever.start:
            return _("{who} works ×{times} as fast from {start}").format(
                who=who, times=_times(lever.multiplier), start=day(lever.start, "short")
            )
        return _("{who} works ×{times} as fast").format(who=who, times=_times(lever.multiplier))
    if kind == "HolidaySlowdown":
        return _("every agency works ×{times} as fast from {start} to {end}").format(
            times=_times(lever.multiplier), start=day(lever.start, "short"), end=day(lever.end, "short")
        )
    if kind == "DeadlineExtension":
        if lever.to:
            return _("deadlines of {what} moved to {to}").format(
                what=_selection(lever.select), to=day(lever.to, "short")
            )
        return _("deadlines of {what} extended by {n} days").format(
            what=_selection(lever.select), n=number(lever.by_days)
        )
    if kind == "Transfer":
        return _("{what} transferred to {agency}").format(
            what=_selection(lever.select), agency=agency_name(lever.to_agency)
        )
    if kind == "NewTasks":
        words = dict(n=number(lever.count), agency=agency_name(lever.agency), due=day(lever.deadline, "short"))
        if lever.arrive:
            return _("{n} new tasks for {agency} due {due} arriving {arrive}").format(
                **words, arrive=day(lever.arrive, "short")
            )
        return _("{n} new tasks for {agency} due {due}").format(**words)
    if kind == "Drop":
        return _("{what} dropped from the open set").format(what=_selection(lever.select))
    return lever.describe()


def warning_words(warning: Problem) -> str:
    """A scenario's warning (a :class:`forecast.errors.Problem` of :meth:`forecast.scenarios.apply.Application.warn`)
    in the run's language: the agencies and the selection it names in words, as the levers say them."""
    words = {"selection": _selection, "agencies": lambda v: _names(v, "and"), "key": _lever_key}
    parts = {k: words[k](v) if k in words else v for k, v in warning.parts.items()}
    return problem_words(replace(warning, parts=parts, message=_lever_key(warning.message)))


def _lever_key(text: str) -> str:
    """``levers[2]`` (where the file says it, the commands' words) as the levers table names it: "lever 2"."""
    return re.sub(r"^levers\[(\d+)\]", lambda m: _("lever {n}").format(n=m[1]), text)


def levers_table(comparison: Any) -> pd.DataFrame:
    """Each scenario in words (as :meth:`forecast.scenarios.compare.Comparison.levers`) in the run's language:
    ``scenario, item`` (question, lever 1, ..., warning) and ``text``."""
    rows = []
    for r in comparison.results:
        s = r.scenario
        items = [(_("question"), _(s.description))] if s.description else []
        items += [(_("lever {n}").format(n=i), lever_words(lever)) for i, lever in enumerate(s.levers, start=1)]
        items += [(_("warning"), warning_words(w)) for w in r.warnings]
        rows += [{"scenario": _(s.name), "item": item, "text": text} for item, text in items]
    return pd.DataFrame(rows, columns=["scenario", "item", "text"])
