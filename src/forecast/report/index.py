"""``DIR/index.html``: the latest headline in words with its change since the run before, the headline by the data's
as-of date (a P10-P90 band and a line per scenario), and every run in ``DIR``, newest first.

Built from the runs' ``run.json`` files alone. The kit owns only what it made: run folders holding
:data:`RUN_MARKER` and an index starting with :data:`INDEX_MARKER`; any other file or folder in ``DIR`` is never
listed, replaced or removed, and an index the kit did not write stops a run before it starts (:func:`check_index`).
Self-contained and offline: one inline SVG chart, no script, no remote stylesheet. The page is the Jinja2 template
``templates/index.html.j2`` (autoescaped: every run's text is escaped there).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from forecast.errors import ReportError
from forecast.present import changes
from forecast.present.charts import to_svg
from forecast.present.forecast_charts import trend
from forecast.present.formatting import cell, label
from forecast.present.i18n import N_, day, language, ngettext, number
from forecast.present.i18n import gettext as _
from forecast.present.prose import headline_text

_COLUMNS = (N_("run (UTC)"), N_("scenario"), N_("status"), N_("reports"))
_WORDS = (N_("ok"), N_("failed"), N_("timed out"), N_("not run"), N_("summary"), N_("data"), N_("completion rates"))
_PAGES = (N_("forecast"), N_("scenarios"), N_("backtest"))

INDEX_NAME = "index.html"
RUN_FILE = "run.json"
RUN_MARKER = ".forecast-run"  # in every run folder the kit made: only those are listed, replaced or cleaned
INDEX_MARKER = "<!-- forecast-index: written by `forecast report`; it replaces this file at every run -->"
_LEGACY_TITLE = "<title>Resolution 57 forecast reports</title>"  # an index written before the marker existed


def is_run_folder(path: Path) -> bool:
    """A run folder the kit made (it holds :data:`RUN_MARKER`)."""
    return path.is_dir() and not path.is_symlink() and (path / RUN_MARKER).is_file()


def check_index(folder: Path) -> None:
    """Refuse to go on when ``folder/index.html`` exists but was not written by the kit."""
    index = folder / INDEX_NAME
    if index.is_symlink() or index.is_dir() or (index.exists() and not _is_ours(index)):
        raise ReportError(
            f"{index} was not written by forecast report and would be replaced; move it away or use "
            "another --out folder"
        )


def _is_ours(index: Path) -> bool:
    try:
        with index.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
        return INDEX_MARKER in head or _LEGACY_TITLE in head
    except OSError:
        return False


def load_runs(folder: Path, warn: Callable[[str], None] = lambda _: None) -> list[dict[str, Any]]:
    """The ``run.json`` of every run folder the kit made in ``folder``, newest first. Folders without the kit's
    marker are not runs (unless a run made before the marker existed: its ``run.json`` names the folder and the
    kit's version); a marked run whose record cannot be read is skipped, and ``warn`` told why."""
    runs = []
    for sub in sorted(folder.iterdir()):
        if sub.name.startswith(".") or not (is_run_folder(sub) or _legacy_run(sub)):
            continue
        path = sub / RUN_FILE
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(record, dict) or not isinstance(record.get("started", ""), str):
                raise ValueError("not a run record")
        except (OSError, ValueError) as exc:
            warn(f"skipped {path}: unreadable run record ({' '.join(str(exc).split())[:120]})")
            continue
        record["folder"] = sub.name
        runs.append(record)
    return sort_runs(runs)


def _legacy_run(sub: Path) -> bool:
    """A run folder of a kit version before :data:`RUN_MARKER`: its ``run.json`` names the folder and a version."""
    try:
        record = json.loads((sub / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("run") == sub.name and "package_version" in record


INDEX_COLUMNS = ("as_of", "deadline", "open_tasks", "model", "slip_mean", "slip_p10", "slip_p90", "year_end_weight")


def sort_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest first."""
    return sorted(runs, key=lambda r: (str(r.get("started", "")), r["folder"]), reverse=True)


def render_index(runs: list[dict[str, Any]]) -> str:
    """The index page for ``runs`` (newest first), as HTML text (``templates/index.html.j2``, autoescaped)."""
    # the headline figures a reader compares across runs get a column (headers and rounding as on the pages:
    # forecast.present.formatting); the rest are on the run's pages and in its run.json; "synthetic" is a tag instead
    keys = [k for k in INDEX_COLUMNS if any(k in (r.get("headline") or {}) for r in runs)]
    good = next((r["folder"] for r in runs if r.get("status") == "ok"), None)
    return _template().render(
        marker=Markup(INDEX_MARKER),
        statement=latest_statement(runs),
        good=good,
        chart=_trend(runs),
        columns=[label(k) for k in keys],
        rows=[_row(r, keys, runs) for r in runs],
        run_file=RUN_FILE,
        lang=language(),
        words={  # the page's own words, in the run's language (the catalogue: forecast.present.i18n)
            "title": _("Resolution 57 forecast reports"),
            "latest": _("Latest good run:"),
            "none": _("No successful run yet."),
            "count": ngettext(
                "{n} run, newest first. Times are UTC.", "{n} runs, newest first. Times are UTC.", len(runs)
            ).format(n=number(len(runs))),
            "heads": [_(c) for c in _COLUMNS],
            "synthetic": _("SYNTHETIC"),
            "record": _("run record"),
        },
    )


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("forecast.report"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("index.html.j2")


def _row(run: dict[str, Any], keys: list[str], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """What the template shows of one run (as text: the template escapes it)."""
    headline = run.get("headline") or {}
    again = changes.rerun_of(runs, str(run.get("scenario", "")), str(headline.get("as_of")), str(run.get("started")))
    return {
        "folder": run["folder"],
        "started": run.get("started", "").replace("T", " ").removesuffix("Z"),
        "scenario": _(str(run.get("scenario", ""))),
        "synthetic": bool(headline.get("synthetic")),
        "status": run.get("status", "unknown"),
        "status_words": _(run.get("status", "unknown")),
        "message": run.get("message") or "",
        "note": changes.rerun_words(again) if again and headline else "",
        "cells": [
            ("wrap" if isinstance(headline.get(k), str) and len(headline[k]) > 12 else "num", cell(k, headline.get(k)))
            for k in keys
        ],
        "pages": [
            {
                "html": nb["html"],
                "words": _page_words(nb["name"]),
                "status": nb.get("status", ""),
                "status_words": _(nb.get("status", "")),
            }
            for nb in run.get("notebooks", [])
            if nb.get("html")
        ],
    }


def _page_words(name: str) -> str:
    """A page's name in words: ``02_completion_rates`` -> "completion rates"."""
    return _(re.sub(r"^\d+[_ -]*", "", name).replace("_", " ")) or name


def trend_points(runs: list[dict[str, Any]]) -> pd.DataFrame:
    """The headline of the good runs by the data's as-of date, long: ``as_of`` (datetime), ``series``, ``mean``,
    ``p10``, ``p90``. One point per run scenario and as-of date (the latest run of it) with its band, and one per
    planner scenario compared in that run (``summary.scenarios``: its mean only)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in sorted((r for r in runs if r.get("status") == "ok"), key=lambda r: str(r.get("started", ""))):
        head = r.get("headline") or {}
        if isinstance(head.get("as_of"), str) and isinstance(head.get("slip_mean"), int | float):
            latest[(str(r.get("scenario", "")), head["as_of"])] = r
    points = []
    for (scenario, as_of), r in latest.items():
        head = r["headline"]
        points.append(
            {
                "as_of": pd.Timestamp(as_of),
                "series": _(scenario),
                "mean": head["slip_mean"],
                "p10": head.get("slip_p10"),
                "p90": head.get("slip_p90"),
            }
        )
        for s in (r.get("summary") or {}).get("scenarios") or []:
            if isinstance(s, dict) and isinstance(s.get("slip_mean"), int | float):
                points.append(
                    {
                        "as_of": pd.Timestamp(as_of),
                        "series": f"{_(scenario)} + {_(str(s.get('scenario', '')))}",
                        "mean": s["slip_mean"],
                        "p10": None,
                        "p90": None,
                    }
                )
    frame = pd.DataFrame(points, columns=["as_of", "series", "mean", "p10", "p90"])
    return frame.astype({"mean": "float64", "p10": "float64", "p90": "float64"}).sort_values(["series", "as_of"])


def latest_statement(runs: list[dict[str, Any]]) -> Markup:
    """The newest good run's headline in words and its change since the run before it (same scenario, earlier
    as-of date: :func:`forecast.present.changes.previous_run`), as an HTML paragraph; empty before the first good
    run."""
    good = [r for r in runs if r.get("status") == "ok" and isinstance((r.get("headline") or {}).get("as_of"), str)]
    if not good:
        return Markup("")
    run = max(good, key=lambda r: str(r.get("started", "")))
    head = run["headline"]
    scenario = str(run.get("scenario", ""))
    text = _("Latest ({scenario}, data as of {as_of}): ").format(scenario=_(scenario), as_of=day(head["as_of"]))
    if words := headline_text(head):
        text += words + ". "
    previous = changes.previous_run(runs, scenario, head["as_of"])
    again = changes.rerun_of(runs, scenario, head["as_of"], str(run.get("started", "")))
    return Markup('<p class="headline">{}</p>').format(text + changes.sentence(previous, run, again))


def _trend(runs: list[dict[str, Any]]) -> Markup:
    """The inline SVG chart of :func:`trend_points` (the kit's own markup); empty before the first good run."""
    points = trend_points(runs)
    return Markup("" if points.empty else to_svg(trend(points)))
