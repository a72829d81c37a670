"""Benchmarks of the forecast (``make bench``): every figure of ``docs/performance.md``, which this writes (generated:
date, commit, and the machine's load average with each figure; the machine is shared, and a figure without its load
means little). ``--steps`` runs some of them; the page then says which were not run, and never keeps an earlier
run's figures.

Timings are best-of-N and, where two things are compared, interleaved (A, B, A, B, ...), so a burst of other work
hits both alike; the best run is the one least disturbed.

The goals (``bench/performance.py``; the exit status is 1 when a measured one is missed):

* the explorer: from a lever moved to the numbers, at most 0.5 s (``bench/explorer.py``'s ``measure()``, when it
  exists, is called: the hook for its benchmark);
* ``report``: the week-after report at most 4x ``forecast predict`` cold, both measured in this run;
* ``scale``: 1,000,000 tasks x 52 weekly snapshots, load + history + fit + forecast in < 3 min and < 8 GB (a guard).

The other steps give figures, no goals:

* ``in-process``: fit + 10,000 simulations on the bundled sample, hazard and boosting;
* ``predict``: ``forecast predict --json`` end to end (cache off, and with the fits cached) beside ``import forecast``
  and the fits, each round in a fresh process;
* ``monte-carlo``: the simulation against a raw numpy Bernoulli draw of the same size;
* ``backtest``: the full backtest, cold on every core and on one, the week after, all cached;
* ``validate``: ``forecast validate`` on million-row exports (``bench/validate.py``).

``--sizes 10000,100000`` skips the million in ``scale``.
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
import importlib.util

import performance
import report
import validate
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


def _baseline() -> dict:
    """params/baseline.yaml's values, its relative paths made absolute (for a copy in a temporary folder)."""
    values = yaml.safe_load((paths.PARAMS_DIR / "baseline.yaml").read_text(encoding="utf-8")) or {}
    return report.absolute_paths(values, paths.PARAMS_DIR)


