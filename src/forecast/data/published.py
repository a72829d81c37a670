"""The published aggregate figures (``data/published/figures.csv``) as a tidy, checked frame.

One row per figure: ``date`` (of the data; NaT when the report gives none), ``scope``, ``agency`` (empty for the
whole scope), ``metric``, ``value`` (a count), ``source_url``, ``note``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import paths
from forecast.data import schema
from forecast.errors import DataError, Problem

COLUMNS = ("date", "scope", "agency", "metric", "value", "source_url", "note")


def load_published(path: str | Path = paths.PUBLISHED_FIGURES) -> pd.DataFrame:
    """Read and check the figures file; raise :class:`DataError` naming file, row and column on bad input."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        what = "is a folder, not the published figures file" if path.is_dir() else "published figures file not found"
        raise DataError(Problem(what, file=name))
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(Problem("not UTF-8 text; re-save it as UTF-8", file=name)) from None
    except (OSError, ValueError) as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise DataError(
            Problem(f"not a published-figures CSV file ({' '.join(str(exc).split())[:200]})", file=name)
        ) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"required column missing; a published-figures file has the columns {', '.join(COLUMNS)}",
                    file=name,
                    rows=(1,),
                    column=c,
                )
                for c in missing
            ]
        )
    rows = raw.index.to_numpy() + 2
    problems = []
    dates, bad_dates, _ = schema.column_dates(raw["date"])
    if bad_dates.any():
        problems.append(
            Problem(f"not a date ({schema.ACCEPTED_DATES})", file=name, rows=tuple(rows[bad_dates]), column="date")
        )
    values = pd.to_numeric(raw["value"], errors="coerce")
    bad_values = ~(np.isfinite(values) & (values >= 0) & (values == values.round())).to_numpy()
    if bad_values.any():
        problems.append(Problem("not a count", file=name, rows=tuple(rows[bad_values]), column="value"))
    for col in ("scope", "metric", "source_url"):
        empty = (raw[col].str.strip() == "").to_numpy()
        if empty.any():
            problems.append(Problem("empty value", file=name, rows=tuple(rows[empty]), column=col))
    if problems:
        raise DataError(problems)
    out = raw.assign(date=dates, value=values.astype("int64"))
    for col in ("scope", "agency", "metric"):
        out[col] = out[col].str.strip()
    return out[list(COLUMNS)]


def figure(frame: pd.DataFrame, date: str | None, scope: str, metric: str, agency: str = "") -> int:
    """The one value published for (date, scope, metric, agency); ``KeyError`` if there is none."""
    when = frame["date"].isna() if date is None else frame["date"] == pd.Timestamp(date)
    hit = frame.loc[when & (frame["scope"] == scope) & (frame["metric"] == metric) & (frame["agency"] == agency)]
    if len(hit) != 1:
        raise KeyError(f"{len(hit)} figures for {date} {scope} {metric} {agency!r}")
    return int(hit["value"].iloc[0])


@dataclass(frozen=True)
class Identity:
    """``sum(lhs) == sum(rhs)`` among figures of one date: a check that the transcription is right."""

    date: str
    lhs: tuple[tuple[str, str], ...]  # (scope, metric)
    rhs: tuple[tuple[str, str], ...]

    def values(self, frame: pd.DataFrame) -> tuple[int, int]:
        def total(side: tuple[tuple[str, str], ...]) -> int:
            return sum(figure(frame, self.date, s, m) for s, m in side)

        return total(self.lhs), total(self.rhs)


IDENTITIES = (
    Identity(
        "2025-12-04",
        (("all", "completed"), ("all", "in_progress"), ("all", "overdue"), ("all", "regular")),
        (("all", "assigned"),),
    ),
    Identity(
        "2025-12-04", (("all", "in_progress_due_by_year_end"), ("all", "overdue")), (("all", "to_finish_by_year_end"),)
    ),
    Identity(
        "2025-12-04",
        (("res71_databases", "completed"), ("res71_databases", "in_progress"), ("res71_databases", "not_started")),
        (("res71_databases", "assigned"),),
    ),
    Identity("2025-08-28", (("res71", "completed_on_time"), ("res71", "completed_late")), (("res71", "completed"),)),
    Identity("2025-08-28", (("res71", "assigned"), ("conclusions", "assigned")), (("res71+conclusions", "assigned"),)),
    Identity("2025-08-28", (("res71", "overdue"), ("conclusions", "overdue")), (("res71+conclusions", "overdue"),)),
    Identity("2025-07-31", (("res71", "completed_late"), ("res71", "overdue")), (("res71", "behind_schedule"),)),
    Identity(
        "2025-06-20",
        (("res71", "completed"), ("res71", "overdue"), ("res71", "in_progress")),
        (("res71", "implemented"),),
    ),
)


def check_identities(frame: pd.DataFrame) -> pd.DataFrame:
    """Each identity with its two sides and whether they agree."""
    rows = []
    for ident in IDENTITIES:
        lhs, rhs = ident.values(frame)
        rows.append(
            {
                "date": ident.date,
                "lhs": " + ".join(f"{s}.{m}" for s, m in ident.lhs),
                "rhs": " + ".join(f"{s}.{m}" for s, m in ident.rhs),
                "lhs_value": lhs,
                "rhs_value": rhs,
                "holds": lhs == rhs,
            }
        )
    return pd.DataFrame(rows)
