"""Errors a user can act on.

Every error the kit raises on purpose derives from :class:`ForecastError`; the CLI prints its message and exits
with status 2, without a traceback. Anything else is a bug in the kit and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


def printable(path: object) -> str:
    """A file name as text that can be printed and written anywhere: the bytes of a name that is not UTF-8 (Python
    holds them as surrogate escapes) shown as ``\\xff``."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def one_line(text: object) -> str:
    """A message of several lines (a :class:`DataError` lists its problems) as one: ``first rest; rest``."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return " ".join([lines[0], "; ".join(lines[1:])]) if len(lines) > 1 else "".join(lines)


LAST_WORDS = "error: "  # a report run's child prints this and why on stdout when it cannot save its status (its
# progress lines go there too, without it): forecast.report.run reads it


class ForecastError(Exception):
    """Root of the errors a user can fix (bad data, bad parameters, a report folder in use)."""


@dataclass(frozen=True)
class Problem:
    """One finding about the input data, or a scenario's warning (:meth:`forecast.scenarios.apply.Application.warn`).

    ``rows`` count the header as row 1, as a spreadsheet shows them, so the first data row is row 2.
    """

    message: str
    file: str | None = None
    rows: tuple[int, ...] = ()
    column: str | None = None
    severity: str = "error"  # "error" makes the data unusable; "warning" is reported and the data still used; "note"
    # is an event the models expect (a deadline extension), reported so the analyst sees it
    task_ids: tuple[str, ...] = field(default=(), compare=False)  # row-level problems: the rows' task ids
    sheet: str | None = None  # XLSX exports: the sheet read (with its header row)
    # the message as a catalogue template and its values, for a page in another language (forecast.present.i18n)
    template: str = field(default="", compare=False)
    parts: dict[str, Any] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.rows:
            where.append(_rows_text(self.rows))
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows and self.task_ids:
            where.append(_list_text("task", self.task_ids))
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


def _rows_text(rows: Sequence[int], limit: int = 8) -> str:
    return _list_text("row", rows, limit)


def _list_text(what: str, items: Sequence[object], limit: int = 8) -> str:
    head = ", ".join(str(r) for r in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{what}{'s' if len(items) > 1 else ''} {head}{more}"


class DataError(ForecastError):
    """The snapshots or published figures cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
        lines = [str(p) for p in self.problems]
        header = "" if len(lines) == 1 else f"{len(lines)} problems in the input data:\n  "
        super().__init__(header + "\n  ".join(lines))


class ParamsError(ForecastError):
    """A parameter or scenario file holds a key or value that cannot be used; the message names the key."""

    def __init__(self, key: str, message: str, file: str | None = None):
        self.key = key
        self.file = file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}'{key}': {message}")


class OutputError(ForecastError):
    """A file or folder the kit was asked to write cannot be written (exists, read-only, disk full, ...)."""

    def __init__(self, path: object, message: str):
        self.path = str(path)
        super().__init__(f"{path}: {message}")


class MissingExtraError(ForecastError):
    """A command needs an optional part of the kit that is not installed (:mod:`forecast.core.extras`)."""


class ReportError(ForecastError):
    """A report run could not be started or did not finish; the last good report is left as it was."""


class ReportLockedError(ReportError):
    """Another report run holds the output folder."""
