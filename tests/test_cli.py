import subprocess
import sys

from forecast import paths
from forecast.cli import main
from tests.conftest import csv_export


def test_validate_shows_the_4_december_counts(capsys):
    assert main(["validate", "--snapshots", str(paths.SAMPLE_DIR)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    on_time, late, in_progress, overdue, regular, total = (
        int(v) for v in next(line for line in out.splitlines() if line.startswith("2025-12-04")).split()[1:])
    assert (on_time + late, in_progress, overdue, regular, total) == (601, 404, 104, 178, 1287)
    assert "in_progress 404, overdue 104, regular 178, total 1287" in out


def test_bad_data_exits_2_with_the_location_and_no_traceback(tmp_path):
    csv_export(tmp_path, "s_2025-11-06.csv", "task_id,agency,deadline,status\nT1,Finance,2025-12-31,Maybe\n")
    run = subprocess.run([sys.executable, "-m", "forecast.cli", "validate", "--snapshots", str(tmp_path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "s_2025-11-06.csv, row 2, column 'status'" in run.stderr and "'Maybe'" in run.stderr


def test_sample_command_writes_loadable_exports(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path), "--tasks", "150", "--seed", "9", "--start", "2025-11-06",
                 "--format", "parquet"]) == 0
    assert len(list(tmp_path.glob("snapshot_*.parquet"))) == 5
    assert main(["validate", "--snapshots", str(tmp_path)]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out


def test_every_subcommand_has_help():
    for command in ("validate", "sample"):
        run = subprocess.run([sys.executable, "-m", "forecast.cli", command, "--help"], capture_output=True,
                             text=True, check=False)
        assert run.returncode == 0 and "usage: forecast" in run.stdout
