"""The combined headline: stacking weights, the pool run by run, the components and the two Decembers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecast import combine as combine_module
from forecast import sample
from forecast.cli import main
from forecast.combine import combined_forecast
from forecast.config.params import parse_params
from forecast.data.cache import open_cache
from forecast.data.published import load_published
from forecast.data.question import ask
from forecast.data.snapshots import from_frame
from forecast.engine.simulate import simulate
from forecast.errors import ForecastError
from forecast.evaluation import scores
from forecast.evaluation.backtest import run_backtest
from forecast.evaluation.stacking import (
    COMPONENTS,
    bagged_weights,
    pool_picks,
    simplex_minimum,
    stack_weights,
    stacking_backtest,
)
from forecast.models import MODELS
from forecast.models.boosting import BoostingModel
from forecast.models.hazard import HazardModel


@pytest.fixture(scope="module")
def small():
    """300 tasks weekly from July to 4 Dec 2025: a few stacking cutoffs, fast."""
    return from_frame(sample.generate(tasks=300, seed=5, start="2025-07-03", until="2025-12-04"), synthetic=True)


@pytest.fixture(scope="module")
def combined(small):
    return combined_forecast(parse_params({"sims": 600, "seed": 7}), small)


def _terms(outcomes, components):
    return [scores.mixture_crps_terms([c[i] for c in components], y) for i, y in enumerate(outcomes)]


def test_stacking_puts_the_weight_on_the_component_that_knows_the_outcome():
    rng = np.random.default_rng(1)
    outcomes = rng.integers(20, 80, 12)
    sharp = [rng.poisson(y, 500) for y in outcomes]  # centred on each outcome
    off = [rng.poisson(y + 25, 500) for y in outcomes]  # 25 too high every time
    w = stack_weights(_terms(outcomes, [sharp, off]))
    assert w[0] > 0.95 and w.sum() == pytest.approx(1)
    bagged = bagged_weights(_terms(outcomes, [sharp, off]), seed=3)
    assert bagged[0] > 0.9 and (bagged >= 0).all() and bagged.sum() == pytest.approx(1)


def test_two_biased_components_on_either_side_share_the_weight():
    rng = np.random.default_rng(2)
    outcomes = rng.integers(40, 80, 16)
    low = [rng.poisson(y - 12, 500) for y in outcomes]
    high = [rng.poisson(y + 12, 500) for y in outcomes]
    w = stack_weights(_terms(outcomes, [low, high]))
    assert 0.3 < w[0] < 0.7
    pooled = sum(
        scores.crps(np.where(rng.random(500) < w[0], lo, hi), y) for lo, hi, y in zip(low, high, outcomes, strict=True)
    )
    alone = min(sum(scores.crps(c, y) for c, y in zip(comp, outcomes, strict=True)) for comp in (low, high))
    assert pooled < alone  # the pool beats either component


def _pool_crps(w, a, B):
    return w @ a - w @ B @ w / 2


def test_the_simplex_minimum_is_exact_against_a_fine_grid_and_a_local_solver():
    """Pools of 3 and 4 real mixtures (CRPS terms of random count forecasts): no point of a 1/60 grid of the simplex,
    and no SLSQP solution, has a lower pooled CRPS than the exact minimum; it lies on the simplex."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(11)
    for k in (3, 4):
        outcomes = rng.integers(20, 80, 10)
        comps = [[rng.poisson(y + shift, 400) for y in outcomes] for shift in rng.integers(-15, 15, k)]
        terms = _terms(outcomes, comps)
        d = rng.dirichlet(np.ones(len(terms)), size=5)
        a = d @ np.array([t[0] for t in terms])
        B = np.tensordot(d, np.array([t[1] for t in terms]), axes=1)
        w = simplex_minimum(a, B)
        assert (w >= 0).all() and np.allclose(w.sum(axis=1), 1)
        grid = np.array([g for g in np.ndindex(*(61,) * (k - 1)) if sum(g) <= 60], dtype=float) / 60
        grid = np.column_stack([grid, 1 - grid.sum(axis=1)])
        for i in range(len(a)):
            found = _pool_crps(w[i], a[i], B[i])
            on_grid = np.einsum("gk,k->g", grid, a[i]) - np.einsum("gk,kl,gl->g", grid, B[i], grid) / 2
            assert found <= on_grid.min() + 1e-9
            local = minimize(
                lambda v, a_i=a[i], b_i=B[i]: _pool_crps(v, a_i, b_i),
                np.full(k, 1 / k),
                method="SLSQP",
                bounds=[(0, 1)] * k,
                constraints=({"type": "eq", "fun": lambda v: v.sum() - 1},),
                options={"ftol": 1e-12},
            )
            assert found <= local.fun + 1e-9


