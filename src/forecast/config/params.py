"""Run parameters: a YAML file (or a notebook's injected values) validated once into a typed :class:`Params`.

Relative paths in a params file are resolved against the file's own folder, so a file works wherever it is run
from. Dates may arrive as ``date`` objects or strings (YAML and papermill disagree); both are accepted, read by
the kit's one date parser (``YYYY-MM-DD`` or ``dd/mm/yyyy``, day first). Numbers are bounded
(:mod:`forecast.core.limits`); checks come from the shared toolkit (:mod:`forecast.config.validate`).

Keys (all optional)::

    scenario: baseline              # name shown in reports and run folders
    snapshots: ../data/sample/synthetic-2025
    published: ../data/published/figures.csv
    as_of: 2025-12-04               # default: the last snapshot
    deadline: 2025-12-31            # default: 31 Dec of the as-of year
    model: combined                 # combined (the pool: default) | hazard | reference | boosting | throughput
    sims: 10000                     # Monte Carlo draws, 1 to 1,000,000
    seed: 2025                      # 0 or more
    horizon_days: 27                # backtest horizon, 1 to 3,650
    scenarios: [scenarios/finance_faster.yaml]
    status_labels: {"Đã hoàn thành": completed_on_time}
    timeout_minutes: 20             # wall-clock limit of one report run, more than 0 and at most 1,440
    jobs: 2                         # notebooks a report runs at once, 1 to 64 (default: the machine's cores)
    targets: [250, 300]             # slip targets of the summary page's P(slips <= target) table (default: chosen
                                    # around the forecast)
    scope_sources:                  # published scope -> the export `source` labels it covers (null: every task);
      all: null                     # default: the bundled sample's labels (DEFAULT_SCOPE_SOURCES)
      res71: [Resolution 71/NQ-CP]
    milestones:                     # programme dates (review meetings, directives, conferences): the hazard model
      - 2025-08-01                  #   learns the push before past ones and applies it before the next
      - {date: 2025-11-06, name: Directive 33/CT-TTg}
    year_end:                       # the year-end regime (README, "The year end"); `year_end: false` drops it
      window_days: 31               #   the last days of the year it covers
      reference: ../data/reference/year_end.csv   # the reference class its prior is fitted on (the default)
      no_push: 0.3                  #   overrides of the fitted prior (optional): the weight of a December like the
      multiplier_median: 2.0        #   autumn, the median December pace of a push, the median year-end overdue
      backlog_median: 0.5           #   share against the share before it
    exits: true                     # competing exits: deadline extensions and reclassifications leave the window
    language: vi                    # the report's language: en (default) or vi (Vietnamese: words, numbers, dates)
    cache: ../.cache                # fitted models and backtest cutoffs (forecast.data.cache); default the project's
                                    #   .cache/; false: off
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from forecast import paths
from forecast.config.validate import Checker, load_yaml, shown
from forecast.core import limits
from forecast.core.languages import LANGUAGES
from forecast.data import schema
from forecast.errors import ParamsError
from forecast.models import MODELS

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# Which export `source` labels each published scope (``data/published/figures.csv``) covers; None: every task. These
# are the bundled sample's labels (:mod:`forecast.sample`); a real export's go in the params file's `scope_sources:`.
# A figure whose scope is not listed, or whose labels match no task, gets no task-level count (missing, never 0).
DEFAULT_SCOPE_SOURCES: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "res71": ("Resolution 71/NQ-CP",),
    "conclusions": ("Steering Committee conclusion notices",),
    "res71+conclusions": ("Resolution 71/NQ-CP", "Steering Committee conclusion notices"),
}


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Milestone:
    """A programme date the hazard model learns a push before: a review meeting, a directive, a conference."""

    date: date
    name: str = ""


@dataclass(frozen=True)
class YearEnd:
    """The year-end regime: the last ``window_days`` days of a year; its prior is fitted on the reference class in
    ``reference`` (:mod:`forecast.models.outside_view`), with any of ``no_push``, ``multiplier_median`` and
    ``backlog_median`` overridden. ``enabled=False`` drops the regime."""

    window_days: int = 31
    reference: Path = paths.DATA_DIR / "reference" / "year_end.csv"
    no_push: float | None = None
    multiplier_median: float | None = None
    backlog_median: float | None = None
    enabled: bool = True

    def overrides(self) -> dict[str, float]:
        return {k: v for k in PRIOR_OVERRIDES if (v := getattr(self, k)) is not None}

    def prior(self) -> Any:
        """The fitted prior (:class:`forecast.models.outside_view.YearEndPrior`), with the overrides."""
        from forecast.models import outside_view

        stat = self.reference.stat() if self.reference.is_file() else None
        key = (str(self.reference), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
        return outside_view.override(_fitted_prior(key), **self.overrides())


PRIOR_OVERRIDES = ("no_push", "multiplier_median", "backlog_median")


@functools.lru_cache(maxsize=8)
def _fitted_prior(key: tuple[str, int, int]) -> Any:
    from forecast.models import outside_view

    return outside_view.fit_prior(outside_view.load_reference(key[0]))


@dataclass(frozen=True)
class Params:
    scenario: str = "baseline"
    snapshots: Path = paths.SAMPLE_DIR
    published: Path = paths.PUBLISHED_FIGURES
    as_of: date | None = None
    deadline: date | None = None
    model: str = "combined"
    sims: int = 10000
    seed: int = 2025
    horizon_days: int = 27
    scenarios: tuple[Path, ...] = ()
    status_labels: dict[str, str] = field(default_factory=dict)
    timeout_minutes: float = 20.0
    jobs: int = field(default_factory=lambda: min(available_cores(), limits.JOBS[1]))
    targets: tuple[int, ...] = ()
    scope_sources: dict[str, tuple[str, ...] | None] = field(default_factory=lambda: dict(DEFAULT_SCOPE_SOURCES))
    milestones: tuple[Milestone, ...] = ()
    year_end: YearEnd = YearEnd()
    exits: bool = True
    cache: Path | bool | None = None  # None: the default folder (forecast.data.cache); False: off
    language: str = "en"  # the report's language (forecast.core.languages.LANGUAGES)
    source: Path | None = None  # the file these came from, if any

    def __post_init__(self) -> None:
        """Validated whenever built (``Params(...)``, ``dataclasses.replace``, :func:`parse_params`): the same checks
        and messages as a params file's, naming the key (and the file, when there is one)."""
        check = Checker(self.source)
        if not isinstance(self.scenario, str) or not _NAME.match(self.scenario):
            raise check.error(
                "scenario", f"{shown(self.scenario)} must be a short name of letters, digits, '-', '_' or '.'"
            )
        for key in ("as_of", "deadline"):
            if getattr(self, key) is not None:
                object.__setattr__(self, key, check.date(key, getattr(self, key)))
        for key in ("snapshots", "published"):
            object.__setattr__(self, key, Path(getattr(self, key)))
        check.choice("model", self.model, ("combined", *MODELS))
        check.choice("language", self.language, LANGUAGES)
        for key, bounds in _WHOLE.items():
            value = getattr(self, key)
            whole = int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
            object.__setattr__(self, key, check.whole(key, whole, bounds))
        check.number("timeout_minutes", self.timeout_minutes, limits.TIMEOUT_MINUTES, " minutes")
        for target in self.targets:
            check.whole("targets", target, limits.TARGET_SLIPS)
        if self.as_of and self.deadline and self.deadline < self.as_of:
            raise check.error("deadline", f"{self.deadline} is before as_of {self.as_of}")

    def model_settings(self) -> dict[str, Any]:
        """The settings the task-level models take from these params (each model takes the ones it knows)."""
        return {
            "milestones": tuple(m.date for m in self.milestones),
            "year_end": self.year_end.enabled,
            "year_end_days": self.year_end.window_days,
            "year_end_prior": self.year_end.prior() if self.year_end.enabled else None,
            "exits": self.exits,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (paths and dates as strings), e.g. for run.json and papermill."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path | date):
                value = str(value)
            elif f.name == "milestones":
                value = [{"date": str(m.date), **({"name": m.name} if m.name else {})} for m in value]
            elif f.name == "year_end":
                value = (
                    {
                        k: str(v) if isinstance(v, Path) else v
                        for k, v in dataclasses.asdict(value).items()
                        if k != "enabled" and v is not None
                    }
                    if value.enabled
                    else False
                )
            elif isinstance(value, tuple):
                value = [v if isinstance(v, int) else str(v) for v in value]
            elif f.name == "scope_sources":
                value = {k: None if v is None else list(v) for k, v in value.items()}
            out[f.name] = value
        return out


OVERRIDES = Path("-p")  # where an override's messages say it came from


def load_params(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Params:
    """Read and validate a params YAML file, with ``overrides`` (key -> value, as :func:`parse_override` gives
    them: ``forecast report -p as_of=2025-11-27``) in place of the file's values. The overrides are validated as
    the file is, with the same messages naming ``-p`` (their relative paths resolve against the working folder),
    then again together with the file."""
    path = Path(path)
    data = load_yaml(path, "params")
    if data is None:
        data = {}
    if isinstance(data, Mapping) and "levers" in data:
        raise ParamsError(
            "params",
            "this is a scenario file (it has `levers:`), not a params file: list it under "
            "`scenarios:` in a params file, or check it with `forecast scenario --check "
            "FILE`",
            file=str(path),
        )
    if not isinstance(data, Mapping):
        raise ParamsError("params", "the file must hold key: value pairs", file=str(path))
    if overrides:
        given = parse_params(overrides, base=Path.cwd(), origin=OVERRIDES).to_dict()
        data = {**data, **{key: given[key] for key in overrides}}
    return parse_params(data, base=path.resolve().parent, origin=path)


def parse_override(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` -> ``(KEY, VALUE)``, the value read as YAML (``sims=200`` a number, ``as_of=2025-11-27`` a
    date, ``scenarios=[a.yaml, b.yaml]`` a list, ``as_of=null`` the default); validated by :func:`load_params`."""
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise ParamsError(
            text[: limits.SHOWN_CHARS], "an override is KEY=VALUE, e.g. -p as_of=2025-11-27", str(OVERRIDES)
        )
    try:
        return key.strip(), yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        raise ParamsError(key.strip(), f"{shown(value)} is not a value (YAML)", str(OVERRIDES)) from None


def parse_params(data: Mapping[str, Any], base: Path | None = None, origin: Path | None = None) -> Params:
    """Validate a mapping (from YAML or notebook parameters); errors name the offending key."""
    check = Checker(origin)
    known = [f.name for f in dataclasses.fields(Params) if f.name != "source"]
    check.keys(None, data, known, what="params")
    base = base or Path.cwd()
    values: dict[str, Any] = {"source": origin}
    for key, value in data.items():
        if value is None:
            continue
        if key == "scenario":
            values[key] = value  # checked by Params itself, as is every field below
        elif key in ("snapshots", "published"):
            values[key] = check.path(key, value, base)
        elif key in ("as_of", "deadline"):
            values[key] = check.date(key, value)
        elif key == "model":
            values[key] = check.choice(key, value, ("combined", *MODELS))
        elif key in ("sims", "seed", "horizon_days", "jobs"):
            values[key] = check.whole(key, value, _WHOLE[key])
        elif key == "timeout_minutes":
            values[key] = check.number(key, value, limits.TIMEOUT_MINUTES, " minutes")
        elif key == "scenarios":
            items = check.listed(key, value, "a scenario file") if value != [] else []
            values[key] = tuple(check.path(key, v, base) for v in items)
        elif key == "status_labels":
            values[key] = _labels(check, value)
        elif key == "targets":
            items = check.listed(key, value, "a number of slips") if value != [] else []
            values[key] = tuple(sorted({check.whole(key, v, limits.TARGET_SLIPS) for v in items}))
        elif key == "scope_sources":
            values[key] = _scopes(check, value)
        elif key == "milestones":
            values[key] = _milestones(check, value)
        elif key == "year_end":
            values[key] = _year_end(check, value, base)
        elif key == "exits":
            values[key] = check.flag(key, value)
        elif key == "language":
            values[key] = check.choice(key, value, LANGUAGES)
        elif key == "cache":
            values[key] = None if value is True else False if value is False else check.path(key, value, base)
    return Params(**values)


_WHOLE = {"sims": limits.SIMS, "seed": limits.SEED, "horizon_days": limits.HORIZON_DAYS, "jobs": limits.JOBS}


def _labels(check: Checker, value: Any) -> dict[str, str]:
    out = {}
    for label, status in check.mapping("status_labels", value, "a mapping of export labels to statuses").items():
        if not isinstance(label, str | int) or isinstance(label, bool):
            raise check.error("status_labels", f"{shown(label)} is not a label")
        out[str(label)] = check.choice(f"status_labels.{str(label)[: limits.SHOWN_CHARS]}", status, schema.STATUSES)
    return out


def _scopes(check: Checker, value: Any) -> dict[str, tuple[str, ...] | None]:
    """``scope_sources``: published scope -> null (every task) or the export `source` labels it covers."""
    out: dict[str, tuple[str, ...] | None] = {}
    mapping = check.mapping("scope_sources", value, "a mapping of published scopes to export source labels")
    if len(mapping) > limits.MAX_LIST:
        raise check.error("scope_sources", f"{len(mapping):,} entries; at most {limits.MAX_LIST:,}")
    for scope, labels in mapping.items():
        if not isinstance(scope, str) or not scope.strip():
            raise check.error("scope_sources", f"{shown(scope)} is not a published scope name")
        key = f"scope_sources.{scope[: limits.SHOWN_CHARS]}"
        out[scope.strip()] = None if labels is None else check.names(key, labels)
    return out


def _milestones(check: Checker, value: Any) -> tuple[Milestone, ...]:
    """A list of dates, or of ``{date:, name:}`` mappings; sorted by date."""
    out = []
    for i, item in enumerate(check.listed("milestones", value, "a date") if value != [] else [], start=1):
        key = f"milestones[{i}]"
        if isinstance(item, Mapping):
            check.keys(key, item, ("date", "name"), required=("date",))
            name = check.text(f"{key}.name", item["name"], 120) if item.get("name") is not None else ""
            out.append(Milestone(check.date(f"{key}.date", item["date"]), name))
        else:
            out.append(Milestone(check.date(key, item)))
    return tuple(sorted(out, key=lambda m: m.date))


def _year_end(check: Checker, value: Any, base: Path) -> YearEnd:
    """``false`` (no regime) or a mapping of ``window_days``, ``reference`` and the prior's overrides (defaults for
    the rest)."""
    if value is False:
        return YearEnd(enabled=False)
    data = check.mapping(
        "year_end", value, "false or a mapping of window_days, reference, " + ", ".join(PRIOR_OVERRIDES)
    )
    for old in ("median", "p90"):
        if old in data:
            raise check.error(
                f"year_end.{old}",
                "the year-end prior is fitted on the reference class (data/reference/year_end.csv, `forecast "
                "prior`); to override it use " + ", ".join(PRIOR_OVERRIDES),
            )
    check.keys("year_end", data, ("window_days", "reference", *PRIOR_OVERRIDES))
    default = YearEnd()
    window = check.whole("year_end.window_days", data.get("window_days", default.window_days), (7, 366))
    reference = check.path("year_end.reference", data["reference"], base) if "reference" in data else default.reference
    bounds = {"no_push": (0.0, 1.0), "multiplier_median": (0.01, 100.0), "backlog_median": (0.001, 100.0)}
    found: dict[str, Any] = {
        k: check.number(f"year_end.{k}", data[k], bounds[k]) for k in PRIOR_OVERRIDES if data.get(k) is not None
    }
    return YearEnd(window, reference, **found)
