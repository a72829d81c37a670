"""The message catalogue's upkeep: extract the messages the kit marks, merge them into each language's ``.po`` and
compile its ``.mo`` (``make messages``, or ``python -m forecast.present.catalogue``).

The messages are every ``_``/``gettext``/``ngettext``/``N_`` call in ``src/forecast`` (Babel's Python extractor)
and every paragraph of the notebooks' markdown cells (the report runner translates them a paragraph at a time:
:func:`forecast.present.i18n.markdown`). A translator fills the ``msgstr`` of the ``.po``; the ``.mo`` is what the
kit reads, and a test checks it is the ``.po`` compiled and that no message is missing.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from forecast import paths
from forecast.models.outside_view import load_reference
from forecast.present.i18n import DOMAIN, LOCALE_DIR
from forecast.scenarios.levers import load_scenario

SOURCE = Path(__file__).resolve().parent.parent  # src/forecast
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extract(notebooks: Path = paths.NOTEBOOKS_DIR) -> Catalog:
    """Every message the kit marks (``src/forecast``) and every markdown paragraph of ``notebooks`` (and its
    ``templates/``), in one template catalogue."""
    found = Catalog(project="forecast", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        SOURCE, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message, locations=[(f"src/forecast/{filename}", lineno)], auto_comments=comments, context=context)
    for notebook in sorted([*notebooks.glob("*.ipynb"), *notebooks.glob("templates/*.ipynb")]):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells):
            where = [(f"notebooks/{notebook.relative_to(notebooks)}", number)]
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                for part in source.split("\n\n"):
                    if part.strip():
                        found.add(part, locations=where)
            elif cell["cell_type"] == "code":  # the cells' own _(...) and ngettext(...) calls
                for _line, _name, said, _comments in extract_python(io.BytesIO(source.encode()), KEYWORDS, [], {}):
                    parts = (said,) if isinstance(said, str) else tuple(m for m in said or () if m)
                    if parts:
                        found.add(parts[0] if len(parts) == 1 else parts[:2], locations=where)
    for path in sorted(paths.SCENARIOS_DIR.glob("*.yaml")):  # the example scenarios' names and questions
        scenario = load_scenario(path)
        for text in (scenario.name, scenario.description):
            if text:
                found.add(text, locations=[(f"params/scenarios/{path.name}", 1)])
    for population in sorted(set(load_reference()["population"])):  # the bundled reference class, as its table shows
        found.add(population, locations=[("data/reference/year_end.csv", 1)])
    return found


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def compiled(catalog: Catalog) -> bytes:
    """The ``.mo`` of ``catalog``, as :func:`update` writes it."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    """The messages of ``template`` that ``catalog`` does not translate."""
    out = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = (
            found.string if found is not None and isinstance(found.string, tuple | list) else [found and found.string]
        )
        if found is None or found.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def update(language: str = "vi") -> list[str]:
    """Merge the extracted messages into ``language``'s ``.po`` (new ones untranslated, gone ones dropped), write it
    and its ``.mo``; the messages still to translate."""
    template = extract()
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog = read(language) if path.exists() else Catalog(locale=language, domain=DOMAIN)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120, sort_output=False, include_previous=False, omit_header=False)
    catalog = read(language)
    path.with_suffix(".mo").write_bytes(compiled(catalog))
    return missing(catalog, template)


if __name__ == "__main__":
    left = update(*sys.argv[1:])
    for text in left:
        print(f"untranslated: {text[:100]!r}")
    print(f"{po_path(sys.argv[1] if sys.argv[1:] else 'vi')}: {len(left)} message(s) to translate")
