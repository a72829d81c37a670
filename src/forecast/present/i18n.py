"""The one number formatter and the one date formatter of every page, download header, chart and command, by the
language of the run (English, the default, or Vietnamese).

Numbers are rounded by Python's own rule (half to even on the float, as ``f"{v:.1f}"``), then written with the
language's symbols from Babel's CLDR data: ``1,287.5`` and ``94 %`` in English, ``1.287,5`` and ``94 %`` in
Vietnamese. Dates come in three forms: ``long`` for sentences (``4 Dec 2025``; ``4 tháng 12 năm 2025``), ``short``
for table cells (``2025-12-04``, the kit's ISO dates, and ``04/12/2025``), and the charts' axis format
(:func:`axis_date`).

Words come from the gettext catalogue ``forecast/locale/<language>/LC_MESSAGES/forecast.mo`` (compiled from its
``.po``; English text is the message id, so English needs no catalogue): :func:`gettext` (``_``), :func:`ngettext`
for plurals, and :func:`N_` to mark a text where it is defined and translate it where it is shown. ``make messages``
re-extracts the ids from ``src/forecast`` and the notebooks' markdown and compiles the catalogue.

The language is the process's (:func:`use`): a report run, a notebook or a command sets it once from its params.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import NullTranslations, Translations

from forecast.core.languages import LANGUAGES, N_

__all__ = [
    "LANGUAGES",
    "N_",
    "axis_date",
    "chart_numbers",
    "day",
    "gettext",
    "language",
    "ngettext",
    "number",
    "percent",
    "use",
]

_DATES = {  # (long, short) CLDR patterns; short "iso" keeps the kit's ISO dates
    "en": ("d MMM y", "iso"),
    "vi": ("d 'tháng' M 'năm' y", "dd/MM/y"),
}
_AXIS = {"en": "%-d %b %Y", "vi": "%d/%m/%Y"}  # d3-time-format, for Vega-Lite axes
_current = ["en"]
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "forecast"


def use(language: str) -> None:
    """Make ``language`` (one of :data:`LANGUAGES`) the process's language for numbers and dates."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _current[0] = language


def language() -> str:
    """The process's language (:func:`use`)."""
    return _current[0]


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """``language`` inside the block, the language before it after."""
    before = _current[0]
    use(language)
    try:
        yield
    finally:
        _current[0] = before


def number(value: float, decimals: int = 0, signed: bool = False, grouped: bool = True) -> str:
    """``value`` to ``decimals`` places, with thousands groups (unless ``grouped`` is false) and, when ``signed``,
    a sign on positive values too: ``1,287``, ``+8.6``; ``1.287``, ``+8,6`` in Vietnamese."""
    text = f"{value:{'+' if signed else ''}{',' if grouped else ''}.{decimals}f}"
    lang = _current[0]
    if lang == "en":
        return text
    group, point = get_group_symbol(lang), get_decimal_symbol(lang)
    return text.translate(str.maketrans(",.", group + point))


def percent(share: float, decimals: int = 0, signed: bool = False) -> str:
    """A share as a percentage: ``0.94`` -> ``94 %`` (a space before the sign, in both languages)."""
    return f"{number(100 * share, decimals, signed)} %"


def day(value: Any, form: str = "long") -> str:
    """A date as words (``long``: ``4 Dec 2025``) or in a table cell (``short``: ``2025-12-04``; ``04/12/2025`` in
    Vietnamese)."""
    when = pd.Timestamp(value).date() if not isinstance(value, dt.date) or isinstance(value, dt.datetime) else value
    long, short = _DATES[_current[0]]
    pattern = long if form == "long" else short
    if pattern == "iso":
        return when.isoformat()
    return format_date(when, pattern, locale=_current[0])


def chart_numbers() -> dict[str, Any] | None:
    """The charts' number format (a d3-format locale, for Vega) in the process's language: ``1.287,5`` and
    ``94 %`` on a Vietnamese axis; None in English (Vega's own, ``1,287.5`` and ``94%``)."""
    lang = _current[0]
    if lang == "en":
        return None
    return {
        "decimal": get_decimal_symbol(lang),
        "thousands": get_group_symbol(lang),
        "grouping": [3],
        "currency": ["", ""],
        "percent": " %",
    }


def axis_date() -> str:
    """The charts' date-axis format (d3-time-format) in the process's language."""
    return _AXIS[_current[0]]


@cache
def catalogue(language: str) -> _gettext.NullTranslations:
    """The compiled message catalogue of ``language`` (English: none, the ids are the English text)."""
    if language == "en":
        return NullTranslations()
    found = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    if not isinstance(found, Translations):  # Babel gives NullTranslations when the .mo is missing: a broken install
        raise FileNotFoundError(f"no {language} catalogue in {LOCALE_DIR}: run make messages")
    return found


