"""``forecast schedule``: report runs on a cron schedule, in-process, until stopped.

Each run re-reads the params file, so edits take effect at the next run. A failed run (or a kit bug in one) is
logged and the loop waits for the next slot; slots missed while a run was going are skipped, not queued. Cron
times are the machine's local time, as crontab's are. Every run is logged to stdout and to ``DIR/schedule.log``.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from croniter import CroniterBadDateError, croniter

from forecast.errors import ForecastError, ReportError, one_line
from forecast.report.run import RunResult

LOG_NAME = "schedule.log"
MAX_SLEEP_SECONDS = 60.0  # wake at least this often, so a changed clock (suspend, NTP) is noticed


def parse_cron(expression: str) -> str:
    """``expression`` if it is a valid five-field cron expression that names a time to come; :class:`ReportError`
    naming it if not (``0 0 30 2 *``, 30 February, never comes)."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ReportError(f"not a cron expression (minute hour day-of-month month day-of-week): {expression!r}")
    try:
        croniter(expression, datetime.now().astimezone()).get_next(datetime)
    except CroniterBadDateError:
        raise ReportError(f"the cron expression {expression!r} names no date that exists (30 February?)") from None
    return expression


def run_schedule(
    cron: str,
    run: Callable[[], RunResult],
    out: Path,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    sleep: Callable[[float], None] = time.sleep,
    echo: Callable[[str], None] = print,
    max_runs: int | None = None,
    failures: list[str] | None = None,
) -> int:
    """Call ``run`` at every time ``cron`` names, ``max_runs`` times (None: forever); the number of failed runs, each
    logged (and its line appended to ``failures``). A failed run does not stop the schedule.

    ``clock`` returns the current time (timezone-aware) and ``sleep`` waits seconds; tests pass fakes of both.
    """
    parse_cron(cron)
    log_file = out / LOG_NAME
    try:
        out.mkdir(parents=True, exist_ok=True)
        log_file.open("a", encoding="utf-8").close()
    except OSError as exc:
        raise ReportError(f"cannot write the schedule log {log_file}: {exc.strerror or exc}") from None

    def log(line: str) -> None:
        stamped = f"{clock().isoformat(timespec='seconds')} {line}"
        echo(stamped)
        try:
            with log_file.open("a", encoding="utf-8") as fh:
                fh.write(stamped + "\n")
        except OSError as exc:  # a full disk must not end the schedule; the next run may have room again
            echo(f"warning: cannot append to {log_file}: {exc.strerror or exc}")

    done = failed = 0
    log(f"schedule {cron!r} started; reports in {out}")
    while max_runs is None or done < max_runs:
        due = croniter(cron, clock()).get_next(datetime)
        log(f"next run at {due.isoformat(timespec='seconds')}")
        while (now := clock()) < due:
            sleep(min((due - now).total_seconds(), MAX_SLEEP_SECONDS))
        ok = False
        try:
            result = run()
            line = f"run {result.status} {result.folder}" + (f": {one_line(result.message)}" if result.message else "")
            ok = result.status == "ok"
        except ForecastError as exc:  # no run could start (folder locked, params file broken): try again next time
            line = f"run not started: {one_line(exc)}"
        except Exception as exc:  # a kit bug must not end the schedule; the traceback goes to the log
            line = f"run crashed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        if not ok:
            failed += 1
            if failures is not None:
                failures.append(line)
        log(line)
        done += 1
    log(f"schedule stopped after {done} run(s), {failed} failed")
    return failed
