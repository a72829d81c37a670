import errno
import os
from pathlib import Path

import pandas as pd
import pytest

from forecast.errors import ForecastError, OutputError
from forecast.output import write_table


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_write_table_formats(tmp_path, suffix):
    frame = pd.DataFrame({"task_id": ["T1", "T2"], "p_slip": [0.9, 0.1]})
    path = write_table(frame, tmp_path / f"out{suffix}")
    back = {".csv": pd.read_csv, ".xlsx": pd.read_excel, ".parquet": pd.read_parquet}[suffix](path)
    assert back["task_id"].tolist() == ["T1", "T2"]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.csv"
    path.write_text("old\n", encoding="utf-8")

    def full_disk(self, target, *a, **k):
        Path(target).write_text("half a ta", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(OutputError, match=r"out\.csv: cannot write: No space left on device; nothing was changed"):
        write_table(pd.DataFrame({"a": [1]}), path, force=True)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_unknown_format_or_folder(tmp_path):
    with pytest.raises(ForecastError, match="unknown table format"):
        write_table(pd.DataFrame(), tmp_path / "out.txt")
    with pytest.raises(ForecastError, match="does not exist"):
        write_table(pd.DataFrame(), tmp_path / "nope" / "out.csv")
