import subprocess
import sys

import pytest

from forecast.core.atomic import write_text
from forecast.errors import ReportError, ReportLockedError
from forecast.report.index import RUN_MARKER
from forecast.report.lock import output_lock
from forecast.report.run import remove_temporaries

HOLD = """
import sys, time
from pathlib import Path
from forecast.report.lock import output_lock
with output_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_holder_is_refused_with_the_folder_and_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ReportLockedError) as refused, output_lock(tmp_path):
            pass
        assert str(tmp_path) in str(refused.value) and f"pid {holder.pid}" in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
    with output_lock(tmp_path):  # the holder died, so did its lock
        pass


def test_the_lock_is_released_after_the_block_even_on_error(tmp_path):
    with pytest.raises(RuntimeError), output_lock(tmp_path):
        raise RuntimeError("boom")
    with output_lock(tmp_path), pytest.raises(ReportLockedError), output_lock(tmp_path):  # also within one process
        pass


def test_atomic_write_and_cleanup_of_temporaries(tmp_path):
    target = tmp_path / "index.html"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two" and [p.name for p in tmp_path.iterdir()] == ["index.html"]
    (tmp_path / ".tmp-20251201T000000Z_x").mkdir()
    (tmp_path / ".tmp-20251201T000000Z_x" / RUN_MARKER).write_text("")
    (tmp_path / ".tmp-20251201T000000Z_x" / "01.html").write_text("half")
    (tmp_path / ".tmp-index.html.123").write_text("half")
    users = {".tmp-draft-notes.txt": "my draft", ".tmp-build/notes.md": "my build"}  # not the kit's: kept
    for name, text in users.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    removed = remove_temporaries(tmp_path)
    assert len(removed) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-build", ".tmp-draft-notes.txt", "index.html"]
    assert all((tmp_path / name).read_text() == text for name, text in users.items())


def test_a_folder_that_cannot_hold_the_lock_is_one_clear_error(tmp_path):
    blocker = tmp_path / "reports"
    blocker.mkdir()
    (blocker / ".lock").mkdir()  # the lock file's place is taken by a folder: opening it fails, even as root
    with (
        pytest.raises(ReportError, match=r"cannot write to .*reports \(.*\.lock\): Is a directory"),
        output_lock(blocker),
    ):
        pass
