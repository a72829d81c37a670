"""Forecasts as table files (the readable text the commands print is :mod:`forecast.cli.text`).

A table file is written through :mod:`forecast.core.atomic` (a temporary sibling renamed into place, so a failed run
never leaves a half-written file or replaces a good one), never over a file without ``force``, never into the
snapshot folder, and spreadsheet-safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.core.atomic import check_target, in_memory, replace_file
from forecast.engine.simulate import SlipForecast
from forecast.errors import OutputError
from forecast.present.i18n import N_, day, language, number, status_words
from forecast.present.i18n import gettext as _

N_("Early warning")  # the workbook's data sheet (sheet_name), and the run facts a report run gives (about)
N_("run")
N_("run folder")
N_("data as of")
N_("written by")
N_("data")


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV as Excel writes it: BOM, CRLF (so a cell holding a line break or carriage return is quoted)."""
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


WRITERS = {".csv": _csv, ".xlsx": None, ".parquet": lambda f, p: f.to_parquet(p, index=False)}  # .xlsx: _workbook


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    force: bool = False,
    protected: Iterable[str | Path] = (),
    about: Mapping[str, object] | None = None,
) -> Path:
    """Write ``frame`` as CSV, XLSX or Parquet (by suffix), atomically, after :func:`forecast.core.atomic.check_target`
    (no folder, no existing file unless ``force``, nothing inside a ``protected`` folder).

    CSV and XLSX hold the numbers as the pages show them (:func:`forecast.present.formatting.rounded`) and are
    spreadsheet-safe: text cells are :func:`neutralised`, and CSV carries a BOM so Excel reads Vietnamese text as
    UTF-8. A workbook is laid out for reading (:func:`_workbook`), with a README sheet saying what each column
    means and the ``about`` facts (which run it came from). Parquet keeps every digit.
    """
    from forecast.present.formatting import label, rounded

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise OutputError(path, f"unknown table format; use one of {', '.join(WRITERS)}")
    writer = WRITERS[suffix] or partial(_workbook, sheet=sheet_name(path), about=about or {})
    check_target(path, force=force, protected=protected)
    table = neutralised(frame if suffix == ".parquet" else rounded(frame), formulas=suffix != ".parquet")
    if suffix == ".csv" and language() != "en":  # a Vietnamese run's CSV: headers in words (English: column names)
        table = table.rename(columns=lambda c: label(str(c)))
    return replace_file(path, lambda tmp: writer(table, tmp))


def about(result: SlipForecast, **run: str) -> dict[str, object]:
    """Which forecast a table file came from, in words, for a workbook's README sheet: ``run`` facts first (e.g.
    the report run's folder and scenario), then the dates, the model, its runs and seed, the data and the kit."""
    from forecast import __version__

    data = result.provenance
    synthetic = _(" (SYNTHETIC sample data, not real monitoring figures)") if data.synthetic else ""
    runs = _("{model} ({sims} simulation runs, seed {seed})")
    return {
        **{_(k.replace("_", " ")): _(v) for k, v in run.items() if v},
        _("data as of"): day(result.as_of, "short"),
        _("deadline"): day(result.deadline, "short"),
        _("model"): runs.format(model=_(result.model), sims=number(result.sims), seed=result.seed),
        _("data"): _("{source}, fingerprint {fingerprint}").format(source=data.source, fingerprint=data.fingerprint)
        + synthetic,
        _("written by"): f"forecast {__version__}",
    }


def sheet_name(path: Path) -> str:
    """A workbook's data sheet, named after its file: ``early_warning.xlsx`` -> "Early warning"."""
    name = re.sub(r"[\[\]:*?/\\]", " ", path.stem.replace("_", " ")).strip()[:31].strip()
    return name[:1].upper() + name[1:] if name else "Table"


def _workbook(frame: pd.DataFrame, path: Path, sheet: str, about: Mapping[str, object]) -> None:
    """``frame`` as a workbook an analyst can use at once: the data ``sheet`` (named after the file), headers in words,
    statuses in words, each number formatted by the pages' rule (percentages as percentages), column widths set,
    the header row frozen and a filter on it; then a README sheet: the ``about`` facts (which run it came from)
    and what each column means (:data:`forecast.present.formatting.DESCRIPTIONS`)."""
    from forecast.present.formatting import DESCRIPTIONS, label

    shown = frame.copy()
    if "status" in shown:
        shown["status"] = shown["status"].astype(object).map(lambda v: status_words(v) if isinstance(v, str) else v)
    data = _(sheet)
    readme: list[list[object]] = [[str(k), v, ""] for k, v in about.items()]
    readme += [["", "", ""], [_("column"), _("what it means"), _("name in the CSV")]]
    readme += [[label(c), _(DESCRIPTIONS.get(c, "")), c] for c in map(str, frame.columns)]
    notes = neutralised(pd.DataFrame(readme, dtype=object))
    in_memory(path, lambda buffer: _sheets(buffer, shown, notes, frame, data, len(about)))


def _sheets(buffer: Any, shown: pd.DataFrame, notes: pd.DataFrame, frame: pd.DataFrame, data: str, facts: int) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from forecast.present.formatting import label, number_format

    with pd.ExcelWriter(buffer, engine="openpyxl", date_format="yyyy-mm-dd", datetime_format="yyyy-mm-dd") as book:
        shown.rename(columns=lambda c: label(str(c))).to_excel(book, sheet_name=data, index=False)
        notes.to_excel(book, sheet_name="README", index=False, header=False)
        table = book.sheets[data]
        table.freeze_panes = "A2"
        table.auto_filter.ref = table.dimensions
        for i, col in enumerate(map(str, frame.columns), start=1):
            letter = get_column_letter(i)
            fmt = number_format(col, frame[col])
            if fmt:
                for (cell,) in table.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = fmt
            longest = max([len(label(col)), *(len(str(v)) for v in shown[col].head(1000))])
            table.column_dimensions[letter].width = min(max(longest + 3, 8), 60)  # room for the filter button
        notes_sheet = book.sheets["README"]
        for letter, width in zip("ABC", (28, 100, 28), strict=True):
            notes_sheet.column_dimensions[letter].width = width
        for row in notes_sheet.iter_rows():
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in notes_sheet[facts + 2]:
            cell.font = Font(bold=True)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# what no XLSX (XML 1.0) may hold, nor UTF-8 encode: control characters other than tab and line breaks, lone
# surrogates (a file name that is not UTF-8), U+FFFE and U+FFFF
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralised(frame: pd.DataFrame, formulas: bool = True) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would read as a formula (starting with ``= + - @``, tab or
    carriage return; OWASP's CSV injection list) prefixed with ``'``, so it shows as the text it is; and without
    the characters no table file can hold (:data:`_UNWRITABLE`; the loader removes them, this is for text from
    elsewhere). ``formulas=False`` (Parquet): only the latter."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype | pd.CategoricalDtype):
            values = out[col].to_numpy(dtype=object)
            clean = [_writable(v, formulas) for v in values]
            if any(a is not b for a, b in zip(clean, values, strict=True)):  # else it keeps its type (a dictionary)
                out[col] = pd.Series(clean, index=out.index, dtype=object)
    return out.rename(columns=lambda c: _writable(c, formulas))


def _writable(value: object, formulas: bool) -> object:
    """``value`` itself, or the text without :data:`_UNWRITABLE` characters and, with ``formulas``, a ``'`` before a
    formula's first character."""
    if not isinstance(value, str):
        return value
    text = _UNWRITABLE.sub("", value) if _UNWRITABLE.search(value) else value
    return "'" + text if formulas and text.startswith(FORMULA_STARTS) else text
