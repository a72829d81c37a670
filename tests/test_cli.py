import io
import subprocess
import sys

from forecast import paths
from forecast.cli import main
from tests.helpers import csv_export


def test_validate_shows_the_4_december_counts(capsys):
    assert main(["validate", "--snapshots", str(paths.SAMPLE_DIR)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    on_time, late, in_progress, overdue, regular, total = (
        int(v) for v in next(line for line in out.splitlines() if line.startswith("2025-12-04")).split()[1:]
    )
    assert (on_time + late, in_progress, overdue, regular, total) == (601, 404, 104, 178, 1287)
    assert "in_progress 404, overdue 104, regular 178, total 1287" in out


def test_bad_data_exits_2_with_the_location_and_no_traceback(tmp_path):
    csv_export(tmp_path, "s_2025-11-06.csv", "task_id,agency,deadline,status\nT1,Finance,2025-12-31,Maybe\n")
    run = subprocess.run(
        [sys.executable, "-m", "forecast.cli", "validate", "--snapshots", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "s_2025-11-06.csv, row 2, column 'status'" in run.stderr and "'Maybe'" in run.stderr


def test_sample_command_writes_loadable_exports(tmp_path, capsys):
    assert (
        main(
            [
                "sample",
                "--out",
                str(tmp_path),
                "--tasks",
                "150",
                "--seed",
                "9",
                "--start",
                "2025-11-06",
                "--format",
                "parquet",
            ]
        )
        == 0
    )
    assert len(list(tmp_path.glob("snapshot_*.parquet"))) == 5
    assert main(["validate", "--snapshots", str(tmp_path)]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out


def test_every_subcommand_has_help():
    for command in ("validate", "sample"):
        run = subprocess.run(
            [sys.executable, "-m", "forecast.cli", command, "--help"], capture_output=True, text=True, check=False
        )
        assert run.returncode == 0 and "usage: forecast" in run.stdout


def test_params_takes_the_file_as_an_argument_or_with_show(capsys):
    baseline = str(paths.PARAMS_DIR / "baseline.yaml")
    assert main(["params", baseline]) == 0
    first = capsys.readouterr().out
    assert main(["params", "--show", baseline]) == 0
    assert capsys.readouterr().out == first and "sims: 10000" in first
    assert main(["params"]) == 2
    assert "give one params file" in capsys.readouterr().err


def test_scenario_check_validates_files_alone_and_says_what_they_do(capsys, tmp_path):
    files = [str(p) for p in sorted(paths.SCENARIOS_DIR.glob("*.yaml"))]
    assert main(["scenario", "--check", *files, "--snapshots", str(tmp_path / "no-such-folder")]) == 0  # no data read
    out = capsys.readouterr().out
    assert out.count("valid scenario") == len(files) and "Ministry of Finance works ×2 as fast from 2025-12-10" in out
    assert main(["scenario", "--check"]) == 2
    assert "name the scenario files to check" in capsys.readouterr().err


def test_report_refuses_a_scenario_file_as_params(capsys, tmp_path):
    scenario = str(paths.SCENARIOS_DIR / "finance_doubles_pace.yaml")
    assert main(["report", "--params", scenario, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "this is a scenario file (it has `levers:`), not a params file" in err and scenario in err
    assert not (tmp_path / "r").exists()


def test_every_file_written_is_confirmed_on_stderr(capsys, tmp_path):
    out = tmp_path / "ew.xlsx"
    assert main(["predict", "--sims", "200", "--tasks-out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert f"wrote 472 rows to {out}" in captured.err and captured.out.lstrip().startswith("{")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal(capsys, monkeypatch):
    from forecast.cli import commands

    commands._progress(3, 40, "snapshot_2025-03-20.csv")
    assert capsys.readouterr().err == ""  # not a terminal: logs stay clean
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    commands._progress(3, 40, "snapshot_2025-03-20.csv")
    commands._progress(40, 40, "snapshot_2025-12-04.csv")
    drawn = terminal.getvalue()
    assert "loading snapshot 3/40: snapshot_2025-03-20.csv" in drawn and drawn.endswith("\r\033[K")


def _widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_scenario_and_goal_tables_are_narrow_unless_wide(capsys):
    params = str(paths.PARAMS_DIR / "baseline.yaml")
    assert main(["scenario", "--params", params, "--sims", "300"]) == 0
    narrow = capsys.readouterr().out
    assert _widest(narrow) <= 100 and "vs baseline (P10–P90)" in narrow
    assert main(["scenario", "--params", params, "--sims", "300", "--wide"]) == 0
    wide = capsys.readouterr().out
    assert _widest(wide) > 100 and "difference_p10" in wide  # every column, as the JSON names them
    assert main(["goal", "--target-slips", "250", "--sims", "300"]) == 0
    goal = capsys.readouterr().out
    assert _widest(goal) <= 100 and "saved alone" in goal and "p_target_alone" not in goal
    assert main(["goal", "--target-slips", "250", "--sims", "300", "--wide"]) == 0
    assert "p_target_alone" in capsys.readouterr().out


def test_a_goal_no_agency_can_reach_alone_says_so_instead_of_a_column_of_zeros(capsys, tmp_path):
    autumn = tmp_path / "autumn.yaml"  # December like the autumn: 60 slips is out of one agency's reach
    autumn.write_text(f"snapshots: {paths.SAMPLE_DIR}\nyear_end: false\nmodel: hazard\n")
    assert main(["goal", "--target-slips", "60", "--sims", "300", "--params", str(autumn)]) == 0
    out = capsys.readouterr().out
    alone = out[out.index("accelerating one agency alone") :].split("\n", 1)[1]  # below its "by xM" line
    assert "0.00" not in alone and "No agency accelerated alone brings P(slips <= 60) to 0.1 %" in alone


def test_scenario_and_goal_progress_on_a_terminal_only(capsys, monkeypatch):
    params = str(paths.PARAMS_DIR / "baseline.yaml")
    assert main(["scenario", "--params", params, "--sims", "200", "--json"]) == 0
    err = capsys.readouterr().err  # not a terminal: nothing but warnings, confirmations and the cache's counts
    assert [line for line in err.splitlines() if not line.startswith("forecast scenario: cache ")] == []
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["scenario", "--params", params, "--sims", "200", "--json"]) == 0
    assert "7/7" in terminal.getvalue() and "simulation" in terminal.getvalue()  # 3 scenarios x 2 + the baseline
    terminal.seek(0)
    terminal.truncate()
    assert main(["goal", "--target-slips", "250", "--sims", "200", "--json"]) == 0
    assert "simulation" in terminal.getvalue() and "×" in terminal.getvalue()
