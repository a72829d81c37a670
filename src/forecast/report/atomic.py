"""Writes that readers see whole or not at all: a temporary sibling, then one rename.

A killed process leaves at most a hidden temporary (``.tmp-*``), which the next run removes and the index never
lists.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

TEMP_PREFIX = ".tmp-"


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step: readers see the old file or the new one."""
    tmp = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    """:func:`write_text` of ``data`` as indented UTF-8 JSON."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def remove_temporaries(folder: Path) -> list[Path]:
    """Delete what killed runs left in ``folder`` (names starting ``.tmp-``); only call it holding the lock."""
    stale = sorted(folder.glob(f"{TEMP_PREFIX}*"))
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stale