def test_the_simplex_minimum_takes_two_identical_components_in_its_stride():
    """Two components with the same draws make the face's linear system singular: still a minimum on the simplex,
    and their shared weight is what the one would get alone."""
    rng = np.random.default_rng(12)
    outcomes = rng.integers(30, 70, 12)
    good = [rng.poisson(y, 300) for y in outcomes]
    off = [rng.poisson(y + 20, 300) for y in outcomes]
    twice = stack_weights(_terms(outcomes, [good, off, good]))
    once = stack_weights(_terms(outcomes, [good, off]))
    assert twice.sum() == pytest.approx(1) and (twice >= 0).all()
    assert twice[0] + twice[2] == pytest.approx(once[0], abs=1e-6)
    assert twice[1] == pytest.approx(once[1], abs=1e-6)


def test_the_pool_takes_each_component_as_often_as_its_weight():
    picks = pool_picks(np.array([0.5, 0.3, 0.2, 0.0]), 20000, seed=4)
    share = np.bincount(picks, minlength=4) / len(picks)
    assert np.abs(share - [0.5, 0.3, 0.2, 0.0]).max() < 0.015


def test_the_published_model_answers_every_backtest_cutoff(small):
    bt = run_backtest(small, 27, models=("hazard",), sims=300, figures=load_published(), step=2)
    frame = bt.frame.pivot(index="cutoff", columns="model", values="observed")
    assert set(bt.frame["model"]) == {"hazard", "published"} and (frame["hazard"] == frame["published"]).all()
    assert all((c, "published") in bt.draws for c in frame.index)
    gaps = np.diff(np.sort(frame.index.to_numpy())).astype("timedelta64[D]").astype(int)
    assert (gaps == 14).all()  # every second weekly cutoff


def test_the_backtest_page_finds_the_stacking_backtest_in_the_cache(small, tmp_path):
    """The weights are earned on the backtest notebook 05 shows: its call (the params' horizon, seed, settings and
    cache, the default runs) finds every cutoff of the stacking backtest cached and computes none again."""
    params = parse_params({"sims": 600, "seed": 7, "cache": str(tmp_path / "cache")})
    as_of, figures = ask(small).as_of, load_published(params.published)
    stacked = stacking_backtest(params, small, as_of, figures)
    assert stacked is not None and len(stacked.origins) >= 3
    computed: list[str] = []
    page = run_backtest(  # notebook 05's call, with the pool's task-level models
        small.until(as_of),
        params.horizon_days,
        models=[m for m in COMPONENTS if m in MODELS],
        seed=params.seed,
        settings=params.model_settings(),
        figures=figures,
        cache=open_cache(params),
        progress=computed.append,
    )
    assert computed == []
    pd.testing.assert_frame_equal(page.frame, stacked.frame)
    gaps = np.diff(np.sort(page.frame["cutoff"].unique())).astype("timedelta64[D]").astype(int)
    assert (gaps == 7).all()  # every weekly cutoff


