import json
import subprocess
import sys

import pandas as pd
import pytest

from forecast import paths
from forecast.cli import main
from forecast.config.params import Params
from forecast.data.question import ask
from forecast.engine.predict import forecast
from forecast.errors import ForecastError
from tests.helpers import write_exports


def _json(capsys, *args):
    assert main(["predict", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_predict_json_contract(capsys):
    out = _json(capsys, "--snapshots", str(paths.SAMPLE_DIR), "--sims", "2000", "--model", "hazard")
    assert {"as_of", "deadline", "model", "sims", "open_tasks", "slip", "by_agency", "data_fingerprint"} <= set(out)
    assert (out["as_of"], out["deadline"], out["model"], out["sims"]) == ("2025-12-04", "2025-12-31", "hazard", 2000)
    assert out["open_tasks"] == 472
    assert sum(a["open"] for a in out["by_agency"]) == 472
    assert set(out["by_agency"][0]) == {"agency", "open", "slip_mean", "slip_p10", "slip_p90"}
    s = out["slip"]
    # percentiles of slips: most of the 472 slip, so P10 is far above the number that get done
    assert 0 <= s["p10"] <= s["p50"] <= s["p90"] <= 472 and s["p10"] < s["mean"] < s["p90"]
    assert abs(sum(a["slip_mean"] for a in out["by_agency"]) - s["mean"]) < 0.5


def test_same_seed_same_numbers(capsys, tmp_path, small_frame):
    exports = write_exports(small_frame, tmp_path / "exports")  # 200 tasks: the size is not what is tested
    args = ("--snapshots", str(exports), "--sims", "500", "--seed", "4", "--model", "reference")
    first = _json(capsys, *args)
    assert first == _json(capsys, *args)
    assert _json(capsys, *args[:-2], "--seed", "5")["slip"] != first["slip"]


def test_published_forecast_json(capsys):
    out = _json(capsys, "--published", str(paths.PUBLISHED_FIGURES), "--sims", "1000")
    assert out["open_tasks"] == 472 and out["by_agency"] == [] and out["model"] == "published"


def test_tasks_out_is_the_early_warning_list(tmp_path, capsys):
    path = tmp_path / "risk.csv"
    assert main(["predict", "--sims", "500", "--tasks-out", str(path)]) == 0
    text = capsys.readouterr().out
    assert "of the 472 open tasks are likely to slip past 31 Dec 2025; 8 in 10 chance between" in text
    assert "SYNTHETIC" in text
    ew = pd.read_csv(path)
    assert len(ew) == 472 and ew["task_id"].is_unique
    assert {"agency", "deadline", "status", "p_slip"} <= set(ew.columns)
    assert ew["p_slip"].is_monotonic_decreasing


def test_params_file_and_overrides(tmp_path, capsys):
    out = _json(capsys, "--params", str(paths.PARAMS_DIR / "baseline.yaml"), "--sims", "300", "--as-of", "2025-11-27")
    assert out["as_of"] == "2025-11-27" and out["sims"] == 300


def test_user_errors_exit_2_without_traceback(capsys):
    """The first as the shell runs it (a process of its own), the others in this process (each a fresh process
    costs a second or two of imports)."""
    run = subprocess.run(
        [sys.executable, "-m", "forecast.cli", "predict", "--as-of", "2024-01-01"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "error" in run.stderr
    for args in (["--deadline", "2025-01-01"], ["--model", "magic"], ["--sims", "0"]):
        try:
            code = main(["predict", *args])
        except SystemExit as exc:  # argparse's refusal
            code = exc.code
        err = capsys.readouterr().err
        assert code == 2, args
        assert "Traceback" not in err and "error" in err


def test_as_of_between_snapshots_uses_the_one_before(bundled):
    snaps, _ = bundled
    question = ask(snaps, "2025-12-01", "2025-12-31")
    assert question.as_of == pd.Timestamp("2025-11-27")
    with pytest.raises(ForecastError, match="before the as-of"):
        ask(snaps, "2025-12-04", "2025-12-01")


def test_every_model_forecasts_the_sample(bundled):
    snaps, _ = bundled
    for model in ("hazard", "reference", "throughput"):
        fc = forecast(Params(model=model, sims=300), snaps)
        assert len(fc.tasks) == 472 and fc.model == model and fc.provenance.synthetic
