"""The planner's explorer without its widgets (#27): lever settings -> scenario file -> the numbers
``forecast.compare_scenarios`` gives for that file; the reused draws change nothing; saving round-trips and never
overwrites a file the explorer did not write."""

import dataclasses
import sys
from datetime import date

import nbformat
import pytest
import yaml

from forecast import compare_scenarios, load_params, load_snapshots, paths
from forecast.errors import ForecastError
from forecast.models import hazard_sampler
from forecast.notebook import notebook_params
from forecast.present.explorer import MARK, Explorer, Levers, slug, written_by_explorer
from forecast.report.run import interactive
from forecast.scenarios.levers import load_scenario

SIMS = 600
FINANCE = "Ministry of Finance"
SETTINGS = {
    "every agency faster": Levers(pace_all=1.5),
    "finance from 10 Dec": Levers(pace={FINANCE: 2.0}, pace_from=date(2025, 12, 10)),
    "deadlines": Levers(deadline_days=30, deadline_count=40),
    "drop": Levers(drop_count=20, drop_status=None, drop_agency="Government Office"),
    "new tasks": Levers(new_count=15, new_agency="Ministry of Health", new_arrive=date(2025, 12, 15)),
    "holiday": Levers(holiday=0.5, holiday_from=date(2025, 12, 24), holiday_to=date(2025, 12, 31)),
    "all at once": Levers(
        pace_all=0.8,
        pace={FINANCE: 1.25},
        deadline_days=10,
        drop_count=5,
        new_count=5,
        new_agency="Ha Noi",
        holiday=0.5,
        holiday_from=date(2025, 12, 24),
        holiday_to=date(2025, 12, 31),
    ),
}


@pytest.fixture(scope="module")
def params():
    return load_params(paths.PARAMS_DIR / "baseline.yaml", {"sims": SIMS})


@pytest.fixture(scope="module")
def snaps(params):
    return load_snapshots(params.snapshots, params.status_labels)


@pytest.fixture(scope="module")
def explorer(params, snaps):
    return Explorer(params, snaps)


def test_a_setting_is_the_scenario_file_a_planner_would_write():
    levers = Levers(
        pace_all=1.5,
        pace={FINANCE: 2.0, "Ha Noi": 1.0},
        pace_from=date(2025, 12, 10),
        deadline_days=30,
        deadline_count=40,
        drop_count=3,
        drop_status=None,
        drop_agency="Ha Noi",
        new_count=10,
        new_agency="Government Office",
        holiday=0.5,
        holiday_from=date(2025, 12, 24),
        holiday_to=date(2025, 12, 31),
    )
    assert levers.scenario("What if", " faster \n and later ", date(2025, 12, 31)) == {
        "name": "What if",
        "description": "faster and later",
        "levers": [
            {"lever": "deadline_extension", "agency": "all", "status": "overdue", "count": 40, "by_days": 30},
            {"lever": "drop", "agency": "Ha Noi", "count": 3},
            {"lever": "new_tasks", "count": 10, "agency": "Government Office", "deadline": date(2025, 12, 31)},
            {"lever": "rate_multiplier", "agency": "all", "multiplier": 1.5, "from": date(2025, 12, 10)},
            {"lever": "rate_multiplier", "agency": FINANCE, "multiplier": 2.0, "from": date(2025, 12, 10)},
            {"lever": "holiday_slowdown", "multiplier": 0.5, "from": date(2025, 12, 24), "to": date(2025, 12, 31)},
        ],
    }
    assert Levers().levers() == [] and Levers(pace_all=1.001, pace={FINANCE: 0.999}).levers() == []
    assert Levers(pace_all=1.4500000000000002).levers()[0]["multiplier"] == 1.45  # what the slider shows


@pytest.mark.slow
def test_every_lever_gives_what_compare_scenarios_gives_for_its_file(explorer, params, snaps, tmp_path):
    files = []
    for name, levers in SETTINGS.items():
        files.append(tmp_path / f"{slug(name)}.yaml")
        files[-1].write_text(yaml.safe_dump(explorer.scenario(levers, name)), encoding="utf-8")
    comparison = compare_scenarios(params, files, snaps=snaps)
    assert explorer.baseline.totals.tolist() == comparison.baseline.totals.tolist()
    for (name, levers), expected in zip(SETTINGS.items(), comparison.results, strict=True):
        outcome = explorer.evaluate(levers)
        got, want = outcome.result.to_json(), expected.to_json()
        assert got.pop("file") is None and want.pop("file") is not None
        assert (got.pop("scenario"), want.pop("scenario")) == ("Explorer scenario", name)
        assert got == want, name
        assert (outcome.result.forecast.totals == expected.forecast.totals).all(), name
        assert outcome.headline()["mean"] == want["slip"]["mean"]
        assert outcome.headline()["difference"] == want["difference"]
    assert explorer.evaluate(SETTINGS["every agency faster"]).headline()["difference"]["mean"] < 0


