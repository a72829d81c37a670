"""What a report notebook calls before its first chart: validate its ``parameters`` cell, show the run banner.
(The notebook helpers; the report runner is :mod:`forecast.report`.)

Notebooks stay thin: no logic in cells beyond calling the kit. Every notebook starts with::

    use_offline_renderer()
    params = notebook_params(globals())
    display(banner(params, snaps))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from IPython.display import HTML

from .headline import headline, run_dates
from .params import Params, parse_params
from .question import SYNTHETIC_WARNING
from .snapshots import Snapshots

PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(Params) if f.name != "source")


def notebook_params(namespace: Mapping[str, Any]) -> Params:
    """Validate the notebook's parameters (the names of :data:`PARAMETER_NAMES` found in ``namespace``).

    Papermill injects dates as ISO strings, JupyterLab users may type dates or strings; both are accepted.
    Relative paths resolve against the working directory, which is the notebook's folder in JupyterLab and in
    ``forecast report``.
    """
    values = {name: namespace[name] for name in PARAMETER_NAMES if name in namespace}
    return parse_params(values, base=Path.cwd())


def banner(params: Params, snaps: Snapshots) -> HTML:
    """A header naming the scenario, dates and data; a red SYNTHETIC warning when the data is the sample."""
    dates = snaps.dates
    as_of, deadline = run_dates(params, snaps)
    facts = (f"Scenario <b>{escape(params.scenario)}</b> · as of {as_of} · deadline {deadline}"
             f" · {len(snaps.files)} snapshots"
             f" ({dates[0]:%d %b %Y} – {dates[-1]:%d %b %Y}) from <code>{escape(str(params.snapshots))}</code>"
             f" · data fingerprint <code>{escape(snaps.fingerprint)}</code>")
    warning = ('<div style="background:#b71c1c;color:#fff;padding:10px 14px;font-size:1.2em;font-weight:bold;'
               f'border-radius:4px;margin-bottom:6px">{SYNTHETIC_WARNING}</div>' if snaps.synthetic else "")
    return HTML(f'{warning}<div style="padding:6px 0">{facts}</div>')


__all__ = ["PARAMETER_NAMES", "banner", "headline", "notebook_params", "run_dates"]
