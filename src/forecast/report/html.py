"""An executed notebook as one self-contained HTML page that works offline: code hidden, a navigation bar and a
contents list on top.

nbconvert's ``lab`` template loads require.js, MathJax and mermaid from CDNs and inlines 260 KB of JupyterLab CSS;
the template below drops those blocks (the reports use none of them: charts are inline SVG from
:func:`forecast.present.charts.use_offline_renderer`), puts a few lines of CSS in their place and SVG outputs inline
rather than as base64 images. Every page of a run carries the same :class:`Nav` (the run's pages, its agencies, its
downloads, the index of all runs) and a contents list of its own section headings. :func:`offline_problems` then checks
the result: a report holds no script at all and loads nothing from the network, so a notebook that bypasses the offline
renderer (whose Altair default injects a script that fetches Vega from a CDN) fails its run instead of shipping a report
that needs the network."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import nbformat

from forecast.core.atomic import write_text
from forecast.errors import ReportError
from forecast.present.i18n import gettext as _
from forecast.present.i18n import language
from forecast.present.i18n import markdown as translated

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 0 1.2em 3em; }
.kit-nav { background: #263238; color: #eceff1; padding: 8px 1.2em; font-size: 14px; }
.kit-nav a { color: #eceff1; margin-right: 1em; text-decoration: none; white-space: nowrap; }
.kit-nav a:hover, .kit-nav a[aria-current] { text-decoration: underline; font-weight: bold; }
.kit-nav .kit-downloads { display: block; margin-top: 4px; color: #b0bec5; }
.kit-nav .kit-downloads a { color: #b0bec5; margin-right: .8em; }
.kit-contents { border-left: 3px solid #cfd8dc; padding: 2px 0 2px 12px; margin: 1em 0; font-size: 14px; }
.kit-contents ol { margin: 4px 0; padding-left: 1.2em; }
h1 { font-size: 1.7em; margin: .8em 0 .3em; } h2 { font-size: 1.3em; margin: 1.4em 0 .4em; }
a.anchor-link { display: none; }
table { border-collapse: collapse; font-size: 13px; margin: .5em 0 1em; }
th, td { border-bottom: 1px solid #e0e0e0; padding: 3px 8px; vertical-align: top; }
th { text-align: left; background: #f5f5f5; font-weight: 600; }
caption { caption-side: bottom; text-align: left; color: #555; font-size: 12px; padding-top: 4px; }
.jp-OutputArea-output pre, pre { font: 12px/1.4 ui-monospace, monospace; white-space: pre-wrap; margin: .3em 0; }
.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"] { background: #fdecea; padding: 4px 8px; }
.jp-RenderedSVG svg { max-width: 100%; height: auto; }
.jp-OutputPrompt, .jp-InputPrompt, .jp-Collapser { display: none; }
.ansi-red-fg { color: #c62828; } .ansi-green-fg { color: #2e7d32; } .ansi-yellow-fg { color: #8d6e00; }
.ansi-blue-fg { color: #1565c0; } .ansi-cyan-fg { color: #00838f; } .ansi-bold { font-weight: bold; }
@media print { .kit-nav { display: none; } }
"""

_TEMPLATE = """
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block notebook_css -%}<style type="text/css">{{ resources.kit_css }}</style>{%- endblock notebook_css -%}
{%- block body_header -%}
<body class="kit-page">
<!--kit-nav-->
<main>
<!--kit-contents-->
{%- endblock body_header -%}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
{{ output.data['image/svg+xml'] | svg_inline }}
</div>
{%- endblock data_svg %}
"""
# Something fetched over the network: <script src=http…>, <link href=http…>, <img src=//…>, CSS @import/url(http…).
_REMOTE = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]+"""
    r"""|@import\s+(?:url\()?\s*["']?(?:https?:)?//[^"')\s]+|url\(\s*["']?(?:https?:)?//[^"')\s]+""",
    re.IGNORECASE,
)
_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>\s*(?:<!DOCTYPE[^>]*>\s*)?")
_HEADING = re.compile(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>.*?</a>)?</h2>', re.S)
_TAGS = re.compile(r"<[^>]+>")
NAV_MARK = "<!--kit-nav-->"


@dataclass(frozen=True)
class Nav:
    """What every page of a run links to: its ``pages`` (label, file), the page listing its ``agencies`` (label,
    href) if any, its ``downloads`` (file names) and the ``index`` of all runs."""

    pages: tuple[tuple[str, str], ...] = ()
    agencies: tuple[str, str] | None = None
    downloads: tuple[str, ...] = ()
    index: str = "../index.html"

    def html(self, current: str = "") -> str:
        """The navigation bar, ``current`` (a file name) marked."""
        everything, files, pages = _("All runs"), _("Downloads:"), _("report pages")
        links = [f'<a href="{_href(self.index)}">{escape(everything)}</a>']
        for label, page in self.pages:
            mark = ' aria-current="page"' if page == current else ""
            links.append(f'<a href="{_href(page)}"{mark}>{escape(label)}</a>')
        if self.agencies:
            links.append(f'<a href="{_href(self.agencies[1])}">{escape(self.agencies[0])}</a>')
        downloads = "".join(f'<a href="{_href(name)}">{escape(name)}</a>' for name in self.downloads)
        extra = f'<span class="kit-downloads">{escape(files)} {downloads}</span>' if downloads else ""
        return f'<nav class="kit-nav" aria-label="{escape(pages)}">{"".join(links)}{extra}</nav>'


