"""The README's headline and scenario figures are what the current code prints for the bundled sample (#25): a
figure a reader acts on is never a stale one. The docs pages count as the README's (docs/*.md): a figure moved
there stays checked, and every copy of a checked figure is checked, wherever it is."""

from __future__ import annotations

import json
import re

import pytest

from forecast import paths
from forecast.cli import main

pytestmark = pytest.mark.slow
PARAMS = str(paths.PARAMS_DIR / "baseline.yaml")


def _docs() -> str:
    return "\n".join(_pages().values())


def _run(capsys, *args: str) -> str:
    assert main([*args, "--params", PARAMS]) == 0
    return capsys.readouterr().out


def _pages() -> dict[str, str]:
    pages = [paths.PROJECT_DIR / "README.md", *sorted((paths.PROJECT_DIR / "docs").glob("*.md"))]
    return {p.name: p.read_text(encoding="utf-8") for p in pages}


def _rows(text: str, start: str) -> list[list[str]]:
    """The cells of every table row of ``text`` that starts with ``start``."""
    return [
        [c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines() if line.startswith(start)
    ]


def test_the_readme_headline_is_what_predict_prints(capsys):
    text = _docs()
    said = _run(capsys, "predict").splitlines()[2]  # the headline sentence, after the banner and the model line
    quoted = re.findall(r'The headline says: "([^"]*)"', " ".join(text.split()))
    assert said.startswith("About ") and quoted, "no page quotes the headline"
    assert all(q == said.removesuffix(".") for q in quoted), quoted  # every page that quotes it, the README first
    assert 'The headline says: "' in " ".join(_pages()["README.md"].split())
    result = json.loads(_run(capsys, "predict", "--json"))
    s, ye, split = result["slip"], result["year_end"], result["split"]
    assert f'"slip": {{"mean": {s["mean"]}, "p10": {s["p10"]}, "p50": {s["p50"]}, "p90": {s["p90"]}}}' in text
    head = f"**{s['mean']:.1f}** | **{s['p10']} – {s['p90']}** | {split['completed']['mean']:.1f} | "
    head += f"{split['moved']['mean']:.1f} |"
    assert f"| **the headline** | | {head}" in text
    yes, no = ye["year_end"], ye["autumn"]
    for weight, part in ((ye["weight"], yes), (1 - ye["weight"], no)):
        figures = f"{part['mean']:.1f} | {part['p10']} – {part['p90']} |"
        moved = f" {part['split']['completed']['mean']:.1f} | {part['split']['moved']['mean']:.1f} |"
        assert f"| {weight:.2f} | {figures}{moved}" in text, figures
    # the components: weight, mean and 80 % interval of each, as `predict` prints them
    names = {"published": "published figures"}
    for c in result["components"]:
        rows = _rows(text, f"| {names.get(c['model'], c['model'])} (")
        assert len(rows) == 1, c["model"]
        assert f"{c['weight']:.2f})" in rows[0][0], (c["model"], rows[0])
        assert rows[0][2:4] == [f"{c['mean']:.1f}", f"{c['p10']:.0f} – {c['p90']:.0f}"], (c["model"], rows[0])
    # the JSON excerpt's first agency, and the README's table of the agencies with most expected slips
    first = result["by_agency"][0]
    assert json.dumps(first, ensure_ascii=False).removesuffix("}") in text
    readme = _pages()["README.md"]
    table = readme.split("| agency | open tasks | expected slips | 80 % interval |", 1)[1].split("\n\n", 1)[0]
    shown = _rows(table.strip(), "| ")[1:]  # after the rule
    assert len(shown) == 5
    assert shown == [
        [a["agency"], str(a["open"]), f"{a['slip_mean']:.1f}", f"{a['slip_p10']} – {a['slip_p90']}"]
        for a in result["by_agency"][:5]
    ]


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


def test_the_readme_opening_figures_are_the_published_ones():
    """1,287 assigned, 601 done, 404 in progress (368 due by 31 Dec), 104 overdue, 178 regular, 472 to finish: the
    4 Dec 2025 figures of data/published/figures.csv, as the README's first paragraph states them."""
    from forecast.data.published import load_published

    figures = load_published()
    day = figures[(figures["date"] == "2025-12-04") & (figures["scope"] == "all")]
    value = dict(zip(day["metric"], day["value"], strict=True))
    opening = " ".join(_pages()["README.md"].split("\n## ", 1)[0].split())
    expected = (
        f"had assigned {value['assigned']:,.0f} tasks: {value['completed']:.0f} done, {value['in_progress']:.0f} in "
        f"progress on schedule ({value['in_progress_due_by_year_end']:.0f} of them due by 31 Dec), "
        f"{value['overdue']:.0f} overdue, {value['regular']:.0f} regular"
    )
    assert expected in opening, expected
    assert f"So **{value['to_finish_by_year_end']:.0f} tasks** had to be finished" in opening


def test_the_readme_explorer_latency_is_what_the_bench_last_measured():
    """The explorer's latency in the README is the generated performance page's (``make bench`` writes
    docs/performance.md): the fastest and the slowest lever's medians, the goal met or not, and the load then."""
    readme = (paths.PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    said = readme.split("## The planner's explorer", 1)[1].split("\n## ", 1)[0]
    page = (paths.PROJECT_DIR / "docs" / "performance.md").read_text(encoding="utf-8")
    section = page.split("## The explorer", 1)[1].split("\n## ", 1)[0]
    medians = {row[0]: row[1] for row in _rows(section, "| ") if re.fullmatch(r"\d+\.\d\d", row[1])}
    levers = {kind: float(m) for kind, m in medians.items() if not kind.startswith("the page")}
    assert len(levers) == 6
    low, high = min(levers.values()), max(levers.values())
    assert f"{low:.2f}–{high:.2f} s" in said
    page_median = [float(m) for kind, m in medians.items() if kind.startswith("the page")]
    assert page_median and f"charts in {page_median[0]:.2f} s" in said
    assert ("under the 0.5 s goal" in said) == (high <= 0.5) and ("over the 0.5 s goal" in said) == (high > 0.5)
    before, after = re.search(r"Load average (\S+) \S+ \S+ before, (\S+) \S+ \S+ after", section).groups()
    assert f"load {before} before, {after} after" in said
