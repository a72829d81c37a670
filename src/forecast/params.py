"""Run parameters: a YAML file (or a notebook's injected values) validated once into a typed :class:`Params`.

Relative paths in a params file are resolved against the file's own folder, so a file works wherever it is run
from. Dates may arrive as ``date`` objects or strings (YAML and papermill disagree); both are accepted.

Keys (all optional)::

    scenario: baseline              # name shown in reports and run folders
    snapshots: ../data/sample/synthetic-2025
    published: ../data/published/figures.csv
    as_of: 2025-12-04               # default: the last snapshot
    deadline: 2025-12-31            # default: 31 Dec of the as-of year
    model: hazard                   # hazard | reference | throughput
    sims: 10000                     # Monte Carlo draws, > 0
    seed: 2025
    horizon_days: 27                # backtest horizon
    scenarios: [scenarios/finance_faster.yaml]
    status_labels: {"Đã hoàn thành": completed_on_time}
    timeout_minutes: 20             # wall-clock limit of one report run
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from . import paths, schema
from .errors import ParamsError
from .models import MODELS

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Params:
    scenario: str = "baseline"
    snapshots: Path = paths.SAMPLE_DIR
    published: Path = paths.PUBLISHED_FIGURES
    as_of: date | None = None
    deadline: date | None = None
    model: str = "hazard"
    sims: int = 10000
    seed: int = 2025
    horizon_days: int = 27
    scenarios: tuple[Path, ...] = ()
    status_labels: dict[str, str] = field(default_factory=dict)
    timeout_minutes: float = 20.0
    source: Path | None = None  # the file these came from, if any

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (paths and dates as strings), e.g. for run.json and papermill."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path | date):
                value = str(value)
            elif isinstance(value, tuple):
                value = [str(v) for v in value]
            out[f.name] = value
        return out


def load_params(path: str | Path) -> Params:
    """Read and validate a params YAML file."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError("params", f"file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParamsError("params", f"not valid YAML: {exc}", file=str(path)) from None
    if not isinstance(data, Mapping):
        raise ParamsError("params", "the file must hold key: value pairs", file=str(path))
    return parse_params(data, base=path.resolve().parent, origin=path)


def parse_params(data: Mapping[str, Any], base: Path | None = None, origin: Path | None = None) -> Params:
    """Validate a mapping (from YAML or notebook parameters); errors name the offending key."""
    file = str(origin) if origin else None
    known = {f.name for f in dataclasses.fields(Params)} - {"source"}
    for key in data:
        if key not in known:
            raise ParamsError(str(key), f"unknown key; known keys: {', '.join(sorted(known))}", file=file)
    base = base or Path.cwd()

    def err(key: str, message: str) -> ParamsError:
        return ParamsError(key, message, file=file)

    values: dict[str, Any] = {"source": origin}
    for key, value in data.items():
        if value is None:
            continue
        if key == "scenario":
            if not isinstance(value, str) or not _NAME.match(value):
                raise err(key, f"{value!r} must be a short name of letters, digits, '-', '_' or '.'")
            values[key] = value
        elif key in ("snapshots", "published"):
            values[key] = _path(value, base, err(key, f"{value!r} is not a path"))
        elif key in ("as_of", "deadline"):
            values[key] = _as_date(value, err(key, f"{value!r} is not a date (YYYY-MM-DD)"))
        elif key == "model":
            if value not in MODELS:
                raise err(key, f"{value!r} is not a model; choose one of {', '.join(MODELS)}")
            values[key] = value
        elif key in ("sims", "seed", "horizon_days"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise err(key, f"{value!r} must be a whole number")
            if key != "seed" and value <= 0:
                raise err(key, f"must be greater than 0, not {value}")
            if key == "seed" and value < 0:
                raise err(key, f"must be 0 or more, not {value}")
            values[key] = value
        elif key == "timeout_minutes":
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise err(key, f"{value!r} must be a positive number of minutes")
            values[key] = float(value)
        elif key == "scenarios":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list):
                raise err(key, "must be a list of scenario files")
            values[key] = tuple(_path(v, base, err(key, f"{v!r} is not a path")) for v in items)
        elif key == "status_labels":
            values[key] = _labels(value, err)
    params = Params(**values)
    if params.as_of and params.deadline and params.deadline < params.as_of:
        raise err("deadline", f"{params.deadline} is before as_of {params.as_of}")
    return params


def _path(value: Any, base: Path, error: ParamsError) -> Path:
    if not isinstance(value, str | Path) or not str(value).strip():
        raise error
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def _as_date(value: Any, error: ParamsError) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip()[:10], "%Y-%m-%d").date()
        except ValueError:
            raise error from None
    raise error


def _labels(value: Any, err: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise err("status_labels", "must map export labels to statuses")
    out = {}
    for label, status in value.items():
        if status not in schema.STATUSES:
            raise err(f"status_labels.{label}", f"{status!r} is not a status; use one of {', '.join(schema.STATUSES)}")
        out[str(label)] = status
    return out
