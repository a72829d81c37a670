"""Benchmarks of the forecast (``make bench``). Prints the figures the README quotes.

1. Fit + 10,000 simulations on the bundled sample, in-process (goal < 2 s).
2. ``forecast predict --json`` end to end, a fresh process (goal < 5 s).
3. The Monte Carlo against a raw numpy Bernoulli draw of the same size, same run (goal: within 3x).
4. Load + fit + forecast of 10k, 30k and 100k tasks x 52 weekly snapshots (goal for 100k: < 60 s, < 4 GB peak).
5. The full backtest on the bundled sample, every model (goal < 60 s).
6. The full report, every notebook (goal < 60 s): ``bench/report.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import report
from common import ROOT, large_sample, run_child, timer

from forecast import load_snapshots, paths
from forecast.backtest import run_backtest
from forecast.models import make_model
from forecast.question import ask
from forecast.simulate import simulate

SCALE_CODE = """
import json, resource, time
from forecast import load_snapshots
from forecast.models import make_model
from forecast.question import ask
from forecast.simulate import simulate
t = {{}}
s = time.perf_counter(); snaps = load_snapshots({folder!r}); t["load"] = time.perf_counter() - s
s = time.perf_counter(); question = ask(snaps, "2025-12-04", "2025-12-31"); t["history"] = time.perf_counter() - s
s = time.perf_counter(); model = make_model("hazard").fit(snaps, question.as_of); t["fit"] = time.perf_counter() - s
s = time.perf_counter()
fc = simulate(model, question, {sims}, 1)
t["simulate"] = time.perf_counter() - s
t.update(rows=len(snaps.frame), open=len(question.tasks), snapshots=len(snaps.dates), total=sum(t.values()))
t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(t))
"""


def in_process(sims: int = 10_000, name: str = "hazard") -> dict:
    snaps = load_snapshots(paths.SAMPLE_DIR)
    question = ask(snaps)
    t: dict = {}
    best = {}
    for _ in range(3):  # best of three: the machine has two cores and other work on them
        with timer("fit", t):
            model = make_model(name).fit(snaps, question.as_of)
        with timer("simulate", t):
            simulate(model, question, sims, 1)
        best = {k: min(v, best.get(k, np.inf)) for k, v in t.items()}
    best["total"] = best["fit"] + best["simulate"]
    return best


def monte_carlo_ratio(sims: int = 10_000) -> dict:
    """The simulation loop vs ``rng.random((n, sims)) < p`` for the same n x sims, interleaved, best of nine each
    (the best run is the one least disturbed by other work on the machine)."""
    snaps = load_snapshots(paths.SAMPLE_DIR)
    question = ask(snaps)
    model = make_model("hazard").fit(snaps, question.as_of)
    n = len(question.tasks)
    ours, raw = [], []
    rng = np.random.default_rng(0)
    p = rng.random(n)[:, None]
    for _ in range(9):
        s = time.perf_counter()
        simulate(model, question, sims, 1)
        ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        (rng.random((n, sims)) < p).sum(axis=0)
        raw.append(time.perf_counter() - s)
    return {"tasks": n, "sims": sims, "ours": min(ours), "raw_bernoulli": min(raw), "ratio": min(ours) / min(raw)}


def end_to_end() -> float:
    best = np.inf
    for _ in range(3):
        s = time.perf_counter()
        subprocess.run([sys.executable, "-m", "forecast.cli", "predict", "--json"], check=True, capture_output=True,
                       cwd=ROOT)
        best = min(best, time.perf_counter() - s)
    return best


def scale(sizes=(10_000, 30_000, 100_000), sims: int = 10_000) -> list[dict]:
    rows = []
    for n in sizes:
        folder = large_sample(n)
        rows.append({"tasks": n, **run_child(SCALE_CODE.format(folder=str(folder), sims=sims))})
    return rows


def main() -> None:
    print("1. bundled sample, fit + 10,000 simulations in-process (goal < 2 s):")
    r = in_process()
    print(f"   fit {r['fit']:.2f} s + simulate {r['simulate']:.2f} s = {r['total']:.2f} s")
    r = in_process(name="boosting")
    print(f"   boosting challenger: fit {r['fit']:.2f} s + simulate {r['simulate']:.2f} s = {r['total']:.2f} s")
    print("2. forecast predict --json end to end (goal < 5 s):")
    print(f"   {end_to_end():.2f} s")
    print("3. Monte Carlo vs raw numpy Bernoulli of the same size (goal: within 3x):")
    m = monte_carlo_ratio()
    print(f"   {m['tasks']} tasks x {m['sims']} runs: ours {m['ours']:.3f} s, raw {m['raw_bernoulli']:.3f} s, "
          f"ratio {m['ratio']:.2f}x")
    print("4. load + fit + forecast (10,000 runs), 52 weekly snapshots (goal for 100k: < 60 s, < 4 GB):")
    print("   tasks   rows       open    load  history  fit   simulate  total   s/1k tasks  peak MB")
    for r in scale():
        print(f"   {r['tasks']:<7d} {r['rows']:<10d} {r['open']:<7d} {r['load']:5.1f}  {r['history']:6.1f}  "
              f"{r['fit']:5.1f}  {r['simulate']:7.1f}  {r['total']:6.1f}  {1000 * r['total'] / r['tasks']:9.3f}  "
              f"{r['peak_mb']:7.0f}")


    print("5. full backtest on the bundled sample, every model, 2,000 runs per forecast (goal < 60 s):")
    snaps = load_snapshots(paths.SAMPLE_DIR)
    start = time.perf_counter()
    bt = run_backtest(snaps)
    print(f"   {time.perf_counter() - start:.1f} s for {len(bt.origins)} cutoffs")
    print("6. full report on the bundled data (goal < 60 s):")
    report.main([])


if __name__ == "__main__":
    main()
