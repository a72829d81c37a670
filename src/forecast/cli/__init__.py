"""The command line: ``forecast`` and its subcommands (:mod:`.app` parses, :mod:`.commands` runs).

``main`` is imported on first use, so ``import forecast.cli`` stays light."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from forecast.cli.app import main as run

    return run(argv)


__all__ = ["main"]
