import json
import re

from forecast.core.atomic import write_json, write_text
from forecast.report.html import offline_problems
from forecast.report.index import INDEX_MARKER, RUN_MARKER, latest_statement, load_runs, render_index, trend_points


def _run(out, name, started, status="ok", headline=None, message="", scenario="baseline", summary=None):
    folder = out / name
    folder.mkdir(parents=True)
    (folder / RUN_MARKER).write_text("", encoding="utf-8")
    record = {
        "run": name,
        "status": status,
        "message": message,
        "scenario": scenario,
        "started": started,
        "headline": headline,
        "summary": summary,
        "notebooks": [{"name": "01_data", "status": status, "html": "01_data.html", "notebook": "01_data.ipynb"}],
    }
    write_json(folder / "run.json", record)
    return folder


def test_index_lists_runs_newest_first_with_headline_and_links(tmp_path):
    _run(
        tmp_path,
        "20251201T060000Z_baseline",
        "2025-12-01T06:00:00Z",
        headline={"as_of": "2025-11-27", "open_tasks": 510, "synthetic": True},
    )
    _run(
        tmp_path,
        "20251208T060000Z_baseline",
        "2025-12-08T06:00:00Z",
        headline={
            "as_of": "2025-12-04",
            "open_tasks": 1472,
            "synthetic": True,
            "slip_mean": 118.44,
            "combined_weight_boosting": 0.25,
        },
    )
    _run(
        tmp_path,
        "20251215T060000Z_baseline",
        "2025-12-15T06:00:00Z",
        status="failed",
        headline=None,
        message="02_fail: ValueError: <boom>",
    )
    _run(tmp_path, ".tmp-20251222T060000Z_baseline", "2025-12-22T06:00:00Z")  # a run being written: not listed

    html = write_text(tmp_path / "index.html", render_index(load_runs(tmp_path))).read_text(encoding="utf-8")
    assert html.startswith(f"<!DOCTYPE html>\n{INDEX_MARKER}")
    table = html[html.index("<tbody>") :]
    rows = re.findall(r"<tr>.*?</tr>", table, flags=re.S)
    assert [re.search(r"\d{8}T\d{6}Z_baseline", r).group(0) for r in rows] == [
        "20251215T060000Z_baseline",
        "20251208T060000Z_baseline",
        "20251201T060000Z_baseline",
    ]
    assert "failed" in rows[0] and "02_fail: ValueError: &lt;boom&gt;" in rows[0]
    num = '<td class="num">'
    assert f"{num}1,472</td>" in rows[1] and f"{num}118.4</td>" in rows[1] and f"{num}510</td>" in rows[2]
    assert "0.25" not in table and f"{num}–</td>" in rows[2]  # a figure not compared across runs: in run.json only;
    # one missing in an older run: a dash
    assert '<a href="20251208T060000Z_baseline/01_data.html">data</a>' in rows[1]  # the page in words
    assert '<a href="20251208T060000Z_baseline/run.json">run record</a>' in rows[1]
    assert "SYNTHETIC" in rows[1]
    assert 'Latest good run: <a href="20251208T060000Z_baseline/">' in html
    assert "<th>expected slips</th>" in html and "<th>open tasks</th>" in html  # the pages' words
    assert "combined weight boosting" not in html  # not a column: the index keeps to what runs are compared by
    assert html.count("<svg") == 1 and offline_problems(html) == []
    assert not list(tmp_path.glob(".tmp-index*"))  # the atomic write left no temporary behind


def test_only_the_kits_run_folders_are_listed_and_broken_records_are_skipped_with_a_warning(tmp_path):
    _run(tmp_path, "20251208T060000Z_baseline", "2025-12-08T06:00:00Z", headline={"open_tasks": 472})
    docs = tmp_path / "docs"  # somebody else's folder with a run.json: not a run
    docs.mkdir()
    write_json(docs / "run.json", {"run": "docs", "status": "ok", "started": "2099-01-01T00:00:00Z"})
    broken = _run(tmp_path, "20251215T060000Z_baseline", "2025-12-15T06:00:00Z")
    (broken / "run.json").write_text("{not json", encoding="utf-8")
    odd = _run(tmp_path, "20251216T060000Z_baseline", "2025-12-16T06:00:00Z")
    (odd / "run.json").write_text("[1, 2]", encoding="utf-8")
    warnings: list[str] = []
    runs = load_runs(tmp_path, warnings.append)
    assert [r["folder"] for r in runs] == ["20251208T060000Z_baseline"]
    assert len(warnings) == 2 and all("unreadable run record" in w for w in warnings)
    assert str(broken / "run.json") in warnings[0]
    html = render_index(runs)
    assert "2099" not in html and 'Latest good run: <a href="20251208T060000Z_baseline/">' in html


