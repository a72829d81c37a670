"""Structure rules: docs/architecture.md's layer diagram names every package and top-level module of the kit, and
only those; the notebooks import the kit from its two faces."""

import json
import re

from forecast import paths

PACKAGE = paths.PROJECT_DIR / "src" / "forecast"
ARCHITECTURE = paths.PROJECT_DIR / "docs" / "architecture.md"


def _diagram() -> str:
    """The first code block under "## Layers": one line per package (``name/``) or module (``name.py``)."""
    layers = ARCHITECTURE.read_text(encoding="utf-8").split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    return layers.split("```", 2)[1]


def _named() -> list[str]:
    """Each line's first name: ``cli/`` or ``combine.py`` (arrows and box-drawing characters before it skipped)."""
    names = []
    for line in _diagram().splitlines()[1:]:  # after the ``src/forecast/`` header
        entry = re.match(r"[\s│├└─▼]*([A-Za-z_]\w*(?:/|\.py))(?:\s|$)", line)
        if entry:
            names.append(entry.group(1))
    return names


def _packages_and_modules() -> set[str]:
    packages = {f"{p.parent.name}/" for p in PACKAGE.glob("*/__init__.py")}
    modules = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    return packages | modules


def test_the_architecture_diagram_names_every_package_and_module_and_only_those():
    named, real = _named(), _packages_and_modules()
    assert len(named) == len(set(named)), sorted(n for n in named if named.count(n) > 1)  # one line each
    assert real <= set(named), sorted(real - set(named))
    assert set(named) <= real, sorted(set(named) - real)


def test_every_module_the_architecture_page_names_exists():
    """A dotted name (``forecast.data.cache``) whose first part after ``forecast.`` is no package or module fails."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    firsts = set(re.findall(r"\bforecast\.([a-z_]\w*)", text))
    assert firsts, "the page names no module"
    assert all((PACKAGE / f).is_dir() or (PACKAGE / f"{f}.py").is_file() for f in firsts), sorted(
        f for f in firsts if not ((PACKAGE / f).is_dir() or (PACKAGE / f"{f}.py").is_file())
    )
    deeper = set(re.findall(r"\bforecast\.([a-z_]\w*)\.([a-z_]\w*)\b", text))
    for package, name in deeper:  # a module of a package, or a name its __init__ defines
        if (PACKAGE / package).is_dir() and not (
            (PACKAGE / package / f"{name}.py").exists() or (PACKAGE / package / name).is_dir()
        ):
            init = (PACKAGE / package / "__init__.py").read_text(encoding="utf-8")
            assert re.search(rf"\b{name}\b", init), f"forecast.{package}.{name}"


def test_notebooks_import_the_kit_only_from_its_two_faces():
    """The analysis API from ``forecast``, everything a page shows from ``forecast.notebook`` (#13)."""
    faces = set()
    for path in sorted((paths.PROJECT_DIR / "notebooks").rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            source = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
            faces |= {(path.name, m) for m in re.findall(r"^\s*(?:from|import) (forecast[\w.]*)", source, re.M)}
    assert faces and {face for _, face in faces} <= {"forecast", "forecast.notebook"}, sorted(faces)


def test_every_name_the_notebook_face_offers_resolves():
    import forecast
    from forecast import notebook

    assert all(getattr(notebook, name) is not None for name in notebook.__all__)
    assert all(getattr(forecast, name) is not None for name in forecast.__all__)
