"""The year-end reference class (``data/reference/year_end.csv``) and the prior the year-end regime takes from it.

One row per published figure, with its quantity, unit, population, date and source. :func:`evidence` turns each
usable row into one number by the formula of its unit (below), and :func:`fit_prior` turns those numbers into the
prior of :class:`YearEndPrior`. Nothing here is typed by hand: add a row (another year's report, another
programme) and the prior moves. ``forecast prior`` prints the rows, what each contributes and a leave-one-out
table.

**What each kind of row says** (``kind``; the unit's formula gives the number):

* ``december_multiplier`` -> ``M``, a push regime's pace in its last month against an ordinary month:
  ``pct_of_plan_at_end``: ``((value - base) / periods_after) / (base / periods_before)`` (points of a plan in the last
  ``periods_after`` months against the months before); ``pct_of_year``: ``value / (100 / periods_before)`` (the last
  period's share of a year of ``periods_before`` periods); ``ratio``: ``value``.
* ``year_end_overdue`` -> ``rho``, the overdue share at a year end (or just after a review) over the share before
  it, in one tracking series: ``value / base``.
* ``onset`` -> the share of the window gone before the push begins: ``day_of_window``: ``(value - 1) /
  periods_before``; ``pct_of_year_in_last_days`` (a last month of ``periods_before`` days holding ``base`` % of the
  year, its last ``periods_after`` days ``value`` %): a flat ordinary pace, then from day t a pace I such that both
  shares hold, ``t / periods_before``.
* ``carry_over`` -> ``value`` tasks left the programme (withdrawn, reassigned, carried over) against ``base`` still
  overdue.
* ``push`` (yes / no, on any row): whether that regime had a year-end push; ``no_push`` rows say it had none.
* ``context``: shown, not used.

**The prior** (:func:`fit_prior`): with probability ``no_push`` December runs like the autumn (Jeffreys: ``(no +
1/2) / (rows coded + 1)``); otherwise a push regime with

* ``M``: the posterior predictive of a normal model of the rows' ``log M`` (Student-t with ``n - 1`` degrees of
  freedom, scale ``s * sqrt(1 + 1/n)``, Jeffreys prior: a new regime, not the mean of the rows), at least 1 (a push
  does not slow December; every row is);
* ``rho``: the same, from the ``year_end_overdue`` rows;
* the onset week of the window (weeks 1-3 of 7 days, week 4 the rest): Dirichlet(1/2 + rows per week) mean;
* ``carry_over`` (``q_x``, the share of the open tasks a year-end review carries out of the year): Beta(1/2 + sum
  of the rows' shares, 1/2 + sum of their complements). Each row is one regime: its share counts once, however
  many tasks it counted, so a prior from one ministry's year is as unsure as one regime makes it;
* ``overdue_split`` (how the backlog clearance divides between overdue tasks and tasks due by the year end):
  Beta(1, 1). The reference class says nothing about it; December snapshots do (:mod:`forecast.models.year_end`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecast import paths
from forecast.errors import DataError, Problem

REFERENCE = paths.DATA_DIR / "reference" / "year_end.csv"
COLUMNS = (
    "id",
    "kind",
    "quantity",
    "unit",
    "value",
    "base",
    "periods_before",
    "periods_after",
    "push",
    "population",
    "date",
    "source_url",
    "note",
)
PARAMETER = {
    "december_multiplier": "multiplier",
    "year_end_overdue": "backlog",
    "onset": "onset",
    "carry_over": "carry_over",
    "no_push": "no_push",
    "context": "",
}
UNITS = {
    "december_multiplier": ("pct_of_plan_at_end", "pct_of_year", "ratio"),
    "year_end_overdue": ("pct_of_all_tasks",),
    "onset": ("day_of_window", "pct_of_year_in_last_days"),
    "carry_over": ("count",),
}
WEEKS = 4  # the window's weeks: 1-7, 8-14, 15-21 and the rest


def load_reference(path: str | Path = REFERENCE) -> pd.DataFrame:
    """The reference class, checked: a :class:`DataError` names the file, row and column of every bad cell."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError(Problem("reference class file not found" if not path.is_dir() else "is a folder", file=name))
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(Problem("not UTF-8 text; re-save it as UTF-8", file=name)) from None
    except (OSError, ValueError) as exc:
        raise DataError(Problem(f"not a CSV file ({' '.join(str(exc).split())[:200]})", file=name)) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            [
                Problem(f"required column missing ({', '.join(COLUMNS)})", file=name, rows=(1,), column=c)
                for c in missing
            ]
        )
    problems: list[Problem] = []
    for i, row in raw.iterrows():
        at: dict[str, Any] = {"file": name, "rows": (int(str(i)) + 2,)}
        if row["kind"] not in PARAMETER:
            problems.append(Problem(f"unknown kind {row['kind']!r} ({', '.join(PARAMETER)})", column="kind", **at))
            continue
        if row["kind"] in UNITS and row["unit"] not in UNITS[row["kind"]]:
            allowed = ", ".join(UNITS[row["kind"]])
            problems.append(Problem(f"a {row['kind']} row's unit is one of {allowed}", column="unit", **at))
            continue
        if row["push"] not in ("", "yes", "no"):
            problems.append(Problem("push is yes, no or empty", column="push", **at))
        if not row["source_url"].strip():
            problems.append(Problem("every row needs its source", column="source_url", **at))
        if row["kind"] in UNITS:
            try:
                value = _evidence(row)
            except (KeyError, ValueError, ZeroDivisionError) as exc:
                problems.append(Problem(f"cannot read the figure: {exc}", column="value", **at))
                continue
            if (
                not np.isfinite(value)
                or value < 0
                or (row["kind"] != "onset" and value == 0 and row["kind"] != "carry_over")
            ):
                problems.append(
                    Problem(f"the figure gives {value:g}, not a usable {row['kind']}", column="value", **at)
                )
    if problems:
        raise DataError(problems)
    return raw[list(COLUMNS)]


