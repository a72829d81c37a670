"""The one number formatter and the one date formatter of every page, download header, chart and command, by the
language of the run (English, the default, or Vietnamese).

Numbers are rounded by Python's own rule (half to even on the float, as ``f"{v:.1f}"``), then written with the
language's symbols from Babel's CLDR data: ``1,287.5`` and ``94 %`` in English, ``1.287,5`` and ``94 %`` in
Vietnamese. Dates come in three forms: ``long`` for sentences (``4 Dec 2025``; ``4 tháng 12 năm 2025``), ``short``
for table cells (``2025-12-04``, the kit's ISO dates, and ``04/12/2025``), and the charts' axis format
(:func:`axis_date`).

The language is the process's (:func:`use`): a report run, a notebook or a command sets it once from its params.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol

LANGUAGES = ("en", "vi")
_DATES = {  # (long, short) CLDR patterns; short "iso" keeps the kit's ISO dates
    "en": ("d MMM y", "iso"),
    "vi": ("d 'tháng' M 'năm' y", "dd/MM/y"),
}
_AXIS = {"en": "%-d %b %Y", "vi": "%d/%m/%Y"}  # d3-time-format, for Vega-Lite axes
_current = ["en"]


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


def axis_date() -> str:
    """The charts' date-axis format (d3-time-format) in the process's language."""
    return _AXIS[_current[0]]
