"""One report run: every notebook executed into a new run folder, rendered to offline HTML, recorded in
``run.json``, then the index rebuilt.

The run is built in a hidden temporary sibling (``DIR/.tmp-<run>``, marked as the kit's) and renamed into place
when complete, together with the index update (:func:`_publish`): a run is never visible without its index line,
a killed run leaves nothing a reader can open, and earlier run folders are never written to. A failed run is
published too (marked failed, with its partial notebooks) so the index shows what went wrong; the last good run
stays as it was. A disk or permission error stops the run with one message naming the path, and publishes
nothing. The kit touches only what it made in ``DIR`` (see :mod:`.index`). One run per ``DIR`` at a time
(:mod:`.lock`). The wall-clock limit (``timeout_minutes``) is enforced here: papermill has none.
"""

from __future__ import annotations

import contextlib
import json
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from forecast import __version__, paths
from forecast.config.params import Params, load_params
from forecast.core.atomic import TEMP_PREFIX, reason, replace_file, staged_folder, write_json
from forecast.errors import LAST_WORDS, OutputError, ReportError
from forecast.present.i18n import agency_name, use
from forecast.present.i18n import gettext as _
from forecast.report.html import Nav, notebook_title, set_nav, to_html
from forecast.report.index import (
    INDEX_NAME,
    RUN_FILE,
    RUN_MARKER,
    check_index,
    is_run_folder,
    load_runs,
    render_index,
    sort_runs,
)
from forecast.report.kernels import KERNEL
from forecast.report.lock import output_lock
from forecast.scenarios.levers import load_scenario

GRACE_SECONDS = 20.0  # after the limit, time for the runner to save the partial notebooks before all is killed
TEMPLATE = Path("templates") / "agency.ipynb"  # in the notebooks folder: run once per agency of the open set
SUMMARY = "00_summary"  # the page whose "Every agency" section the navigation's "Agencies" links to


@dataclass(frozen=True)
class RunResult:
    """A finished run: its folder, ``status`` ("ok" or "failed"), a one-line ``message`` and ``run.json``."""

    folder: Path
    status: str
    message: str
    record: dict[str, Any]


def interactive(notebook: Path) -> bool:
    """A notebook made to be moved, not read (metadata ``forecast: {interactive: true}``: the explorer): no page."""
    try:
        meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return False  # the run reports an unreadable notebook as it always has
    return bool(meta.get("forecast", {}).get("interactive"))