@pytest.mark.slow
def test_a_lever_change_reuses_the_draws_and_computes_only_new_paths(explorer, monkeypatch):
    explorer.evaluate(Levers(pace_all=1.2))  # the runs' draws and every path's rows are stored
    drawn, computed, paths = [], [], []
    runs, rows = hazard_sampler.HazardSampler.runs, hazard_sampler.HazardSampler.rows

    def counted_rows(self, run_draws, which=None):
        computed.append(self.X.shape[0] if which is None else len(which))
        paths.append(self.X.shape[0])
        return rows(self, run_draws, which)

    monkeypatch.setattr(
        hazard_sampler.HazardSampler, "runs", lambda self, rng, size: drawn.append(size) or runs(self, rng, size)
    )
    monkeypatch.setattr(hazard_sampler.HazardSampler, "rows", counted_rows)
    first = explorer.evaluate(Levers(pace_all=1.7, pace={FINANCE: 0.6}))
    assert drawn == [] and computed == []  # the same paths: nothing drawn or computed again
    explorer.evaluate(Levers(deadline_days=45))  # the moved tasks' paths are new: only their rows are computed
    assert drawn == []  # the runs' draws do not depend on the paths
    assert 0 < sum(computed) < sum(paths)  # the paths of tasks not moved are kept (both hazard models, per chunk)
    explorer.evaluate(Levers(deadline_days=45, pace_all=1.3))
    again = explorer.evaluate(Levers(pace_all=1.7, pace={FINANCE: 0.6}))
    assert len(computed) == 2 and (again.forecast.totals == first.forecast.totals).all()


@pytest.mark.slow
def test_reused_rows_give_the_scenario_file_numbers_over_several_chunks(params, snaps, tmp_path):
    """Rows computed for one setting and reused by the next give what `forecast scenario` computes afresh, with the
    runs drawn in several chunks (8,200 runs: 4,000 + 4,000 + 200)."""
    many = dataclasses.replace(params, sims=8200)
    explorer = Explorer(many, snaps)
    settings = [Levers(deadline_days=10), Levers(deadline_days=20, deadline_count=30), Levers(deadline_days=10)]
    files = []
    for i, levers in enumerate(settings):
        explorer.evaluate(levers)
        files.append(tmp_path / f"s{i}.yaml")
        files[-1].write_text(yaml.safe_dump(explorer.scenario(levers, f"s{i}")), encoding="utf-8")
    fresh = compare_scenarios(many, files, snaps=snaps)
    for levers, expected in zip(settings, fresh.results, strict=True):
        assert (explorer.evaluate(levers).forecast.totals == expected.forecast.totals).all()
    # a setting interrupted part-way (a planner stops the kernel) leaves rows of its first chunks only: the next one
    # computes what is missing and gives the same numbers
    hazards = hazard_sampler.HazardSampler.hazards
    calls = []

    def stopped_in_the_second_chunk(self, parts):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return hazards(self, parts)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hazard_sampler.HazardSampler, "hazards", stopped_in_the_second_chunk)
        with pytest.raises(KeyboardInterrupt):
            explorer.evaluate(Levers(deadline_days=25))
    files.append(tmp_path / "s3.yaml")
    files[-1].write_text(yaml.safe_dump(explorer.scenario(Levers(deadline_days=25), "s3")), encoding="utf-8")
    [expected] = compare_scenarios(many, files[-1:], snaps=snaps).results
    assert (explorer.evaluate(Levers(deadline_days=25)).forecast.totals == expected.forecast.totals).all()


def test_the_agency_table_adds_up_to_the_headline(explorer):
    outcome = explorer.evaluate(Levers(pace={FINANCE: 3.0}))
    table = outcome.agency_table()
    assert set(table["agency"]) == set(explorer.agencies)
    assert table["slip_scenario"].sum() == pytest.approx(outcome.forecast.totals.mean())
    assert table["difference"].sum() == pytest.approx(outcome.headline()["difference"]["mean"], abs=0.01)
    changed = table.set_index("agency")["difference"]
    assert changed[FINANCE] < 0 and (changed.drop(FINANCE) == 0).all()  # common random numbers: no noise elsewhere


def test_the_baseline_setting_is_the_baseline(explorer):
    outcome = explorer.evaluate(Levers())
    assert outcome.result is None and outcome.forecast is explorer.baseline
    assert outcome.headline()["difference"] == {"mean": 0.0, "p10": 0, "p90": 0}