def test_the_combined_forecast_carries_its_components_weights_and_split(combined):
    meta = combined.meta
    table = pd.DataFrame(meta["components"])
    assert combined.model == "combined" and tuple(table["model"]) == COMPONENTS
    assert table["weight"].sum() == pytest.approx(1, abs=1e-3) and (table["weight"] >= 0).all()
    assert (table["cutoffs"] == meta["stacking"]["cutoffs"]).all() and meta["stacking"]["cutoffs"] >= 3
    assert meta["stacking"]["horizon_days"] == 27  # the params' horizon_days: the backtest notebook 05 shows
    assert table["why"].str.len().gt(10).all()
    # the autumn forecast is the pool: its mean lies within its components'
    year_end = meta["year_end"]
    assert table["mean"].min() - 1 <= year_end["autumn"]["mean"] <= table["mean"].max() + 1
    split = combined.split()
    n = len(combined.tasks)
    assert split["completed"]["mean"] + split["moved"]["mean"] + split["slipped"]["mean"] == pytest.approx(n)
    assert (combined.moved >= 0).all() and (combined.moved + combined.totals <= n).all()
    p = combined.tasks["p_slip"]
    assert p.between(0, 1).all() and p.sum() == pytest.approx(combined.totals.mean(), rel=0.1)
    out = json.loads(json.dumps(combined.to_json()))  # the forecast predict --json contract
    assert out["model"] == "combined" and out["components"] == meta["components"]
    assert {"stacking", "year_end", "split", "split_definition"} <= set(out)


def test_the_headline_mixes_the_two_decembers_by_the_regime_weight(small, combined):
    """The headline is the autumn pool and the hazard model's year-end forecast mixed run by run with the regime's
    posterior weight; every run is one of the two's, the split adds up, and the weight says where it comes from."""
    year_end = combined.meta["year_end"]
    assert year_end["applied"] and 0 < year_end["weight"] < 1
    assert (
        "reference class" in year_end["weight_source"]
        and f"{100 * year_end['prior_weight']:.0f} %" in (year_end["weight_source"])
    )
    w, ye, autumn = year_end["weight"], year_end["year_end"], year_end["autumn"]
    expected = w * ye["mean"] + (1 - w) * autumn["mean"]
    spread = abs(autumn["mean"] - ye["mean"])
    assert combined.summary()["mean"] == pytest.approx(expected, abs=0.1 * spread + 1)
    for part in (ye, autumn):
        split = part["split"]
        assert sum(split[k]["mean"] for k in ("completed", "moved", "slipped")) == pytest.approx(
            len(combined.tasks), abs=0.02
        )
        assert split["slipped"]["mean"] == pytest.approx(part["mean"], abs=0.01)
    assert ye["mean"] < autumn["mean"]  # a year-end push, as past ones, leaves fewer tasks open
    # the year-end forecast is the hazard model's own in that mode, the same runs
    question = ask(small)
    model = HazardModel().fit(small, question.as_of)
    own = simulate(model.with_year_end_mode("year_end"), question, 600, 7)
    assert own.summary()["mean"] == pytest.approx(ye["mean"], abs=0.01)


def test_the_weight_follows_the_prior_and_december_like_the_autumn_is_the_pool(small):
    """With a prior all but certain of no push the headline is the autumn pool; all but certain of one, the year-end
    forecast."""
    none = combined_forecast(parse_params({"sims": 400, "seed": 7, "year_end": {"no_push": 0.999}}), small)
    push = combined_forecast(parse_params({"sims": 400, "seed": 7, "year_end": {"no_push": 0.001}}), small)
    assert none.meta["year_end"]["weight"] < 0.01 and push.meta["year_end"]["weight"] > 0.99
    assert none.summary()["mean"] == pytest.approx(none.meta["year_end"]["autumn"]["mean"], abs=1)
    assert push.summary()["mean"] == pytest.approx(push.meta["year_end"]["year_end"]["mean"], abs=1)
    off = combined_forecast(parse_params({"sims": 400, "seed": 7, "year_end": False}), small)
    assert not off.meta["year_end"]["applied"]


