"""The Vietnamese report (#27): the catalogue is the .po compiled and complete; a Vietnamese run's pages are
Vietnamese (lang="vi", no English word left outside a short allow-list)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forecast import paths
from forecast.cli import main
from forecast.present import catalogue, i18n
from tests.report_helpers import record, run_folders


def test_the_committed_mo_is_the_po_compiled():
    po = catalogue.read("vi")
    assert catalogue.po_path("vi").with_suffix(".mo").read_bytes() == catalogue.compiled(po)


def test_every_marked_message_has_a_vietnamese_translation():
    assert catalogue.missing(catalogue.read("vi"), catalogue.extract()) == []


def test_sentences_and_numbers_in_vietnamese():
    with i18n.speaking("vi"):
        assert i18n.number(1287) == "1.287" and i18n.percent(0.045, 1) == "4,5 %"
        assert i18n.gettext("Ministry of Finance") == "Bộ Tài chính"
        assert "DỮ LIỆU MẪU TỔNG HỢP" in i18n.gettext("SYNTHETIC sample data - not real monitoring figures.")
    assert i18n.gettext("Ministry of Finance") == "Ministry of Finance"


# English words a page may not hold: common English (function words, verbs, nouns) and the kit's own vocabulary.
# A word list, not "ASCII is English": many Vietnamese syllables are ASCII (tin, qua, theo, con, can, an, ban, to, do).
_WORDS = """
    a about above across after again against ago all almost alone along already also although always am among
    and another any are around as ask at away back be because been before being below best better between both but by
    came cannot case change changed changes come could day days did does done down during each early earlier
    either else end enough even ever every few first for found from full gets give given go goes good had has have
    he her here high his how however if in into is it its just keep kept last late later least less let like likely
    little look low made make many more most much must my near need never new next no none nor not nothing
    now of off often on once one only or other our out over own part per please rather read run runs same see seen
    set shall she should show shows since some still such take than that the their them then there these they
    this those though through thus today too took two under until up upon use used very was way we week weeks
    well were what when where whether which while who whole why will with within without would year years yes yet
    you your
    forecast forecasts forecasting task tasks slip slips slipped slipping agency agencies overdue scenario scenarios
    baseline expected chance completed complete completion completions ministry ministries government office finance
    home affairs science technology deadline deadlines open pace rate rates doubles double twice faster fast slower
    model models combined pooled hazard reference boosting throughput backtest cutoff cutoffs score scores error
    errors mean median percentile percentiles range probability share summary report page pages data sample synthetic
    snapshot snapshots export exports published figure figures count counts total number numbers table tables chart
    charts legend axis status progress regular time on-time lever levers moved move transferred dropped arriving due
    holiday slowdown works worked steering committee conclusion conclusions resolution notice notices plan programme
    directive review meeting prime minister deputy province provinces weight weights december november january
    october september august july june date dates download downloads warning warnings early problem problems missing
    column columns row rows value values run about help folder file files written kit version seed simulation
    simulations runs question answer what if explorer index previous latest week weekly trend history observed
    outcome calibration coverage covered interval intervals low high lower higher bias prior posterior evidence
    effect effects difference differences saved save saving target targets tail push year-end end autumn window
    transition transitions state states learnt learned fitted fit none unknown yes no not only within title titles
    days months month remaining left above below each per open-due
    """
ENGLISH = set(_WORDS.split())
# Kept as they are on a Vietnamese page, each for a reason: score names and percentiles the Vietnamese literature
# writes in Latin letters (CRPS, PIT, MAE, Brier, P10/P50/P90), file formats and the spreadsheet's name (CSV, XLSX,
# Excel), method names (Monte Carlo, Kaplan-Meier, GLM), the kit's command name in commands (`forecast report`), and
# UTC in the run's time.
ALLOWED = {
    "crps",
    "pit",
    "mae",
    "brier",
    "csv",
    "xlsx",
    "excel",
    "monte",
    "carlo",
    "utc",
    "kaplan",
    "meier",
    "glm",
    "forecast",
}
# Text that is not prose: paths, file names, task ids, run ids, command lines (removed before looking for words)
NOT_PROSE = re.compile(
    r"""(?x)
    (?:[\w.~-]*/[\w./~-]+)              # a path (a/b/c)
    | \b[\w-]+\.(?:csv|xlsx|html|ipynb|yaml|json|parquet|png)\b   # a file name
    | \b[A-Z][A-Z0-9]*-\d+\b              # a task id (MOF-012, NEW1-001)
    | \b\d{8}T\d{6}Z_\w+\b               # a run id
    | \b[0-9a-f]{16}\b                     # a data fingerprint
    | `[^`]*`                             # code
    """
)


class _Text(HTMLParser):
    """A page's visible text: every text node outside script and style (SVG chart text included), with the
    ``lang`` of its ``<html>``."""

    def __init__(self):
        super().__init__()
        self.skip, self.texts, self.lang = 0, [], None

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        if tag == "html":
            self.lang = dict(attrs).get("lang")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(data)


def english_words(html: str) -> set[str]:
    """The English words (:data:`ENGLISH`) in a page's text (SVG chart text included), outside the allow-list."""
    parser = _Text()
    parser.feed(html)
    words = {w for t in parser.texts for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", NOT_PROSE.sub(" ", t))}
    return {w for w in words if w.lower() in ENGLISH and w.lower() not in ALLOWED}


def test_the_detector_finds_english_and_passes_vietnamese():
    assert english_words("<p>Bộ Tài chính: 12 nhiệm vụ có thể trễ hạn theo kịch bản cơ sở</p>") == set()
    assert english_words("<p>Tin tức qua con đường an toàn, ban hành theo quy định</p>") == set()
    assert english_words("<svg><text>Expected slips</text></svg><p>Bộ Tài chính</p>") == {"Expected", "slips"}
    assert english_words("<p>Ministry of Finance</p><script>var forecast = 'the tasks'</script>") == {
        "Ministry",
        "of",
        "Finance",
    }
    assert english_words("<p>Xem reports/2025/by_agency.csv, MOF-012, CRPS, P10, `forecast report`</p>") == set()


@pytest.fixture(scope="module")
def vietnamese_run(tmp_path_factory) -> Path:
    """``forecast report --language vi`` on the baseline (the bundled sample, the example scenarios), few runs."""
    out = tmp_path_factory.mktemp("vi") / "reports"
    params = str(paths.PARAMS_DIR / "baseline.yaml")
    assert main(["report", "--params", params, "--language", "vi", "--out", str(out), "-p", "sims=300"]) == 0
    [folder] = run_folders(out)
    return folder


@pytest.mark.report
def test_a_vietnamese_report_has_no_english_left(vietnamese_run):
    rec = record(vietnamese_run)
    pages = sorted(vietnamese_run.rglob("*.html"))
    assert len(pages) > len(rec["notebooks"])  # the notebooks' pages, the agency pages
    left, langs = {}, {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parser = _Text()
        parser.feed(html)
        langs[page.name] = parser.lang
        words = english_words(html)
        if words:
            left[str(page.relative_to(vietnamese_run))] = sorted(words)
    assert {name: lang for name, lang in langs.items() if lang != "vi"} == {}
    assert left == {}, "English left on a Vietnamese page:\n" + "\n".join(f"{p}: {w}" for p, w in left.items())