def test_save_writes_a_file_that_reads_back_as_the_same_setting(explorer, tmp_path):
    levers = Levers(pace={FINANCE: 2.0}, new_count=5, new_agency="Ha Noi")
    path, data = explorer.save(levers, "Finance doubles, Hà Nội gets 5", "What if?", tmp_path)
    assert path == tmp_path / "finance_doubles_ha_noi_gets_5.yaml" and written_by_explorer(path)
    assert path.read_text(encoding="utf-8").startswith(MARK)
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == data
    scenario = load_scenario(path)  # what `forecast scenario --check` does
    assert scenario.name == "Finance doubles, Hà Nội gets 5" and len(scenario.levers) == 2
    assert explorer.evaluate(data).result.to_json()["slip"] == explorer.evaluate(levers).result.to_json()["slip"]
    assert explorer.save(levers, "Finance doubles, Hà Nội gets 5", folder=tmp_path)[0] == path  # its own: rewritten


def test_save_never_overwrites_a_file_it_did_not_write(explorer, tmp_path):
    mine = tmp_path / "finance_doubles_its_pace.yaml"
    mine.write_text("name: Finance doubles its pace\nlevers: []\n", encoding="utf-8")
    with pytest.raises(ForecastError, match="was not written by the explorer"):
        explorer.save(Levers(pace_all=2.0), "Finance doubles its pace", folder=tmp_path)
    assert mine.read_text(encoding="utf-8") == "name: Finance doubles its pace\nlevers: []\n"
    with pytest.raises(ForecastError, match="nothing to save"):
        explorer.save(Levers(), "Nothing", folder=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["finance_doubles_its_pace.yaml"]


def test_the_notebook_forecasts_with_the_baseline_params_file(tmp_path, monkeypatch):
    """Opened by hand, the explorer's numbers are `forecast scenario FILE --params params/baseline.yaml`'s."""
    nb = nbformat.read(paths.NOTEBOOKS_DIR / "06_explorer.ipynb", as_version=4)
    defaults: dict = {}
    exec(next(c for c in nb.cells if "parameters" in c.metadata.get("tags", [])).source, {}, defaults)
    monkeypatch.chdir(tmp_path)
    ours = notebook_params(defaults)
    theirs = load_params(paths.PARAMS_DIR / "baseline.yaml")
    ignore = {"source", "cache", "jobs", "timeout_minutes", "targets", "scenarios"}  # how a report runs
    fields = [f.name for f in dataclasses.fields(ours) if f.name not in ignore]
    assert {f: getattr(ours, f) for f in fields} == {f: getattr(theirs, f) for f in fields}
    assert interactive(paths.NOTEBOOKS_DIR / "06_explorer.ipynb")  # forecast report leaves it out
    assert not any(interactive(p) for p in paths.NOTEBOOKS_DIR.glob("0[0-5]_*.ipynb"))


def test_without_ipywidgets_the_explorer_says_what_to_install(monkeypatch):
    from forecast.present.explorer_view import explore

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    shown = explore().data
    assert "ipywidgets" in shown and "pip install -e '.[lab]'" in shown and "make setup" in shown
    assert "interactive" in explore(run_folder="/some/run").data  # a report run builds no explorer
    vi = load_params(paths.PARAMS_DIR / "baseline.yaml", {"language": "vi"})  # the params' language
    assert "cần gói ipywidgets" in explore(vi).data and "pip install -e '.[lab]'" in explore(vi).data
    assert "dùng trực tiếp" in explore(vi, run_folder="/some/run").data


def test_the_view_updates_as_a_lever_moves_and_saves(explorer, tmp_path):
    from forecast.present.explorer_view import ExplorerView

    view = ExplorerView(explorer, tmp_path)
    assert "data-difference='0.0'" in view.headline.value
    view.pace[FINANCE].value = 2.0
    want = explorer.evaluate(Levers(pace={FINANCE: 2.0})).headline()
    assert f"data-mean='{want['mean']}'" in view.headline.value and "Ministry of Finance" in view.table.value
    view.name.value = "Finance doubles"
    view.save_button.click()
    assert (tmp_path / "finance_doubles.yaml").is_file() and "Saved" in view.saved.value
    view.back_to_baseline()
    assert "data-difference='0.0'" in view.headline.value


def test_the_view_notes_a_lever_that_changes_nothing_in_the_page_language(explorer, tmp_path):
    """The page language is the params' (``language``), not the process's."""
    import copy

    from forecast.present import i18n
    from forecast.present.explorer_view import ExplorerView

    vi = copy.copy(explorer)  # the same fitted model, the params in Vietnamese
    vi.params = dataclasses.replace(explorer.params, language="vi")
    n, overdue = len(explorer.question.tasks), explorer.status_counts["overdue"]
    english, vietnamese = (ExplorerView(e, tmp_path) for e in (explorer, vi))
    for view in (english, vietnamese):
        view.deadline_count.value = n
        view.deadline_days.value = 10
    assert f"lever 1: count {n} but only {overdue} open task(s) match; all taken" in english.status.value
    with i18n.speaking("vi"):  # the process's language changes nothing
        english.update()
    assert f"lever 1: count {n} but only {overdue} open task(s) match; all taken" in english.status.value
    assert (
        f"đòn bẩy 1: yêu cầu chọn {n} nhiệm vụ nhưng chỉ có {overdue} nhiệm vụ chưa hoàn thành"
        in vietnamese.status.value
    )


def _shown_texts(widget) -> list[str]:
    """Every text a widget tree shows a planner: descriptions, tooltips, placeholders, titles, dropdown options and
    the HTML widgets' values (charts' SVG text included), as HTML fragments."""
    from html import escape

    out = []
    for attr in ("description", "tooltip", "placeholder"):
        if getattr(widget, attr, None):
            out.append(escape(getattr(widget, attr)))
    out += [escape(t) for t in getattr(widget, "titles", ()) or () if t]
    out += [escape(label) for label in getattr(widget, "_options_labels", ()) or ()]
    if type(widget).__name__ == "HTML":
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        out += _shown_texts(child)
    return out


def test_the_view_speaks_the_params_language(explorer, tmp_path):
    """With ``language: vi`` everything the explorer shows is Vietnamese (numbers and dates too), the headline's
    numbers are the English page's, the saved file keeps the data's agency names, and the process's language is
    left as it was."""
    import copy
    import re

    from forecast.present import i18n
    from forecast.present.explorer_view import ExplorerView
    from tests.test_vietnamese import english_words

    vi = copy.copy(explorer)  # the same fitted model, the params in Vietnamese
    vi.params = dataclasses.replace(explorer.params, language="vi")
    english, view = ExplorerView(explorer, tmp_path / "en"), ExplorerView(vi, tmp_path / "vi")
    assert i18n.language() == "en"  # building the view leaves the process's language alone
    for v in (english, view):
        v.pace_all.value = 1.5
        v.name.value = ""
        v.save_button.click()  # "give it a name first"
    assert "data-mean" in view.headline.value and i18n.language() == "en"
    code = re.compile(r"<code>.*?</code>", re.S)  # commands and paths are not prose
    texts = [code.sub(" ", t) for t in _shown_texts(view.widget)]
    left = {w for t in texts for w in english_words(t)}
    assert left == set(), sorted(left)
    assert "Bộ Tài chính" in view.table.value and "Ministry of Finance" not in view.table.value
    assert "Bộ " in view.deltas.value and "Ministry" not in view.deltas.value  # the chart's agencies too

    def numbers(html: str, language: str) -> list[str]:
        with i18n.speaking(language):
            deadline = i18n.day(explorer.deadline)
        assert deadline in html  # the date in words: 31 Dec 2025, 31 tháng 12 năm 2025
        return re.findall(r"[−+]?\d[\d.,]*\d|\d", re.sub(r"<[^>]+>", " ", html.replace(deadline, " ")))

    def as_english(text: str) -> str:
        return text.translate(str.maketrans({",": ".", ".": ","}))

    en_numbers, vi_numbers = numbers(english.headline.value, "en"), numbers(view.headline.value, "vi")
    assert len(en_numbers) >= 8 and [as_english(n) for n in vi_numbers] == en_numbers  # the same numbers
    shown = re.sub(r"<[^>]+>", " ", view.headline.value)
    assert re.search(r"\d,\d", shown) and not re.search(r"\d\.\d", shown)  # 111,3, not 111.3
    assert re.search(r"\d,\d\d giây", view.status.value)  # the seconds too
    view.name.value = "Bộ Tài chính nhanh gấp rưỡi"
    view.save_button.click()
    saved = yaml.safe_load(next((tmp_path / "vi").glob("*.yaml")).read_text(encoding="utf-8"))
    assert saved["levers"] == [{"lever": "rate_multiplier", "agency": "all", "multiplier": 1.5}]
    assert "explorer-saved" in view.saved.value and not english_words(code.sub(" ", view.saved.value))
    view.pace[FINANCE].value = 2.0  # the per-agency slider: the data's name in the file
    view.name.value = "Bộ Tài chính gấp đôi"
    view.save_button.click()
    files = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (tmp_path / "vi").glob("*.yaml")}
    assert {"lever": "rate_multiplier", "agency": FINANCE, "multiplier": 2.0} in files["bo_tai_chinh_gap_doi.yaml"][
        "levers"
    ]
