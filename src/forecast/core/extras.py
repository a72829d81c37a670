"""The optional parts of the kit and what they need: ``pip install forecast`` gives the library and the CLI;
``forecast[report]`` adds what ``forecast report`` and ``forecast schedule`` run on; ``forecast[lab]`` adds
JupyterLab. (The dependency lists are in ``pyproject.toml``; here are the modules they provide.)
"""

from __future__ import annotations

from importlib.util import find_spec

from forecast.errors import MissingExtraError

# extra a command needs -> the top-level modules it installs, as imported (pyproject.toml lists the distributions)
EXTRAS: dict[str, tuple[str, ...]] = {
    "report": ("papermill", "nbconvert", "nbformat", "ipykernel", "vl_convert", "croniter", "psutil"),
}


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtraError` naming the missing modules and ``pip install 'forecast[extra]'`` when any
    module of ``extra`` cannot be imported; ``what`` is the command that needs it."""
    missing = [name for name in EXTRAS[extra] if not _importable(name)]
    if missing:
        raise MissingExtraError(
            f"{what} needs {', '.join(missing)}, not installed: install forecast[{extra}] "
            f"(pip install 'forecast[{extra}]', or `make setup` in the kit's folder)"
        )


def _importable(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):  # a broken or half-removed install
        return False
