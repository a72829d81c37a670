"""The validation toolkit shared by params files (:mod:`forecast.config.params`) and scenario files
(:mod:`forecast.scenarios.levers`): one YAML-loading prelude, typed checks, "did you mean" for unknown keys.

Every check raises :class:`~forecast.errors.ParamsError` naming the file, the key and the value found. Values in
messages go through :func:`shown`, which cuts them to about :data:`~forecast.core.limits.SHOWN_CHARS` characters and
never expands nested structures (so a YAML "billion laughs" alias bomb costs nothing to report).
"""

from __future__ import annotations

import difflib
import math
import reprlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from forecast.core import limits
from forecast.data import schema
from forecast.errors import ParamsError

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring = _REPR.maxother = limits.SHOWN_CHARS


def shown(value: Any) -> str:
    """``repr(value)`` cut to about 80 characters, computed without expanding nested lists or mappings."""
    text = _REPR.repr(value)
    return text if len(text) <= limits.SHOWN_CHARS else text[: limits.SHOWN_CHARS - 3] + "..."


def did_you_mean(word: Any, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` naming the closest of ``options`` to ``word``, or ``""``."""
    if not isinstance(word, str):  # never str() an unknown structure: it may be an alias bomb
        return ""
    close = difflib.get_close_matches(word[:100], list(options), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def load_yaml(path: str | Path, what: str) -> Any:
    """The parsed YAML of a ``what`` file ("params" or "scenario"); errors name the file."""
    path = Path(path)
    if path.is_dir():
        raise ParamsError(what, f"{path} is a folder, not a {what} file")
    if not path.is_file():
        raise ParamsError(what, f"file not found: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParamsError(what, f"cannot be read: {exc.strerror}", file=str(path)) from None
    if len(data) > limits.MAX_YAML_BYTES:
        raise ParamsError(
            what, f"{len(data):,} bytes; a {what} file is at most {limits.MAX_YAML_BYTES:,}", file=str(path)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParamsError(what, f"not UTF-8 text (byte {exc.start}); re-save it as UTF-8", file=str(path)) from None
    try:
        _check_depth(text, what, path)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParamsError(what, f"not valid YAML: {_where(exc)}", file=str(path)) from None


def _check_depth(text: str, what: str, path: Path) -> None:
    """Refuse lists and mappings nested more than :data:`~forecast.core.limits.YAML_DEPTH` deep before they are built
    (PyYAML builds them recursively: 50,000 ``[`` would be a RecursionError). YAML's events come one at a time."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > limits.YAML_DEPTH:
                line = f" (line {event.start_mark.line + 1})" if event.start_mark else ""
                raise ParamsError(
                    what,
                    f"lists and mappings nested more than {limits.YAML_DEPTH} deep{line}; a {what} file needs a few",
                    file=str(path),
                )
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _where(exc: yaml.YAMLError) -> str:
    """What YAML found wrong and where, without the file's text (a path given by mistake may be a file of secrets:
    its lines are never printed)."""
    problem = getattr(exc, "problem", None) or type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{' '.join(str(problem).split())[: limits.SHOWN_CHARS]}{where}"


class Checker:
    """Typed checks of one file's values; each returns the clean value or raises :class:`ParamsError`."""

    def __init__(self, file: str | Path | None = None):
        self.file = str(file) if file else None

    def error(self, key: str, message: str) -> ParamsError:
        return ParamsError(key, message, file=self.file)

    def keys(
        self,
        key: str | None,
        data: Mapping,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        word: str = "key",
        what: str | None = None,
    ) -> None:
        """Every key of ``data`` is ``allowed`` (else: did you mean ...) and every ``required`` one is given. For
        a whole ``what`` file (params, scenario) none of whose keys is one, nor close to one, the keys are not
        shown: it is some other file (a path given by mistake), and its contents are not the kit's to print."""
        allowed = tuple(allowed)
        if what and data and not any(k in allowed or did_you_mean(k, allowed) for k in data):
            raise self.error(what, f"not a {what} file: none of its keys is a {what} key ({', '.join(allowed)})")
        for k in data:
            if k not in allowed:
                name = k if isinstance(k, str) else shown(k)
                raise self.error(
                    f"{key}.{name[: limits.SHOWN_CHARS]}" if key else name[: limits.SHOWN_CHARS],
                    f"unknown {word}{did_you_mean(k, allowed)} (known: {', '.join(allowed)})",
                )
        for k in required:
            if data.get(k) is None:
                raise self.error(f"{key}.{k}" if key else k, "is required")

    def mapping(self, key: str, value: Any, what: str) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.error(key, f"{shown(value)} must be {what}")
        return value

    def listed(self, key: str, value: Any, what: str) -> list:
        """``value`` as a list (one item alone becomes a list of one), at most :data:`limits.MAX_LIST` long."""
        items = [value] if isinstance(value, str | int | float) and not isinstance(value, bool) else value
        if not isinstance(items, list) or not items:
            raise self.error(key, f"{shown(value)} must be {what} or a list of them")
        if len(items) > limits.MAX_LIST:
            raise self.error(key, f"{len(items):,} entries; at most {limits.MAX_LIST:,}")
        return items

    def whole(self, key: str, value: Any, bounds: tuple[int, int]) -> int:
        lo, hi = bounds
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.error(key, f"{shown(value)} must be a whole number from {lo:,} to {hi:,}")
        return value

    def number(self, key: str, value: Any, bounds: tuple[float, float], meaning: str = "") -> float:
        """A finite number in ``(lo, hi]`` (NaN and infinity refused)."""
        lo, hi = bounds
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or not lo < value <= hi:
            raise self.error(key, f"{shown(value)} must be a number greater than {lo:g} and at most {hi:g}{meaning}")
        return float(value)

    def date(self, key: str, value: Any) -> date:
        try:
            day = schema.parse_date(value) if isinstance(value, str | date) else None
        except schema.DateError as exc:
            raise self.error(key, str(exc)) from None
        if day is None:
            raise self.error(key, f"{shown(value)} is not a date ({schema.ACCEPTED_DATES})")
        return day

    def text(self, key: str, value: Any, longest: int = 200) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > longest:
            raise self.error(key, f"{shown(value)} must be a text of 1 to {longest} characters")
        return " ".join(value.split())

    def choice(self, key: str, value: Any, options: Iterable[str]) -> str:
        options = tuple(options)
        if not isinstance(value, str) or value not in options:
            raise self.error(key, f"{shown(value)} is not one of {', '.join(options)}{did_you_mean(value, options)}")
        return value

    def path(self, key: str, value: Any, base: Path) -> Path:
        """A path; relative ones resolve against ``base`` (the file's own folder)."""
        if not isinstance(value, str | Path) or not str(value).strip() or "\0" in str(value):
            raise self.error(key, f"{shown(value)} is not a path")
        p = Path(value).expanduser()
        return p if p.is_absolute() else (base / p).resolve()

    def flag(self, key: str, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(key, f"{shown(value)} must be true or false")
        return value

    def names(self, key: str, value: Any, all_word: str | None = None) -> tuple[str, ...] | None:
        """One name or a list of names, spaces collapsed; ``all_word`` (when given) alone means every one: None."""
        out = []
        for item in self.listed(key, value, "a name"):
            if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
                raise self.error(key, f"{shown(item)} is not a name")
            out.append(" ".join(str(item).split()))
        if all_word and any(n.lower() == all_word for n in out):
            if len(out) > 1:
                raise self.error(key, f"{shown(value)}: `{all_word}` cannot be combined with other names")
            return None
        return tuple(dict.fromkeys(out))

    def optional(self, item: Mapping, key: str, name: str, check: Callable[..., Any], *args: Any) -> Any:
        """``check(f"{key}.{name}", item[name], *args)``, or None when the setting ``name`` is absent."""
        return check(f"{key}.{name}", item[name], *args) if item.get(name) is not None else None

    def name(self, key: str, value: Any) -> str:
        names = self.names(key, value)
        if names is None or len(names) != 1:
            raise self.error(key, f"{shown(value)} must be one name")
        return names[0]
