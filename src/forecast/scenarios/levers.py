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

This module checks everything that needs no data (kinds, keys, types, bounds from :mod:`forecast.limits`: a
multiplier in (0, 1000], ``count`` of new tasks up to 100,000, ``by_days`` up to 3,650; date order) with the shared
toolkit (:mod:`forecast.validate`) and raises :class:`~forecast.errors.ParamsError` naming the key, e.g.
``'levers[2].multiplier': -1 must be a number greater than 0 ...`` (levers are numbered from 1). Names, ids and
dates against the data and horizon are checked when a scenario is applied (:mod:`.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .. import limits
from ..errors import ParamsError
from ..schema import IN_PROGRESS, OVERDUE
from ..validate import Checker, load_yaml, shown

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
    data = load_yaml(path, "scenario")
    if isinstance(data, Mapping) and "levers" not in data and any(k in data for k in _PARAMS_KEYS):
        raise ParamsError("scenario", "this is a params file, not a scenario file (a scenario file has `name:` and "
                                      "`levers:`); check it with `forecast params FILE`", file=str(path))
    return parse_scenario(data, file=path)


_PARAMS_KEYS = ("snapshots", "sims", "seed", "as_of", "deadline", "model", "scenarios", "timeout_minutes")


def parse_scenario(data: Any, file: str | Path | None = None) -> Scenario:
    """Validate a scenario mapping (from YAML) into a :class:`Scenario`; errors name the key and value."""
    check = Checker(file)
    if not isinstance(data, Mapping):
        raise check.error("scenario", "the file must hold `name:`, `description:` and `levers:`")
    check.keys(None, data, ("name", "description", "levers"))
    name = check.text("name", data.get("name"), longest=80)
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise check.error("description", f"{shown(description)} must be text")
    levers = data.get("levers")
    if not isinstance(levers, list) or not levers or len(levers) > limits.MAX_LIST:
        raise check.error("levers", f"must be a list of at least one lever, at most {limits.MAX_LIST} (`- lever: "
                                    "rate_multiplier`, ...)")
    parsed = tuple(_lever(check, f"levers[{i}]", item) for i, item in enumerate(levers, start=1))
    return Scenario(name, parsed, " ".join(description.split()), Path(file) if file else None)


def _lever(c: Checker, key: str, item: Any) -> Lever:
    if not isinstance(item, Mapping) or "lever" not in item:
        raise c.error(key, f"{shown(item)} is not a lever; each starts with `lever:` ({', '.join(_LEVERS)})")
    kind = c.choice(f"{key}.lever", item["lever"], _LEVERS)
    allowed, required, build = _LEVERS[kind]
    c.keys(key, item, ("lever", *allowed), required, word="setting")
    return build(c, key, item)


def _multiplier(c: Checker, key: str, value: Any) -> float:
    return c.number(key, value, limits.MULTIPLIER, " (2 = twice as fast, 0.5 = half)")


def _optional(c: Checker, item: Mapping, key: str, name: str, check: Any, *args: Any) -> Any:
    """``check(key.name, item[name], *args)``, or None when the setting is absent."""
    return check(f"{key}.{name}", item[name], *args) if item.get(name) is not None else None


def _selection(c: Checker, key: str, item: Mapping) -> Selection:
    if all(item.get(k) is None for k in ("tasks", "agency", "source", "status")):
        raise c.error(key, "says no tasks: give tasks, agency, source or status (`agency: all` for every open task)")
    statuses = _optional(c, item, key, "status", c.names)
    for s in statuses or ():
        if s not in STATUSES:
            raise c.error(f"{key}.status", f"{shown(s)} is not an open status; use {' or '.join(STATUSES)}")
    return Selection(tasks=_optional(c, item, key, "tasks", c.names), agencies=_optional(c, item, key, "agency",
                                                                                         c.names, ALL),
                     sources=_optional(c, item, key, "source", c.names), statuses=statuses,
                     count=_optional(c, item, key, "count", c.whole, limits.SELECT_COUNT))


def _rate(c: Checker, key: str, item: Mapping) -> RateMultiplier:
    return RateMultiplier(key, _multiplier(c, f"{key}.multiplier", item["multiplier"]),
                          c.names(f"{key}.agency", item["agency"], ALL), _optional(c, item, key, "from", c.date))


def _holiday(c: Checker, key: str, item: Mapping) -> HolidaySlowdown:
    start, end = c.date(f"{key}.from", item["from"]), c.date(f"{key}.to", item["to"])
    if end < start:
        raise c.error(f"{key}.to", f"{end} is before from: {start}")
    return HolidaySlowdown(key, _multiplier(c, f"{key}.multiplier", item["multiplier"]), start, end)


def _extension(c: Checker, key: str, item: Mapping) -> DeadlineExtension:
    if (item.get("by_days") is None) == (item.get("to") is None):
        raise c.error(key, "give exactly one of by_days (a number of days) or to (a new deadline)")
    return DeadlineExtension(key, _selection(c, key, item), _optional(c, item, key, "by_days", c.whole,
                                                                      limits.BY_DAYS),
                             _optional(c, item, key, "to", c.date))


def _transfer(c: Checker, key: str, item: Mapping) -> Transfer:
    return Transfer(key, _selection(c, key, item), c.name(f"{key}.to_agency", item["to_agency"]),
                    c.flag(f"{key}.new_agency", item.get("new_agency")))


def _new_tasks(c: Checker, key: str, item: Mapping) -> NewTasks:
    return NewTasks(key, c.whole(f"{key}.count", item["count"], limits.NEW_TASKS),
                    c.name(f"{key}.agency", item["agency"]), c.date(f"{key}.deadline", item["deadline"]),
                    _optional(c, item, key, "source", c.name), _optional(c, item, key, "arrive", c.date),
                    c.flag(f"{key}.new_agency", item.get("new_agency")))


def _drop(c: Checker, key: str, item: Mapping) -> Drop:
    return Drop(key, _selection(c, key, item))


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
