"""Benchmarks of the forecast (``make bench``): every figure the README's "Speed" section states, each printed with
the machine's load average when it was taken (the machine is shared: a figure without its load means little).

Timings are best-of-N and, where two things are compared, interleaved (A, B, A, B, ...), so a burst of other work
hits both alike; the best run is the one least disturbed.

1. Fit + 10,000 simulations on the bundled sample, in-process.
2. ``forecast predict --json`` end to end (cache off; the combined headline) against ``python -c "import forecast"``
   plus the fit (goal: within 1.5x): the hazard model's fit alone, and the combined headline's (its components' fits
   and the stacking backtest), each round timed in a fresh process; and again with the fits in the cache.
3. The Monte Carlo against a raw numpy Bernoulli draw of the same size, same run (goal: within 1.5x).
4. The full backtest on the bundled sample, every model, 2,000 runs per forecast: cold (no cache; goal < 5 s) on
   every core and on one process, wall clock and CPU, the week after (one new snapshot: only the new cutoffs
   computed) and all cached.
5. Load + history + fit + forecast of 10k, 100k and 1M tasks x 52 weekly snapshots (goal for 1M: < 3 min,
   < 8 GB peak), each in a fresh process, with its CPU time (user + system: on a busy machine the fairer
   figure) beside the wall clock. ``--sizes 10000,100000`` to skip the million;
   ``--scale-only`` to run this benchmark alone.
6. The full report, every notebook: ``bench/report.py`` (``--no-report`` to skip).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report
from common import ROOT, large_sample, load, run_child, timer

from forecast import load_snapshots, paths
from forecast.data.cache import Cache
from forecast.data.question import ask
from forecast.engine.simulate import simulate
from forecast.evaluation.backtest import default_jobs, run_backtest
from forecast.models import make_model

SCALE_CODE = """
import json, resource, time
from forecast import load_snapshots
from forecast.models import MODELS, make_model
from forecast.config.params import load_params
from forecast.data.published import load_published
from forecast.data.question import ask
from forecast.engine.simulate import simulate
t = {{}}
s = time.perf_counter(); snaps = load_snapshots({folder!r}); t["load"] = time.perf_counter() - s
s = time.perf_counter(); question = ask(snaps, "2025-12-04", "2025-12-31"); t["history"] = time.perf_counter() - s
s = time.perf_counter(); model = make_model("hazard").fit(snaps, question.as_of); t["fit"] = time.perf_counter() - s
s = time.perf_counter()
fc = simulate(model, question, {sims}, 1)
t["simulate"] = time.perf_counter() - s
t.update(rows=len(snaps.frame), open=len(question.tasks), snapshots=len(snaps.dates), total=sum(t.values()))
usage = resource.getrusage(resource.RUSAGE_SELF)
t.update(peak_mb=usage.ru_maxrss / 1024, cpu=usage.ru_utime + usage.ru_stime)
print(json.dumps(t))
"""


def in_process(sims: int = 10_000, name: str = "hazard") -> dict:
    snaps = load_snapshots(paths.SAMPLE_DIR)
    question = ask(snaps)
    t: dict = {}
    best = {}
    for _ in range(3):
        with timer("fit", t):
            model = make_model(name).fit(snaps, question.as_of)
        with timer("simulate", t):
            simulate(model, question, sims, 1)
        best = {k: min(v, best.get(k, np.inf)) for k, v in t.items()}
    best["total"] = best["fit"] + best["simulate"]
    return best


def monte_carlo_ratio(sims: int = 10_000) -> dict:
    """The simulation against ``rng.random((n, sims)) < p`` for the same n x sims, interleaved, best of nine; and the
    floor of the hazard model's draws: only the random numbers it needs, no arithmetic (per task and run two float32
    uniforms, the slip's and the exit's; per run one normal per posterior parameter, the joint draw)."""
    snaps = load_snapshots(paths.SAMPLE_DIR)
    question = ask(snaps)
    model = make_model("hazard").fit(snaps, question.as_of)
    n, k = len(question.tasks), len(model.posterior_.mode)
    ours, raw, floor = [], [], []
    rng = np.random.default_rng(0)
    p = rng.random(n)[:, None]
    for _ in range(9):
        s = time.perf_counter()
        simulate(model, question, sims, 1)
        ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        (rng.random((n, sims)) < p).sum(axis=0)
        raw.append(time.perf_counter() - s)
        s = time.perf_counter()
        rng.random((n, sims), dtype=np.float32), rng.random((n, sims), dtype=np.float32)
        rng.standard_normal((sims, k))
        floor.append(time.perf_counter() - s)
    return {
        "tasks": n,
        "sims": sims,
        "parameters": k,
        "ours": min(ours),
        "raw_bernoulli": min(raw),
        "ratio": min(ours) / min(raw),
        "floor": min(floor),
        "floor_ratio": min(floor) / min(raw),
    }


# what `forecast predict` (the combined headline) imports: the command, the pool and its components' models
COMBINED_MODULES = (
    "forecast.cli.commands",
    "forecast.combine",
    "forecast.models.hazard",
    "forecast.models.boosting",
    "forecast.models.reference",
)


def _wall(cmd: list[str]) -> float:
    s = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - s


FIT_CODE = """
import json, time
from forecast import load_snapshots
from forecast.evaluation.stacking import COMPONENTS, stacking_backtest
from forecast.models import MODELS, make_model
from forecast.config.params import load_params
from forecast.data.published import load_published
from forecast.data.question import ask
params = load_params({params!r})
snaps = load_snapshots(params.snapshots, params.status_labels)
question = ask(snaps, params.as_of, params.deadline)
figures = load_published(params.published)
models = [make_model(name, **params.model_settings()) for name in COMPONENTS if name in MODELS]  # their imports
s = time.perf_counter(); make_model("hazard").fit(snaps, question.as_of); fit = time.perf_counter() - s
s = time.perf_counter()
for model in models:
    model.fit(snaps, question.as_of)
