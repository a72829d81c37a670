"""The one formatting layer of the reports' tables and the report's sentences."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from forecast.present import formatting, prose


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("slip_mean", 324.4712, "324.5"),  # expected slips: one decimal, everywhere
        ("mean", 324.4712, "324.5"),
        ("slip_p10", 301, "301"),  # counts: whole, with thousands separators
        ("open", 1287, "1,287"),
        ("tasks", 12345.0, "12,345"),
        ("p_slip", 0.9412, "94 %"),  # probabilities: whole percent
        ("coverage80", 0.8621, "86 %"),
        ("pooled_multiplier", 1.2345, "1.23"),  # rates: two decimals
        ("crps", 1.8234, "1.82"),
        ("brier", 0.14532, "0.145"),
        ("difference", -8.16, "-8.2"),
        ("difference", 3.0, "+3.0"),  # changes carry a sign
        ("slip_mean_change", 12.34, "+12.3"),
        ("open_due_change", 3, "+3"),
        ("bias", -2.04, "-2.0"),
        ("points_saved", 9.6, "9.6"),  # percentage points: a tenth, so 9.6 is not shown as the threshold's 10
        ("points_saved", 10.0, "10.0"),
        ("synthetic", True, "yes"),
        ("metric", "in_progress_due_by_year_end", "in progress due by year end"),
        ("deadline", dt.date(2025, 12, 31), "2025-12-31"),
        ("cutoff", pd.Timestamp("2025-04-24"), "2025-04-24"),
        ("p10", float("nan"), "–"),
        ("title", None, "–"),
    ],
)
def test_one_rule_per_quantity(column, value, text):
    assert formatting.cell(column, value) == text


def test_tables_escape_text_link_agencies_and_say_what_is_cut():
    frame = pd.DataFrame(
        {
            "agency": ["Ministry of Finance", "<b>Bad</b>", "Health"],
            "title": ["=1+2", "<i>x</i>", "y"],
            "slip_mean": [52.73, 2.0, 1.0],
            "p_slip": [0.5, 0.25, 0.1],
        }
    )
    html = formatting.table(
        frame,
        pages={"Ministry of Finance": "agency_ministry-of-finance.html"},
        top=2,
        download="by_agency.csv",
        caption="A <caption>",
    ).to_html()
    assert '<a href="agency_ministry-of-finance.html">Ministry of Finance</a>' in html
    assert "&lt;b&gt;Bad&lt;/b&gt;" in html and "<b>Bad" not in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert ">Health<" not in html  # cut to two rows
    assert 'The first 2 of 3; the full list is in <a href="by_agency.csv">by_agency.csv</a>.' in html
    assert "A &lt;caption&gt;" in html
    assert ">expected slips<" in html and ">P(slip)<" in html and "slip_mean" not in html  # headers in words
    assert ">52.7<" in html and ">50 %<" in html
    assert "text-align: left" in html and "text-align: right" in html  # prose left, numbers right
    assert 'class="kit-table"' in html and "<th" in html and "row_heading" not in html  # no index column


def test_a_table_of_categorical_text_with_names_of_different_lengths():
    """Categories that all differ in length (a report with a few agencies) once raised TypeError on the summary."""
    agencies = pd.Categorical(["Ministry of Finance", "Government Office", "Ministry of Finance"])
    html = formatting.table(pd.DataFrame({"agency": agencies, "p_slip": [0.5, 0.2, 0.9]})).to_html()
    assert ">Government Office<" in html and "text-align: left" in html


def test_an_empty_table_says_so():
    empty = formatting.table(pd.DataFrame(columns=["agency", "slip_mean"])).to_html()
    assert "None." in empty and "expected slips" not in empty  # no header over an empty table
    assert "min-width" in empty  # its caption on a readable width, not wrapped a word per line in a 0-px table
    assert formatting.cell("status", "in_progress") == "in progress" and formatting.cell("title", "a_b") == "a_b"
    # a caption that already says why there are no rows stands alone (an agency page before its scenario's 2nd run)
    why = "No earlier run of this scenario to compare with: changes show from the next run on."
    alone = formatting.table(pd.DataFrame(columns=["agency", "slip_mean"]), caption=why, empty="").to_html()
    assert why in alone and "None." not in alone and "expected slips" not in alone


def test_figures_show_every_key_even_new_ones():
    html = formatting.figures(
        {"as_of": "2025-12-04", "slip_mean": 314.23, "synthetic": True, "combined_mean": 300.04, "a_new_key": "<x>"}
    ).to_html()
    assert ">314.2<" in html and ">yes<" in html and ">300.0<" in html and "a new key" in html
    assert "&lt;x&gt;" in html


def test_the_headline_in_plain_words():
    assert prose.headline_words(324.47, 472, "2025-12-31", 301, 347) == (
        "About 324 of the 472 open tasks are likely to slip past 31 Dec 2025; 8 in 10 chance between 301 and 347"
    )
    head = {
        "as_of": "2025-12-04",
        "deadline": "2025-12-31",
        "open_tasks": 472,
        "model": "combined",
        "slip_mean": 301.6,
        "slip_p10": 280,
        "slip_p90": 322,
        "a_new_key": 1,
    }
    assert prose.headline_text(head) == prose.headline_words(301.6, 472, "2025-12-31", 280, 322)
    for missing in ("slip_mean", "deadline", "open_tasks"):  # an old or partial run.json: no sentence, no error
        assert prose.headline_text({k: v for k, v in head.items() if k != missing}) == ""
    assert prose.headline_text({**head, "slip_p90": None}) == ""


def test_default_targets_are_round_numbers_across_the_forecast():
    rng = np.random.default_rng(1)
    assert prose.default_targets(rng.normal(314, 60, 10_000).round()) == (250, 300, 350, 400)
    assert prose.default_targets(rng.normal(30, 5, 10_000).round()) == (25, 30, 35)
    assert prose.default_targets(np.array([3, 3, 3])) == (3,)
    assert prose.default_targets(np.array([])) == ()


def _backtest(errors, pit):
    n = len(errors)
    observed = np.full(n, 30.0)
    return pd.DataFrame(
        {
            "model": "hazard",
            "cutoff": pd.date_range("2025-04-24", periods=n, freq="7D"),
            "slip_mean": observed + np.asarray(errors, float),
            "observed": observed,
            "pit_lower": np.asarray(pit) - 0.02,
            "pit_upper": np.asarray(pit) + 0.02,
        }
    )


def test_the_bias_sentence_names_the_direction():
    under = prose.bias_sentence(_backtest([-3, -2, -1, -2, 1, -4], [0.8, 0.7, 0.6, 0.75, 0.4, 0.9]), "hazard")
    assert under.startswith("The hazard model under-forecasts") and "5 of 6 cutoffs" in under
    assert "leans right" in under and "mean error -1.8" in under
    over = prose.bias_sentence(_backtest([3, 2, 1, 2, -1, 4], [0.2, 0.3, 0.4, 0.25, 0.6, 0.1]), "hazard")
    assert over.startswith("The hazard model over-forecasts") and "leans left" in over
    fair = prose.bias_sentence(_backtest([1, -1, 2, -2], [0.4, 0.6, 0.45, 0.55]), "hazard")
    assert "no clear bias" in fair
    assert "no cutoff" in prose.bias_sentence(_backtest([1], [0.5]), "reference")


def test_at_most_n_slip_with_each_confidence():
    """The planner's convention (#25): for each level c the smallest N with P(slips <= N) >= c over the runs."""
    from forecast.present.tables import confidence_levels

    totals = np.random.default_rng(2).poisson(340, 10_000)
    levels = confidence_levels(totals)
    assert levels["confidence"].tolist() == [0.5, 0.7, 0.85, 0.95] and levels["at_most"].is_monotonic_increasing
    for c, n in levels.itertuples(index=False):
        assert np.mean(totals <= n) >= c > np.mean(totals <= n - 1)
    text = prose.confidence_sentence(totals)
    n = levels["at_most"].tolist()
    assert (
        text
        == f"At most {n[0]} tasks slip with 50 % confidence, {n[1]} with 70 %, {n[2]} with 85 % and {n[3]} with 95 %"
    )
    assert prose.confidence_sentence(np.array([])) == ""