def test_predict_prints_the_combined_headline_and_model_gives_one_model(tmp_path, capsys, small):
    folder = tmp_path / "exports"
    folder.mkdir()
    for when, snap in small.frame.groupby("snapshot_date"):
        snap.drop(columns=[c for c in ("row", "file") if c in snap]).to_csv(
            folder / f"export_{when.date()}.csv", index=False
        )
    assert main(["predict", "--snapshots", str(folder), "--sims", "300", "--json", "--model", "reference"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["model"] == "reference" and "components" not in one
    assert main(["predict", "--snapshots", str(folder), "--sims", "300"]) == 0
    text = capsys.readouterr().out
    assert "Components" in text and "depends on December" in text and "moved out of the window" in text


def test_a_published_figures_file_that_cannot_be_read_is_named_among_the_left_out_components(tmp_path, small):
    """A params file naming figures that are not there still gets a headline from the task-level models, and the
    output says the published component is left out and why (it used to vanish without a word)."""
    missing = tmp_path / "nowhere" / "figures.csv"
    result = combined_forecast(parse_params({"sims": 300, "seed": 7, "published": str(missing)}), small)
    table = pd.DataFrame(result.meta["components"]).set_index("model")
    assert table.loc["published", "weight"] == 0
    assert "left out" in table.loc["published", "why"] and str(missing) in table.loc["published", "why"]
    assert table.drop(index="published")["weight"].sum() == pytest.approx(1, abs=1e-3)


def test_a_model_that_fails_its_backtest_and_the_question_is_left_out_and_the_others_earn_their_weights(
    small, monkeypatch
):
    """The components are fitted beside their backtest; one that answers neither (its fit raises) is listed as left
    out, and the others' weights still come from a backtest (of them alone), not equal by default."""

    def fails(self, *args, **kwargs):
        raise ForecastError("too little history for boosting")

    monkeypatch.setattr(BoostingModel, "fit", fails)  # the backtest's forked workers inherit the patch
    result = combined_forecast(parse_params({"sims": 300, "seed": 7, "cache": False}), small)
    table = pd.DataFrame(result.meta["components"]).set_index("model")
    assert "too little history" in table.loc["boosting", "why"] and table.loc["boosting", "weight"] == 0
    kept = table.drop(index="boosting")
    assert (kept["cutoffs"] > 0).all() and kept["backtest_crps"].notna().all()
    assert kept["weight"].sum() == pytest.approx(1, abs=1e-3)


def test_a_model_fitted_but_unable_to_simulate_the_question_is_left_out_not_a_crash(small, monkeypatch):
    """The year-end comparison reads the hazard component's runs: a hazard model that fits but whose simulation
    refuses the question (e.g. too large for memory) is left out with its reason, like one that cannot fit."""
    real = combine_module.simulate

    def refuses(model, *args, **kwargs):
        if model.name == "hazard":
            raise ForecastError("the simulation would not fit in memory")
        return real(model, *args, **kwargs)

    monkeypatch.setattr(combine_module, "simulate", refuses)  # the pool's own runs; the backtest's are its module's
    result = combined_forecast(parse_params({"sims": 300, "seed": 7, "cache": False}), small)
    table = pd.DataFrame(result.meta["components"]).set_index("model")
    assert "would not fit in memory" in table.loc["hazard", "why"] and table.loc["hazard", "weight"] == 0
    assert table.drop(index="hazard")["weight"].sum() == pytest.approx(1, abs=1e-3)


def test_every_model_keeps_its_row_in_the_comparison_with_the_reason_when_it_cannot_answer():
    """Three weekly snapshots: the reference model (situations 27 days back) cannot answer; its row says why and the
    others still answer (notebook 03's "Every model on its own" on a short history)."""
    frame = sample.generate(tasks=200, seed=3, start="2025-11-20", until="2025-12-04")
    params = parse_params({"as_of": "2025-12-04", "deadline": "2025-12-31", "sims": 200, "seed": 1, "cache": False})
    table = combine_module.compare_models(params, from_frame(frame, synthetic=True)).set_index("model")
    assert set(MODELS) | {"published"} == set(table.index)
    assert table.loc["reference", "note"].startswith("cannot answer: ")
    assert np.isnan(table.loc["reference", "mean"])
    answered = table.loc[table["note"] == ""]
    assert {"hazard", "throughput", "published"} <= set(answered.index) and answered["mean"].notna().all()
