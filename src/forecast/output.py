"""Forecasts as text and as files: the readable table ``forecast predict`` prints, and table files.

A table file is written through :mod:`forecast.atomic` (a temporary sibling renamed into place, so a failed run
never leaves a half-written file or replaces a good one), never over a file without ``force``, never into the
snapshot folder, and spreadsheet-safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .atomic import check_target, replace_file, write_xlsx
from .errors import OutputError
from .prose import headline_sentence
from .question import SYNTHETIC_WARNING
from .simulate import SlipForecast

# CSV as Excel writes it: BOM, CRLF (so a cell holding a line break or carriage return is quoted)
WRITERS = {
    ".csv": lambda f, p: f.to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\r\n"),
    ".xlsx": write_xlsx,
    ".parquet": lambda f, p: f.to_parquet(p, index=False),
}


def forecast_table(result: SlipForecast, top: int = 15) -> str:
    """The readable report of one forecast."""
    s = result.summary()
    lines = []
    if result.provenance.synthetic:
        lines.append(SYNTHETIC_WARNING)
    lines += [
        f"Model {result.model}, as of {result.as_of.date()}, {result.sims} runs, seed {result.seed}.",
        headline_sentence(result) + ".",
        f"Slips: mean {s['mean']:.1f}, P10 {s['p10']}, P50 {s['p50']}, P90 {s['p90']}.",
    ]
    split = result.split()
    lines.append(
        f"Of the {len(result.tasks)} open tasks: completed by the deadline {split['completed']['mean']:.1f}, "
        f"moved out of the window {split['moved']['mean']:.1f}, slipped {split['slipped']['mean']:.1f} "
        "(means)."
    )
    components = result.meta.get("components")
    if components:
        table = pd.DataFrame(components)[["model", "weight", "mean", "p10", "p90", "backtest_crps", "why"]]
        lines += [
            "",
            f"Components (weights by stacking on {result.meta['stacking']['cutoffs']} backtest cutoffs; "
            "--model NAME gives one model's own forecast):",
            table.to_string(index=False, float_format=lambda v: f"{v:.2f}"),
        ]
    year_end = result.meta.get("year_end", {})
    if year_end.get("applied"):
        w, wo = year_end["with_prior"], year_end["without_prior"]
        lines += [
            "",
            f"Year-end prior: with it {w['mean']:.1f} [{w['p10']}, {w['p90']}], without it {wo['mean']:.1f} "
            f"[{wo['p10']}, {wo['p90']}]: it adds {year_end['contribution']:+.1f} slips.",
        ]
    agencies = result.by_agency()
    if len(agencies):
        shown = agencies.head(top).rename(
            columns={"slip_mean": "mean", "slip_p10": "p10", "slip_p50": "p50", "slip_p90": "p90"}
        )
        lines += [
            "",
            f"Agencies with the most expected slips (top {min(top, len(agencies))} of {len(agencies)}):",
            shown.to_string(index=False, float_format=lambda v: f"{v:.1f}"),
        ]
    return "\n".join(lines)


def backtest_table(result) -> str:
    """The readable report of a backtest: scores per model, best CRPS first."""
    table = result.scores()
    return "\n".join(
        [
            f"Backtest, horizon {result.horizon_days} days, {len(result.origins)} cutoffs "
            f"({result.origins[0]} to {result.origins[-1]}).",
            table.to_string(index=False, float_format=lambda v: f"{v:.3f}"),
            f"Best (lowest CRPS): {result.best}.",
        ]
    )


def published_backtest_table(frame: pd.DataFrame) -> str:
    """The published-figures model on the published transitions (``forecast.published_scores.published_backtest``)."""
    if frame.empty:
        return "Published-figures model: the published figures hold no transition it can be scored on."
    cols = [
        "cutoff",
        "outcome_date",
        "scope",
        "open",
        "observed",
        "slip_mean",
        "p10",
        "p90",
        "abs_error",
        "crps",
        "covered80",
    ]
    shown = frame[cols].assign(cutoff=frame["cutoff"].dt.date, outcome_date=frame["outcome_date"].dt.date)
    return "\n".join(
        [
            "Published-figures model on the published transitions (overdue count at the next report, forecast from "
            "the figures up to the cutoff):",
            shown.to_string(index=False, float_format=lambda v: f"{v:.2f}"),
            f"Mean CRPS {frame['crps'].mean():.2f}, 80 % interval covered {frame['covered80'].mean():.0%}.",
        ]
    )


def write_table(
    frame: pd.DataFrame, path: str | Path, *, force: bool = False, protected: Iterable[str | Path] = ()
) -> Path:
    """Write ``frame`` as CSV, XLSX or Parquet (by suffix), atomically, after :func:`forecast.atomic.check_target`
    (no folder, no existing file unless ``force``, nothing inside a ``protected`` folder).

    CSV and XLSX are spreadsheet-safe: text cells are :func:`neutralised`, and CSV carries a BOM so Excel reads
    Vietnamese text as UTF-8.
    """
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise OutputError(path, f"unknown table format; use one of {', '.join(WRITERS)}")
    check_target(path, force=force, protected=protected)
    table = neutralised(frame, formulas=path.suffix.lower() != ".parquet")
    return replace_file(path, lambda tmp: writer(table, tmp))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# what no XLSX (XML 1.0) may hold, nor UTF-8 encode: control characters other than tab and line breaks, lone
# surrogates (a file name that is not UTF-8), U+FFFE and U+FFFF
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralised(frame: pd.DataFrame, formulas: bool = True) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would read as a formula (starting with ``= + - @``, tab or
    carriage return; OWASP's CSV injection list) prefixed with ``'``, so it shows as the text it is; and without
    the characters no table file can hold (:data:`_UNWRITABLE`; the loader removes them, this is for text from
    elsewhere). ``formulas=False`` (Parquet): only the latter."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype | pd.CategoricalDtype):
            values = out[col].to_numpy(dtype=object)
            clean = [_writable(v, formulas) for v in values]
            if any(a is not b for a, b in zip(clean, values, strict=True)):  # else it keeps its type (a dictionary)
                out[col] = pd.Series(clean, index=out.index, dtype=object)
    return out.rename(columns=lambda c: _writable(c, formulas))


def _writable(value: object, formulas: bool) -> object:
    """``value`` itself, or the text without :data:`_UNWRITABLE` characters and, with ``formulas``, a ``'`` before a
    formula's first character."""
    if not isinstance(value, str):
        return value
    text = _UNWRITABLE.sub("", value) if _UNWRITABLE.search(value) else value
    return "'" + text if formulas and text.startswith(FORMULA_STARTS) else text