def _wall(cmd: list[str]) -> float:
    s = time.perf_counter()
    done = subprocess.run(cmd, check=False, capture_output=True, cwd=ROOT, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
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
    base = _baseline()
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
    out["rounds"] = runs
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


def print_scale(sizes: str) -> list[dict]:
    """The portfolio sizes, one fresh process each; the goal is the million's."""
    print(
        "scale: load + history + fit + forecast (10,000 runs), 52 weekly Parquet snapshots "
        "(guard for 1M: < 3 min, < 8 GB):"
    )
    print(
        "   tasks     rows        open     load  history  fit    simulate  total   CPU s  s/1k tasks  peak MB  load avg"
    )
    rows = []
    for n in [int(s) for s in sizes.split(",")]:
        r = scale([n])[0]
        rows.append(r)
        print(
            f"   {r['tasks']:<9d} {r['rows']:<11d} {r['open']:<8d} {r['load']:5.1f}  {r['history']:6.1f}  "
            f"{r['fit']:5.1f}  {r['simulate']:7.1f}  {r['total']:6.1f}  {r['cpu']:6.1f}  "
            f"{1000 * r['total'] / r['tasks']:9.3f}  "
            f"{r['peak_mb']:7.0f}  {r['load_avg']}"
        )
    return rows


def predict_cold(folder: Path) -> float:
    """``forecast predict --json`` with the bundled params, cache off, in a fresh process: wall seconds."""
    cold = folder / "predict-cold.yaml"
    cold.write_text(yaml.safe_dump({**_baseline(), "cache": False}), encoding="utf-8")
    return _wall([sys.executable, "-m", "forecast.cli", "predict", "--json", "--params", str(cold)])


def reports() -> dict:
    """A cold report, then the week after, with ``forecast predict`` cold before and after them (its best is the
    goal's denominator: both measured in this run, on the same machine in the same minutes)."""
    with tempfile.TemporaryDirectory() as tmp:
        rounds = [predict_cold(Path(tmp))]
        print(f"   forecast predict --json, cold: {rounds[-1]:.1f} s  [load {load()}]")
        start = load()
        _, cold = report.timed_run("cold (empty cache)", *_cold_report(Path(tmp)))
        (_, before), (_, after) = report.week_after(
            paths.PARAMS_DIR / "baseline.yaml", _folder(Path(tmp) / "week"), None
        )
        rounds.append(predict_cold(Path(tmp)))
        print(f"   forecast predict --json, cold: {rounds[-1]:.1f} s  [load {load()}]")
    out = {"cold": cold, "week_before": before, "week_after": after, "predict_rounds": rounds}
    out["predict_cold"] = min(rounds)
    out["load"] = f"{start} at the start, {load()} at the end"
    ratio = after["wall"] / out["predict_cold"]
    print(
        f"   the week after {after['wall']:.1f} s = {ratio:.2f}x predict cold {out['predict_cold']:.1f} s (goal <= 4x)"
    )
    return out


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _cold_report(folder: Path) -> tuple[Path, Path]:
    _folder(folder / "cold")
    return report.bench_params(paths.PARAMS_DIR / "baseline.yaml", folder / "cold"), folder / "cold" / "reports"


def explorer() -> dict | None:
    """The hook for the explorer's benchmark: ``bench/explorer.py``'s ``measure()`` -> ``{"seconds": ...}``."""
    path = Path(__file__).resolve().parent / "explorer.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("explorer", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {**module.measure(), "load": load()}


STEPS = ("explorer", "report", "in-process", "predict", "monte-carlo", "backtest", "scale", "validate")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="portfolio sizes of the scale step")
    parser.add_argument("--out", type=Path, default=performance.PAGE, help="the generated page (docs/performance.md)")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    args = parser.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; the steps are {', '.join(STEPS)}")
    started, start_load = time.perf_counter(), load()
    results: dict = {}
    print(f"machine: {__import__('os').cpu_count()} cores; load average at start {start_load}")
    if "explorer" in steps:
        results["explorer"] = explorer()
        print(f"explorer: {results['explorer'] or 'no bench/explorer.py yet'}")
    if "report" in steps:
        print("report: a cold report, then the week after, against forecast predict cold (goal: <= 4x):")
        results["week_after"] = reports()
    if "in-process" in steps:
        print("in-process: bundled sample, fit + 10,000 simulations, best of 3:")
        results["in_process"] = {}
        for name in ("hazard", "boosting"):
            r = in_process(name=name)
            results["in_process"][name] = {**r, "load": load()}
            print(
                f"   {name}: fit {r['fit']:.2f} s + simulate {r['simulate']:.2f} s = {r['total']:.2f} s [load {load()}]"
            )
    if "predict" in steps:
        print("predict: forecast predict --json end to end vs `python -c 'import forecast'` + the fit:")
        with tempfile.TemporaryDirectory() as tmp:
            e = end_to_end(Path(tmp))
        results["predict"] = {**e, "load": load()}
        print(
            f"   cold {e['cold']:.2f} s, warm {e['warm']:.2f} s; import {e['import']:.2f} s; fit {e['fit']:.2f} s; "
            f"combined fit {e['combined_fit']:.2f} s: {e['ratio_combined']:.2f}x  [load {load()}]"
        )
    if "monte-carlo" in steps:
        m = monte_carlo_ratio()
        results["monte_carlo"] = {**m, "load": load()}
        print(
            f"monte-carlo: {m['tasks']} tasks x {m['sims']} runs: ours {m['ours']:.3f} s, "
            f"raw {m['raw_bernoulli']:.3f} s, "
            f"ratio {m['ratio']:.2f}x; the draws alone {m['floor']:.3f} s = {m['floor_ratio']:.2f}x  [load {load()}]"
        )
    if "backtest" in steps:
        with tempfile.TemporaryDirectory() as tmp:
            b = backtests(Path(tmp))
        results["backtest"] = {**b, "load": load()}
        print(
            f"backtest: cold {b['cold']:.1f} s wall, {b['cold_cpu']:.1f} s CPU on {b['jobs']} processes; on one "
            f"{b['one']:.1f} s; the week after {b['week_after']:.1f} s; all cached {b['cached']:.1f} s  [load {load()}]"
        )
    if "scale" in steps:
        results["scale"] = print_scale(args.sizes)
    if "validate" in steps:
        print("validate:")
        results["validate"] = validate.measure_all()
    results["meta"] = {
        "arguments": " ".join(sys.argv[1:]) or "(every step)",
        "date": performance.now(),
        "commit": performance.git_facts(),
        "load_start": start_load,
        "load_end": load(),
        "minutes": (time.perf_counter() - started) / 60,
    }
    if not args.no_write:
        print(f"wrote {performance.write(results, args.out)}")
    missed = [goal for goal, _, _, met in performance.goals(results) if met is False]
    for goal in missed:
        print(f"goal missed: {goal}")
    failed = [r["label"] for r in results.get("validate", []) if not r["ok"]]
    failed += [
        k
        for k, v in (results.get("week_after") or {}).items()
        if isinstance(v, dict) and v.get("status") not in (None, "ok")
    ]
    for what in failed:
        print(f"failed: {what}")
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main())
