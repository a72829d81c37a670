"""The snapshot export contract: column names, status labels and date formats.

Headers and labels are compared after Unicode NFC normalisation (Vietnamese text arrives in both NFC and NFD),
trimming and case-folding; in headers, runs of spaces, underscores and hyphens count as one space.
"""

from __future__ import annotations

import argparse
import functools
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

REQUIRED = ("task_id", "agency", "deadline", "status")

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "task_id": ("task id", "id", "Mã nhiệm vụ"),
    "agency": ("lead agency", "ministry", "Cơ quan chủ trì"),
    "deadline": ("due date", "Thời hạn"),
    "status": ("Tình trạng", "Trạng thái"),
    "title": ("Tên nhiệm vụ",),
    "assigned_date": ("assigned", "Ngày giao"),
    "completed_date": ("completed", "Ngày hoàn thành"),
    "source": ("Văn bản giao",),
    "agency_type": (),
    "snapshot_date": (),
}

# The five canonical statuses. "Open" means counted as still to do.
COMPLETED_ON_TIME = "completed_on_time"
COMPLETED_LATE = "completed_late"
IN_PROGRESS = "in_progress"
OVERDUE = "overdue"
REGULAR = "regular"
STATUSES = (COMPLETED_ON_TIME, COMPLETED_LATE, IN_PROGRESS, OVERDUE, REGULAR)
COMPLETED = frozenset({COMPLETED_ON_TIME, COMPLETED_LATE})
OPEN = frozenset({IN_PROGRESS, OVERDUE})


def open_and_due(frame: pd.DataFrame, by: object) -> pd.Series:
    """Rows of ``frame`` (``status``, ``deadline``) to finish by ``by`` (a date, or one per row): open (in progress or
    overdue, not regular) and due on or before it, so every overdue task counts. The one definition of the tasks a
    forecast asks about (:func:`forecast.data.history.open_set`), the backtest scores and the tables count."""
    by = by if isinstance(by, pd.Series | np.ndarray) else pd.Timestamp(by)
    return frame["status"].isin(OPEN) & (frame["deadline"] <= by)


STATUS_LABELS: dict[str, tuple[str, ...]] = {
    COMPLETED_ON_TIME: ("Completed on time", "Hoàn thành đúng hạn"),
    COMPLETED_LATE: ("Completed late", "Hoàn thành quá hạn", "Hoàn thành trễ hạn"),
    IN_PROGRESS: ("In progress", "Đang thực hiện", "Đang thực hiện trong hạn"),
    OVERDUE: ("Overdue", "Quá hạn", "Quá hạn chưa hoàn thành"),
    REGULAR: ("Regular", "Thường xuyên", "Nhiệm vụ thường xuyên"),
}


# Removed from every text cell of an export and from every name before it is compared: control characters that are
# not spaces (a spreadsheet refuses them), zero-width and bidirectional formatting characters (invisible, they make
# one name two, or show text in another order than it is stored) and the two non-characters XML forbids.
HIDDEN_RANGES = (
    (0x00, 0x08),
    (0x0E, 0x1B),
    (0x7F, 0x84),
    (0x86, 0x9F),
    (0xAD, 0xAD),
    (0x061C, 0x061C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
    (0xFFFE, 0xFFFF),
)
HIDDEN = re.compile("[" + "".join(f"\\U{a:08X}-\\U{b:08X}" for a, b in HIDDEN_RANGES) + "]")
HIDDEN_RE2 = "[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in HIDDEN_RANGES) + "]"  # the same, for Arrow


def name_text(text: str) -> str:
    """``text`` without :data:`HIDDEN` characters, NFC-normalised: one spelling per name."""
    return unicodedata.normalize("NFC", HIDDEN.sub("", str(text)))


def fold(text: str) -> str:
    """:func:`name_text`, trimmed, case-folded, inner whitespace collapsed: the key labels and names are compared
    on."""
    return " ".join(name_text(text).casefold().split())


def header_key(text: str) -> str:
    """Like :func:`fold`, with underscores and hyphens counted as spaces (``Due_Date`` == ``due date``)."""
    return fold(re.sub(r"[_\-\s]+", " ", name_text(text)))


_HEADER_LOOKUP = {
    header_key(alias): canonical for canonical, aliases in COLUMN_ALIASES.items() for alias in (canonical, *aliases)
}


def canonical_column(header: str) -> str | None:
    """The canonical name a header stands for, or ``None`` for a column the kit does not use."""
    return _HEADER_LOOKUP.get(header_key(header))


