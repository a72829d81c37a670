"""Issue #24, property-based: any Unicode in task titles and agency names, control, zero-width, bidirectional and
surrogate-escaped characters included, goes through the loader and out through every writer (CSV and XLSX table
files, HTML tables, JSON) and reads back, with no exception and no live formula.

Two properties: (1) an export whose titles and agencies hold such text either loads (the hidden characters removed,
with a warning) or is refused with the kit's own error naming the file; what loads is forecast (the quick throughput
model) and every output is written and read back. (2) The writers alone are safe on any ``str``, even text the loader
never lets through (lone surrogates, control characters).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from forecast.config.params import parse_params
from forecast.core.atomic import write_json, write_text
from forecast.data.snapshots import load_snapshots
from forecast.engine.predict import forecast
from forecast.errors import DataError
from forecast.present.formatting import table
from forecast.present.output import FORMULA_STARTS, write_table

SPECIAL = [
    *"\x00\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f",  # control characters
    *"\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e",  # zero-width
    *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",  # bidirectional controls
    *"\udc80\udcff\udcfe\ud800\udfff",  # surrogates: a name that was not UTF-8 (surrogate-escaped bytes), and lone
    *"\ufffe\uffff\ufffd\u0301\u00a0\u3000\u2028",
    *"=+-@\t\r\n\",;|<>&'",  # formula starts, CSV and HTML syntax
]
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(SPECIAL),
        st.characters(categories=("Cc", "Cf", "Cs", "Co", "Zs", "Zl", "Mn", "Lu", "Ll", "Lo", "Nd", "Po", "Sm", "So")),
    ),
    max_size=24,
)
INVISIBLE = set("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e")
INVISIBLE |= set("\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\ufffe\uffff")


def hidden(c: str) -> bool:
    """A character no loaded text may hold: a control character (the whitespace ones become spaces), a zero-width
    or bidirectional formatting character, or a non-character XML forbids."""
    return unicodedata.category(c) == "Cc" or c in INVISIBLE


ALLOWED_TAGS = {"style", "table", "thead", "tbody", "tr", "th", "td", "caption", "a"}


def encode(text: str) -> bytes:
    """``text`` as the bytes a file holds: a surrogate-escaped byte (U+DC80-U+DCFF) as that byte, another lone
    surrogate as CESU-8; both make the file invalid UTF-8, as such a file is."""
    return b"".join(
        bytes([ord(c) - 0xDC00]) if "\udc80" <= c <= "\udcff" else c.encode("utf-8", "surrogatepass") for c in text
    )


def write_export(folder: Path, titles: list[str], agencies: list[str]) -> None:
    """Three weekly CSV snapshots of eight tasks (completions between them: a model can fit), titles and agencies
    from the strategies, written with Python's csv module (quoting as Excel does)."""
    for week, when in enumerate(("2025-11-20", "2025-11-27", "2025-12-04")):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["task_id", "title", "agency", "deadline", "status"])
        for i in range(8):
            status = "Completed on time" if i < 2 * week else "In progress"
            writer.writerow([f"T{i}", titles[i % len(titles)], agencies[i % len(agencies)], "2025-12-31", status])
        (folder / f"snapshot_{when}.csv").write_bytes(encode(buffer.getvalue()))


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)


def no_live_formula(xlsx: Path, csv_file: Path) -> list[str]:
    """Every XLSX cell and CSV field read back: none is a formula, none starts like one. The cells' texts."""
    book = openpyxl.load_workbook(xlsx)
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    rows = list(csv.reader(io.StringIO(csv_file.read_bytes().decode("utf-8-sig"), newline="")))
    fields = [v for r in rows for v in r]
    assert not [t for t in texts + fields if t.startswith(FORMULA_STARTS)]
    return texts


def html_round_trip(frame: pd.DataFrame, path: Path) -> str:
    """``frame`` as the kit's HTML table, written and read back; only the table's own tags in it."""
    write_text(path, table(frame, caption="Tasks").to_html())
    html = path.read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(html)
    assert parser.tags <= ALLOWED_TAGS, parser.tags
    return html


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(titles=st.lists(TEXT, min_size=1, max_size=4), agencies=st.lists(TEXT, min_size=1, max_size=3))
def test_any_unicode_in_titles_and_agencies_loads_or_is_refused_and_every_output_reads_back(titles, agencies):
    agencies = [f"Agency {a}" for a in agencies]  # never empty: an agency is required
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        exports = root / "exports"
        exports.mkdir()
        write_export(exports, titles, agencies)
        try:
            snaps = load_snapshots(exports)
        except DataError as exc:  # a file that is not UTF-8 (a surrogate-escaped byte): refused, naming it
            assert any("\ud800" <= c <= "\udfff" for c in "".join(titles + agencies))
            assert str(exports) in str(exc) and "not UTF-8" in str(exc)
            event("refused: not UTF-8")
            return
        event(f"loaded, hidden characters: {any(map(hidden, ''.join(titles + agencies)))}")
        for col in ("title", "agency"):  # control, zero-width and bidi characters removed
            assert not [c for c in "".join(snaps.frame[col].dropna().astype(str)) if hidden(c)]
        params = parse_params({"snapshots": str(exports), "model": "throughput", "sims": 50, "cache": False})
        result = forecast(params, snaps)
        warning = result.early_warning()
        write_table(warning, root / "ew.xlsx")
        write_table(warning, root / "ew.csv")
        write_table(result.by_agency(), root / "agencies.csv")
        texts = no_live_formula(root / "ew.xlsx", root / "ew.csv")
        for title in warning["title"].dropna().astype(str):  # each title whole, a formula's shown as text
            assert ("'" + title if title.startswith(FORMULA_STARTS) else title) in texts
        shown = pd.read_csv(root / "agencies.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert len(shown) == len(result.by_agency())
        write_json(root / "forecast.json", result.to_json())
        back = json.loads((root / "forecast.json").read_text(encoding="utf-8"))
        assert sorted(a["agency"] for a in back["by_agency"]) == sorted(result.by_agency()["agency"])
        html_round_trip(warning, root / "ew.html")


@settings(max_examples=40, deadline=None, derandomize=True)
@given(values=st.lists(TEXT, min_size=1, max_size=6))
def test_the_writers_alone_are_safe_on_any_text(values):
    frame = pd.DataFrame({"title": pd.Series(values, dtype=object), "agency": pd.Series(values[::-1], dtype=object)})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("t.xlsx", "t.csv", "t.parquet"):
            write_table(frame, root / name)
        no_live_formula(root / "t.xlsx", root / "t.csv")
        assert len(pd.read_parquet(root / "t.parquet")) == len(values)
        write_json(root / "t.json", {"values": values})
        assert len(json.loads((root / "t.json").read_text(encoding="utf-8"))["values"]) == len(values)
        html_round_trip(frame, root / "t.html")