def test_the_two_decembers_in_a_planners_words():
    part = {"mean": 40.2, "p10": 2, "p90": 104, "split": {}}
    autumn = {"mean": 348.6, "p10": 296, "p90": 396, "split": {}}
    year_end = {"applied": True, "year_end": part, "autumn": autumn, "weight": 0.77, "prior_weight": 0.78}
    text = prose.december_sentence({**year_end, "regime": {"december_intervals": 499}}, 472, "2025-12-31")
    assert "about 40 of the 472 open tasks will slip past 31 Dec 2025" in text and "about 349 will" in text
    assert "about 78 times in 100" in text and "leave that at about 77 in 100" in text
    lower = prose.december_sentence(
        {**year_end, "weight": 0.3, "regime": {"december_intervals": 900}}, 472, "2025-12-31"
    )
    assert "lower that to about 30 in 100" in lower
    assert "no December snapshot" in prose.december_sentence({**year_end, "regime": {}}, 472, "2025-12-31")
    assert prose.december_sentence({"applied": False}, 472, "2025-12-31") == ""
    head = {"slip_mean": 112.6, "slip_p10": 3, "slip_p90": 363, "open_tasks": 472, "deadline": "2025-12-31"}
    plain = prose.headline_text(head)
    assert plain.startswith("About 113 of the 472") and "year-end" not in plain
    both = prose.headline_text({**head, "year_end_mean": 40.2, "autumn_mean": 348.6, "year_end_weight": 0.77})
    assert both.startswith(plain) and "about 40 if the year-end review" in both and "about 349 if December" in both