def _number(row: pd.Series, col: str) -> float:
    text = str(row[col]).strip()
    if not text:
        raise ValueError(f"'{col}' is empty")
    return float(text)


def _evidence(row: pd.Series) -> float:
    """The one number a row contributes, by the formula of its unit (module docstring)."""
    unit = row["unit"]
    value = _number(row, "value")
    if unit == "pct_of_plan_at_end":
        base, before, after = _number(row, "base"), _number(row, "periods_before"), _number(row, "periods_after")
        return ((value - base) / after) / (base / before)
    if unit == "pct_of_year":
        return value / (100.0 / _number(row, "periods_before"))
    if unit in ("ratio", "count"):
        return value
    if unit == "pct_of_all_tasks":
        return value / _number(row, "base")
    if unit == "day_of_window":
        return (value - 1.0) / _number(row, "periods_before")
    if unit == "pct_of_year_in_last_days":
        month, days, last = _number(row, "base"), _number(row, "periods_before"), _number(row, "periods_after")
        return onset_share(value / month, month / (100.0 / 12.0), days, last)
    raise ValueError(f"unit {unit!r}")


def onset_share(last_share: float, multiplier: float, days: float, last_days: float) -> float:
    """The share of a month of ``days`` days gone before its push began, from the share of the month's output in its
    last ``last_days`` days and the month's pace against an ordinary month (``multiplier``): an ordinary pace (1)
    up to day t, then ``I`` from t on, with ``t + I (days - t) = multiplier * days`` and ``I * last_days =
    last_share * multiplier * days`` (so the push begins before the last days)."""
    total = multiplier * days
    intensity = last_share * total / last_days
    if intensity <= 1:
        raise ValueError("the last days are not faster than the month")
    start = (intensity * days - total) / (intensity - 1.0)
    return float(np.clip(start / days, 0.0, 1.0))


def evidence(reference: pd.DataFrame) -> pd.DataFrame:
    """Each row with the number it contributes (``evidence``: M, rho, the onset share, or the left count) and the
    parameter it informs (``parameter``; empty for context rows)."""
    out = reference.copy()
    out["parameter"] = out["kind"].map(PARAMETER)
    out["evidence"] = [_evidence(r) if r["kind"] in UNITS else np.nan for _, r in reference.iterrows()]
    return out