def run_report(
    params_file: str | Path,
    out: str | Path = paths.REPORTS_DIR,
    notebooks_dir: str | Path = paths.NOTEBOOKS_DIR,
    echo: Callable[[str], None] = print,
    warn: Callable[[str], None] = lambda line: print(f"warning: {line}", file=sys.stderr),
    overrides: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run every notebook of ``notebooks_dir`` (sorted by name) with the validated params into ``out/<run>/``.

    ``echo`` gets the progress lines, ``warn`` what was skipped (e.g. an unreadable ``run.json``); ``overrides``
    replace the params file's values (``forecast report -p KEY=VALUE``: :func:`forecast.config.params.load_params`).
    Returns the result whether the run succeeded or failed; raises :class:`forecast.errors.ReportError` (or
    :class:`~forecast.errors.ReportLockedError`, :class:`~forecast.errors.ParamsError`,
    :class:`~forecast.errors.OutputError`) when no run could start or its folder could not be written; then
    nothing is published and earlier runs are as they were.
    """
    params = load_run_params(params_file, overrides)
    use(params.language)  # the navigation, the titles and the index in the run's language
    notebooks = [nb for nb in sorted(Path(notebooks_dir).glob("*.ipynb")) if not interactive(nb)]
    if not notebooks:
        raise ReportError(f"no notebooks (*.ipynb) in {notebooks_dir}")
    _check_kernel()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} is a file, not a folder: give --out a folder")
    if out.is_dir():
        check_index(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the output folder {out}: {reason(exc)}") from None
    with output_lock(out):
        remove_temporaries(out)
        started = datetime.now(UTC)
        name = _run_name(out, started, params.scenario)
        echo(f"run {name}: {len(notebooks)} notebook(s) from {notebooks_dir}, limit {params.timeout_minutes:g} min")
        tmp = out / f"{TEMP_PREFIX}{name}"
        try:
            with staged_folder(tmp, (RUN_MARKER, _MARKER_TEXT)):  # removed unless published (renamed away)
                earlier = [
                    r for r in load_runs(out, warn) if r.get("status") == "ok" and r.get("scenario") == params.scenario
                ]
                record = _build(params, notebooks, tmp, name, started, earlier, echo)
                if overrides:  # the values given with -p, as validated (the parameters hold them too)
                    record["overrides"] = {key: record["parameters"][key] for key in overrides}
                write_json(tmp / RUN_FILE, record)
                _publish(out, tmp, name, record, warn)
        except OSError as exc:
            raise ReportError(
                f"cannot write {exc.filename or tmp}: {reason(exc)}; the run was not published and "
                "earlier runs are unchanged"
            ) from None
    pages = sum(1 for s in [*record["notebooks"], *record["agency_pages"]] if s.get("html"))
    for line in record.get("cache", []):
        echo(f"the run's forecast: {line}")
    echo(
        f"run {record['status']} in {record['seconds']:.1f} s: {out / name} ({pages} pages, "
        f"{len(record['downloads'])} downloads, {record['jobs']} at a time)"
    )  # a failed run's cause is the caller's to say, in one line
    return RunResult(out / name, record["status"], record["message"], record)


_MARKER_TEXT = "This folder is a run of `forecast report`; the kit lists it in index.html.\n"


def _publish(out: Path, tmp: Path, name: str, record: dict[str, Any], warn: Callable[[str], None]) -> None:
    """Rename the finished run into place and replace the index listing it, together: if the index cannot be
    written (disk full, permissions), the run is taken back and neither changes."""
    runs = sort_runs([*load_runs(out, warn), {**record, "folder": name}])
    html = render_index(runs)
    target = out / name

    def write_then_publish(index_tmp: Path) -> None:
        index_tmp.write_text(html, encoding="utf-8")
        tmp.rename(target)

    try:
        replace_file(out / INDEX_NAME, write_then_publish)
    except OutputError as exc:
        if target.exists() and not tmp.exists():
            target.rename(tmp)  # the run goes out with its index, never without it
        raise ReportError(f"{exc}; the run was not published and earlier runs are unchanged") from None


def remove_temporaries(folder: Path) -> list[Path]:
    """Delete what killed runs left in ``folder``: hidden run folders holding the kit's marker and the index's
    temporaries. Nothing else, whatever its name. Only call it holding the lock."""
    stale = [p for p in sorted(folder.glob(f"{TEMP_PREFIX}*")) if is_run_folder(p)]
    stale += [p for p in sorted(folder.glob(f"{TEMP_PREFIX}{INDEX_NAME}.*")) if p.is_file() and not p.is_symlink()]
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stale


def load_run_params(params_file: str | Path, overrides: Mapping[str, Any] | None = None) -> Params:
    """The params file (with ``overrides``) and every scenario file it lists, validated before any run starts: a
    broken scenario file fails ``forecast report`` and ``forecast schedule`` at once, not in a notebook at the first
    run."""
    params = load_params(params_file, overrides)
    for scenario in params.scenarios:
        load_scenario(scenario)
    return params


def _build(
    params: Params,
    notebooks: list[Path],
    folder: Path,
    name: str,
    started: datetime,
    earlier: list[dict[str, Any]],
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Execute, render and describe the run inside ``folder``; the ``run.json`` record."""
    from forecast.present import downloads, rundata

    folder = folder.resolve()  # the kernels run in the notebooks' folder: every path they get is absolute
    parameters = {k: v for k, v in params.to_dict().items() if k != "source"}
    status_file = folder / f"{TEMP_PREFIX}status.json"
    template = notebooks[0].parent / TEMPLATE if notebooks else None
    job = {
        "parameters": parameters,
        "status": str(status_file),
        "folder": str(folder),
        "run": name,
        "notebooks": [{"input": str(nb.resolve()), "output": str(folder / nb.name)} for nb in notebooks],
        "template": str(template.resolve()) if template and template.is_file() else None,
        "earlier_runs": earlier,
        "deadline": time.time() + params.timeout_minutes * 60,
        "log": not sys.stderr.isatty(),  # a line per stage and page for logs; a terminal gets a progress bar
    }
    timed_out, said = _execute(job, echo)
    status = (
        json.loads(status_file.read_text(encoding="utf-8"))
        if status_file.exists()
        else {
            "error": said or "the run stopped before it started",
            "notebooks": [],
            "agency_pages": [],
            "headline": None,
            "summary": None,
            "data_fingerprint": None,
        }
    )
    status_file.unlink(missing_ok=True)
    status["error"] = status["error"] or said or None  # the worker's last words: its status could not be saved
    (folder / rundata.FILE).unlink(missing_ok=True)  # the pages have read it; a run folder keeps what people read

    messages = [status["error"]] if status["error"] else []
    pages = status["notebooks"] + status.get("agency_pages", [])
    for state in pages:
        if timed_out and state["status"] in ("running", "timed out"):
            state["status"] = "timed out"
            messages.append(
                f"{state['name']} stopped: the run exceeded its limit of {params.timeout_minutes:g} min "
                f"(timeout_minutes)"
            )
        elif state["status"] == "failed":
            messages.append(f"{state['name']}: {state['error']}")
    titles = {nb.stem: notebook_title(nb) for nb in notebooks}
    shown = [s for s in status["notebooks"] if (folder / f"{s['name']}.ipynb").exists()]
    agencies = len(status.get("agency_pages", []))
    nav = Nav(
        pages=tuple((titles.get(s["name"], s["name"]), f"{s['name']}.html") for s in shown),
        agencies=(_("Agency pages ({n})").format(n=agencies), _agencies_anchor())
        if agencies and any(s["name"] == SUMMARY for s in shown)
        else None,
        downloads=tuple(downloads.present(folder)),
    )
    for state in pages:
        executed, page = folder / f"{state['name']}.ipynb", folder / f"{state['name']}.html"
        state["notebook"] = executed.name if executed.exists() else None
        if executed.exists() and not page.exists():  # the runner was stopped before it rendered the page
            label = agency_name(state["agency"]) if state.get("agency") else titles.get(state["name"], state["name"])
            try:
                to_html(executed, page, title=f"{label} · {_(params.scenario)} · {name}")
            except ReportError as exc:
                state["status"] = "failed"
                messages.append(str(exc))
        state["html"] = page.name if page.exists() else None
        if page.exists():
            set_nav(page, nav)
    if timed_out and not any(s["status"] == "timed out" for s in pages):
        messages.append(f"the run exceeded its limit of {params.timeout_minutes:g} min (timeout_minutes)")
    ok = not messages and all(s["status"] == "ok" for s in pages)
    finished = datetime.now(UTC)
    return {
        "run": name,
        "status": "ok" if ok else "failed",
        "message": "; ".join(messages),
        "scenario": params.scenario,
        "started": _iso(started),
        "finished": _iso(finished),
        "seconds": round((finished - started).total_seconds(), 2),
        "headline": status["headline"],
        "summary": status.get("summary"),
        "notebooks": status["notebooks"],
        "agency_pages": status.get("agency_pages", []),
        "downloads": list(nav.downloads),
        "jobs": params.jobs,
        "run_data_seconds": status.get("run_data_seconds"),
        "cache": status.get("cache", []),
        "parameters": parameters,
        "params_file": str(params.source.resolve()) if params.source else None,
        "data_fingerprint": status["data_fingerprint"],
        "package_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
    }


def _agencies_anchor() -> str:
    """The summary's "Every agency" section, as nbconvert anchors its heading in the run's language."""
    return f"{SUMMARY}.html#" + _("## Every agency").removeprefix("## ").replace(" ", "-")


def _execute(job: dict[str, Any], echo: Callable[[str], None]) -> tuple[bool, str]:
    """Run the job in a child process until it ends or the deadline passes: (whether the time limit stopped it, the
    one line the child printed on stdout when it could not save its status, a full disk: why). The child's
    progress lines (its stdout: a line per stage of the run's forecast and per page, when ``job["log"]``) go to
    ``echo`` as they come."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "forecast.report.execute"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        errors="backslashreplace",
        start_new_session=True,
    )  # Ctrl-C reaches the parent, which stops the child below
    assert proc.stdin is not None and proc.stdout is not None
    lines = proc.stdout
    last_words: list[str] = []

    def relay_lines() -> None:
        for line in lines:
            text = line.rstrip("\n")
            if text.startswith(LAST_WORDS):  # the child could not save its status: why, for the run's record
                last_words.append(text[len(LAST_WORDS) :].strip())
            else:
                echo(text)

    relay = threading.Thread(target=relay_lines, daemon=True)
    relay.start()
    try:
        with contextlib.suppress(BrokenPipeError):  # a child that died at once: its exit status says so
            proc.stdin.write(json.dumps(job))
            proc.stdin.close()
        proc.wait(timeout=max(0.0, job["deadline"] - time.time()))
        relay.join(timeout=5)  # the last lines (the kernels, gone with the child, held the pipe too)
        return False, last_words[-1] if last_words else ""
    except subprocess.TimeoutExpired:
        _kill(psutil.Process(proc.pid).children(recursive=True))  # the kernel: papermill saves what ran, and stops
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=GRACE_SECONDS)
        return True, ""
    finally:
        if proc.poll() is None:
            _kill([*psutil.Process(proc.pid).children(recursive=True), psutil.Process(proc.pid)])
            proc.wait()


def _kill(processes: list[psutil.Process]) -> None:
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(processes, timeout=10)


def _check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        raise ReportError(
            f"the Jupyter kernel '{KERNEL}' is not installed in this environment; run `make setup` "
            f"(or: {sys.executable} -m ipykernel install --sys-prefix --name {KERNEL})"
        ) from None


def _run_name(out: Path, started: datetime, scenario: str) -> str:
    """``<UTC time>_<scenario>``, e.g. ``20251205T060000Z_baseline``; a suffix if that second is taken."""
    base = f"{started:%Y%m%dT%H%M%SZ}_{scenario}"
    name, n = base, 1
    while (out / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _git_commit() -> str | None:
    """The kit's git commit, with ``-dirty`` when tracked files have changed; None outside a git checkout."""
    if not (paths.PROJECT_DIR / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(paths.PROJECT_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(paths.PROJECT_DIR), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if dirty else "")
