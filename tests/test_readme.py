"""The README's headline and scenario figures are what the current code prints for the bundled sample (#25): a
figure a reader acts on is never a stale one. The docs pages count as the README's (docs/*.md)."""

from __future__ import annotations

import json

import pytest

from forecast import paths
from forecast.cli import main

pytestmark = pytest.mark.slow
PARAMS = str(paths.PARAMS_DIR / "baseline.yaml")


def _docs() -> str:
    pages = [paths.PROJECT_DIR / "README.md", *sorted((paths.PROJECT_DIR / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def _run(capsys, *args: str) -> str:
    assert main([*args, "--params", PARAMS]) == 0
    return capsys.readouterr().out


def test_the_readme_headline_is_what_predict_prints(capsys):
    text = _docs()
    said = _run(capsys, "predict").splitlines()[2]  # the headline sentence, after the banner and the model line
    assert said.startswith("About ") and f'The headline says: "{said.removesuffix(".")}"' in " ".join(text.split())
    result = json.loads(_run(capsys, "predict", "--json"))
    s, ye = result["slip"], result["year_end"]
    assert f'"slip": {{"mean": {s["mean"]}, "p10": {s["p10"]}, "p50": {s["p50"]}, "p90": {s["p90"]}}}' in text
    assert f"| **the headline** | | **{s['mean']:.1f}** | **{s['p10']} – {s['p90']}** |" in text
    yes, no = ye["year_end"], ye["autumn"]
    assert f"| {ye['weight']:.2f} | {yes['mean']:.1f} | {yes['p10']} – {yes['p90']} |" in text
    assert f"| {1 - ye['weight']:.2f} | {no['mean']:.1f} | {no['p10']} – {no['p90']} |" in text


def test_the_readme_scenario_table_is_what_scenario_prints(capsys):
    text = _docs()
    result = json.loads(_run(capsys, "scenario", "--json"))
    b = result["baseline"]["slip"]
    assert f"| baseline | {result['baseline']['open_tasks']} | {b['mean']:.1f} ({b['p10']}–{b['p90']}) | |" in text
    for s in result["scenarios"]:
        d, slip = s["difference"], s["slip"]
        file = s["file"].rsplit("/", 1)[-1]
        row = [line for line in text.splitlines() if f"(`{file}`)" in line]
        assert len(row) == 1, file
        cells = [c.strip() for c in row[0].strip("|").split("|")]
        sign = lambda v: f"{v:+}".replace("-", "−")  # noqa: E731 - the README's minus sign
        assert cells[1:] == [
            str(s["open_tasks"]),
            f"{slip['mean']:.1f} ({slip['p10']}–{slip['p90']})",
            f"{sign(round(d['mean'], 1))} ({sign(d['p10'])} to {sign(d['p90'])})",
        ], file
