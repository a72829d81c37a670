"""The documentation site (`make docs`, #26): mkdocs.yml's nav lists every page of docs/ and only pages that exist,
and the site builds with `--strict` and loads nothing from the network (no web fonts, no CDN script or style), so
it opens from a file share. The build takes about a second."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import yaml

from forecast import paths

DOCS = paths.PROJECT_DIR / "docs"
CONFIG = paths.PROJECT_DIR / "mkdocs.yml"


def _nav_files(nav) -> list[str]:
    """Every page the nav names, however deep (entries are ``{title: page}`` or ``{title: [entries]}``)."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [f for entry in nav for f in _nav_files(entry)]
    if isinstance(nav, dict):
        return [f for value in nav.values() for f in _nav_files(value)]
    return []


def test_the_nav_lists_every_docs_page_once_and_only_pages_that_exist():
    listed = _nav_files(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["nav"])
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert len(listed) == len(set(listed)), listed
    assert sorted(listed) == pages, (sorted(set(pages) - set(listed)), sorted(set(listed) - set(pages)))


class _Loads(HTMLParser):
    """What a page loads: script, style sheet, image, frame and media sources (not links a reader follows)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])  # style sheets, icons, preconnects, manifests
        elif tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.urls.append(a["src"])
        self._in_style = tag == "style"
        if a.get("style"):
            self.styles.append(a["style"])

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _remote(url: str) -> bool:
    return bool(re.match(r"\s*(https?:)?//", url))


def test_the_site_builds_strict_and_loads_nothing_from_the_network(tmp_path: Path):
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(CONFIG), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=paths.PROJECT_DIR,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert build.returncode == 0, build.stderr[-3000:]
    pages = sorted(site.rglob("*.html"))
    assert {p.stem for p in pages} >= {p.stem for p in DOCS.glob("*.md")}
    for page in pages:
        loads = _Loads()
        loads.feed(page.read_text(encoding="utf-8"))
        assert loads.urls, page.name  # the parser saw the theme's scripts and styles
        assert not [u for u in loads.urls if _remote(u)], (page.name, [u for u in loads.urls if _remote(u)])
        assert not [s for s in loads.styles if re.search(r"url\(\s*['\"]?(https?:)?//", s)], page.name
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"(@import|url\()\s*['\"]?(https?:)?//", text), css.name
    assert "fonts.googleapis" not in "".join(p.read_text(encoding="utf-8") for p in pages)
