import dataclasses
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast import paths
from forecast.config.params import Params, load_params, parse_params
from forecast.errors import ParamsError


def test_baseline_file_resolves_paths_against_itself():
    p = load_params(paths.PARAMS_DIR / "baseline.yaml")
    assert p.snapshots == paths.SAMPLE_DIR
    assert p.published == paths.PUBLISHED_FIGURES
    assert (p.as_of, p.deadline) == (date(2025, 12, 4), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        ({"simz": 5}, "simz", "unknown key"),
        ({"sims": 0}, "sims", "from 1 to 1,000,000"),
        ({"sims": 1_000_001}, "sims", "from 1 to 1,000,000"),
        ({"sims": "many"}, "sims", "whole number"),
        ({"sims": True}, "sims", "whole number"),
        ({"model": "prophet"}, "model", "hazard"),
        ({"as_of": "12/31/2025"}, "as_of", "not a date"),
        ({"as_of": "Dec 4"}, "as_of", "YYYY-MM-DD or dd/mm/yyyy"),
        ({"as_of": "2025-12"}, "as_of", "not a date"),
        ({"deadline": "31/12/9999"}, "deadline", "out of range"),
        ({"as_of": "2025-12-04", "deadline": "2025-12-01"}, "deadline", "before as_of"),
        ({"status_labels": {"Xong": "done"}}, "status_labels.Xong", "is not one of completed_on_time"),
        ({"scenario": "a/b"}, "scenario", "short name"),
        ({"timeout_minutes": -1}, "timeout_minutes", "greater than 0 and at most 1440"),
        ({"timeout_minutes": 50000}, "timeout_minutes", "at most 1440"),
        ({"timeout_minutes": float("nan")}, "timeout_minutes", "nan must be a number"),
        ({"timeout_minutes": float("inf")}, "timeout_minutes", "inf must be a number"),
        ({"horizon_days": 99999}, "horizon_days", "from 1 to 3,650"),
    ],
)
def test_bad_values_name_the_key(data, key, words):
    with pytest.raises(ParamsError) as exc:
        parse_params(data)
    assert exc.value.key == key
    assert f"'{key}'" in str(exc.value) and words in str(exc.value)


def test_dates_as_strings_or_dates_are_the_same():
    a = parse_params({"as_of": "2025-12-04", "deadline": date(2025, 12, 31)})
    b = parse_params({"as_of": date(2025, 12, 4), "deadline": "2025-12-31T00:00:00"})
    assert a == b


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("sims: -3\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"p\.yaml: 'sims'"):
        load_params(path)
    path.write_text("sims: [1\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(path)


def test_to_dict_round_trips(tmp_path):
    p = parse_params({"snapshots": "data", "scenarios": ["a.yaml"], "as_of": "2025-12-04"}, base=tmp_path)
    again = parse_params({k: v for k, v in p.to_dict().items() if k != "source"})
    assert again == p
    assert isinstance(p.snapshots, Path) and p.snapshots == tmp_path / "data"
    assert Params().sims == 10000


def test_milestones_year_end_and_exits_are_validated_and_reach_the_model():
    from forecast.models import make_model

    p = parse_params(
        {
            "milestones": ["2025-11-06", {"date": "01/08/2025", "name": "review meeting"}],
            "year_end": {"no_push": 0.5, "multiplier_median": 3},
            "exits": False,
        }
    )
    assert [m.date.isoformat() for m in p.milestones] == ["2025-08-01", "2025-11-06"]  # sorted, day first
    assert p.milestones[0].name == "review meeting" and p.year_end.window_days == 31 and not p.exits
    model = make_model("hazard", **p.model_settings())
    prior = model.year_end_prior
    assert (prior.no_push, round(float(np.exp(prior.multiplier.mean)), 6), model.exits) == (0.5, 3.0, False)
    assert prior.backlog == p.year_end.prior().backlog  # what is not overridden is fitted on the reference class
    assert model.milestones == (pd.Timestamp("2025-08-01"), pd.Timestamp("2025-11-06"))
    make_model("reference", **p.model_settings())  # a model takes only the settings it knows
    assert not parse_params({"year_end": False}).year_end.enabled
    values = {k: v for k, v in p.to_dict().items() if k != "source"}
    assert parse_params(values) == p  # the round trip through run.json and papermill
    for bad, key in (
        ({"year_end": {"median": 2, "p90": 3}}, "year_end.median"),  # the old typed prior: refused, with the way
        ({"year_end": {"no_push": 1.5}}, "year_end.no_push"),
        ({"year_end": {"medain": 2}}, "year_end.medain"),
        ({"milestones": [{"name": "no date"}]}, "milestones[1].date"),
        ({"milestones": ["31/02/2025"]}, "milestones[1]"),
        ({"exits": "yes"}, "exits"),
    ):
        with pytest.raises(ParamsError) as exc:
            parse_params(bad)
        assert exc.value.key == key, (bad, exc.value)


def test_overrides_replace_the_files_values_and_are_validated_as_the_file_is(tmp_path, monkeypatch):
    """``forecast report -p KEY=VALUE`` (#25): values read as YAML, the same checks and messages as the file (with
    "did you mean"), naming -p; relative paths from the working folder."""
    from forecast.config.params import parse_override

    monkeypatch.chdir(tmp_path)
    given = dict(map(parse_override, ["as_of=2025-11-27", "scenario=finance", "sims=200", "scenarios=[a.yaml]"]))
    assert given == {"as_of": date(2025, 11, 27), "scenario": "finance", "sims": 200, "scenarios": ["a.yaml"]}
    p = load_params(paths.PARAMS_DIR / "baseline.yaml", given)
    assert (p.as_of, p.scenario, p.sims, p.scenarios) == (date(2025, 11, 27), "finance", 200, (tmp_path / "a.yaml",))
    assert p.snapshots == paths.SAMPLE_DIR and p.deadline == date(2025, 12, 31)  # the rest from the file
    assert load_params(paths.PARAMS_DIR / "baseline.yaml", {"as_of": None}).as_of is None  # null: the default
    for text, message in (
        ("sim=3", "-p: 'sim': unknown key; did you mean 'sims'?"),
        ("sims=0", "-p: 'sims': 0 must be a whole number from 1 to 1,000,000"),
        ("model=hazrd", "-p: 'model': 'hazrd' is not one of combined, hazard"),
        ("deadline=2025-01-01", "baseline.yaml: 'deadline': 2025-01-01 is before as_of 2025-12-04"),
    ):
        with pytest.raises(ParamsError) as exc:
            load_params(paths.PARAMS_DIR / "baseline.yaml", dict([parse_override(text)]))
        assert message in str(exc.value), (text, str(exc.value))
    for bad in ("sims", "=3", "scenarios=[a"):
        with pytest.raises(ParamsError, match="-p: "):
            parse_override(bad)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("sims", -5, "'sims': -5 must be a whole number"),
        ("model", "hazzard", "did you mean 'hazard'"),
        ("scenario", "a b/c", "'scenario'"),
        ("deadline", date(2025, 1, 1), "is before as_of"),
        ("timeout_minutes", float("nan"), "'timeout_minutes'"),
    ],
)
def test_params_are_validated_whenever_built(field, value, said):
    """Not only a params file: ``Params(...)`` and ``dataclasses.replace`` check with the same messages (#26)."""
    base = Params(as_of=date(2025, 12, 4))
    with pytest.raises(ParamsError, match=re.escape(said)):
        dataclasses.replace(base, **{field: value})
    built = Params(as_of="04/12/2025", sims=np.int64(300))
    assert built.as_of == date(2025, 12, 4) and built.sims == 300 and type(built.sims) is int
