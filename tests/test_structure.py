"""Structure rules: the README's layout lists every module of the package, and only modules that exist."""

import json
import re

from forecast import paths

PACKAGE = paths.PROJECT_DIR / "src" / "forecast"


def _layout() -> str:
    readme = (paths.PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    return readme.split("## Layout", 1)[1].split("\n## ", 1)[0]


def _listed() -> set[str]:
    """Module paths named in the layout block, relative to src/forecast (a `src/forecast/x/` header sets the folder)."""
    listed, folder = set(), ""
    for line in _layout().splitlines():
        header = re.match(r"src/forecast/(\S*)", line)
        if header:
            folder = header.group(1)
            continue
        entry = re.match(r"\s+(\S+\.py)\s", line)
        if entry:
            listed.add(folder + entry.group(1))
    return listed


def test_the_readme_layout_lists_every_module_and_only_modules_that_exist():
    listed = _listed()
    modules = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    assert modules <= listed, sorted(modules - listed)
    assert all((PACKAGE / m).is_file() for m in listed), sorted(m for m in listed if not (PACKAGE / m).is_file())


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
