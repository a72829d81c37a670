from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from forecast.errors import ReportError, ReportLockedError
from forecast.report.run import RunResult
from forecast.report.schedule import LOG_NAME, parse_cron, run_schedule

HANOI = timezone(timedelta(hours=7))


class FakeTime:
    """A clock that only moves when the loop sleeps (or a run takes time)."""

    def __init__(self, start: datetime):
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def _runner(fake: FakeTime, outcomes: list, took: timedelta = timedelta(minutes=3)):
    calls: list[datetime] = []

    def run() -> RunResult:
        calls.append(fake.now)
        fake.now += took
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return RunResult(Path(f"/r/run{len(calls)}"), outcome, "" if outcome == "ok" else "02_fail: boom", {})

    return run, calls


def test_runs_at_each_cron_time_and_survives_failures(tmp_path):
    fake = FakeTime(datetime(2025, 12, 3, 9, 30, tzinfo=HANOI))  # a Wednesday
    run, calls = _runner(
        fake, ["ok", "failed", ReportLockedError("another report run is writing to /r"), RuntimeError("kit bug"), "ok"]
    )
    lines: list[str] = []
    failed = run_schedule(
        "0 6 * * MON", run, tmp_path, clock=fake.clock, sleep=fake.sleep, echo=lines.append, max_runs=5
    )
    mondays = [datetime(2025, 12, 8, 6, tzinfo=HANOI) + timedelta(weeks=i) for i in range(5)]
    assert calls == mondays
    assert failed == 3
    assert max(fake.slept) <= 60  # wakes at least every minute
    log = (tmp_path / LOG_NAME).read_text(encoding="utf-8")
    assert log.splitlines()[0].endswith(f"schedule '0 6 * * MON' started; reports in {tmp_path}")
    assert "2025-12-08T06:03:00+07:00 run ok /r/run1" in log
    assert "2025-12-15T06:03:00+07:00 run failed /r/run2: 02_fail: boom" in log
    assert "run not started: another report run is writing to /r" in log
    assert "run crashed: RuntimeError: kit bug" in log and "Traceback" in log
    assert log.rstrip().endswith("schedule stopped after 5 run(s), 3 failed")
    assert "\n".join(lines) + "\n" == log  # stdout shows the same lines


def test_slots_missed_during_a_long_run_are_skipped(tmp_path):
    fake = FakeTime(datetime(2025, 12, 8, 5, 59, tzinfo=HANOI))
    run, calls = _runner(fake, ["ok", "ok"], took=timedelta(hours=2, minutes=30))
    run_schedule("0 * * * *", run, tmp_path, clock=fake.clock, sleep=fake.sleep, echo=lambda _: None, max_runs=2)
    assert calls == [datetime(2025, 12, 8, 6, tzinfo=HANOI), datetime(2025, 12, 8, 9, tzinfo=HANOI)]


@pytest.mark.parametrize("cron", ["0 6 * *", "61 6 * * *", "0 6 * * MON 2025", "every monday"])
def test_bad_cron_expressions_are_refused(cron, tmp_path):
    with pytest.raises(ReportError, match="not a cron expression"):
        parse_cron(cron)
    with pytest.raises(ReportError):
        run_schedule(cron, lambda: None, tmp_path, max_runs=1)