def test_the_parts_and_the_prior_in_words_not_code_names():
    from forecast.present.tables import split_table, year_end_table

    q = {"p10": 1, "p50": 2, "p90": 3}
    split = split_table(
        {"completed": {"mean": 121.9, **q}, "moved": {"mean": 8.5, **q}, "slipped": {"mean": 341.6, **q}}
    )
    html = formatting.table(split).to_html()
    assert split["part"].tolist() == [
        "completed by the deadline",
        "moved out of the window",
        "slipped past the deadline",
    ]
    assert ">tasks (mean)<" in html and "expected slips" not in html  # completed tasks are not slips
    parts = {k: {"mean": 1.0} for k in ("completed", "moved", "slipped")}
    prior = year_end_table(
        {
            "applied": True,
            "weight": 0.7,
            "year_end": {"mean": 1.0, "p10": 0, "p90": 3, "split": parts},
            "autumn": {"mean": 2.0, "p10": 1, "p90": 4, "split": parts},
        }
    )
    assert prior["forecast"].tolist() == [
        "if December runs like past year-end reviews",
        "if December runs like the autumn",
    ]
    assert prior["weight"].tolist() == pytest.approx([0.7, 0.3])
    html = formatting.table(prior).to_html()
    assert "year_end" not in html and "_" not in "".join(re.findall(r">([^<>]*)</th>", html))
    relabelled = formatting.table(pd.DataFrame({"slip_mean": [6.2]}), labels={"slip_mean": "overdue count"}).to_html()
    assert ">overdue count<" in relabelled and "expected slips" not in relabelled


def test_what_doubling_every_pace_saves_in_words():
    agencies = pd.DataFrame(
        {"agency": ["a", "b"], "slip_mean": [40.0, 30.0], "slips_saved_at_twice_the_pace": [7.6, 2.1]}
    )
    assert prose.saving_sentence(agencies) == (
        "If every agency doubled its completion pace from the as-of date, about 10 fewer tasks would be expected "
        "to slip."
    )
