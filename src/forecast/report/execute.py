"""The child process of a report run: execute the notebooks with papermill, then compute the headline.

Runs as ``python -m forecast.report.execute`` with the job (JSON) on stdin::

    {"parameters": {...}, "notebooks": [{"input": ".../01_data.ipynb", "output": ".../01_data.ipynb"}],
     "status": ".../.status.json", "deadline": 1733380000.0}

It writes what it has done to the ``status`` file (atomically, after every step), so the parent (:mod:`.run`)
knows how far it got even if it has to kill it. ``deadline`` is the wall-clock limit (Unix time, seconds): at that
moment the parent kills the kernel, papermill saves the partial notebook, and this process stops.
A separate process keeps the parent safe from a notebook that crashes or leaks, and gives it a process to kill.
If the parent dies (``kill -9``), this process kills its kernel and exits within a second: no orphans.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from ..atomic import write_json
from ..errors import ForecastError
from ..headline import headline
from ..params import parse_params
from ..snapshots import load_snapshots
from .prerequisites import runnable

KERNEL = "forecast"  # the Jupyter kernel `make setup` registers in the kit's environment


def main() -> int:
    """Run the job read from stdin; exit status 0 when every step succeeded."""
    job = json.load(sys.stdin)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    status_file = Path(job["status"])
    deadline = float(job["deadline"])
    status: dict[str, Any] = {
        "error": None, "data_fingerprint": None, "headline": None,
        "notebooks": [{"name": Path(nb["input"]).stem, "status": "not run", "seconds": None, "error": None}
                      for nb in job["notebooks"]],
    }
    write_json(status_file, status)
    try:
        params = parse_params(job["parameters"])
        snaps = load_snapshots(params.snapshots, params.status_labels)
    except ForecastError as exc:
        status["error"] = f"the data cannot be used: {exc}"
        write_json(status_file, status)
        return 1
    status["data_fingerprint"] = snaps.fingerprint

    for i, (nb, state) in enumerate(zip(job["notebooks"], status["notebooks"], strict=True), start=1):
        if time.time() >= deadline:
            break
        print(f"[{i}/{len(job['notebooks'])}] {state['name']}", flush=True)
        state["status"] = "running"
        write_json(status_file, status)
        started = time.monotonic()
        source = runnable(nb["input"], params, snaps)  # cut short, with a note, when the data lacks what it needs
        state["status"], state["error"] = _execute(source, nb["input"], nb["output"], job["parameters"], deadline)
        state["seconds"] = round(time.monotonic() - started, 2)
        write_json(status_file, status)
        print(f"    {state['status']} in {state['seconds']:.1f} s" + (f": {state['error']}" if state["error"] else ""),
              flush=True)

    if time.time() < deadline:
        try:
            status["headline"] = headline(params, snaps)
        except Exception as exc:  # a bug in a model must fail the run, not hide it: keep the traceback on stderr
            traceback.print_exc()
            status["error"] = f"headline: {type(exc).__name__}: {exc}"
    write_json(status_file, status)
    ok = status["error"] is None and all(s["status"] == "ok" for s in status["notebooks"])
    return 0 if ok else 1


def _exit_with_parent(parent: int) -> None:
    """Poll the parent process id; once the parent is gone, kill this process's kernel and exit."""
    import psutil

    while os.getppid() == parent:
        time.sleep(0.5)
    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=5)
    os._exit(3)


def _execute(source: Any, path: str, target: str, parameters: dict[str, Any],
             deadline: float) -> tuple[str, str | None]:
    """Execute notebook ``source`` (``path`` or a notebook read from it); ``(status, error)`` with status "ok",
    "failed" or "timed out"."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(source, target, parameters=parameters, kernel_name=KERNEL,
                                   cwd=str(Path(path).parent), progress_bar=True)
    except PapermillExecutionError as exc:
        return "failed", f"{exc.ename}: {exc.evalue} (cell [{exc.exec_count}])"
    except Exception as exc:  # a dead kernel, a notebook that is not JSON, ...: the run records it and goes on
        if time.time() >= deadline:
            return "timed out", None
        return "failed", f"{type(exc).__name__}: {exc}"
    return "ok", None


if __name__ == "__main__":
    sys.exit(main())
