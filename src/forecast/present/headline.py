"""The headline numbers of a report run: the ONE place they are computed.

``run.json``, the report index and the notebooks all take them from :func:`headline`. To add a figure (e.g. the
slip forecast's mean and 80 % interval), add a key here: the index shows every key as a column and charts every
numeric one across runs, with no other change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from forecast.config.params import Params
from forecast.data.question import resolve_dates
from forecast.data.snapshots import Snapshots
from forecast.engine.simulate import SlipForecast


def headline(result: SlipForecast) -> dict[str, Any]:
    """The headline figures of the run's forecast ``result``, JSON-able, in display order.

    * ``as_of`` — the forecast date (ISO), the last snapshot when the params leave it open;
    * ``deadline`` — the date open tasks must be finished by (ISO; 31 Dec of the as-of year by default);
    * ``open_tasks`` — tasks in the as-of snapshot, open and due by the deadline (:func:`forecast.open_set`);
    * ``model``, ``slip_mean``, ``slip_p10``, ``slip_p90`` — the forecast's (the run's one forecast object, so the
      pages, downloads and index agree);
    * ``completed_mean``, ``moved_mean`` — the rest of the open set's split (completed by the deadline, moved out of
      the window);
    * ``year_end_weight`` — the chance the headline gives a year-end push (the reference class, updated by the
      December snapshots so far), ``year_end_mean`` and ``autumn_mean`` — the expected slips if December runs like
      past year-end reviews, and if it runs like the autumn;
    * ``weights`` — each component's weight in the headline;
    * ``synthetic`` — whether the data is the SYNTHETIC sample.
    """
    summary, split = result.summary(), result.split()
    year_end = result.meta.get("year_end", {})
    return {
        "as_of": str(result.as_of.date()),
        "deadline": str(result.deadline.date()),
        "open_tasks": len(result.tasks),
        "model": result.model,
        "slip_mean": round(summary["mean"], 1),
        "slip_p10": summary["p10"],
        "slip_p90": summary["p90"],
        "completed_mean": round(split["completed"]["mean"], 1),
        "moved_mean": round(split["moved"]["mean"], 1),
        "year_end_weight": year_end.get("weight", 0.0),
        "year_end_mean": year_end["year_end"]["mean"] if year_end.get("applied") else None,
        "autumn_mean": year_end["autumn"]["mean"] if "autumn" in year_end else None,
        "weights": ", ".join(f"{c['model']} {c['weight']:.2f}" for c in result.meta.get("components", [])),
        "synthetic": result.provenance.synthetic,
    }


def run_dates(params: Params, snaps: Snapshots) -> tuple[date, date]:
    """``(as_of, deadline)`` as dates, resolved by :func:`forecast.data.question.resolve_dates`."""
    as_of, deadline = resolve_dates(snaps, params.as_of, params.deadline)
    return as_of.date(), deadline.date()