@dataclass(frozen=True)
class LogT:
    """The posterior predictive of a new regime's value when the rows' logs are normal with unknown mean and variance
    (Jeffreys prior): ``log X = mean + scale * t_df``, ``scale = s * sqrt(1 + 1/n)``, ``df = n - 1``; with ``lower``,
    truncated below it (a push does not slow December: the December pace is at least 1)."""

    mean: float
    scale: float
    df: int
    n: int
    lower: float | None = None

    @classmethod
    def fit(cls, values: np.ndarray, what: str, lower: float | None = None) -> LogT:
        logs = np.log(np.asarray(values, float))
        if len(logs) < 2:
            raise DataError(Problem(f"the reference class needs at least two {what} rows to say how much they vary"))
        scale = float(logs.std(ddof=1) * np.sqrt(1 + 1 / len(logs)))
        return cls(float(logs.mean()), scale, len(logs) - 1, len(logs), lower)

    @property
    def _floor(self) -> float:
        """The t's CDF at the lower bound (0 without one)."""
        return 0.0 if self.lower is None else float(stats.t.cdf((np.log(self.lower) - self.mean) / self.scale, self.df))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` values (by the inverse CDF above the bound); the log is kept within +-30 (a t with one degree of
        freedom draws far out now and then, and no such value means anything: e^30 times an ordinary month)."""
        u = self._floor + (1.0 - self._floor) * rng.random(size)
        return np.exp(np.clip(self.mean + self.scale * stats.t.ppf(u, self.df), -30.0, 30.0))

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """Log density of values ``x`` (-inf below the bound)."""
        logs = np.log(np.maximum(np.asarray(x, float), 1e-300))
        out = stats.t.logpdf((logs - self.mean) / self.scale, self.df) - np.log(self.scale) - logs
        out = out - np.log1p(-self._floor)
        return out if self.lower is None else np.where(x >= self.lower, out, -np.inf)

    def quantile(self, q: float) -> float:
        return float(np.exp(self.mean + self.scale * stats.t.ppf(self._floor + (1 - self._floor) * q, self.df)))

    def cdf(self, x: float) -> float:
        raw = float(stats.t.cdf((np.log(x) - self.mean) / self.scale, self.df))
        return max(raw - self._floor, 0.0) / (1.0 - self._floor)


@dataclass(frozen=True)
class YearEndPrior:
    """The prior of the year-end regime (module docstring). ``rows`` are the reference rows it was fitted on, with
    their evidence."""

    no_push: float
    multiplier: LogT
    backlog: LogT
    onset: tuple[float, ...]  # probability of the push starting in each week of the window
    carry_over: tuple[float, float]  # Beta(a, b) of q_x
    overdue_split: tuple[float, float] = (1.0, 1.0)
    counts: dict[str, int] = field(default_factory=dict)
    rows: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def draw(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` push regimes: ``multiplier`` (M), ``backlog`` (rho), ``onset`` (week index 0-3), ``carry_over``,
        ``overdue_split``."""
        return {
            "multiplier": self.multiplier.draw(rng, size),
            "backlog": self.backlog.draw(rng, size),
            "onset": rng.choice(WEEKS, size=size, p=np.asarray(self.onset)),
            "carry_over": rng.beta(*self.carry_over, size),
            "overdue_split": rng.beta(*self.overdue_split, size),
        }

    def onset_days(self, window: int) -> np.ndarray:
        """Probability of the push starting on each day of a ``window``-day window: its week's probability spread
        evenly over the week's days (weeks 1-3 of 7 days, week 4 the rest)."""
        day = np.arange(window)
        week = np.minimum(day // 7, WEEKS - 1)
        days_in = np.bincount(week, minlength=WEEKS).astype(float)
        p = np.asarray(self.onset)[week] / days_in[week]
        return p / p.sum()

    def log_density(self, draws: dict[str, np.ndarray], onset: bool = True) -> np.ndarray:
        """Log density of push regimes under this prior (for importance weights); ``onset=False`` leaves the onset
        week out (a caller that draws onset days its own way)."""
        out = np.zeros(len(draws["multiplier"]))
        for name in ("multiplier", "backlog"):
            out += getattr(self, name).log_density(draws[name])
        if onset:
            out += np.log(np.asarray(self.onset))[draws["onset"].astype(int)]
        for name in ("carry_over", "overdue_split"):
            out += stats.beta.logpdf(np.clip(draws[name], 1e-12, 1 - 1e-12), *getattr(self, name))
        return out

    def summary(self) -> dict[str, object]:
        """The prior in numbers a reader can check against the rows."""
        a, b = self.carry_over
        return {
            "no_push_weight": round(self.no_push, 4),
            "multiplier_median": round(self.multiplier.quantile(0.5), 3),
            "multiplier_p10": round(self.multiplier.quantile(0.1), 3),
            "multiplier_p90": round(self.multiplier.quantile(0.9), 3),
            "backlog_median": round(self.backlog.quantile(0.5), 3),
            "backlog_p10": round(self.backlog.quantile(0.1), 3),
            "backlog_p90": round(self.backlog.quantile(0.9), 3),
            "onset_weeks": [round(p, 4) for p in self.onset],
            "carry_over_mean": round(a / (a + b), 4),
            "rows": dict(self.counts),
        }


def fit_prior(reference: pd.DataFrame | None = None) -> YearEndPrior:
    """The prior from the reference rows (module docstring): by default ``data/reference/year_end.csv``."""
    rows = evidence(load_reference() if reference is None else reference)
    of = {k: rows.loc[rows["parameter"] == k, "evidence"].to_numpy(float) for k in set(PARAMETER.values()) if k}
    yes, no = int((rows["push"] == "yes").sum()), int((rows["push"] == "no").sum())
    if yes + no == 0:
        raise DataError(Problem("the reference class has no row coded push yes or no"))
    weeks = np.minimum((of["onset"] * 31).astype(int) // 7, WEEKS - 1)  # the day of a 31-day window, then its week
    onset = 0.5 + np.bincount(weeks, minlength=WEEKS)
    left = of["carry_over"]
    stayed = rows.loc[rows["parameter"] == "carry_over", "base"].astype(float).to_numpy()
    shares = left / np.maximum(left + stayed, 1e-12)
    return YearEndPrior(
        no_push=(no + 0.5) / (yes + no + 1.0),
        multiplier=LogT.fit(of["multiplier"], "December multiplier", lower=1.0),
        backlog=LogT.fit(of["backlog"], "year-end overdue"),
        onset=tuple(float(p) for p in onset / onset.sum()),
        carry_over=(0.5 + float(shares.sum()), 0.5 + float((1 - shares).sum())),
        counts={"push yes": yes, "push no": no, **{k: len(v) for k, v in sorted(of.items())}},
        rows=rows,
    )


def contributions(prior: YearEndPrior) -> pd.DataFrame:
    """What each row contributes: its number, the parameter it informs, and where it falls in the fitted prior
    (``prior_percentile``: the prior predictive's CDF at the row's value, for M and rho; a prior that reproduces its
    rows puts them across the range, not all at one end)."""
    rows = prior.rows
    if rows is None:
        raise ValueError("the prior carries no rows")
    pct = []
    for _, r in rows.iterrows():
        dist = {"multiplier": prior.multiplier, "backlog": prior.backlog}.get(r["parameter"])
        pct.append(round(100 * dist.cdf(r["evidence"]), 1) if dist is not None else np.nan)
    return rows.assign(prior_percentile=pct)[
        ["id", "kind", "parameter", "evidence", "push", "prior_percentile", "population", "date", "source_url"]
    ]


def leave_one_out(reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """The prior's summary refitted without each used row in turn (``left_out``; the first row: all rows): how
    much each row moves it. A row whose kind would be left with fewer than two rows is reported as such."""
    reference = load_reference() if reference is None else reference
    used = reference.loc[(reference["kind"] != "context") | (reference["push"] != "")]
    out = [{"left_out": "(none)", **_flat(fit_prior(reference).summary())}]
    for i, r in used.iterrows():
        try:
            out.append({"left_out": r["id"], **_flat(fit_prior(reference.drop(index=i)).summary())})
        except DataError as exc:
            out.append({"left_out": r["id"], "note": str(exc)})
    return pd.DataFrame(out)


def _flat(summary: dict) -> dict:
    flat = {k: v for k, v in summary.items() if k not in ("onset_weeks", "rows")}
    flat.update({f"onset_week_{i + 1}": p for i, p in enumerate(summary["onset_weeks"])})
    return flat


def override(prior: YearEndPrior, **settings: float) -> YearEndPrior:
    """The prior with some of its numbers replaced (params ``year_end:`` overrides): ``no_push`` (0-1),
    ``multiplier_median`` / ``backlog_median`` (move the log-t's centre, keeping its spread; the untruncated
    median)."""
    out = prior
    if "no_push" in settings:
        out = replace(out, no_push=float(settings["no_push"]))
    for name in ("multiplier", "backlog"):
        key = f"{name}_median"
        if key in settings:
            out = replace(out, **{name: replace(getattr(out, name), mean=float(np.log(settings[key])))})
    return out
