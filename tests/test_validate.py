"""The validation toolkit shared by params and scenario files."""

import pytest

from forecast.config.validate import Checker, did_you_mean, load_yaml, shown
from forecast.errors import ParamsError


def test_shown_cuts_long_values_and_never_expands_nested_ones():
    assert "..." in shown("x" * 500) and len(shown("x" * 500)) <= 80
    deep = ["lol"] * 9
    for _ in range(30):  # 9**30 strings if expanded
        deep = [deep] * 9
    assert len(shown(deep)) <= 80 and shown(2.5) == "2.5"


def test_did_you_mean():
    assert did_you_mean("simz", ["sims", "seed"]) == "; did you mean 'sims'?"
    assert did_you_mean("zzz", ["sims"]) == "" and did_you_mean(["sims"], ["sims"]) == ""


def test_load_yaml_names_the_file_and_the_problem(tmp_path):
    cases = {
        "bad.yaml": (b"a: [1\n", "not valid YAML"),
        "latin.yaml": ("a: 'Ministère'\n".encode("cp1252"), "not UTF-8"),
        "big.yaml": (b"a: " + b"x" * 1_000_001, "a params file is at most 1,000,000"),
    }
    for name, (data, words) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ParamsError, match=words):
            load_yaml(tmp_path / name, "params")
    with pytest.raises(ParamsError, match="is a folder, not a params file"):
        load_yaml(tmp_path, "params")
    with pytest.raises(ParamsError, match="file not found"):
        load_yaml(tmp_path / "none.yaml", "params")
    (tmp_path / "bom.yaml").write_bytes("\ufeffa: 1\n".encode())
    assert load_yaml(tmp_path / "bom.yaml", "params") == {"a": 1}


@pytest.mark.parametrize(
    ("method", "args", "words"),
    [
        ("whole", (True, (1, 10)), "True must be a whole number from 1 to 10"),
        ("whole", (11, (1, 10)), "from 1 to 10"),
        ("number", (float("nan"), (0.0, 5.0)), "nan must be a number greater than 0 and at most 5"),
        ("number", ("2", (0.0, 5.0)), "'2' must be a number"),
        ("date", ("31/12/2025x",), "is not a date"),
        ("date", (20251231,), "is not a date"),
        ("choice", ("hazzard", ("hazard", "reference")), "did you mean 'hazard'"),
        ("names", ([],), "must be a name or a list"),
        ("names", (["a", "all"], "all"), "`all` cannot be combined"),
        ("flag", ("yes",), "must be true or false"),
        ("path", (5, None), "is not a path"),
    ],
)
def test_checks_name_the_key_and_value(method, args, words):
    with pytest.raises(ParamsError) as err:
        getattr(Checker("f.yaml"), method)("k", *args)
    assert str(err.value).startswith("f.yaml: 'k': ") and words in str(err.value)


def test_unknown_keys_suggest_the_closest():
    with pytest.raises(ParamsError, match=r"'levers\[1\]\.multipler': unknown setting; did you mean 'multiplier'"):
        Checker().keys("levers[1]", {"multipler": 2}, ("multiplier", "agency"), word="setting")
