"""Report runs end to end: real papermill executions of the kit's notebooks and of deliberately bad ones."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from forecast import paths
from forecast.cli import main
from forecast.data import schema
from forecast.data.question import SYNTHETIC_WARNING
from forecast.report.html import offline_problems
from forecast.report.index import load_runs, trend_points
from forecast.report.run import interactive, run_report
from forecast.scenarios.levers import load_scenario
from tests.report_helpers import (
    FORMULA_TITLES,
    record,
    run_folders,
    write_notebook,
    write_params,
    write_portfolio,
)

EXAMPLES = sorted(paths.SCENARIOS_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    """The small portfolio, its agencies folded into the four the example scenarios name: every run of the kit's
    notebooks makes four agency pages, not two dozen (what is asserted of them holds for every page)."""
    return write_portfolio(tmp_path_factory.mktemp("portfolio"))


@pytest.fixture(scope="module")
def bare(tmp_path_factory, portfolio) -> Path:
    """The portfolio's exports with the required columns only: no optional column, no extra one (#9)."""
    folder = tmp_path_factory.mktemp("bare")
    for path in sorted(portfolio.glob("*.csv")):
        pd.read_csv(path, dtype=str)[list(schema.REQUIRED)].to_csv(folder / path.name, index=False)
    return folder


@pytest.fixture(scope="module")
def kit_run(tmp_path_factory, portfolio, bare):
    """Two runs of the kit's own notebooks into one folder, which the tests below share (each run costs a kernel
    start, the run's forecast and every page):

    * last week's, as of 27 Nov, one page at a time, on the exports without their optional columns (``bare``);
    * this week's, as of 4 Dec, two pages at a time, on the full exports, with the example scenarios."""
    tmp = tmp_path_factory.mktemp("kit_run")
    earlier = run_report(
        write_params(tmp / "early.yaml", bare, as_of="2025-11-27"),
        tmp / "reports",
        echo=lambda _: None,
    )
    assert earlier.status == "ok", earlier.message
    params = write_params(tmp / "test.yaml", portfolio, jobs=2, scenarios=[str(p) for p in EXAMPLES])
    lines: list[str] = []
    cwd = Path.cwd()
    os.chdir(tmp)  # `--out reports`, relative, as `make report` gives it: the pages run in the notebooks' folder
    try:
        result = run_report(params, Path("reports"), echo=lines.append)
    finally:
        os.chdir(cwd)
    return dataclasses.replace(result, folder=tmp / result.folder), lines, earlier


@pytest.mark.report
def test_the_kits_notebooks_run_into_a_run_folder(kit_run):
    result, lines, _ = kit_run
    assert result.status == "ok", result.message
    rec = record(result.folder)
    kit_notebooks = sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("*.ipynb") if not interactive(p))
    assert [nb["name"] for nb in rec["notebooks"]] == kit_notebooks
    for nb in rec["notebooks"]:
        assert nb["status"] == "ok"
        assert (result.folder / nb["html"]).is_file() and (result.folder / nb["notebook"]).is_file()
    assert result.folder.name.endswith("_test") and result.folder.parent.name == "reports"
    assert rec["parameters"]["as_of"] == "2025-12-04" and rec["parameters"]["sims"] == 200
    assert "source" not in rec["parameters"]
    assert len(rec["data_fingerprint"]) == 16 and rec["package_version"] and rec["started"] < rec["finished"]
    assert rec["headline"]["as_of"] == "2025-12-04" and rec["headline"]["synthetic"] is True
    assert rec["headline"]["open_tasks"] > 0
    assert any("run ok" in line for line in lines)
    # not on a terminal (cron, CI, this test), the log has a line per stage of the run's forecast and per page (#25)
    stages = [line for line in lines if line.startswith("the run's forecast: ")]
    assert stages[:2] == [  # the combined forecast: the models pooled, then the scenarios moved through it
        "the run's forecast: the models, pooled (the stacking backtest from the cache where it can)",
        f"the run's forecast: {len(EXAMPLES)} planner scenario(s)",
    ]
    assert any(re.fullmatch(r"the run's forecast: done in \d+\.\d s", line) for line in stages)
    pages = [line for line in lines if line.startswith("page ")]
    total = len(rec["notebooks"]) + len(rec["agency_pages"])
    assert len(pages) == total and pages[-1].startswith(f"page {total} of {total}: ")
    assert any(re.fullmatch(r"page \d+ of \d+: 00_summary ok in \d+\.\d s", line) for line in pages)
    # the run log and run.json say what the run's forecast found in the cache (#14): fits and backtest cutoffs
    [cache] = rec["cache"]
    assert f"the run's forecast: {cache}" in lines
    found = re.fullmatch(r"cache (.+): (\d+) hits?, (\d+) miss(?:es)?", cache)
    assert found and Path(found[1]) == Path(os.environ["FORECAST_CACHE"]) and int(found[2]) + int(found[3]) > 3