def _href(name: str) -> str:
    """A relative URL (a file name with an optional #anchor) inside an HTML attribute."""
    path, _, anchor = name.partition("#")
    return escape(quote(path) + (f"#{quote(anchor)}" if anchor else ""))


def _svg_inline(svg: str) -> str:
    """SVG output as an inline element: the XML prolog and doctype are not allowed inside HTML."""
    return _XML_PROLOG.sub("", svg)


_IMG_NO_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)


def _alt_text(html: str) -> str:
    """Images without alt text get nbconvert's default one."""
    words = _("No description has been provided for this image")
    return _IMG_NO_ALT.sub(f'<img alt="{escape(words)}"', html)


@functools.cache
def exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the offline template and the code cells (inputs and prompts) hidden; made
    once per process (building one takes a third of a second, rendering a page a few hundredths). nbconvert is
    imported here, not with this module: a report's parent process and its runner start without it (0.3 s each,
    before the first page can run), and the parent renders a page only when the runner was stopped first."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class _Exporter(HTMLExporter):
        """nbconvert's HTML exporter without its BeautifulSoup pass, which parsed and re-serialised every page (more
        than half of a page's rendering) to give images without alt text a default one (:func:`_alt_text` does that
        with one substitution) and the cells of a ``.jp-Notebook`` a ``tabindex`` (the kit's template has none)."""

        def from_notebook_node(self, nb, resources=None, **kw):
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name"))
            resources = self._init_resources(resources)
            highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            self.register_filter("highlight_code", highlight)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _alt_text(html), resources

    exp = _Exporter(
        extra_loaders=[DictLoader({"forecast_offline.html.j2": _TEMPLATE})],
        template_file="forecast_offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exp.register_filter("svg_inline", _svg_inline)
    return exp


def contents(body: str) -> str:
    """A contents list of the page's section headings (``<h2 id=...>``); empty for fewer than two."""
    items = [(anchor, _TAGS.sub("", text).strip()) for anchor, text in _HEADING.findall(body)]
    if len(items) < 2:
        return ""
    entries = "".join(f'<li><a href="#{escape(anchor)}">{text}</a></li>' for anchor, text in items)
    label, heading = escape(_("contents")), escape(_("On this page"))
    return f'<nav class="kit-contents" aria-label="{label}"><b>{heading}</b><ol>{entries}</ol></nav>'


def _place_contents(body: str) -> str:
    """The contents list after the page's title (its first ``<h1>``), or at the top when it has none."""
    listing = contents(body)
    body = body.replace("<!--kit-contents-->", "", 1)
    end = body.find("</h1>")
    if end < 0:
        return body.replace("<main>", f"<main>\n{listing}", 1)
    return body[: end + 5] + listing + body[end + 5 :]


def offline_problems(html: str) -> list[str]:
    """Every script element in ``html``, and every stylesheet, image or frame it would fetch from the network."""
    return [m.group(0)[:120] for m in (*_SCRIPT.finditer(html), *_REMOTE.finditer(html))]


def to_html(notebook: Path, target: Path, title: str | None = None, nav: Nav | None = None) -> Path:
    """Render the executed ``notebook`` to ``target``; :class:`ReportError` if the page has a script or needs the
    network (then nothing is written). Without ``nav`` the page keeps a placeholder for :func:`set_nav`: pages
    are rendered as soon as they run, and the run's navigation is only known when all have."""
    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    body, _ = exporter().from_notebook_node(nb, resources={"kit_css": CSS, "language_code": language()})
    body = _place_contents(body).replace('<html lang="en">', f'<html lang="{language()}">', 1)
    if nav is not None:
        body = body.replace(NAV_MARK, nav.html(current=target.name), 1)
    problems = offline_problems(body)
    if problems:
        raise ReportError(
            f"{notebook.name} has a script or loads from the network ({problems[0]} ...); notebooks "
            "must call forecast.present.charts.use_offline_renderer() and show no scripts or remote content"
        )
    write_text(target, body)
    return target


def set_nav(page: Path, nav: Nav) -> None:
    """Put the run's ``nav`` into a page :func:`to_html` rendered without one."""
    html = page.read_text(encoding="utf-8")
    if NAV_MARK in html:
        write_text(page, html.replace(NAV_MARK, nav.html(current=page.name), 1))


def notebook_title(path: Path) -> str:
    """A notebook's first level-1 heading without its number ("# 01 · The data" -> "The data"); the file's stem
    when it has none."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # not a notebook: its run fails and says why
        return path.stem
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    line = translated(line)  # noqa: PLW2901 (the heading in the run's language)
                    title = re.sub(r"^\d+\s*[·.:-]\s*", "", line[2:].strip()).split(":")[0].strip()
                    return title or path.stem
    return path.stem