stacking_backtest(params, snaps, question.as_of, figures)
print(json.dumps({{"fit": fit, "combined_fit": time.perf_counter() - s}}))
"""


def end_to_end(folder: Path, runs: int = 5) -> dict:
    """``forecast predict --json`` (baseline params, cache off, then cache warm) against a bare ``import forecast``
    process plus the fit, interleaved, best of ``runs``. The fits are timed in a fresh process each round, like
    predict (the snapshots loaded and the models' libraries imported first, untimed): timed in this process after
    the benchmarks before it, the combined fit once took 7.75 s against 4.99 s in a fresh one ten minutes later
    (24 Nov 2026), and the ratio read 1.24x instead of about 1.7x."""
    base = yaml.safe_load((paths.PARAMS_DIR / "baseline.yaml").read_text(encoding="utf-8")) or {}
    base["snapshots"] = str(paths.SAMPLE_DIR)  # the params file's relative paths, made absolute for the temp copy
    base["published"] = str(paths.PUBLISHED_FIGURES)
    base["scenarios"] = [str(paths.PARAMS_DIR / s) for s in base.get("scenarios", [])]
    cold, warm = folder / "cold.yaml", folder / "warm.yaml"
    cold.write_text(yaml.safe_dump({**base, "cache": False}), encoding="utf-8")
    warm.write_text(yaml.safe_dump({**base, "cache": str(folder / "cache")}), encoding="utf-8")
    predict = [sys.executable, "-m", "forecast.cli", "predict", "--json", "--params"]
    _wall([*predict, str(warm)])  # fills the cache
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        rounds = {
            "import": _wall([sys.executable, "-c", "import forecast"]),
            "libraries": _wall([sys.executable, "-c", "import forecast.engine.predict, forecast.models.hazard"]),
            "combined_libraries": _wall([sys.executable, "-c", f"import {', '.join(COMBINED_MODULES)}"]),
            "cold": _wall([*predict, str(cold)]),
            "warm": _wall([*predict, str(warm)]),
            **run_child(FIT_CODE.format(params=str(cold))),
        }
        for key, value in rounds.items():
            times.setdefault(key, []).append(value)
    out = {key: min(values) for key, values in times.items()}
    out["ratio"] = out["cold"] / (out["import"] + out["fit"])
    out["ratio_libraries"] = out["cold"] / (out["libraries"] + out["fit"])
    out["ratio_combined"] = out["cold"] / (out["import"] + out["combined_fit"])
    out["ratio_combined_libraries"] = out["cold"] / (out["combined_libraries"] + out["combined_fit"])
    out["spread"] = {key: (min(v), max(v)) for key, v in times.items() if key in ("cold", "combined_fit")}
    return out


def _cpu() -> float:
    """CPU seconds (user + sys) of this process and of its children that have ended (the backtest's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def backtests(folder: Path, runs: int = 2) -> dict:
    """The full backtest: cold (no cache) on every core and on one process, interleaved, best of ``runs``, wall
    clock and CPU (user + sys, the workers' included); the week after (the cache holds every cutoff of the data
    without its last snapshot) and all cached."""
    snaps = load_snapshots(paths.SAMPLE_DIR)
    out: dict = {"jobs": default_jobs()}
    for label, jobs in (("cold", None), ("one", 1)) * runs:
        s, c = time.perf_counter(), _cpu()
        bt = run_backtest(snaps, jobs=jobs)
        wall, cpu = time.perf_counter() - s, _cpu() - c
        if wall < out.get(label, np.inf):
            out[label], out[f"{label}_cpu"] = wall, cpu
    out["cutoffs"] = len(bt.origins)
    store = Cache(folder / "bt-cache")
    last_week = snaps.until(snaps.dates[-2])
    run_backtest(last_week, cache=store)
    store = Cache(folder / "bt-cache")
    s = time.perf_counter()
    run_backtest(load_snapshots(paths.SAMPLE_DIR), cache=store)
    out["week_after"], out["computed"] = time.perf_counter() - s, store.misses
    store = Cache(folder / "bt-cache")
    s = time.perf_counter()
    run_backtest(load_snapshots(paths.SAMPLE_DIR), cache=store)
    out["cached"], out["hits"] = time.perf_counter() - s, store.hits
    return out


def scale(sizes, sims: int = 10_000) -> list[dict]:
    rows = []
    for n in sizes:
        folder = large_sample(n)
        rows.append({"tasks": n, **run_child(SCALE_CODE.format(folder=str(folder), sims=sims)), "load_avg": load()})
    return rows


def print_scale(sizes: str) -> None:
    """Benchmark 5 at each of the comma-separated ``sizes``, one fresh process each."""
    print(
        "5. load + history + fit + forecast (10,000 runs), 52 weekly Parquet snapshots (goal for 1M: < 3 min, < 8 GB):"
    )
    print(
        "   tasks     rows        open     load  history  fit    simulate  total   CPU s  s/1k tasks  peak MB  load avg"
    )
    for r in scale([int(s) for s in sizes.split(",")]):
        print(
            f"   {r['tasks']:<9d} {r['rows']:<11d} {r['open']:<8d} {r['load']:5.1f}  {r['history']:6.1f}  "
            f"{r['fit']:5.1f}  {r['simulate']:7.1f}  {r['total']:6.1f}  {r['cpu']:6.1f}  "
            f"{1000 * r['total'] / r['tasks']:9.3f}  "
            f"{r['peak_mb']:7.0f}  {r['load_avg']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="portfolio sizes of benchmark 5")
    parser.add_argument("--no-report", action="store_true", help="skip benchmark 6 (the full report)")
    parser.add_argument("--scale-only", action="store_true", help="run benchmark 5 (the portfolio sizes) alone")
    args = parser.parse_args()
    print(f"machine: {__import__('os').cpu_count()} cores; load average at start {load()}")
    if args.scale_only:
        print_scale(args.sizes)
        return
    print("1. bundled sample, fit + 10,000 simulations in-process, best of 3:")
    for name in ("hazard", "boosting"):
        r = in_process(name=name)
        print(f"   {name}: fit {r['fit']:.2f} s + simulate {r['simulate']:.2f} s = {r['total']:.2f} s  [load {load()}]")
    print("2. forecast predict --json end to end vs `python -c 'import forecast'` + the fit (goal: within 1.5x):")
    with tempfile.TemporaryDirectory() as tmp:
        e = end_to_end(Path(tmp))
    print(
        f"   predict, cache off: {e['cold']:.2f} s = {e['ratio']:.2f}x (`import forecast` {e['import']:.2f} s + fit "
        f"{e['fit']:.2f} s; the package is lazy, so this import loads no pandas)"
    )
    print(
        f"   = {e['ratio_libraries']:.2f}x (`import forecast.engine.predict, forecast.models.hazard`, the libraries "
        f"predict needs, {e['libraries']:.2f} s, + fit); with the fit cached {e['warm']:.2f} s  [load {load()}]"
    )
    print(
        f"   = {e['ratio_combined']:.2f}x `import forecast` + the combined headline's fit ({e['combined_fit']:.2f} s: "
        f"its components' fits and the stacking backtest, in a fresh process)  [load {load()}]"
    )
    (cold_lo, cold_hi), (fit_lo, fit_hi) = e["spread"]["cold"], e["spread"]["combined_fit"]
    print(f"   over the rounds: predict {cold_lo:.2f}-{cold_hi:.2f} s, the combined fit {fit_lo:.2f}-{fit_hi:.2f} s")
    print(
        f"   = {e['ratio_combined_libraries']:.2f}x importing what the combined predict needs "
        f"({e['combined_libraries']:.2f} s: {', '.join(COMBINED_MODULES)}) + that fit  [load {load()}]"
    )
    print("3. Monte Carlo vs raw numpy Bernoulli of the same size, same run (goal: within 1.5x):")
    m = monte_carlo_ratio()
    print(
        f"   {m['tasks']} tasks x {m['sims']} runs: ours {m['ours']:.3f} s, raw {m['raw_bernoulli']:.3f} s, "
        f"ratio {m['ratio']:.2f}x; the draws alone (2 uniforms per task-run, {m['parameters']} normals per run) "
        f"{m['floor']:.3f} s = {m['floor_ratio']:.2f}x  [load {load()}]"
    )
    print("4. full backtest on the bundled sample, every model, 2,000 runs per forecast (goal cold < 5 s):")
    with tempfile.TemporaryDirectory() as tmp:
        b = backtests(Path(tmp))
    print(
        f"   cold {b['cold']:.1f} s wall, {b['cold_cpu']:.1f} s CPU on {b['jobs']} processes; on one "
        f"{b['one']:.1f} s wall, {b['one_cpu']:.1f} s CPU ({b['cutoffs']} cutoffs); the week after "
        f"{b['week_after']:.1f} s ({b['computed']} (cutoff, model) computed); all cached {b['cached']:.1f} s "
        f"({b['hits']} hits)  [load {load()}]"
    )
    print_scale(args.sizes)
    if not args.no_report:
        print("6. full report on the bundled data:")
        report.main([])
        report.main(["--week-after"])
        print(f"   [load {load()}]")


if __name__ == "__main__":
    main()
