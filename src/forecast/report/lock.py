"""One report run per output folder at a time.

The lock is an advisory ``flock`` on ``DIR/.lock``: the kernel releases it when the holder exits, however it dies,
so a killed run never leaves the folder locked. The file records who holds it, for the refusal message.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from forecast.errors import ReportError, ReportLockedError

LOCK_NAME = ".lock"


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of ``folder`` for the block; raise :class:`ReportLockedError` if another run holds it."""
    path = folder / LOCK_NAME
    try:
        fh = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write to {folder} ({path}): {exc.strerror or exc}") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise ReportLockedError(
                f"another report run is writing to {folder} ({holder}); wait for it to finish, or use another "
                f"--out folder"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
