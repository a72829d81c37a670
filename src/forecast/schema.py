"""The snapshot export contract: column names, status labels and date formats.

Headers and labels are compared after Unicode NFC normalisation (Vietnamese text arrives in both NFC and NFD),
trimming and case-folding; in headers, runs of spaces, underscores and hyphens count as one space.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

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

STATUS_LABELS: dict[str, tuple[str, ...]] = {
    COMPLETED_ON_TIME: ("Completed on time", "Hoàn thành đúng hạn"),
    COMPLETED_LATE: ("Completed late", "Hoàn thành quá hạn", "Hoàn thành trễ hạn"),
    IN_PROGRESS: ("In progress", "Đang thực hiện", "Đang thực hiện trong hạn"),
    OVERDUE: ("Overdue", "Quá hạn", "Quá hạn chưa hoàn thành"),
    REGULAR: ("Regular", "Thường xuyên", "Nhiệm vụ thường xuyên"),
}


def fold(text: str) -> str:
    """NFC-normalise, trim, case-fold and collapse inner whitespace: the key labels are compared on."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def header_key(text: str) -> str:
    """Like :func:`fold`, with underscores and hyphens counted as spaces (``Due_Date`` == ``due date``)."""
    return fold(re.sub(r"[_\-\s]+", " ", unicodedata.normalize("NFC", str(text))))


_HEADER_LOOKUP = {
    header_key(alias): canonical
    for canonical, aliases in COLUMN_ALIASES.items()
    for alias in (canonical, *aliases)
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
_EXCEL_EPOCH = date(1899, 12, 30)
# Excel serial day numbers for 1955..2064: anything outside is more likely a typo than a date.
_EXCEL_MIN, _EXCEL_MAX = 20090, 60300


def parse_date(value: object) -> date | None:
    """One cell to a date, or ``None`` when empty. Raises ``ValueError`` when it is not a date.

    Accepted: ISO ``YYYY-MM-DD`` (optionally with a time), Vietnamese ``dd/mm/yyyy`` (day first, always; also with
    ``.`` or ``-``), date/datetime objects, and Excel serial day numbers.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if float(value).is_integer() and _EXCEL_MIN <= value <= _EXCEL_MAX:
            return _EXCEL_EPOCH + pd.Timedelta(days=int(value))
        raise ValueError(value)
    text = str(value).strip()
    if not text or text.casefold() in {"nan", "nat", "none"}:
        return None
    if m := _ISO.match(text):
        y, mo, d = (int(g) for g in m.groups())
        return date(y, mo, d)
    if m := _DMY.match(text):
        d, mo, y = (int(g) for g in m.groups())
        return date(y, mo, d)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return parse_date(float(text))
    raise ValueError(text)


def parse_dates(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse a column; returns (datetime64[ns] series with NaT for empty cells, boolean mask of unreadable cells).

    Each distinct value is parsed once, so a column of a million rows with a few hundred dates costs little.
    """
    uniques = pd.unique(values.to_numpy(dtype=object))
    parsed: dict[object, object] = {}
    bad: set[object] = set()
    for u in uniques:
        try:
            parsed[u] = parse_date(u)
        except (ValueError, OverflowError):
            bad.add(u)
            parsed[u] = None
    as_obj = values.map(parsed) if len(values) else values.astype(object)
    out = pd.to_datetime(as_obj.astype(object), errors="coerce").astype("datetime64[ns]")
    mask = values.isin(list(bad)).to_numpy() if bad else np.zeros(len(values), dtype=bool)
    return out.rename(values.name), mask
