"""The lever registry: each kind is one class owning its form, parse, describe and apply, and the file format the
module documents is exactly what the registry parses."""

import textwrap

import pytest
import yaml

from forecast.errors import ParamsError
from forecast.scenarios import levers
from forecast.scenarios.levers import LEVERS, parse_scenario


def _documented() -> dict:
    """The example scenario file in :mod:`forecast.scenarios.levers`' docstring."""
    block = levers.__doc__.split("::\n", 1)[1].split("\n\n", 1)[0]
    return yaml.safe_load(textwrap.dedent(block))


def test_the_documented_example_has_one_lever_of_every_registered_kind_and_parses():
    doc = _documented()
    assert [item["lever"] for item in doc["levers"]] == list(LEVERS)
    scenario = parse_scenario(doc)
    assert [type(lever) for lever in scenario.levers] == list(LEVERS.values())
    assert [lever.key for lever in scenario.levers] == [f"levers[{i}]" for i in range(1, len(LEVERS) + 1)]
    assert all(text and "None" not in text for text in scenario.describe())


@pytest.mark.parametrize("kind", list(LEVERS))
def test_every_kind_names_its_settings_and_refuses_one_it_does_not_take(kind):
    cls = LEVERS[kind]
    assert cls.form.kind == kind and set(cls.form.needs) <= set(cls.form.takes)
    assert all(callable(getattr(cls, name)) for name in ("parse", "describe", "apply"))
    item = next(i for i in _documented()["levers"] if i["lever"] == kind)
    assert set(item) - {"lever"} <= set(cls.form.takes)
    with pytest.raises(ParamsError, match=r"'levers\[1\]\.colour': unknown setting"):
        parse_scenario({"name": "x", "levers": [{**item, "colour": "red"}]})
    for needed in cls.form.needs:
        without = {k: v for k, v in item.items() if k != needed}
        with pytest.raises(ParamsError, match=rf"'levers\[1\]\.{needed}': is required"):
            parse_scenario({"name": "x", "levers": [without]})


def test_an_unknown_kind_is_refused_with_the_registered_ones_and_the_closest():
    with pytest.raises(ParamsError) as info:
        parse_scenario({"name": "x", "levers": [{"lever": "rate_multiplyer", "multiplier": 2}]})
    message = str(info.value)
    assert "did you mean 'rate_multiplier'" in message and all(kind in message for kind in LEVERS)
