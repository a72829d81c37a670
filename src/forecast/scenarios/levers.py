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

This module checks everything that needs no data (kinds, keys, types, bounds from :mod:`forecast.core.limits`: a
multiplier in (0, 1000], ``count`` of new tasks up to 100,000, ``by_days`` up to 3,650; date order) with the shared
toolkit (:mod:`forecast.config.validate`) and raises :class:`~forecast.errors.ParamsError` naming the key, e.g.
``'levers[2].multiplier': -1 must be a number greater than 0 ...`` (levers are numbered from 1). Names, ids and
dates against the data and horizon are checked when a scenario is applied (:mod:`.apply`).

Each lever is one class (:mod:`.rate_levers`, :mod:`.task_levers`) that owns its ``form`` (kind and settings),
``parse``, ``describe`` and ``apply``; :data:`LEVERS` is the one registry of kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from forecast.config.validate import Checker, load_yaml, shown
from forecast.core import limits
from forecast.errors import ParamsError
from forecast.scenarios.lever_parts import Form, Selection
from forecast.scenarios.rate_levers import HolidaySlowdown, RateMultiplier
from forecast.scenarios.task_levers import DeadlineExtension, Drop, NewTasks, Transfer

if TYPE_CHECKING:
    from forecast.scenarios.apply import Application


class Lever(Protocol):
    """What every lever class has: its form, a parser of its settings, its words and its effect."""

    form: ClassVar[Form]

    @property
    def key(self) -> str:
        """Where it stands in the file, e.g. ``levers[2]``."""

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> Lever:
        """The lever from its validated settings ``item`` (a mapping from the file)."""

    def describe(self) -> str:
        """One plain-language line."""

    def apply(self, app: Application) -> None:
        """Its effect on the scenario being applied."""


LEVERS: dict[str, type[Lever]] = {
    cls.form.kind: cls for cls in (RateMultiplier, HolidaySlowdown, DeadlineExtension, Transfer, NewTasks, Drop)
}


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
        raise ParamsError(
            "scenario",
            "this is a params file, not a scenario file (a scenario file has `name:` and "
            "`levers:`); check it with `forecast params FILE`",
            file=str(path),
        )
    return parse_scenario(data, file=path)


_PARAMS_KEYS = ("snapshots", "sims", "seed", "as_of", "deadline", "model", "scenarios", "timeout_minutes")


def parse_scenario(data: Any, file: str | Path | None = None) -> Scenario:
    """Validate a scenario mapping (from YAML) into a :class:`Scenario`; errors name the key and value."""
    check = Checker(file)
    if not isinstance(data, Mapping):
        raise check.error("scenario", "the file must hold `name:`, `description:` and `levers:`")
    check.keys(None, data, ("name", "description", "levers"), what="scenario")
    name = check.text("name", data.get("name"), longest=80)
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise check.error("description", f"{shown(description)} must be text")
    levers = data.get("levers")
    if not isinstance(levers, list) or not levers or len(levers) > limits.MAX_LIST:
        raise check.error(
            "levers",
            f"must be a list of at least one lever, at most {limits.MAX_LIST} (`- lever: rate_multiplier`, ...)",
        )
    parsed = tuple(_lever(check, f"levers[{i}]", item) for i, item in enumerate(levers, start=1))
    return Scenario(name, parsed, " ".join(description.split()), Path(file) if file else None)


def _lever(c: Checker, key: str, item: Any) -> Lever:
    if not isinstance(item, Mapping) or "lever" not in item:
        raise c.error(key, f"{shown(item)} is not a lever; each starts with `lever:` ({', '.join(LEVERS)})")
    cls = LEVERS[c.choice(f"{key}.lever", item["lever"], LEVERS)]
    c.keys(key, item, ("lever", *cls.form.takes), cls.form.needs, word="setting")
    return cls.parse(c, key, item)


__all__ = [
    "LEVERS",
    "DeadlineExtension",
    "Drop",
    "HolidaySlowdown",
    "Lever",
    "NewTasks",
    "RateMultiplier",
    "Scenario",
    "Selection",
    "Transfer",
    "load_scenario",
    "parse_scenario",
]
