"""The levers on completion rates: ``rate_multiplier`` and ``holiday_slowdown``. Each parses its settings, says
itself in words, and applies: its dates are checked in file order, its multiplier acts after every lever on the open
set, on each task's final agency (:meth:`.apply.Application.rates`), over the horizon days :meth:`span` gives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from forecast.config.validate import Checker
from forecast.core.languages import N_
from forecast.scenarios.lever_parts import ALL, Form, multiplier

if TYPE_CHECKING:
    from forecast.scenarios.apply import Application


@dataclass(frozen=True)
class RateMultiplier:
    """Hazard of the agencies' tasks (``None`` = all) times ``multiplier`` on every day from ``start`` on."""

    form: ClassVar[Form] = Form("rate_multiplier", ("multiplier", "agency", "from"), ("multiplier", "agency"))
    key: str
    multiplier: float
    agencies: tuple[str, ...] | None
    start: date | None = None

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> RateMultiplier:
        return cls(
            key,
            multiplier(c, f"{key}.multiplier", item["multiplier"]),
            c.names(f"{key}.agency", item["agency"], ALL),
            c.optional(item, key, "from", c.date),
        )

    def describe(self) -> str:
        who = "every agency" if self.agencies is None else " and ".join(self.agencies)
        return f"{who} works ×{self.multiplier:g} as fast" + (f" from {self.start}" if self.start else "")

    def apply(self, app: Application) -> None:
        if self.start is not None:
            app.not_after_deadline(f"{self.key}.from", self.start)
        app.rate_levers.append(self)

    def span(self, app: Application) -> tuple[int, int]:
        """First and end (exclusive) horizon day it covers."""
        return (app.day(self.start) if self.start else 0), app.horizon_days

    def rows(self, app: Application) -> np.ndarray | None:
        """Rows (bool) of the named agencies' tasks after every open-set lever; ``None``: every row."""
        if self.agencies is None:
            return None
        names = [app.agencies.resolve(a, f"{self.key}.agency", app.file) for a in self.agencies]
        rows = app.tasks["agency"].isin(names).to_numpy()
        if not (rows & app.active).any():
            app.warn(
                N_("{key}: {agencies} hold(s) no open task; it changes nothing"), key=self.key, agencies=tuple(names)
            )
        return rows


@dataclass(frozen=True)
class HolidaySlowdown:
    """Hazard of every task times ``multiplier`` on the days ``start`` to ``end`` inclusive."""

    form: ClassVar[Form] = Form("holiday_slowdown", ("multiplier", "from", "to"), ("multiplier", "from", "to"))
    key: str
    multiplier: float
    start: date
    end: date

    @classmethod
    def parse(cls, c: Checker, key: str, item: Mapping) -> HolidaySlowdown:
        start, end = c.date(f"{key}.from", item["from"]), c.date(f"{key}.to", item["to"])
        if end < start:
            raise c.error(f"{key}.to", f"{end} is before from: {start}")
        return cls(key, multiplier(c, f"{key}.multiplier", item["multiplier"]), start, end)

    def describe(self) -> str:
        return f"every agency works ×{self.multiplier:g} as fast from {self.start} to {self.end}"

    def apply(self, app: Application) -> None:
        app.not_after_deadline(f"{self.key}.from", self.start)
        if self.end <= app.as_of:
            app.warn(
                N_("{key}: {start} to {end} is before the forecast horizon (after {as_of}); it changes nothing"),
                key=self.key,
                start=self.start,
                end=self.end,
                as_of=app.as_of,
            )
        app.rate_levers.append(self)

    def span(self, app: Application) -> tuple[int, int]:
        """First and end (exclusive) horizon day it covers."""
        return app.day(self.start), app.day(self.end + timedelta(days=1))

    def rows(self, app: Application) -> None:
        """Every row."""
        return None
