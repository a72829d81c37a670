"""The child process of a report run: the run's data computed once, then the notebooks and the agency pages executed
on a pool of kernels, ``jobs`` at a time.

Runs as ``python -m forecast.report.execute`` with the job (JSON) on stdin::

    {"parameters": {...}, "folder": ".../.tmp-<run>", "status": ".../.tmp-status.json", "deadline": 1733380000.0,
     "notebooks": [{"input": ".../01_data.ipynb", "output": ".../01_data.ipynb"}, ...],
     "template": ".../templates/agency.ipynb" or null, "earlier_runs": [<run.json of earlier good runs>, ...]}

The order of work: the data is loaded; the run's data (:mod:`forecast.present.rundata`: fit, simulation, the stacking
backtest, scenarios, downloads) is computed in this process while the kernels start and import the kit; the notebooks,
then one page per agency of the open set (the ``template`` run with ``agency`` set), follow as soon as it is ready (the
backtest page then finds the stacking backtest's cutoffs in the cache). The short agency pages come last, so
neither core waits long for the other at the end.

It writes what it has done to the ``status`` file (atomically, after every page), so the parent (:mod:`.run`) knows
how far it got even if it has to kill it. ``deadline`` is the wall-clock limit (Unix time, seconds): at that moment
the parent kills the kernels; a page whose kernel was killed is "timed out" and keeps its outputs so far, and no
page starts after it. If the parent dies (``kill -9``), this process kills its kernels and exits within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forecast.config.params import parse_params
from forecast.core.atomic import write_json
from forecast.data.cache import summaries as cache_summaries
from forecast.data.snapshots import load_snapshots
from forecast.errors import LAST_WORDS, ForecastError, ReportError, one_line
from forecast.present.i18n import agency_name, gettext, translate_notebook, use
from forecast.report.html import notebook_title, to_html
from forecast.report.kernels import Kernel, elapsed
from forecast.report.prerequisites import runnable

# what a kernel imports while the run's data is computed (the modules the pages use)
IMPORTS = (
    "import forecast.notebook, forecast.present.formatting, forecast.present.charts, forecast.present.forecast_charts, "
    "forecast.present.rundata, forecast.present.tables, forecast.engine.simulate"
)


def preload(parameters: dict[str, Any]) -> str:
    """What a kernel runs while the run's data is computed, so the pages find it done: the imports, a first chart
    (vl-convert starts its JavaScript engine: half a second, once per process) and the snapshots read (a process
    remembers the last folder it read: :func:`forecast.load_snapshots`). A failure of the last two is left to the
    page that meets it, which reports it."""
    folder, labels = parameters["snapshots"], parameters.get("status_labels") or {}
    return (
        f"{IMPORTS}\n"
        "try:\n"
        "    forecast.present.charts.svg_of({'mark': 'point'})\n"
        f"    forecast.data.snapshots.load_snapshots({folder!r}, {labels!r})\n"
        "except Exception:\n"
        "    pass"
    )


def _uses_kit(notebook: Any) -> bool:
    """Whether a notebook's code mentions the kit (``forecast``): then its kernel should import the kit ahead. A
    page that is no notebook (a path: it fails saying why) does not."""
    if isinstance(notebook, str):
        return False
    return any(c.get("cell_type") == "code" and "forecast" in c.get("source", "") for c in notebook.get("cells", []))


@dataclass
class Page:
    """One page to execute: a notebook, or the agency template for ``agency``."""

    name: str
    source: Any  # a path, or a notebook cut short by .prerequisites
    output: Path
    state: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    title: str = ""


def main() -> int:
    """Run the job read from stdin; exit status 0 when every step succeeded. A user's error (bad data, a disk that
    is full) is written to the status file in one line, without a traceback (or, when the status file cannot be
    written, printed on stdout, which the parent reads); the parent reports it."""
    try:
        return _main()
    except (ForecastError, OSError) as exc:  # the status file cannot be written: the parent reads why on stdout
        print(LAST_WORDS + _reason(exc), flush=True)
        return 1


def _main() -> int:
    job = json.load(sys.stdin)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    status_file = Path(job["status"])
    status: dict[str, Any] = {
        "error": None,
        "data_fingerprint": None,
        "headline": None,
        "summary": None,
        "downloads": [],
        "notebooks": [
            {"name": Path(nb["input"]).stem, "status": "not run", "seconds": None, "error": None}
            for nb in job["notebooks"]
        ],
        "agency_pages": [],
    }
    write_json(status_file, status)
    try:
        params = parse_params(job["parameters"])
        use(params.language)  # this process's words, numbers and dates: the run's data, downloads and pages
        snaps = load_snapshots(params.snapshots, params.status_labels)
    except (ForecastError, OSError) as exc:
        status["error"] = f"the data cannot be used: {_reason(exc)}"
        write_json(status_file, status)
        return 1
    status["data_fingerprint"] = snaps.fingerprint
    runner = _Runner(job, params, snaps, status, status_file)
    asyncio.run(runner.run())
    write_json(status_file, status)
    pages = status["notebooks"] + status["agency_pages"]
    ok = status["error"] is None and all(s["status"] == "ok" for s in pages)
    return 0 if ok else 1


class _Runner:
    def __init__(self, job: dict[str, Any], params, snaps, status: dict[str, Any], status_file: Path):
        self.job, self.params, self.snaps, self.status, self.status_file = job, params, snaps, status, status_file
        self.deadline = float(job["deadline"])
        self.folder = Path(job["folder"])
        # the run's params as the kit's notebooks read them (overrides), and key by key for a user's own notebook
        self.base = {**job["parameters"], "overrides": job["parameters"], "run_folder": str(self.folder)}
        self.suffix = f" · {gettext(params.scenario)} · {job.get('run', self.folder.name)}"
        self.waiting = [
            Page(
                state["name"],
                _notebook(runnable(nb["input"], params, snaps)),
                Path(nb["output"]),
                state,
                self.base,
                notebook_title(Path(nb["input"])) + self.suffix,
            )
            for nb, state in zip(job["notebooks"], status["notebooks"], strict=True)
        ]
        self.ready: asyncio.Event | None = None
        self.progress = _Progress(len(self.waiting), log=bool(job.get("log")))
        # the kit's pages import it: the kernels do so while the run's data is computed; pages that never use the
        # kit (a user's own notebook) start on a bare kernel
        uses_kit = self.job.get("template") or any(_uses_kit(p.source) for p in self.waiting)
        self.preload = preload(job["parameters"]) if uses_kit else ""

    async def run(self) -> None:
        self.ready = asyncio.Event()
        sockets = Path(tempfile.mkdtemp(prefix="fk-"))  # IPC socket paths must be short
        try:
            cwd = Path(self.job["notebooks"][0]["input"]).parent if self.job["notebooks"] else self.folder
            workers = [self._worker(sockets, cwd, f"k{i}") for i in range(max(1, self.params.jobs))]
            await asyncio.gather(self._prepare(), *workers)
        finally:
            shutil.rmtree(sockets, ignore_errors=True)
            self.progress.close()

    async def _prepare(self) -> None:
        """The run's data, in a thread of this process while the kernels start; then the agency pages."""
        from forecast.present import downloads, output, rundata
        from forecast.scenarios.apply import check_scenarios

        began = time.monotonic()
        earlier = self.job.get("earlier_runs") or []
        try:
            await asyncio.to_thread(check_scenarios, self.params, self.snaps)  # in seconds: before any page starts
            run = await asyncio.to_thread(
                rundata.compute,
                self.params,
                self.snaps,
                *_compared(earlier, self.params, self.snaps),
                progress=lambda stage: self.progress.log(f"the run's forecast: {stage}"),
            )
            await asyncio.to_thread(rundata.save, run, self.folder)
            about = output.about(run.forecast, run=self.job.get("run", self.folder.name), scenario=self.params.scenario)
            for name, frame in downloads.run_downloads(run).items():
                downloads.write(frame, self.folder, name, protected=[self.params.snapshots], about=about)
                self.status["downloads"].append({"name": name, "rows": len(frame)})
            self.status["headline"], self.status["summary"] = run.headline, run.summary()
            self.status["run_data_seconds"] = elapsed(began)
            self.progress.log(f"the run's forecast: done in {self.status['run_data_seconds']:.1f} s")
            self.status["cache"] = cache_summaries()  # the run's forecast: fits and backtest cutoffs found or made
            template = self.job.get("template")
            if template:
                self._agency_pages(run, Path(template))
        except Exception as exc:  # a bug in a model must fail the run, not hide it: keep the traceback on stderr
            self.status["error"] = f"the run's forecast: {_reason(exc)}"
            for page in self.waiting:
                page.state["error"] = "not run: the run's forecast failed"
            self.waiting.clear()
        finally:
            write_json(self.status_file, self.status)
            assert self.ready is not None
            self.ready.set()

    def _agency_pages(self, run, template: Path) -> None:
        import nbformat

        nb = translate_notebook(nbformat.read(template, as_version=4))
        slips = dict(zip(run.forecast.by_agency()["agency"], run.forecast.by_agency()["slip_mean"], strict=True))
        for agency, page in sorted(run.pages.items(), key=lambda item: -slips.get(item[0], 0.0)):
            name = Path(page).stem
            state = {"name": name, "agency": agency, "status": "not run", "seconds": None, "error": None}
            self.status["agency_pages"].append(state)
            self.waiting.append(
                Page(
                    name,
                    nb,
                    self.folder / f"{name}.ipynb",
                    state,
                    {**self.base, "agency": agency},
                    agency_name(agency) + self.suffix,
                )
            )
        self.progress.total(len(self.status["notebooks"]) + len(self.status["agency_pages"]))

    async def _next(self) -> Page | None:
        """The next page this worker may run, once the run's data is ready; None when none is left."""
        assert self.ready is not None
        await self.ready.wait()
        return self.waiting.pop(0) if self.waiting else None

    async def _worker(self, sockets: Path, cwd: Path, name: str) -> None:
        """Start a kernel (it imports the kit while the run's data is computed) and run pages on it until none is
        left; a kernel that died is replaced, but none starts after the time limit."""
        kernel = None
        try:
            kernel = await Kernel(sockets, cwd, name).start(self.preload)
            while (page := await self._next()) is not None:
                if time.time() >= self.deadline:
                    continue  # stays "not run"
                if not kernel.alive:
                    await kernel.shutdown()
                    kernel = await Kernel(sockets, cwd, name).start(self.preload)
                await self._execute(kernel, page)
        except Exception as exc:  # a kernel that cannot start, a full disk (or a runner bug): no page can run
            if time.time() < self.deadline:
                self.status["error"] = f"the runner stopped: {_reason(exc)}"
            self.waiting.clear()
        finally:
            if kernel is not None:
                with contextlib.suppress(Exception):
                    await kernel.shutdown()

    async def _execute(self, kernel: Kernel, page: Page) -> None:
        page.state["status"] = "running"
        write_json(self.status_file, self.status)
        began = time.monotonic()
        error: str | None
        if isinstance(page.source, str):
            status, error = "failed", f"{page.source} is not a notebook (not JSON, or not nbformat 4)"
        else:
            status, error = await kernel.run(page.source, page.parameters, page.output)
        if status == "died" and time.time() >= self.deadline:
            status, error = "timed out", None
        elif status == "died":
            status = "failed"
        if page.output.exists():  # rendered now, while the kernels run the next pages; the parent adds the nav
            try:
                page.state["html"] = (
                    await asyncio.to_thread(to_html, page.output, page.output.with_suffix(".html"), page.title)
                ).name
            except ReportError as exc:
                status, error = "failed", str(exc)
        page.state.update(status=status, error=error, seconds=elapsed(began))
        write_json(self.status_file, self.status)
        self.progress.done(page.name, status, page.state["seconds"])


