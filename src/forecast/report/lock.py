"""One report run per output folder at a time.

The lock is :class:`filelock.FileLock` on ``DIR/.lock`` (an advisory ``flock``): the kernel releases it when the
holder exits, however it dies, so a killed run never leaves the folder locked. The holder writes who it is into the
file, for the refusal message (the line stays after release, until the next holder writes its own).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from forecast.errors import ReportError, ReportLockedError

LOCK_NAME = ".lock"


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of ``folder`` for the block; raise :class:`ReportLockedError` if another run holds it."""
    path = folder / LOCK_NAME
    try:
        lock = FileLock(path, timeout=0, on_acquired=_sign).acquire()
    except Timeout:
        raise ReportLockedError(
            f"another report run is writing to {folder} ({_holder(path)}); wait for it to finish, or use another "
            f"--out folder"
        ) from None
    except OSError as exc:
        raise ReportError(f"cannot write to {folder} ({path}): {exc.strerror or exc}") from None
    with lock:
        yield


def _sign(fd: int) -> None:
    """Write who holds the lock into the lock file (``filelock`` calls this once it holds it)."""
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC".encode())


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip() or "another process"
    except OSError:
        return "another process"