def _headline(as_of, mean, p10, p90, open_tasks=472):
    return {
        "as_of": as_of,
        "deadline": "2025-12-31",
        "open_tasks": open_tasks,
        "model": "hazard",
        "slip_mean": mean,
        "slip_p10": p10,
        "slip_p90": p90,
        "synthetic": True,
    }


def _summary(assigned, completed, scenarios=()):
    return {
        "tasks": {"assigned": assigned, "completed": completed, "open": 500, "overdue": 90, "open_due": 472},
        "agencies": [],
        "scenarios": [{"scenario": name, "slip_mean": mean} for name, mean in scenarios],
    }


def test_the_trend_is_by_the_datas_as_of_date_with_a_band_and_a_line_per_scenario(tmp_path):
    # run order (wall clock) differs from as-of order: a late re-run of last week's data, and a failed run
    _run(
        tmp_path,
        "r1",
        "2025-12-01T06:00:00Z",
        headline=_headline("2025-11-27", 300.0, 280, 320),
        summary=_summary(1250, 570, [("Finance faster", 292.5)]),
    )
    _run(
        tmp_path,
        "r2",
        "2025-12-08T06:00:00Z",
        headline=_headline("2025-12-04", 314.2, 226, 392),
        summary=_summary(1287, 601, [("Finance faster", 306.0)]),
    )
    _run(
        tmp_path,
        "r3",
        "2025-12-09T06:00:00Z",
        headline=_headline("2025-11-27", 301.9, 281, 322),
        summary=_summary(1250, 570),
    )
    _run(tmp_path, "r4", "2025-12-10T06:00:00Z", status="failed", headline=_headline("2025-12-11", 999.0, 1, 2))
    _run(tmp_path, "w1", "2025-12-08T07:00:00Z", scenario="whatif", headline=_headline("2025-12-04", 250.0, 230, 270))
    points = trend_points(load_runs(tmp_path))
    base = points.loc[points["series"] == "baseline"]
    assert base["as_of"].dt.strftime("%Y-%m-%d").tolist() == ["2025-11-27", "2025-12-04"]  # by as-of, not run time
    assert base["mean"].tolist() == [301.9, 314.2]  # the latest run of each as-of date
    assert base[["p10", "p90"]].to_numpy().tolist() == [[281, 322], [226, 392]]
    assert points.loc[points["series"] == "baseline + Finance faster", "mean"].tolist() == [306.0]
    assert points.loc[points["series"] == "whatif", "mean"].tolist() == [250.0]
    assert 999.0 not in points["mean"].tolist()
    html = render_index(load_runs(tmp_path))
    chart = html[html.index("<figure") : html.index("</figure>")]
    assert "data as of" in chart and "baseline + Finance faster" in chart and "Dec 2025" in chart
    assert ">27 Nov 2025<" in chart and ">4 Dec 2025<" in chart and ">30 Nov 2025<" not in chart  # weekly ticks


def test_the_index_states_the_latest_headline_and_its_change(tmp_path):
    _run(
        tmp_path,
        "r1",
        "2025-12-01T06:00:00Z",
        headline=_headline("2025-11-27", 301.9, 281, 322, 510),
        summary=_summary(1250, 570),
    )
    _run(
        tmp_path,
        "r2",
        "2025-12-08T06:00:00Z",
        headline=_headline("2025-12-04", 314.2, 226, 392),
        summary=_summary(1287, 601),
    )
    statement = latest_statement(load_runs(tmp_path))
    assert "data as of 4 Dec 2025" in statement
    assert (
        "About 314 of the 472 open tasks are likely to slip past 31 Dec 2025; 8 in 10 chance between 226 and 392"
        in statement
    )
    assert (
        "Since the run as of 27 Nov 2025: expected slips +12.3 (301.9 → 314.2); +31 tasks completed; +37 tasks "
        "assigned." in statement
    )
    assert statement in render_index(load_runs(tmp_path))
    _run(tmp_path, "r0", "2025-11-01T06:00:00Z", scenario="other", headline=_headline("2025-10-30", 1.0, 0, 2))
    only = latest_statement([r for r in load_runs(tmp_path) if r["folder"] == "r1"])
    assert "No earlier run of this scenario" in only


