"""The one atomic writer: whole files or none, the old file's mode kept, and targets checked before writing."""

import errno
import os

import pytest

from forecast.core.atomic import check_target, replace_file, write_json, write_text
from forecast.errors import OutputError


def test_a_write_replaces_the_file_in_one_step_and_keeps_its_mode(tmp_path):
    target = tmp_path / "index.html"
    write_text(target, "one")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temporary's 0600
    target.chmod(0o640)
    write_json(target, {"a": 1})
    assert target.read_text(encoding="utf-8") == '{\n  "a": 1\n}\n' and target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old", encoding="utf-8")

    def half_then_full(tmp):
        tmp.write_text("ha", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    with pytest.raises(OutputError, match=r"t\.csv: cannot write: No space left on device; nothing was changed"):
        replace_file(target, half_then_full)
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_a_missing_folder_is_one_error_naming_the_path(tmp_path):
    with pytest.raises(OutputError, match="cannot write here: No such file or directory"):
        write_text(tmp_path / "nope" / "x.txt", "x")


def test_targets_are_checked(tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (tmp_path / "old.csv").write_text("x", encoding="utf-8")
    assert check_target(tmp_path / "new.csv", protected=[exports]) == tmp_path / "new.csv"
    assert check_target(tmp_path / "old.csv", force=True) == tmp_path / "old.csv"
    cases = [
        (tmp_path / "old.csv", {}, "already exists; pass --force"),
        (exports, {}, "is a folder"),
        (tmp_path / "no" / "x.csv", {}, "does not exist"),
        (exports / "x.csv", {"force": True}, "inside the snapshot folder"),
        (tmp_path / "exports" / ".." / "exports" / "y.csv", {"force": True}, "inside the snapshot folder"),
    ]
    for path, options, words in cases:
        with pytest.raises(OutputError, match=words):
            check_target(path, protected=[exports], **options)