@pytest.mark.report
def test_reports_are_offline_and_code_is_hidden(kit_run):
    result, _, _ = kit_run
    pages = [*result.folder.glob("*.html"), result.folder.parent / "index.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert offline_problems(html) == [], page.name
        assert 'src="http' not in html and "src='http" not in html and 'href="http' not in html, page.name
        assert "<script" not in html.lower(), page.name
    data = (result.folder / "01_data.html").read_text(encoding="utf-8")
    assert data.count("<svg") >= 2  # burn-up and published-vs-task-level charts, inline
    assert SYNTHETIC_WARNING in data
    assert "use_offline_renderer()" not in data and "notebook_params(globals())" not in data  # inputs hidden


@pytest.mark.report
def test_a_script_in_a_task_title_is_shown_as_text(kit_run):
    result, _, _ = kit_run
    data = (result.folder / "01_data.html").read_text(encoding="utf-8")
    assert "HOSTILE-1" in data
    assert "&lt;script&gt;document.documentElement.setAttribute" in data
    assert 'data-pwned", "yes")</script>' not in data


@pytest.mark.report
def test_the_index_lists_the_run_with_its_headline(kit_run):
    result, _, _ = kit_run
    index = (result.folder.parent / "index.html").read_text(encoding="utf-8")
    rec = record(result.folder)
    assert f'href="{result.folder.name}/01_data.html"' in index
    assert f'<td class="num">{rec["headline"]["open_tasks"]}</td>' in index
    assert "<svg" in index


def _snapshot_counts(portfolio: Path, when: str) -> dict[str, int]:
    """Tasks assigned and completed in one export, counted straight from the CSV file."""
    frame = pd.read_csv(portfolio / f"snapshot_{when}.csv")
    return {"assigned": len(frame), "completed": int(frame["status"].str.startswith("completed").sum())}


@pytest.mark.report
def test_two_runs_give_the_right_trend_and_change_since_last_run(kit_run, portfolio):
    result, _, earlier = kit_run
    now, before = record(result.folder), record(earlier.folder)
    for rec, when in ((before, "2025-11-27"), (now, "2025-12-04")):
        assert rec["headline"]["as_of"] == when
        tasks = rec["summary"]["tasks"]
        assert {k: tasks[k] for k in ("assigned", "completed")} == _snapshot_counts(portfolio, when)
        assert tasks["open_due"] == rec["headline"]["open_tasks"]
    out = result.folder.parent
    points = trend_points(load_runs(out))
    base = points.loc[points["series"] == "test"].sort_values("as_of")
    assert base["as_of"].dt.strftime("%Y-%m-%d").tolist() == ["2025-11-27", "2025-12-04"]
    assert base["mean"].tolist() == [before["headline"]["slip_mean"], now["headline"]["slip_mean"]]
    completed = now["summary"]["tasks"]["completed"] - before["summary"]["tasks"]["completed"]
    slips = now["headline"]["slip_mean"] - before["headline"]["slip_mean"]
    said = (
        f"Since the run as of 27 Nov 2025: expected slips {slips:+.1f} ({before['headline']['slip_mean']:,.1f} → "
        f"{now['headline']['slip_mean']:,.1f}); {completed:+,} tasks completed;"
    )
    index = (out / "index.html").read_text(encoding="utf-8")
    assert said in index and "data as of 4 Dec 2025" in index
    summary = (result.folder / "00_summary.html").read_text(encoding="utf-8")
    assert said in summary  # the summary page says the same as the index
    first = (earlier.folder / "00_summary.html").read_text(encoding="utf-8")
    assert "No earlier run of this scenario to compare with" in first


@pytest.mark.report
def test_every_page_has_navigation_and_every_run_folder_has_the_downloads(kit_run):
    result, _, earlier = kit_run
    for folder in (result.folder, earlier.folder):
        rec = record(folder)
        assert {"early_warning.xlsx", "early_warning.csv", "by_agency.csv", "scenarios.csv"} <= set(rec["downloads"])
        for name in rec["downloads"]:
            assert (folder / name).is_file()
        pages = sorted(folder.glob("*.html"))
        assert len(pages) == len(rec["notebooks"]) + len(rec["agency_pages"])
        for page in pages:
            html = page.read_text(encoding="utf-8")
            nav = html[html.index('<nav class="kit-nav"') : html.index("</nav>")]
            assert 'href="../index.html"' in nav
            assert page.name.startswith("agency_") or f'href="{page.name}" aria-current="page"' in nav
            for href in re.findall(r'href="([^"#]+)', nav):
                assert href == "../index.html" or (folder / href).is_file(), (page.name, href)
            for name in rec["downloads"]:
                assert f'href="{name}"' in nav
        assert not (folder / ".run-data.pickle").exists()  # the shared forecast is not left behind
    rec = record(result.folder)
    assert "backtest.csv" in rec["downloads"]
    open_agencies = {s["agency"] for s in rec["agency_pages"]}
    assert open_agencies == {a["agency"] for a in rec["summary"]["agencies"] if a["open_due"] > 0}
    assert all(s["status"] == "ok" and (result.folder / s["html"]).is_file() for s in rec["agency_pages"])
    summary = (result.folder / "00_summary.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="(agency_[^"]+\.html)"', summary))
    assert linked == {s["html"] for s in rec["agency_pages"]}  # every agency name links to its page
    pages = len(rec["agency_pages"])
    assert f">Agency pages ({pages})<" in summary and 'href="00_summary.html#Every-agency"' in summary
    everyone = len(rec["summary"]["agencies"])  # the summary's list says what it counts (#25)
    assert f"All {everyone} agencies with tasks in the as-of snapshot; the {pages} with open tasks due" in summary
    forecast = (result.folder / "03_forecast.html").read_text(encoding="utf-8")
    assert re.search(r'href="agency_[^"]+\.html"', forecast)  # from the other pages too
    assert '<nav class="kit-contents"' in forecast and 'href="#Early-warning:-the-tasks-most-at-risk"' in forecast


@pytest.mark.report
def test_the_early_warning_workbook_is_spreadsheet_safe_and_says_which_run_it_came_from(kit_run):
    from openpyxl import load_workbook

    result, _, _ = kit_run
    rec = record(result.folder)
    book = load_workbook(result.folder / "early_warning.xlsx")
    assert book.sheetnames == ["Early warning", "README"]
    sheet = book["Early warning"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == rec["headline"]["open_tasks"]
    assert header == (
        "task", "agency", "deadline", "status", "source", "title", "P(slip)", "P(slip) at twice the pace",
        "P(slip) lower by (points)",
    )  # fmt: skip
    assert {row[3] for row in body} <= {"in progress", "overdue"} and sheet["G2"].number_format == "0%"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:I{len(body) + 1}"
    text = [v for row in body for v in row if isinstance(v, str)]
    assert not [v for v in text if v.startswith(("=", "+", "-", "@"))]
    titles = [row[header.index("title")] for row in body]
    for title in FORMULA_TITLES:  # each one is there, as the text it is
        assert "'" + title in titles
    about = {row[0]: row[1] for row in book["README"].iter_rows(values_only=True) if row[0]}
    assert about["run"] == result.folder.name and about["data as of"] == "2025-12-04"
    assert rec["data_fingerprint"] in about["data"] and "SYNTHETIC" in about["data"]
    csv = (result.folder / "early_warning.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK" in csv and b"\r\n" in csv
    agencies = pd.read_csv(result.folder / "by_agency.csv")  # rounded as the pages are: no float noise
    assert (agencies["slip_mean"] == agencies["slip_mean"].round(1)).all()
    decimals = re.findall(r"\d\.(\d+)", (result.folder / "by_agency.csv").read_text(encoding="utf-8-sig"))
    assert decimals and max(map(len, decimals)) <= 2


@pytest.mark.report
def test_a_report_runs_on_exports_with_no_optional_column(kit_run, bare):
    """Every notebook and the agency template (last week's run, on the required columns only: #9)."""
    _, _, earlier = kit_run
    for path in bare.glob("*.csv"):
        assert path.read_text(encoding="utf-8").splitlines()[0].split(",") == list(schema.REQUIRED), path.name
    rec = earlier.record
    assert rec["parameters"]["snapshots"] == str(bare)
    assert [nb["name"] for nb in rec["notebooks"]] == sorted(
        p.stem for p in paths.NOTEBOOKS_DIR.glob("*.ipynb") if not interactive(p)
    )
    assert all(nb["status"] == "ok" and nb["html"] for nb in rec["notebooks"])
    assert rec["headline"]["open_tasks"] > 20
    pages = {s["agency"]: s["status"] for s in rec["agency_pages"]}
    assert pages == {a["agency"]: "ok" for a in rec["summary"]["agencies"] if a["open_due"] > 0}
    assert len(pages) == 4
    backtest = (earlier.folder / "05_backtest.html").read_text(encoding="utf-8")
    assert "cutoffs</strong>" in backtest and "No backtest yet." not in backtest  # a backtest, not its absence


@pytest.mark.report
def test_the_scenarios_notebook_reports_the_example_scenarios(kit_run):
    result, _, earlier = kit_run
    assert record(result.folder)["parameters"]["scenarios"] == [str(p) for p in EXAMPLES]
    html = (result.folder / "04_scenarios.html").read_text(encoding="utf-8")
    assert offline_problems(html) == [] and "<script" not in html.lower()
    assert html.count("<svg") >= 3
    names = [load_scenario(path).name for path in EXAMPLES]
    assert all(name in html for name in names)
    last_week = (earlier.folder / "04_scenarios.html").read_text(encoding="utf-8")  # a run without scenarios
    assert not any(name in last_week for name in names)


@pytest.mark.report
def test_a_same_week_rerun_with_overrides_says_it_is_a_rerun(kit_run, portfolio, tmp_path, capsys):
    """#25: a second run on this week's data said "No earlier run of this scenario to compare with" and the index
    listed two identical rows. Here last week's params file is rerun on this week's data with ``-p`` overrides (the
    summary page alone, into a copy of the shared reports folder)."""
    result, _, earlier = kit_run
    out = tmp_path / "reports"
    shutil.copytree(result.folder.parent, out)
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    shutil.copy(paths.NOTEBOOKS_DIR / "00_summary.ipynb", notebooks)
    early = earlier.record["params_file"]
    args = ["report", "--params", early, "--out", str(out), "--notebooks", str(notebooks)]
    overrides = ["-p", "as_of=2025-12-04", "-p", f"snapshots={portfolio}", "-p", "jobs=1"]
    assert main([*args, *overrides]) == 0, capsys.readouterr().err
    [rerun] = [p for p in run_folders(out) if p.name not in {result.folder.name, earlier.folder.name}]
    rec = record(rerun)
    assert rec["overrides"] == {"as_of": "2025-12-04", "snapshots": str(portfolio), "jobs": 1}
    assert rec["parameters"]["as_of"] == "2025-12-04" and rec["parameters"]["sims"] == 200  # the rest: the file's
    when = pd.Timestamp(result.record["started"].removesuffix("Z"))
    said = f"This is a rerun of the run of {when:%-d %b %Y %H:%M} UTC, on data as of the same date (4 Dec 2025)."
    summary = (rerun / "00_summary.html").read_text(encoding="utf-8")
    assert said in summary and "Since the run as of 27 Nov 2025: expected slips" in summary
    assert "No earlier run" not in summary
    index = (out / "index.html").read_text(encoding="utf-8")
    row = re.search(rf"<tr><td>[^<]*<br><small>{rerun.name}</small>.*?</tr>", index, flags=re.S)
    assert row and f"a rerun of the run of {when:%-d %b %Y %H:%M} UTC" in row.group(0)
    log = capsys.readouterr().out  # the run's log: the stages and the one page
    assert "the run's forecast: the models, pooled" in log and "page 1 of 1: 00_summary ok in" in log


def test_bad_params_are_refused_before_anything_is_written(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("sims: 0\n", encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["report", "--params", str(params), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "'sims': 0 must be a whole number from 1 to 1,000,000" in err and "Traceback" not in err
    assert not out.exists()
    params.write_text("sims: 100\n", encoding="utf-8")
    assert main(["report", "--params", str(params), "--out", str(out), "-p", "simz=5"]) == 2  # -p checked as the file
    err = capsys.readouterr().err
    assert "-p: 'simz': unknown key; did you mean 'sims'?" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.report
def test_unusable_data_fails_the_run_with_the_data_problems(tmp_path, capsys):
    data = tmp_path / "exports"
    data.mkdir()
    (data / "s_2025-11-06.csv").write_text(
        "task_id,agency,deadline,status\nT1,Finance,2025-12-31,Maybe\n", encoding="utf-8"
    )
    params = write_params(tmp_path / "p.yaml", data)
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "01_x.ipynb", 'print("x")')
    out = tmp_path / "reports"
    assert main(["report", "--params", str(params), "--out", str(out), "--notebooks", str(nbs)]) == 2
    err = capsys.readouterr().err
    assert "the data cannot be used" in err and "s_2025-11-06.csv, row 2, column 'status'" in err
    [folder] = run_folders(out)
    rec = record(folder)
    assert rec["status"] == "failed" and rec["notebooks"][0]["status"] == "not run"
    assert rec["params_file"] == str(params.resolve())
    assert "the data cannot be used" in (out / "index.html").read_text(encoding="utf-8")


def test_a_folder_without_notebooks_is_an_error(tmp_path, portfolio, capsys):
    params = write_params(tmp_path / "p.yaml", portfolio)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", "--params", str(params), "--out", str(tmp_path / "r"), "--notebooks", str(empty)]) == 2
    assert f"no notebooks (*.ipynb) in {empty}" in capsys.readouterr().err


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with the network off (every host unresolvable, a dead proxy)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Chromium is missing: the browser test needs it (make test installs it with apt-get where it can)")
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _drawn_charts(html: str) -> int:
    """Charts the browser parsed into drawn SVG marks."""
    return len(re.findall(r'<div class="jp-RenderedSVG[^>]*>\s*<svg\b.*?role-mark', html, flags=re.S))


@pytest.mark.report
@pytest.mark.browser
def test_a_browser_offline_shows_the_charts_and_never_runs_data(kit_run, tmp_path):
    result, _, _ = kit_run
    page = (result.folder / "01_data.html").as_uri()
    dom = _chromium(tmp_path / "profile", "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert html.count('<div class="jp-RenderedSVG') >= 2
    assert html.count("<svg") >= 2 and "role-mark" in html and "<path" in html  # parsed into drawn SVG marks
    assert SYNTHETIC_WARNING in html
    assert "&lt;script&gt;document.documentElement.setAttribute" in html  # the title, as text
    assert "data-pwned" not in html.split("&lt;script&gt;")[0] and 'data-pwned="yes"' not in html  # never executed

    agency = record(result.folder)["agency_pages"][0]["html"]
    for name, charts in (("00_summary.html", 1), (agency, 2)):  # the exceedance curve; distribution and history
        shot = tmp_path / f"{name}.png"
        dom = _chromium(  # one browser start: the parsed page on stdout and its screenshot
            tmp_path / "profile",
            "--dump-dom",
            f"--screenshot={shot}",
            "--window-size=1280,2400",
            (result.folder / name).as_uri(),
        )
        assert dom.returncode == 0 and shot.is_file(), dom.stderr[-2000:]
        assert _drawn_charts(dom.stdout) >= charts, name
        assert 'class="kit-nav"' in dom.stdout and "<table" in dom.stdout
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000  # not a blank page
        print(f"screenshot: {shot}")

    index = _chromium(tmp_path / "profile", "--dump-dom", (result.folder.parent / "index.html").as_uri())
    assert "<svg" in index.stdout and result.folder.name in index.stdout


def test_a_broken_scenario_file_stops_the_run_before_it_starts(tmp_path, portfolio):
    from forecast.errors import ParamsError

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nlevers:\n  - lever: rate_multiplier\n    agency: all\n    multiplier: -2\n", encoding="utf-8"
    )
    params = write_params(tmp_path / "p.yaml", portfolio)
    params.write_text(params.read_text(encoding="utf-8") + f"scenarios: [{bad}]\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="multiplier"):
        run_report(params, tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


@pytest.mark.report
def test_too_little_history_gives_a_backtest_page_that_says_why(tmp_path):
    from forecast.sample import files as sample_files

    data = tmp_path / "data"
    sample_files.write_sample(data, tasks=200, start="2025-10-30")  # 6 weekly snapshots: no backtest cutoff
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    shutil.copy(paths.NOTEBOOKS_DIR / "05_backtest.ipynb", notebooks)
    params = write_params(tmp_path / "p.yaml", data)
    result = run_report(params, tmp_path / "reports", notebooks, echo=lambda _: None)
    assert result.status == "ok", result.message
    page = (result.folder / "05_backtest.html").read_text(encoding="utf-8")
    assert "No backtest yet." in page and "the data up to the as-of date has 6 snapshot(s)" in page
    assert SYNTHETIC_WARNING in page  # the cells before the backtest ran: the banner is there


def test_the_backtest_shortfall_in_words(bundled):
    from forecast.report.prerequisites import backtest_shortfall

    snaps, _ = bundled
    assert backtest_shortfall(snaps, 27) is None
    few = snaps.until(snaps.dates[7])  # 8 snapshots: none has 8 before it and one 27 days later
    assert "has 8 snapshot(s), 2025-03-06 to 2025-04-24" in backtest_shortfall(few, 27)
    assert backtest_shortfall(snaps.until(snaps.dates[11]), 27) is None  # 12: the 8th is a cutoff


# --- one forecast on every page (#25) --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def same_day_rerun(kit_run, tmp_path_factory):
    """This week's run again on the same day, into a copy of the shared reports folder: the kit's every page."""
    result, _, _ = kit_run
    out = tmp_path_factory.mktemp("rerun") / "reports"
    shutil.copytree(result.folder.parent, out)
    again = run_report(Path(result.record["params_file"]), out, echo=lambda _: None)
    assert again.status == "ok", again.message
    return again


def _dom(profile: Path, page: Path):
    """The page as headless Chromium parsed it."""
    from bs4 import BeautifulSoup

    dom = _chromium(profile, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    return BeautifulSoup(dom.stdout, "html.parser")


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-").replace("%", "").replace("+", "").strip())


def _table(soup, first: str, having: str = "") -> pd.DataFrame:
    """The page's first table whose first header is ``first`` (and with a header ``having``): its cells as text,
    headers as columns."""
    for t in soup.find_all("table"):
        heads = [th.get_text(" ", strip=True) for th in t.find_all("th")]
        if heads and heads[0] == first and (not having or having in heads):
            rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in t.find_all("tr")]
            return pd.DataFrame([r for r in rows if r], columns=heads[: len(rows[-1])])
    raise AssertionError(f"no table headed {first!r}")


@pytest.mark.report
@pytest.mark.browser
@pytest.mark.parametrize("which", ["last week", "this week", "same-day rerun"])
def test_a_reader_finds_one_forecast_on_every_page(kit_run, same_day_rerun, which, tmp_path, capsys):
    """#25, read off the pages in Chromium as a planner reads them: the headline's interval is the outcome table's,
    the agencies add up to the headline, and each scenario's effect on the index is its paired difference in
    ``forecast scenario --json`` (the same forecast: the combined one)."""
    result, _, earlier = kit_run
    run = {"last week": earlier, "this week": result, "same-day rerun": same_day_rerun}[which]
    profile = tmp_path / "profile"
    summary, page03 = _dom(profile, run.folder / "00_summary.html"), _dom(profile, run.folder / "03_forecast.html")
    rec = record(run.folder)
    mean, p10, p90 = (rec["headline"][k] for k in ("slip_mean", "slip_p10", "slip_p90"))

    # the headline's interval, in words on both pages, is the outcome table's and the headline table's
    for soup in (summary, page03):
        words = soup.find("h3").get_text(" ", strip=True)
        assert f"8 in 10 chance between {p10:,} and {p90:,}" in words and f"About {mean:,.0f} of the" in words
    outcome = _table(page03, "what happens to them").set_index("what happens to them")
    slipped = outcome.loc["slipped past the deadline"]
    assert (_number(slipped["tasks (mean)"]), _number(slipped["P10"]), _number(slipped["P90"])) == (mean, p10, p90)
    figures = _table(page03, "figure").set_index("figure")["value"]
    assert (_number(figures["P10"]), _number(figures["P90"]), figures["model"]) == (p10, p90, "combined")
    for _, row in _table(summary, "target (slips)").iterrows():  # P(slips <= t) on the same side of the interval
        target, chance = _number(row.iloc[0]), _number(row.iloc[1]) / 100
        assert chance < 0.1 + 0.005 if target < p10 else chance >= 0.9 - 0.005 if target >= p90 else True, row

    # the agencies add up to the headline (each rounded to 0.1), on the summary, an agency page and by_agency.csv
    every = _table(summary, "agency", having="overdue")  # every agency, not the five
    every = every.set_index("agency")
    slips = every["expected slips"].map(_number)
    assert abs(slips.sum() - mean) <= 0.05 * len(slips) + 0.05
    download = pd.read_csv(run.folder / "by_agency.csv").set_index("agency")["slip_mean"]
    assert download.round(1).to_dict() == slips.to_dict()
    for entry in rec["agency_pages"][:2]:
        page = _table(_dom(profile, run.folder / entry["html"]), "agency").iloc[0]
        assert _number(page["expected slips"]) == slips[page["agency"]]
    kept = {a["agency"]: a["slip_mean"] for a in rec["summary"]["agencies"]}  # run.json, and predict --json
    assert kept == slips.to_dict()
    assert main(["predict", "--params", rec["params_file"], "--as-of", rec["headline"]["as_of"], "--json"]) == 0
    predicted = {a["agency"]: round(a["slip_mean"], 1) for a in json.loads(capsys.readouterr().out)["by_agency"]}
    assert predicted == {a: v for a, v in slips.items() if a in predicted} and set(predicted) <= set(slips.index)

    # each scenario's effect on the index is its paired difference against the same baseline
    scenarios = rec["summary"]["scenarios"]
    assert (which == "last week") == (not scenarios)
    if scenarios:
        index = _dom(profile, run.folder.parent / "index.html")
        labels = [m.get("aria-label", "") for m in index.find_all(attrs={"aria-label": True})]
        day = f"{pd.Timestamp(rec['headline']['as_of']):%-d %b %Y}"

        def dot(series: str) -> float:
            [value] = {
                _number(re.search(r"mean: ([-\d.,]+)", a).group(1))
                for a in labels
                if a.startswith(f"data as of: {day}; mean: ") and a.endswith(f"; series: {series}")
            }
            return value

        base = dot(rec["scenario"])
        assert main(["scenario", "--params", rec["params_file"], "--json"]) == 0
        said = {s["scenario"]: s for s in json.loads(capsys.readouterr().out)["scenarios"]}
        assert said and set(said) == {s["scenario"] for s in scenarios}
        for name, s in said.items():
            effect = dot(f"{rec['scenario']} + {name}") - base
            assert abs(effect - s["difference"]["mean"]) <= 0.1 + 1e-9, (name, effect, s["difference"])
