"""A scenario's warnings (a lever that changes nothing, a count larger than the tasks it can pick) read in the page's
language: Vietnamese on a Vietnamese scenarios page, word for word the commands' English otherwise."""

from __future__ import annotations

import pytest

from forecast.config.params import Params
from forecast.present import i18n
from forecast.present.scenario_words import levers_table
from forecast.scenarios.compare import compare
from tests.scenario_helpers import FINANCE, fitted, scenario
from tests.test_vietnamese import english_words

JUSTICE, OFFICE = "Ministry of Justice", "Government Office"
LEVERS = (
    {"lever": "transfer", "agency": [FINANCE, JUSTICE], "to_agency": OFFICE},
    {"lever": "drop", "agency": FINANCE},
    {"lever": "deadline_extension", "status": "overdue", "agency": OFFICE, "count": 5000, "by_days": 10},
    {"lever": "rate_multiplier", "agency": [FINANCE, JUSTICE], "multiplier": 2},
    {"lever": "holiday_slowdown", "multiplier": 0.5, "from": "2025-01-01", "to": "2025-01-10"},
)
# in the order they arise: the open-set levers in file order, then the rate levers (on the final open set)
ENGLISH = [
    "levers[2]: selects no open task (all open tasks of Ministry of Finance); it changes nothing",
    "levers[3]: count 5000 but only 30 open task(s) match; all taken",
    "levers[5]: 2025-01-01 to 2025-01-10 is before the forecast horizon (after 2025-12-04); it changes nothing",
    "levers[4]: Ministry of Finance and Ministry of Justice hold(s) no open task; it changes nothing",
]


@pytest.fixture(scope="module")
def comparison():
    question, model = fitted()
    return compare(question, model, [scenario(*LEVERS, name="Every warning")], Params(model="hazard", sims=200))


def _warnings(comparison) -> list[str]:
    table = levers_table(comparison)
    return table.loc[table["item"] == i18n.gettext("warning"), "text"].tolist()


def test_the_warnings_stay_the_commands_english(comparison):
    [result] = comparison.results
    assert [str(w) for w in result.warnings] == ENGLISH
    assert result.to_json()["warnings"] == ENGLISH
    assert comparison.levers().query("item == 'warning'")["text"].tolist() == ENGLISH
    assert _warnings(comparison) == [w.replace("levers[", "lever ").replace("]", "", 1) for w in ENGLISH]  # as rows


def test_a_vietnamese_page_writes_the_warnings_in_vietnamese(comparison):
    with i18n.speaking("vi"):
        shown = _warnings(comparison)
    assert [w.split(":")[0] for w in shown] == ["đòn bẩy 2", "đòn bẩy 3", "đòn bẩy 5", "đòn bẩy 4"]  # as its rows
    left = {w: english_words("<p>" + w + "</p>") for w in shown}
    assert {w: words for w, words in left.items() if words} == {}
    selects, count, holiday, holds = shown
    assert "Bộ Tài chính" in selects
    assert "5.000" in count and "30" in count
    assert "Bộ Tài chính" in holds and "Bộ Tư pháp" in holds
    assert "01/01/2025" in holiday and "10/01/2025" in holiday and "04/12/2025" in holiday
