"""``DIR/index.html``: every run in ``DIR``, newest first, and the headline figures across runs.

Built from the runs' ``run.json`` files alone. The kit owns only what it made: run folders holding
:data:`RUN_MARKER` and an index starting with :data:`INDEX_MARKER`; any other file or folder in ``DIR`` is never
listed, replaced or removed, and an index the kit did not write stops a run before it starts (:func:`check_index`).
Self-contained and offline: one inline SVG chart, no script, no remote stylesheet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..charts import headline_trend, to_svg
from ..errors import ReportError

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
        raise ReportError(f"{index} was not written by forecast report and would be replaced; move it away or use "
                          "another --out folder")


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


def sort_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest first."""
    return sorted(runs, key=lambda r: (str(r.get("started", "")), r["folder"]), reverse=True)


def render_index(runs: list[dict[str, Any]]) -> str:
    """The index page for ``runs`` (newest first), as HTML text."""
    # every headline figure gets a column, in the order headline() gives them; "synthetic" is a tag instead
    keys = list(dict.fromkeys(k for r in runs for k in (r.get("headline") or {}) if k != "synthetic"))
    good = next((r for r in runs if r.get("status") == "ok"), None)
    latest = (f'<p>Latest good run: <a href="{_href(good["folder"])}/">{escape(good["folder"])}</a></p>' if good
              else "<p>No successful run yet.</p>")
    head = "".join(f"<th>{escape(k.replace('_', ' '))}</th>" for k in keys)
    rows = "\n".join(_row(r, keys) for r in runs)
    chart = _trend(runs)
    return f"""<!DOCTYPE html>
{INDEX_MARKER}
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Resolution 57 forecast reports</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }}
  table {{ border-collapse: collapse; font-size: 14px; }}
  th, td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }}
  .ok {{ color: #2e7d32; font-weight: bold; }} .failed {{ color: #c62828; font-weight: bold; }}
  .synthetic {{ background: #b71c1c; color: #fff; padding: 0 4px; border-radius: 3px; font-size: 12px; }}
  .message {{ color: #c62828; font-size: 12px; max-width: 30em; }}
  td:first-child {{ white-space: nowrap; }} small {{ color: #777; }}
</style>
</head>
<body>
<h1>Resolution 57 forecast reports</h1>
<p>{len(runs)} run(s), newest first. Times are UTC.</p>
{latest}
{chart}
<table>
<thead><tr><th>run (UTC)</th><th>scenario</th><th>status</th>{head}<th>reports</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def _row(run: dict[str, Any], keys: list[str]) -> str:
    folder = run["folder"]
    status = run.get("status", "unknown")
    message = f'<div class="message">{escape(run["message"])}</div>' if run.get("message") else ""
    headline = run.get("headline") or {}
    synthetic = ' <span class="synthetic">SYNTHETIC</span>' if headline.get("synthetic") else ""
    cells = "".join(f"<td>{escape(_fmt(headline.get(k)))}</td>" for k in keys)
    links = [f'<a href="{_href(folder)}/{_href(nb["html"])}">{escape(nb["name"])}</a>'
             + ("" if nb.get("status") == "ok" else f" ({escape(nb.get('status', ''))})")
             for nb in run.get("notebooks", []) if nb.get("html")]
    links.append(f'<a href="{_href(folder)}/{RUN_FILE}">run.json</a>')
    started = run.get("started", "").replace("T", " ").removesuffix("Z")
    return (f"<tr><td>{escape(started)}<br><small>{escape(folder)}</small></td>"
            f"<td>{escape(run.get('scenario', ''))}{synthetic}</td>"
            f'<td><span class="{"ok" if status == "ok" else "failed"}">{escape(status)}</span>{message}</td>'
            f"{cells}<td>{' · '.join(links)}</td></tr>")


def headline_points(runs: list[dict[str, Any]]) -> pd.DataFrame:
    """Every numeric headline figure of the good runs, long: ``started`` (UTC), ``scenario``, ``figure``, ``value``."""
    points = [{"started": pd.Timestamp(r["started"]), "scenario": r.get("scenario", ""), "figure": k, "value": v}
              for r in runs if r.get("status") == "ok"
              for k, v in (r.get("headline") or {}).items()
              if isinstance(v, int | float) and not isinstance(v, bool)]
    return pd.DataFrame(points, columns=["started", "scenario", "figure", "value"])


def _trend(runs: list[dict[str, Any]]) -> str:
    """The inline SVG chart of :func:`headline_points`; empty before the first good run."""
    points = headline_points(runs)
    if points.empty:
        return ""
    return f'<figure class="trend">{to_svg(headline_trend(points))}</figure>'


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _href(name: str) -> str:
    """A file or folder name as a relative URL inside an HTML attribute."""
    return escape(quote(name))
