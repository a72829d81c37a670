import re

import altair as alt
import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from forecast.errors import ReportError
from forecast.present.charts import to_svg
from forecast.report.html import offline_problems, to_html

CHART = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x", y="y")


def _notebook(path, *outputs, source="secret_code_marker = 1"):
    nb = new_notebook(
        cells=[new_markdown_cell("# Title"), new_code_cell(source, outputs=list(outputs), execution_count=1)]
    )
    nbformat.write(nb, path)
    return path


def test_svg_charts_are_inline_code_is_hidden_and_nothing_is_remote(tmp_path):
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + to_svg(CHART)
    table = "<table><tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td></tr></table>"
    source = _notebook(
        tmp_path / "a.ipynb",
        new_output("display_data", data={"image/svg+xml": svg, "text/plain": "chart"}),
        new_output("execute_result", data={"text/html": table}, execution_count=1),
    )
    html = to_html(source, tmp_path / "a.html", title="a · run").read_text(encoding="utf-8")
    assert offline_problems(html) == []
    assert "<script" not in html.lower()  # no require.js, MathJax or mermaid loader
    assert re.search(r'<div class="jp-RenderedSVG[^>]*>\s*<svg', html) and "<?xml" not in html
    assert "secret_code_marker" not in html  # inputs hidden
    assert "&lt;script&gt;alert(1)" in html and "<title>a · run</title>" in html


def test_a_notebook_that_loads_vega_from_a_cdn_is_refused(tmp_path):
    with alt.renderers.enable("html"):  # Altair's network-dependent default
        bundle = alt.renderers.get()(CHART.to_dict())
    source = _notebook(tmp_path / "b.ipynb", new_output("display_data", data=bundle))
    with pytest.raises(ReportError, match="use_offline_renderer"):
        to_html(source, tmp_path / "b.html")
    assert not (tmp_path / "b.html").exists()


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
        "<script type='text/javascript' src='//cdn.example.org/x.js'></script>",
        '<link rel="stylesheet" href="http://example.org/a.css">',
        "<style>@import url(https://fonts.example.org/a.css);</style>",
        "<SCRIPT>fetch('/x')</SCRIPT>",
        '<img src="https://example.org/logo.png">',
    ],
)
def test_offline_problems_finds_every_kind_of_remote_load(snippet):
    assert offline_problems(f"<html>{snippet}</html>")


def test_local_and_inline_resources_are_fine():
    page = (
        '<a href="https://example.org/source">source</a><img src="data:image/png;base64,AAAA">'
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="01_data.html">x</a>'
    )
    assert offline_problems(page) == []