def _reason(exc: BaseException) -> str:
    """An error in one line: a user's (:class:`ForecastError`, a disk or permission error) as its message; anything
    else is a bug in the kit, named by its type, with its traceback on stderr."""
    if isinstance(exc, ForecastError):
        return one_line(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
    traceback.print_exception(exc)
    return f"{type(exc).__name__}: {exc}"


def _notebook(source: Any) -> Any:
    """A notebook from a path (or the notebook :func:`.prerequisites.runnable` cut short); a path that is no
    notebook stays a path, and its page fails saying why."""
    import nbformat

    if not isinstance(source, str):
        return translate_notebook(source)
    try:
        return translate_notebook(nbformat.read(source, as_version=4))
    except Exception:
        return source


def _compared(runs: list[dict[str, Any]], params, snaps) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The earlier run this one is compared with (:func:`forecast.present.changes.previous_run`) and the one on the same
    as-of date it repeats (:func:`forecast.present.changes.rerun_of`), if any."""
    from forecast.present.changes import previous_run, rerun_of
    from forecast.present.headline import run_dates

    as_of, _ = run_dates(params, snaps)
    return previous_run(runs, params.scenario, str(as_of)), rerun_of(runs, params.scenario, str(as_of))


class _Progress:
    """A progress bar of the pages on the terminal (stderr); with ``log`` (not on a terminal: cron, a CI job) a
    line on stdout per stage and per page instead, which the parent passes on to its log."""

    def __init__(self, total: int, log: bool = False):
        self.bar, self.log_lines, self.count, self.pages = None, log, 0, total
        if sys.stderr.isatty() and not log:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="page", file=sys.stderr, leave=False, dynamic_ncols=True)

    def log(self, line: str) -> None:
        if self.log_lines:
            print(line, flush=True)

    def total(self, total: int) -> None:
        self.pages = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def done(self, name: str, status: str, seconds: float | None = None) -> None:
        self.count += 1
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        self.log(f"page {self.count} of {self.pages}: {name} {status}{took}")
        if self.bar is not None:
            self.bar.set_postfix_str(f"{name} {status}", refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _exit_with_parent(parent: int) -> None:
    """Poll the parent process id; once the parent is gone, kill this process's kernels and exit."""
    import psutil

    while os.getppid() == parent:
        time.sleep(0.5)
    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=5)
    os._exit(3)


if __name__ == "__main__":
    sys.exit(main())
