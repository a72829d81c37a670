"""The levers on the open set: ``deadline_extension``, ``transfer``, ``new_tasks`` and ``drop``. Each parses its
settings, says itself in words, and applies to an application's current open set (:class:`.apply.Application`), in
file order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from forecast.config.validate import Checker
from forecast.core import limits
from forecast.data.schema import IN_PROGRESS
from forecast.scenarios.lever_parts import SELECTOR_KEYS, Form, Selection

if TYPE_CHECKING:
    from forecast.scenarios.apply import Application


@dataclass(frozen=True)
class DeadlineExtension:
    """Selected tasks get deadline ``to``, or their deadline plus ``by_days`` (exactly one of the two). A task
    whose new deadline is past the forecast deadline leaves the window; one not yet due is in progress again."""

    form: ClassVar[Form] = Form("deadline_extension", (*SELECTOR_KEYS, "by_days", "to"))
    key: str
    select: Selection
    by_days: int | None = None
    to: date | None = None

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> DeadlineExtension:
        if (item.get("by_days") is None) == (item.get("to") is None):
            raise c.error(key, "give exactly one of by_days (a number of days) or to (a new deadline)")
        return cls(
            key,
            Selection.parse(c, key, item),
            c.optional(item, key, "by_days", c.whole, limits.BY_DAYS),
            c.optional(item, key, "to", c.date),
        )

    def describe(self) -> str:
        change = f"moved to {self.to}" if self.to else f"extended by {self.by_days} days"
        return f"deadlines of {self.select.describe()} {change}"

    def apply(self, app: Application) -> None:
        rows = self.select.rows(app, self.key)
        old = app.tasks["deadline"].iloc[rows]
        if self.to is not None:
            earlier = int((old > pd.Timestamp(self.to)).sum())
            if earlier:
                raise app.error(
                    f"{self.key}.to",
                    f"{self.to} is before the deadline of {earlier} selected task(s); "
                    "an extension cannot bring a deadline forward",
                )
            new = pd.Series(pd.Timestamp(self.to), index=old.index)
        else:
            new = old + pd.Timedelta(days=self.by_days)
        app.write(rows, "deadline", new.to_numpy())
        app.active[rows[(new > app.question.deadline).to_numpy()]] = False  # out of the window
        app.write(rows[(new >= app.question.as_of).to_numpy()], "status", IN_PROGRESS)


@dataclass(frozen=True)
class Transfer:
    """Selected tasks move to ``to_agency`` and take its completion rate."""

    form: ClassVar[Form] = Form("transfer", (*SELECTOR_KEYS, "to_agency", "new_agency"), ("to_agency",))
    key: str
    select: Selection
    to_agency: str
    new_agency: bool = False

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> Transfer:
        return cls(
            key,
            Selection.parse(c, key, item),
            c.name(f"{key}.to_agency", item["to_agency"]),
            c.flag(f"{key}.new_agency", item.get("new_agency")),
        )

    def describe(self) -> str:
        return f"{self.select.describe()} transferred to {self.to_agency}"

    def apply(self, app: Application) -> None:
        target = app.target_agency(self.to_agency, self.new_agency, f"{self.key}.to_agency")
        app.write(self.select.rows(app, self.key), "agency", target)


@dataclass(frozen=True)
class NewTasks:
    """``count`` new open tasks of ``agency`` due ``deadline``, open from ``arrive`` (``None``: the forecast date);
    ids ``NEW<lever number>-001`` on."""

    form: ClassVar[Form] = Form(
        "new_tasks", ("count", "agency", "deadline", "source", "arrive", "new_agency"), ("count", "agency", "deadline")
    )
    key: str
    count: int
    agency: str
    deadline: date
    source: str | None = None
    arrive: date | None = None
    new_agency: bool = False

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> NewTasks:
        return cls(
            key,
            c.whole(f"{key}.count", item["count"], limits.NEW_TASKS),
            c.name(f"{key}.agency", item["agency"]),
            c.date(f"{key}.deadline", item["deadline"]),
            c.optional(item, key, "source", c.name),
            c.optional(item, key, "arrive", c.date),
            c.flag(f"{key}.new_agency", item.get("new_agency")),
        )

    def describe(self) -> str:
        when = f" arriving {self.arrive}" if self.arrive else ""
        return f"{self.count} new tasks for {self.agency} due {self.deadline}{when}"

    def apply(self, app: Application) -> None:
        agency = app.target_agency(self.agency, self.new_agency, f"{self.key}.agency")
        if not app.as_of <= self.deadline <= app.deadline:
            raise app.error(
                f"{self.key}.deadline",
                f"{self.deadline} must be between the forecast date "
                f"{app.as_of} and the forecast deadline {app.deadline}",
            )
        source = app.sources.resolve(self.source, f"{self.key}.source", app.file) if self.source else None
        arrive = self.arrive or app.as_of
        app.not_after_deadline(f"{self.key}.arrive", arrive)
        if arrive > self.deadline:
            raise app.error(f"{self.key}.arrive", f"{arrive} is after the tasks' deadline {self.deadline}")
        number = self.key.removeprefix("levers[").removesuffix("]")
        ids = pd.Index([f"NEW{number}-{j:03d}" for j in range(1, self.count + 1)], name=app.tasks.index.name)
        new = pd.DataFrame(
            {
                "agency": agency,
                "deadline": pd.Timestamp(self.deadline),
                "status": IN_PROGRESS,
                "source": source,
                "title": f"new task ({app.scenario.name})",
                "assigned_date": pd.Timestamp(arrive),
                "first_seen": pd.Timestamp(arrive),
            },
            index=ids,
        )
        app.append(new, np.datetime64(arrive, "D") if self.arrive else np.datetime64("NaT"))


@dataclass(frozen=True)
class Drop:
    """Selected tasks leave the open set."""

    form: ClassVar[Form] = Form("drop", SELECTOR_KEYS)
    key: str
    select: Selection

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> Drop:
        return cls(key, Selection.parse(c, key, item))

    def describe(self) -> str:
        return f"{self.select.describe()} dropped from the open set"

    def apply(self, app: Application) -> None:
        app.active[self.select.rows(app, self.key)] = False