def test_a_same_week_rerun_says_it_is_one_and_still_compares_with_the_week_before(tmp_path):
    """#25: a rerun on the same as-of date is named a rerun (index statement and its row), not "no earlier run",
    and compares with the last run on earlier data."""
    first = _headline("2025-12-04", 314.2, 226, 392)
    _run(tmp_path, "r2", "2025-12-08T06:00:00Z", headline=first, summary=_summary(1287, 601))
    _run(tmp_path, "r3", "2025-12-08T09:30:00Z", headline=first, summary=_summary(1287, 601))
    html = render_index(load_runs(tmp_path))
    rows = re.findall(r"<tr>.*?</tr>", html[html.index("<tbody>") :], flags=re.S)
    assert "a rerun of the run of 8 Dec 2025 06:00 UTC" in rows[0] and "rerun" not in rows[1]
    statement = latest_statement(load_runs(tmp_path))
    assert "This is a rerun of the run of 8 Dec 2025 06:00 UTC, on data as of the same date (4 Dec 2025)" in statement
    assert "no run of this scenario on earlier data to compare with" in statement and "No earlier run" not in statement
    last_week = _headline("2025-11-27", 301.9, 281, 322)
    _run(tmp_path, "r1", "2025-12-01T06:00:00Z", headline=last_week, summary=_summary(1250, 570))
    statement = latest_statement(load_runs(tmp_path))
    assert "This is a rerun of the run of 8 Dec 2025 06:00 UTC" in statement
    assert "Since the run as of 27 Nov 2025: expected slips +12.3 (301.9 → 314.2)" in statement


def test_index_without_runs_and_unreadable_records(tmp_path):
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / RUN_MARKER).write_text("", encoding="utf-8")
    (bad / "run.json").write_text("{not json", encoding="utf-8")
    assert load_runs(tmp_path) == []
    html = render_index([])
    assert "No successful run yet" in html and "<svg" not in html


def test_scenario_names_and_messages_are_escaped(tmp_path):
    _run(tmp_path, "x", "2025-12-01T06:00:00Z", status="failed", message='<img src=x onerror="alert(1)">')
    html = render_index(load_runs(tmp_path))
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert json.loads((tmp_path / "x" / "run.json").read_text())["status"] == "failed"


def test_runs_and_an_index_made_before_the_marker_are_still_the_kits(tmp_path):
    from forecast.report.index import check_index

    old = tmp_path / "20251101T060000Z_baseline"
    old.mkdir()
    write_json(
        old / "run.json",
        {"run": old.name, "package_version": "0.1.0", "status": "ok", "started": "2025-11-01T06:00:00Z"},
    )
    lookalike = tmp_path / "copy"  # a run.json copied elsewhere names another folder: not a run
    lookalike.mkdir()
    write_json(lookalike / "run.json", {"run": old.name, "package_version": "0.1.0", "status": "ok"})
    assert [r["folder"] for r in load_runs(tmp_path)] == [old.name]
    (tmp_path / "index.html").write_text(
        "<!DOCTYPE html>\n<html><head><title>Resolution 57 forecast reports</title>", encoding="utf-8"
    )
    check_index(tmp_path)  # the kit's own index from before the marker: replaced as before


def test_every_runs_text_is_escaped_and_every_link_quoted(tmp_path):
    """The page is a Jinja2 template with autoescape: a run's folder, scenario, status, page names and message are
    text, never markup; a link is the folder and file name URL-quoted."""
    folder = _run(
        tmp_path,
        "r <b>1 & 'q' #",
        "2025-12-01T06:00:00Z",
        status="<i>odd</i>",
        scenario='<script>alert("s")</script>',
        message="a & b",
        headline={"as_of": "2025-11-27", "open_tasks": 510, "synthetic": True},
    )
    record = json.loads((folder / "run.json").read_text())
    record["notebooks"][0]["html"] = "01 <data>.html"
    record["notebooks"][0]["status"] = "<u>cut</u>"
    write_json(folder / "run.json", record)
    html = render_index(load_runs(tmp_path))
    assert not re.search(r"<(b|i|u|script)>", html)
    assert "&lt;script&gt;alert(&#34;s&#34;)&lt;/script&gt;" in html and "&lt;i&gt;odd&lt;/i&gt;" in html
    assert "<small>r &lt;b&gt;1 &amp; &#39;q&#39; #</small>" in html and "a &amp; b" in html
    quoted = "r%20%3Cb%3E1%20%26%20%27q%27%20%23"
    assert f'<a href="{quoted}/01%20%3Cdata%3E.html">data</a> (&lt;u&gt;cut&lt;/u&gt;)' in html
    assert f'<a href="{quoted}/run.json">run record</a>' in html


def test_the_template_is_package_data_beside_the_module():
    from importlib.resources import files

    template = files("forecast.report") / "templates" / "index.html.j2"
    assert template.is_file() and "{{ marker }}" in template.read_text(encoding="utf-8")