def gettext(message: str) -> str:
    """``message`` (English, the catalogue's id) in the process's language."""
    if _current[0] == "en" or not message:
        return message
    return catalogue(_current[0]).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message by ``n``, in the process's language (Vietnamese has one form)."""
    if _current[0] == "en":
        return singular if n == 1 else plural
    return catalogue(_current[0]).ngettext(singular, plural, n)


STATUS_WORDS = (N_("completed on time"), N_("completed late"), N_("in progress"), N_("overdue"), N_("regular"))


def status_words(status: object) -> str:
    """A status of the schema (``in_progress``) in words, in the process's language (``in progress``)."""
    return gettext(str(status).replace("_", " "))


N_("(synthetic)")


def agency_name(name: object) -> str:
    """An agency as the page shows it: the name in the data, or, for the SYNTHETIC sample's English names in a
    Vietnamese report, the agency's official Vietnamese name from the catalogue (``forecast.sample.tables``)."""
    return gettext(str(name))


@cache
def _sample_titles(language: str) -> dict[str, str]:
    from forecast.sample.tables import THEMES, TOPICS

    with speaking(language):
        return {
            f"{theme.format(topic)} (synthetic)": f"{gettext(theme).format(gettext(topic))} {gettext('(synthetic)')}"
            for theme in THEMES
            for topic in TOPICS
        }


# Words the pages show that the kit holds as data, not as sentences: table headers made from column names, the
# models and forecast components, the bundled sample's published-figure scopes and metrics (``make messages``)
WORDS = (
    N_("and"),
    N_("or"),
    N_("snapshot date"),
    N_("total"),
    N_("date"),
    N_("file"),
    N_("rows"),
    N_("column"),
    N_("warning"),
    N_("weight"),
    N_("cutoffs"),
    N_("error"),
    N_("question"),
    N_("title"),
    N_("deadline"),
    N_("scope"),
    N_("combined"),
    N_("hazard"),
    N_("reference"),
    N_("boosting"),
    N_("throughput"),
    N_("published"),
    N_("All agencies"),
    N_("all"),
    N_("res71"),
    N_("conclusions"),
    N_("res71+conclusions"),
    N_("assigned"),
    N_("behind schedule"),
    N_("in progress due by year end"),
    N_("to finish by year end"),
    N_("Plan 02-KH/BCĐTW"),
)


def value_words(text: str) -> str:
    """A table cell's text in the process's language: the catalogue's words for it, a transition ``a -> b`` word by
    word, a list of weights (``hazard 0.48, reference 0.20``) with its numbers; otherwise the text as it is."""
    if _current[0] == "en":
        return text
    if " -> " in text:
        return " → ".join(value_words(part) for part in text.split(" -> "))
    weights = re.fullmatch(r"(?:[a-z_]+ \d+\.\d+)(?:, [a-z_]+ \d+\.\d+)*", text)
    if weights:
        pairs = (part.rsplit(" ", 1) for part in text.split(", "))
        return ", ".join(f"{gettext(name)} {number(float(w), 2)}" for name, w in pairs)
    return gettext(text)


def term_words(term: object) -> str:
    """A model term (a days-to-deadline band, a milestone band, ``source: <name>``) in the process's language."""
    text = str(term)
    if text.startswith("source: "):
        return gettext("source: {name}").format(name=gettext(text.removeprefix("source: ")))
    return gettext(text)


def task_title(title: object) -> str:
    """A task's title as the page shows it: as in the data, or, for a title of the SYNTHETIC sample in a Vietnamese
    report, the same made-up title in Vietnamese (its words are in the catalogue: ``forecast.sample.tables``)."""
    text = str(title)
    if _current[0] == "en":
        return text
    return _sample_titles(_current[0]).get(text, text)


def markdown(source: str) -> str:
    """A notebook's markdown cell in the process's language: each paragraph (the text between blank lines) is a
    message of the catalogue (``make messages`` extracts them from the notebooks)."""
    if _current[0] == "en":
        return source
    return "\n\n".join(gettext(part) for part in source.split("\n\n"))


def translate_notebook(nb: Any) -> Any:
    """``nb`` (an nbformat notebook) with its markdown cells in the process's language (:func:`markdown`), in place."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            cell["source"] = markdown(cell["source"])
    return nb


def problem_words(problem: Any) -> str:
    """A data problem's message (:class:`forecast.errors.Problem`) in the process's language: its catalogue template
    with its parts written by this module (counts, dates, shares, task ids); the English message otherwise."""
    if _current[0] == "en" or not problem.template:
        return problem.message

    def shown(value: Any) -> str:
        if isinstance(value, tuple):  # task ids: the first ten, then how many more
            more = gettext("and {n} more").format(n=number(len(value) - 10)) if len(value) > 10 else ""
            return ", ".join(value[:10]) + (f" {more}" if more else "")
        if isinstance(value, float):
            return percent(value)
        if isinstance(value, int):
            return number(value)
        return day(value, "short") if isinstance(value, dt.date) else str(value)

    return gettext(problem.template).format(**{k: shown(v) for k, v in problem.parts.items()})
