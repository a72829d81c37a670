"""An executed notebook as one self-contained HTML file that works offline, with the code hidden.

nbconvert's ``lab`` template loads require.js, MathJax and mermaid from CDNs; the template below drops those
blocks (the reports use none of them: charts are inline SVG from :func:`forecast.charts.use_offline_renderer`) and
puts SVG outputs inline rather than as base64 images. :func:`offline_problems` then checks the result: a report
holds no script at all and loads nothing from the network, so a notebook that bypasses the offline renderer (whose
Altair default injects a script that fetches Vega from a CDN) fails its run instead of shipping a report that needs
the network.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter

from ..atomic import write_text
from ..errors import ReportError

_TEMPLATE = """
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style>
  main { max-width: 1100px; margin: 0 auto; }
  .jp-RenderedHTMLCommon table { font-size: 12px; }
  .jp-RenderedSVG svg { max-width: 100%; height: auto; }
</style>
{%- endblock extra_css -%}
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


def _svg_inline(svg: str) -> str:
    """SVG output as an inline element: the XML prolog and doctype are not allowed inside HTML."""
    return _XML_PROLOG.sub("", svg)


def exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the offline template and the code cells (inputs and prompts) hidden."""
    exp = HTMLExporter(extra_loaders=[DictLoader({"forecast_offline.html.j2": _TEMPLATE})],
                       template_file="forecast_offline.html.j2", exclude_input=True, exclude_input_prompt=True,
                       exclude_output_prompt=True)
    exp.register_filter("svg_inline", _svg_inline)
    return exp


def offline_problems(html: str) -> list[str]:
    """Every script element in ``html``, and every stylesheet, image or frame it would fetch from the network."""
    return [m.group(0)[:120] for m in (*_SCRIPT.finditer(html), *_REMOTE.finditer(html))]


def to_html(notebook: Path, target: Path, title: str | None = None) -> Path:
    """Render the executed ``notebook`` to ``target``; :class:`ReportError` if the page has a script or needs the
    network (then nothing is written)."""
    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    body, _ = exporter().from_notebook_node(nb)
    problems = offline_problems(body)
    if problems:
        raise ReportError(f"{notebook.name} has a script or loads from the network ({problems[0]} ...); notebooks "
                          "must call forecast.charts.use_offline_renderer() and show no scripts or remote content")
    write_text(target, body)
    return target
