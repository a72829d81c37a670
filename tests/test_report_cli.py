"""The report-side commands: `forecast params`, `forecast report`, `forecast schedule` (argument handling)."""

import subprocess
import sys

import yaml

from forecast import paths
from forecast.cli import main


def test_params_show_prints_the_validated_values(capsys):
    assert main(["params", "--show", str(paths.PARAMS_DIR / "baseline.yaml")]) == 0
    out = capsys.readouterr().out
    values = yaml.safe_load(out)
    assert values["as_of"] == "2025-12-04" and values["sims"] == 10000 and values["timeout_minutes"] == 20.0
    assert values["snapshots"] == str(paths.SAMPLE_DIR)  # resolved against the file's folder
    assert "source" not in values and out.startswith("#")


def test_params_show_names_the_bad_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("as_of: 2025-12-04\ndeadline: 2025-11-30\n", encoding="utf-8")
    assert main(["params", "--show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "'deadline': 2025-11-30 is before as_of 2025-12-04" in err and "Traceback" not in err


def test_schedule_refuses_a_bad_cron_expression_before_running(tmp_path, capsys):
    code = main(
        [
            "schedule",
            "--params",
            str(paths.PARAMS_DIR / "baseline.yaml"),
            "--cron",
            "0 25 * * *",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert code == 2
    assert "not a cron expression" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_new_subcommands_have_help():
    for command in ("params", "report", "schedule"):
        run = subprocess.run(
            [sys.executable, "-m", "forecast.cli", command, "--help"], capture_output=True, text=True, check=False
        )
        assert run.returncode == 0 and "usage: forecast" in run.stdout
