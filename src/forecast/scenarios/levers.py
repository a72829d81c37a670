"""Scenario files: what a planner changes, validated once into typed levers.

A scenario file (``params/scenarios/*.yaml``) has a ``name``, an optional ``description`` and a list of
``levers``; each lever names its kind with ``lever:`` and takes the settings below (dates ``YYYY-MM-DD`` or
``dd/mm/yyyy``, day first; every date is a whole calendar day, ranges include both ends)::

    name: Finance doubles its pace
    description: What if the Ministry of Finance works twice as fast from 10 December?
    levers:
      - lever: rate_multiplier        # an agency works faster (> 1) or slower (< 1)
        multiplier: 2
        agency: Ministry of Finance   # one name, a list, or `all`
        from: 2025-12-10              # optional; default: from the forecast date
      - lever: holiday_slowdown       # every agency, for a date range
        multiplier: 0.5
        from: 2025-12-24
        to: 2025-12-31
      - lever: deadline_extension     # selected tasks get a later deadline
        to: 2026-03-31                # or `by_days: 60`
        status: overdue               # selectors, see below
        count: 40
      - lever: transfer               # selected tasks move to another agency
        agency: Ministry of Finance
        to_agency: Ministry of Justice
      - lever: new_tasks              # tasks assigned during the horizon join the open set
        count: 30
        agency: Government Office
        deadline: 2025-12-31
        source: Steering Committee conclusion notices   # optional
        arrive: 2025-12-15                              # optional; default: open from the forecast date
      - lever: drop                   # selected tasks leave the open set (cancelled, made regular)
        tasks: [R57-000123, R57-000456]

Selectors (``deadline_extension``, ``transfer``, ``drop``): ``tasks`` (ids), ``agency``, ``source`` (one name or a
list each), ``status`` (``in_progress`` / ``overdue``), combined with AND; at least one is required (``agency:
all`` selects every open task). ``count: N`` then takes the N selected tasks with the earliest deadline (ties by
task id): with ``status: overdue``, the longest overdue. ``new_agency: true`` (``transfer``, ``new_tasks``) allows an
agency that is not in the snapshots; it gets a completion rate drawn from the spread of the known agencies.

This module checks everything that needs no data (kinds, keys, types, multipliers > 0, date order) and raises
:class:`~forecast.errors.ParamsError` naming the key, e.g. ``'levers[2].multiplier': -1 must be a number greater
than 0`` (levers are numbered from 1). Names, ids and dates against the data and horizon are checked when a
scenario is applied (:mod:`.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import ParamsError
from ..schema import IN_PROGRESS, OVERDUE

ALL = "all"
STATUSES = (IN_PROGRESS, OVERDUE)
SELECTOR_KEYS = ("tasks", "agency", "source", "status", "count")


@dataclass(frozen=True)
class Selection:
    """Open tasks matching every given selector; ``None`` = any. ``count`` keeps the N earliest-deadline ones."""

    tasks: tuple[str, ...] | None = None
    agencies: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    count: int | None = None

    def describe(self) -> str:
        """In words, e.g. "the 40 earliest-due overdue tasks of Ministry of Finance"."""
        status = " or ".join(s.replace("_", " ") for s in self.statuses) + " " if self.statuses else ""
        what = f"{status}tasks {', '.join(self.tasks)}" if self.tasks else f"{status or 'open '}tasks"
        what += f" of {' or '.join(self.agencies)}" if self.agencies else ""
        what += f" from {' or '.join(self.sources)}" if self.sources else ""
        return f"the {self.count} earliest-due {what}" if self.count else f"all {what}"


@dataclass(frozen=True)
class RateMultiplier:
    """Hazard of the agencies' tasks (``None`` = all) times ``multiplier`` on every day from ``start`` on."""

    key: str
    multiplier: float
    agencies: tuple[str, ...] | None
    start: date | None = None

    def describe(self) -> str:
        who = "every agency" if self.agencies is None else " and ".join(self.agencies)
        return f"{who} works ×{self.multiplier:g} as fast" + (f" from {self.start}" if self.start else "")


@dataclass(frozen=True)
class HolidaySlowdown:
    """Hazard of every task times ``multiplier`` on the days ``start`` to ``end`` inclusive."""

    key: str
    multiplier: float
    start: date
    end: date

    def describe(self) -> str:
        return f"every agency works ×{self.multiplier:g} as fast from {self.start} to {self.end}"


@dataclass(frozen=True)
class DeadlineExtension:
    """Selected tasks get deadline ``to``, or their deadline plus ``by_days`` (exactly one of the two)."""

    key: str
    select: Selection
    by_days: int | None = None
    to: date | None = None

    def describe(self) -> str:
        change = f"moved to {self.to}" if self.to else f"extended by {self.by_days} days"
        return f"deadlines of {self.select.describe()} {change}"