def status_lookup(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Folded label -> canonical status, with ``extra`` labels (from a params file) added on top."""
    table = {fold(label): status for status, labels in STATUS_LABELS.items() for label in (status, *labels)}
    for label, status in (extra or {}).items():
        table[fold(label)] = status
    return table


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
# Excel serial day numbers for 1955..2064: anything outside is more likely a typo than a date.
_EXCEL_MIN, _EXCEL_MAX = 20090, 60300
EARLIEST, LATEST = date(1900, 1, 1), date(2262, 4, 11)  # the span a datetime64[ns] column can hold
NO_DEADLINE = date(9999, 12, 31)  # the "no deadline" placeholder of many exports: in an export cell, no date
ACCEPTED_DATES = "YYYY-MM-DD or dd/mm/yyyy, day first"


class DateError(ValueError, argparse.ArgumentTypeError):
    """A value that is not a date; the message shows it and the accepted forms (argparse prints it as is)."""


def parse_date(value: object, *, cell: bool = False) -> date | None:
    """The one date parser of the kit: command line, params and scenario files, exports, published figures.

    Returns a ``date``, or ``None`` when ``value`` is empty. Accepted: ISO ``YYYY-MM-DD`` (optionally with a time),
    ``dd/mm/yyyy`` (always day first, also with ``.`` or ``-``), and ``date``/``datetime`` objects. Anything
    partial or ambiguous (``2025-12``, ``Dec 4``, ``12/31/2025``, two-digit years) raises :class:`DateError`
    naming the accepted forms, never a guess. Dates must lie in [:data:`EARLIEST`, :data:`LATEST`].
    ``cell=True`` (an export's cell) also accepts Excel serial day numbers, and reads the placeholder
    ``31/12/9999`` (:data:`NO_DEADLINE`) as no date.
    """
    if value is None or value is pd.NaT or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return _in_range(value.date(), value, cell)
    if isinstance(value, date):
        return _in_range(value, value, cell)
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if cell and float(value).is_integer() and _EXCEL_MIN <= value <= _EXCEL_MAX:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise DateError(f"{_cut(value)} is not a date ({ACCEPTED_DATES})")
    text = str(value).strip()
    if not text or (cell and text.casefold() in {"nan", "nat", "none"}):
        return None
    if cell and _SERIAL.match(text):
        return parse_date(float(text), cell=True)
    m = _ISO.match(text)
    numbers = (int(m[1]), int(m[2]), int(m[3])) if m else None
    if m is None and (m := _DMY.match(text)):
        numbers = (int(m[3]), int(m[2]), int(m[1]))
    if numbers is None:
        raise DateError(f"{_cut(text)} is not a date ({ACCEPTED_DATES})")
    try:
        return _in_range(date(*numbers), text, cell)
    except ValueError as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError(f"{_cut(text)} is not a date ({exc}; {ACCEPTED_DATES})") from None


def _in_range(day: date, shown: object, cell: bool) -> date | None:
    if cell and day == NO_DEADLINE:
        return None
    if not EARLIEST <= day <= LATEST:
        sentinel = f"; {NO_DEADLINE:%d/%m/%Y} means no deadline" if cell else ""
        raise DateError(f"{_cut(shown)} is out of range ({EARLIEST} to {LATEST}{sentinel})")
    return day


def _cut(value: object, limit: int = 40) -> str:
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def column_dates(values: pd.Series) -> tuple[pd.Series, np.ndarray, dict[object, str]]:
    """Parse an export column (``cell=True``); returns (datetime64[ns] series with NaT for empty cells, boolean mask
    of unreadable cells, each unreadable value's reason).

    Each distinct value is parsed once, and a text value once per process (:func:`_cell_date`): a column of a
    million rows with a few hundred dates costs little, and so do forty weekly exports sharing their deadlines.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = np.full(len(uniques) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")  # the last: empty cells
    failed = np.zeros(len(uniques) + 1, dtype=bool)
    bad: dict[object, str] = {}
    for i, u in enumerate(uniques):
        day, reason = _cell_date(u) if isinstance(u, str) else _cell_date.__wrapped__(u)
        if reason is not None:
            bad[u] = reason
            failed[i] = True
        elif day is not None:
            parsed[i] = day
    out = pd.Series(parsed[codes], index=values.index, name=values.name)
    return out, failed[codes], bad


@functools.lru_cache(maxsize=65536)
def _cell_date(value: object) -> tuple[np.datetime64 | None, str | None]:
    """An export cell as (day or None, None), or (None, why it is no date)."""
    try:
        day = parse_date(value, cell=True)
    except DateError as exc:
        return None, str(exc)
    return (None if day is None else np.datetime64(day, "ns")), None
