from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.data.question import Provenance, Question
from forecast.engine.simulate import Luck, simulate


@dataclass
class ScaledSampler:
    """Hazards rate_i * g, g ~ Gamma(2, 1/2) per run: a toy model with a shared shock."""

    rate: np.ndarray

    @property
    def profile(self):
        return np.arange(len(self.rate))

    def draw(self, rng, size):
        return self.rate[:, None] * rng.gamma(2.0, 0.5, size)[None, :]


@dataclass
class Toy:
    """A model whose sampler is :class:`ScaledSampler` of fixed rates."""

    rate: np.ndarray
    name: str = "toy"

    def sampler(self, tasks, as_of, deadline, rate=None):
        return ScaledSampler(self.rate)


def _question(tasks):
    return Question(pd.Timestamp("2025-12-04"), pd.Timestamp("2025-12-31"), tasks, Provenance("toy", False))


def _tasks(agencies):
    return pd.DataFrame(
        {"agency": agencies, "deadline": pd.Timestamp("2025-12-31"), "status": "in_progress"},
        index=pd.Index([f"T{i}" for i in range(len(agencies))], name="task_id"),
    )


portfolios = st.lists(
    st.tuples(st.sampled_from(["Finance", "Health", "Justice", "Ha Noi"]), st.floats(0, 5)), max_size=40
)


@settings(max_examples=40, deadline=None)
@given(portfolios, st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_invariants(portfolio, sims, seed):
    tasks = _tasks([a for a, _ in portfolio])
    rate = np.array([r for _, r in portfolio])
    fc = simulate(Toy(rate), _question(tasks), sims, seed, chunk=64)
    assert ((fc.totals >= 0) & (fc.totals <= len(tasks))).all()
    assert (fc.agency_draws.sum(axis=0) == fc.totals).all()
    agencies = fc.by_agency()
    assert agencies["open"].sum() == len(tasks)
    assert (agencies["slip_p10"] <= agencies["slip_p90"]).all() and (agencies["slip_p90"] <= agencies["open"]).all()
    assert np.isclose(fc.tasks["p_slip"].sum(), fc.totals.mean())
    s = fc.summary()
    assert s["p10"] <= s["p50"] <= s["p90"] <= len(tasks)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["Finance", "Health", "Justice", "Ha Noi"]), st.booleans()), max_size=40),
    st.integers(1, 200),
)
def test_each_agency_counts_its_own_rows_in_any_order(portfolio, sims):
    """Rows in any agency order (a scenario appends new tasks after the grouped open set): a task with no hazard
    slips in every run and one with a huge hazard never does, so each agency's count is known in every run."""
    tasks = _tasks([a for a, _ in portfolio])
    rate = np.array([0.0 if stuck else 1e9 for _, stuck in portfolio])
    fc = simulate(Toy(rate), _question(tasks), sims, 5, chunk=16)
    expected = {a: sum(stuck for b, stuck in portfolio if b == a) for a, _ in portfolio}
    assert {a: fc.agency_draws[i].tolist() for i, a in enumerate(fc.agencies)} == {
        a: [n] * sims for a, n in expected.items()
    }


def test_kept_luck_gives_the_same_runs_and_is_never_changed():
    tasks = _tasks(["B"] * 5 + ["A"] * 20 + ["B"] * 5)
    rate = np.linspace(0.1, 2, 30)
    plain = simulate(Toy(rate), _question(tasks), 500, 7, chunk=64)
    luck = Luck(keep=1)
    first = simulate(Toy(rate), _question(tasks), 500, 7, chunk=64, luck=luck)
    kept = [u.copy() for u in next(iter(luck.kept.values()))]
    again = simulate(Toy(rate * 0.5), _question(tasks), 500, 7, chunk=64, luck=luck)
    assert (first.totals == plain.totals).all() and (first.agency_draws == plain.agency_draws).all()
    assert (again.totals == simulate(Toy(rate * 0.5), _question(tasks), 500, 7, chunk=64).totals).all()
    stored = next(iter(luck.kept.values()))
    assert len(luck.kept) == 1 and all((u == k).all() for u, k in zip(stored, kept, strict=True))
    simulate(Toy(rate[:10]), _question(tasks.iloc[:10]), 500, 7, chunk=64, luck=luck)  # other rows: other uniforms
    assert [key[2] for key in luck.kept] == [10]  # the most recent only (keep=1)


def test_empty_open_set_gives_zero_not_an_error():
    fc = simulate(Toy(np.array([])), _question(_tasks([])), 100, 1)
    assert fc.summary() == {"mean": 0.0, "p10": 0, "p50": 0, "p90": 0}
    assert fc.to_json()["open_tasks"] == 0 and fc.to_json()["by_agency"] == []


def test_slips_have_the_right_probability():
    rate = np.array([0.0, np.log(2), 20.0])  # P(slip) = E[exp(-rate * g)]
    fc = simulate(Toy(rate), _question(_tasks(["A", "A", "B"])), 20000, 3)
    p = fc.tasks["p_slip"].to_numpy()
    g = np.random.default_rng(0).gamma(2.0, 0.5, 400000)
    assert p[0] == 1.0
    assert abs(p[1] - np.mean(np.exp(-np.log(2) * g))) < 0.01
    assert abs(p[2] - np.mean(np.exp(-20 * g))) < 0.003


def test_same_seed_same_numbers_and_common_random_numbers():
    tasks = _tasks(["A"] * 20 + ["B"] * 10)
    rate = np.linspace(0.1, 2, 30)
    a = simulate(Toy(rate), _question(tasks), 500, 7)
    b = simulate(Toy(rate), _question(tasks), 500, 7)
    assert (a.totals == b.totals).all()
    c = simulate(Toy(rate), _question(tasks), 500, 8)
    assert not (a.totals == c.totals).all()
    # switching tasks off never adds a slip in any run: the others keep their random numbers
    active = np.arange(30) % 3 != 0
    d = simulate(Toy(rate), _question(tasks), 500, 7, active=active)
    assert (d.totals <= a.totals).all()
    assert len(d.tasks) == 20


def test_early_warning_list_is_highest_risk_first():
    tasks = _tasks(["A", "B", "C"]).assign(deadline=pd.to_datetime(["2025-12-31", "2025-11-01", "2025-12-15"]))
    fc = simulate(Toy(np.array([5.0, 0.0, 1.0])), _question(tasks), 2000, 1)
    ew = fc.early_warning()
    assert ew["task_id"].tolist() == ["T1", "T2", "T0"]
    assert ew["p_slip"].is_monotonic_decreasing


def test_an_as_of_date_with_no_open_task_gives_no_slip_from_every_model():
    """Every open task completed by the last snapshot: each model answers 0 slips (the hazard model's sampler once
    failed to reshape its empty exposure array)."""
    from forecast import sample
    from forecast.data import schema
    from forecast.data.question import ask
    from forecast.data.snapshots import from_frame
    from forecast.models import MODELS, make_model

    frame = sample.generate(tasks=200, seed=3, start="2025-09-04", until="2025-12-04")
    last = frame["snapshot_date"] == frame["snapshot_date"].max()
    frame.loc[last & frame["status"].isin(schema.OPEN), "status"] = schema.COMPLETED_ON_TIME
    snaps = from_frame(frame)
    question = ask(snaps)
    assert len(question.tasks) == 0
    for name in MODELS:
        result = simulate(make_model(name).fit(snaps, question.as_of), question, 100, 1)
        assert result.summary() == {"mean": 0.0, "p10": 0, "p50": 0, "p90": 0}, name
        assert len(result.totals) == 100 and not result.totals.any(), name