@dataclass(frozen=True)
class Transfer:
    """Selected tasks move to ``to_agency`` and take its completion rate."""

    key: str
    select: Selection
    to_agency: str
    new_agency: bool = False

    def describe(self) -> str:
        return f"{self.select.describe()} transferred to {self.to_agency}"


@dataclass(frozen=True)
class NewTasks:
    """``count`` new open tasks of ``agency`` due ``deadline``, open from ``arrive`` (``None``: the forecast date)."""

    key: str
    count: int
    agency: str
    deadline: date
    source: str | None = None
    arrive: date | None = None
    new_agency: bool = False

    def describe(self) -> str:
        when = f" arriving {self.arrive}" if self.arrive else ""
        return f"{self.count} new tasks for {self.agency} due {self.deadline}{when}"


@dataclass(frozen=True)
class Drop:
    """Selected tasks leave the open set."""

    key: str
    select: Selection

    def describe(self) -> str:
        return f"{self.select.describe()} dropped from the open set"


Lever = RateMultiplier | HolidaySlowdown | DeadlineExtension | Transfer | NewTasks | Drop


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file."""

    name: str
    levers: tuple[Lever, ...]
    description: str = ""
    file: Path | None = None

    def describe(self) -> list[str]:
        """One plain-language line per lever."""
        return [lever.describe() for lever in self.levers]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError("scenario", f"file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError("scenario", f"not valid YAML: {exc}", file=str(path)) from None
    return parse_scenario(data, file=path)


def parse_scenario(data: Any, file: str | Path | None = None) -> Scenario:
    """Validate a scenario mapping (from YAML) into a :class:`Scenario`; errors name the key and value."""
    where = str(file) if file else None
    if not isinstance(data, Mapping):
        raise ParamsError("scenario", "the file must hold `name:`, `description:` and `levers:`", file=where)
    check = _Checker(where)
    check.keys("scenario", data, ("name", "description", "levers"))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise ParamsError("name", f"{name!r} must be a short text (1 to 80 characters)", file=where)
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ParamsError("description", f"{description!r} must be text", file=where)
    levers = data.get("levers")
    if not isinstance(levers, list) or not levers:
        raise ParamsError("levers", "must be a list of at least one lever (`- lever: rate_multiplier`, ...)",
                          file=where)
    parsed = tuple(check.lever(f"levers[{i}]", item) for i, item in enumerate(levers, start=1))
    return Scenario(name.strip(), parsed, " ".join(description.split()), Path(file) if file else None)


class _Checker:
    """Field validators that raise :class:`ParamsError` naming the key and the value found."""

    def __init__(self, file: str | None):
        self.file = file

    def error(self, key: str, message: str) -> ParamsError:
        return ParamsError(key, message, file=self.file)

    def keys(self, key: str, data: Mapping, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None:
        for k in data:
            if k not in allowed:
                raise self.error(f"{key}.{k}" if key != "scenario" else str(k),
                                 f"unknown setting; this takes {', '.join(allowed)}")
        for k in required:
            if data.get(k) is None:
                raise self.error(f"{key}.{k}", "is required")

    def lever(self, key: str, item: Any) -> Lever:
        if not isinstance(item, Mapping) or "lever" not in item:
            raise self.error(key, f"{item!r} is not a lever; each starts with `lever:` ({', '.join(_LEVERS)})")
        kind = item["lever"]
        if kind not in _LEVERS:
            raise self.error(f"{key}.lever", f"{kind!r} is not a lever; choose one of {', '.join(_LEVERS)}")
        allowed, required, build = _LEVERS[kind]
        self.keys(key, item, ("lever", *allowed), required)
        return build(self, key, item)

    def multiplier(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or value == float("inf"):
            raise self.error(key, f"{value!r} must be a number greater than 0 (2 = twice as fast, 0.5 = half)")
        return float(value)

    def whole(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.error(key, f"{value!r} must be a whole number greater than 0")
        return value

    def date(self, key: str, value: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    return datetime.strptime(value.strip(), fmt).date()
                except ValueError:
                    pass
        raise self.error(key, f"{value!r} is not a date (YYYY-MM-DD or dd/mm/yyyy)")

    def names(self, key: str, value: Any, allow_all: bool = True) -> tuple[str, ...] | None:
        """One name or a list of names; ``all`` (when allowed) gives ``None``."""
        items = [value] if isinstance(value, str | int) and not isinstance(value, bool) else value
        if not isinstance(items, list) or not items:
            raise self.error(key, f"{value!r} must be a name or a list of names")
        out = []
        for item in items:
            if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
                raise self.error(key, f"{item!r} is not a name")
            out.append(" ".join(str(item).split()))
        if allow_all and any(n.lower() == ALL for n in out):
            if len(out) > 1:
                raise self.error(key, f"{value!r}: `all` cannot be combined with other names")
            return None
        return tuple(dict.fromkeys(out))

    def name(self, key: str, value: Any) -> str:
        names = self.names(key, value, allow_all=False)
        if names is None or len(names) != 1:
            raise self.error(key, f"{value!r} must be one name")
        return names[0]

    def flag(self, key: str, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(key, f"{value!r} must be true or false")
        return value

    def selection(self, key: str, item: Mapping) -> Selection:
        if all(item.get(k) is None for k in ("tasks", "agency", "source", "status")):
            raise self.error(key, "says no tasks: give tasks, agency, source or status (`agency: all` for every "
                                  "open task)")
        statuses = self.names(f"{key}.status", item["status"], False) if item.get("status") is not None else None
        for s in statuses or ():
            if s not in STATUSES:
                raise self.error(f"{key}.status", f"{s!r} is not an open status; use {' or '.join(STATUSES)}")
        return Selection(
            tasks=self.names(f"{key}.tasks", item["tasks"], False) if item.get("tasks") is not None else None,
            agencies=self.names(f"{key}.agency", item["agency"]) if item.get("agency") is not None else None,
            sources=self.names(f"{key}.source", item["source"], False) if item.get("source") is not None else None,
            statuses=statuses,
            count=self.whole(f"{key}.count", item["count"]) if item.get("count") is not None else None)


def _rate(c: _Checker, key: str, item: Mapping) -> RateMultiplier:
    return RateMultiplier(key, c.multiplier(f"{key}.multiplier", item["multiplier"]),
                          c.names(f"{key}.agency", item["agency"]),
                          c.date(f"{key}.from", item["from"]) if item.get("from") is not None else None)


def _holiday(c: _Checker, key: str, item: Mapping) -> HolidaySlowdown:
    start, end = c.date(f"{key}.from", item["from"]), c.date(f"{key}.to", item["to"])
    if end < start:
        raise c.error(f"{key}.to", f"{end} is before from: {start}")
    return HolidaySlowdown(key, c.multiplier(f"{key}.multiplier", item["multiplier"]), start, end)


def _extension(c: _Checker, key: str, item: Mapping) -> DeadlineExtension:
    if (item.get("by_days") is None) == (item.get("to") is None):
        raise c.error(key, "give exactly one of by_days (a number of days) or to (a new deadline)")
    return DeadlineExtension(key, c.selection(key, item),
                             c.whole(f"{key}.by_days", item["by_days"]) if item.get("by_days") is not None else None,
                             c.date(f"{key}.to", item["to"]) if item.get("to") is not None else None)


def _transfer(c: _Checker, key: str, item: Mapping) -> Transfer:
    return Transfer(key, c.selection(key, item), c.name(f"{key}.to_agency", item["to_agency"]),
                    c.flag(f"{key}.new_agency", item.get("new_agency")))


def _new_tasks(c: _Checker, key: str, item: Mapping) -> NewTasks:
    return NewTasks(key, c.whole(f"{key}.count", item["count"]), c.name(f"{key}.agency", item["agency"]),
                    c.date(f"{key}.deadline", item["deadline"]),
                    c.name(f"{key}.source", item["source"]) if item.get("source") is not None else None,
                    c.date(f"{key}.arrive", item["arrive"]) if item.get("arrive") is not None else None,
                    c.flag(f"{key}.new_agency", item.get("new_agency")))


def _drop(c: _Checker, key: str, item: Mapping) -> Drop:
    return Drop(key, c.selection(key, item))


# kind -> (settings it takes, settings it requires, builder)
_LEVERS = {
    "rate_multiplier": (("multiplier", "agency", "from"), ("multiplier", "agency"), _rate),
    "holiday_slowdown": (("multiplier", "from", "to"), ("multiplier", "from", "to"), _holiday),
    "deadline_extension": ((*SELECTOR_KEYS, "by_days", "to"), (), _extension),
    "transfer": ((*SELECTOR_KEYS, "to_agency", "new_agency"), ("to_agency",), _transfer),
    "new_tasks": (("count", "agency", "deadline", "source", "arrive", "new_agency"), ("count", "agency", "deadline"),
                  _new_tasks),
    "drop": (SELECTOR_KEYS, (), _drop),
}
