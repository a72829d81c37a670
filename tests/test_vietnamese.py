"""The Vietnamese report (#27): the catalogue is the .po compiled and complete; a Vietnamese run's pages are
Vietnamese (lang="vi", no English word left outside a short allow-list)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from forecast.present import catalogue, i18n

# proper names, units and score names kept as they are in Vietnamese reports
ALLOWED = {
    "crps",
    "p10",
    "p50",
    "p90",
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
    "cloglog",
    "bayes",
    "forecast",
    "validate",
    "baseline",
    "kh",
    "nq",
    "cp",
    "ai",
}


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


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.skip, self.words = 0, []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.words += re.findall(r"\b[A-Za-z]{2,}\b", data)


def english_words(html: str) -> set[str]:
    """ASCII-only words of a page's text (SVG chart text included) that are not on the allow-list."""
    parser = _Text()
    parser.feed(html)
    return {w for w in parser.words if w.lower() not in ALLOWED}
