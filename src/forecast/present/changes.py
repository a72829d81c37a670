"""What changed since the previous run: two runs' records (``run.json``: ``headline`` and ``summary``) compared.

The previous run of a run is the latest good run of the same scenario whose data is as of an earlier date
(:func:`previous_run`): a weekly report compares with last week's data, however many times either was run. The
figures compared are the headline's expected slips and the task counts of the as-of snapshot (tasks assigned,
completed, open, open and due by the deadline), overall and per agency. "New tasks" is the change in tasks
assigned: tasks added less any that left the exports (the data check warns of those).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from forecast.present.i18n import N_, day, number
from forecast.present.i18n import gettext as _

# (label, where in the record): the overall figures compared, in display order
FIGURES = (
    (N_("tasks assigned (net new)"), ("summary", "tasks", "assigned")),
    (N_("completed"), ("summary", "tasks", "completed")),
    (N_("open"), ("summary", "tasks", "open")),
    (N_("open and due by the deadline"), ("summary", "tasks", "open_due")),
    (N_("expected slips"), ("headline", "slip_mean")),
)


def previous_run(runs: Iterable[Mapping[str, Any]], scenario: str, as_of: str) -> dict[str, Any] | None:
    """The latest-started good run of ``scenario`` whose headline is as of a date before ``as_of`` (ISO)."""
    earlier = [
        r
        for r in runs
        if r.get("status") == "ok"
        and r.get("scenario") == scenario
        and str((r.get("headline") or {}).get("as_of", "9999")) < as_of
    ]
    if not earlier:
        return None
    best = max(earlier, key=lambda r: (str(r["headline"]["as_of"]), str(r.get("started", ""))))
    return dict(best)


def rerun_of(
    runs: Iterable[Mapping[str, Any]], scenario: str, as_of: str, before: str = "\uffff"
) -> dict[str, Any] | None:
    """The run a run of ``scenario`` on data as of ``as_of`` repeats: the latest good run of the same scenario and
    as-of date started before ``before`` (ISO; default: any), or None when it is the first of its week."""
    same = [
        r
        for r in runs
        if r.get("status") == "ok"
        and r.get("scenario") == scenario
        and str((r.get("headline") or {}).get("as_of")) == as_of
        and _started(r) < before
    ]
    latest: Mapping[str, Any] | None = max(same, key=_started) if same else None
    return dict(latest) if latest is not None else None


def _started(run: Mapping[str, Any]) -> str:
    return str(run.get("started", ""))


def rerun_words(rerun: Mapping[str, Any]) -> str:
    """ "a rerun of the run of 8 Dec 2025 06:00 UTC" (``rerun``: that run's record)."""
    started = pd.to_datetime(_started(rerun).removesuffix("Z"), errors="coerce")
    if pd.isna(started):
        return _("a rerun")
    return _("a rerun of the run of {day} {time} UTC").format(day=day(started), time=f"{started:%H:%M}")


def _get(record: Mapping[str, Any] | None, path: tuple[str, ...]) -> float | None:
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def overall(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> pd.DataFrame:
    """One row per figure of :data:`FIGURES`: ``figure, previous, now, change`` (missing where a run lacks it)."""
    rows = []
    for label, path in FIGURES:
        before, now = _get(previous, path), _get(current, path)
        change = now - before if before is not None and now is not None else None
        rows.append({"figure": _(label), "previous": before, "now": now, "change": change})
    return pd.DataFrame(rows, columns=["figure", "previous", "now", "change"])


def by_agency(previous: Mapping[str, Any] | None, current: Mapping[str, Any], top: int | None = None) -> pd.DataFrame:
    """Per agency in either run: open tasks due by the deadline, completed and expected slips, before and now,
    with their changes; the agencies whose expected slips moved most first (``top`` of them)."""

    def frame(record: Mapping[str, Any] | None) -> pd.DataFrame:
        rows = ((record or {}).get("summary") or {}).get("agencies") or []
        out = pd.DataFrame(rows, columns=["agency", "open_due", "completed", "slip_mean"])
        return out.set_index("agency")[["open_due", "completed", "slip_mean"]].astype(float)

    before, now = frame(previous), frame(current)
    if previous is None:
        now = now.iloc[0:0]  # nothing to compare with: no rows
    joined = before.merge(now, left_index=True, right_index=True, how="outer", suffixes=("_previous", "_now"))
    joined = joined.fillna(0.0)
    for col in ("open_due", "completed", "slip_mean"):
        joined[f"{col}_change"] = joined[f"{col}_now"] - joined[f"{col}_previous"]
    joined = joined.rename_axis("agency").reset_index()
    joined["_size"] = joined["slip_mean_change"].abs()
    joined = joined.sort_values(["_size", "agency"], ascending=[False, True]).drop(columns="_size")
    cols = [
        "agency",
        "open_due_previous",
        "open_due_now",
        "open_due_change",
        "completed_change",
        "slip_mean_previous",
        "slip_mean_now",
        "slip_mean_change",
    ]
    out = joined[cols].reset_index(drop=True)
    return out.head(top) if top is not None else out


def sentence(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any], rerun: Mapping[str, Any] | None = None
) -> str:
    """The change in words: "Since the run as of 27 Nov 2025: expected slips +12.3 (301.9 → 314.2); 35 tasks
    completed, 8 new." (or why there is nothing to compare with). A run that repeats an earlier one on the same
    as-of date (``rerun``: that run's record, :func:`rerun_of`) says so first, and still compares with the last run
    on earlier data."""
    if rerun is not None:
        when = pd.Timestamp((rerun.get("headline") or {}).get("as_of"))
        said = _("This is {rerun}, on data as of the same date ({day})").format(rerun=rerun_words(rerun), day=day(when))
        if previous is None:
            return said + _("; no run of this scenario on earlier data to compare with.")
        return said + ". " + sentence(previous, current)
    if previous is None:
        return _("No earlier run of this scenario to compare with: changes show from the next run on.")
    table = dict(zip([label for label, _path in FIGURES], overall(previous, current)["change"], strict=True))
    when = day(previous["headline"]["as_of"])
    parts = []
    slips = table.get("expected slips")
    if slips is not None and pd.notna(slips):
        parts.append(
            _("expected slips {change} ({before} → {now})").format(
                change=number(slips, 1, signed=True),
                before=number(_get(previous, ("headline", "slip_mean")) or 0.0, 1),
                now=number(_get(current, ("headline", "slip_mean")) or 0.0, 1),
            )
        )
    done, new = table.get("completed"), table.get("tasks assigned (net new)")
    if done is not None and pd.notna(done):
        parts.append(_("{n} tasks completed").format(n=number(done, 0, signed=True)))
    if new is not None and pd.notna(new):
        parts.append(_("{n} tasks assigned").format(n=number(new, 0, signed=True)))
    return _("Since the run as of {when}: {changes}.").format(
        when=when, changes="; ".join(parts) if parts else _("no comparable figures")
    )
