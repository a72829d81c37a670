"""The kit's one way to write a file: whole or not at all, and never over what it was not asked to replace.

:func:`replace_file` writes to a hidden temporary sibling (``.tmp-<name>.<random><suffix>``) and renames it into
place, so a reader sees the old file or the new one, and a failed or killed write leaves the old file as it was.
:func:`staged_folder` is the same for a whole folder (a report run, the synthetic sample): it is built in a hidden
temporary folder beside or inside its place, and only a finished one is renamed into place.
:func:`check_target` is asked first by every command that writes a file a user named: a folder, an existing file
(without ``force``) or a file inside a protected folder (the snapshot exports) is refused. Every ``OSError``
(read-only folder, disk full, permission) becomes one :class:`~forecast.errors.OutputError` naming the path.
"""

from __future__ import annotations

import gc
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from forecast.errors import OutputError

TEMP_PREFIX = ".tmp-"


@contextmanager
def staged_folder(path: Path, marker: tuple[str, str] | None = None) -> Iterator[Path]:
    """The hidden folder ``path`` (its name starting with :data:`TEMP_PREFIX`) to build a whole folder in, marked as
    the kit's with ``marker`` (file name, text) so a later run may clean it up; the caller renames it (or what it
    holds) into place when complete. Removed on the way out whatever happens: a failed build leaves nothing behind
    and the place as it was. ``OSError`` as raised (the caller says what could not be written)."""
    path.mkdir()
    try:
        if marker is not None:
            (path / marker[0]).write_text(marker[1], encoding="utf-8")
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def replace_file(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` and rename the temporary onto ``path``; :class:`OutputError` on any OS failure."""
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(path, f"cannot write here: {reason(exc)}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, _mode(path))
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(path, f"cannot write: {reason(exc)}; nothing was changed") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _mode(path: Path) -> int:
    """The replaced file's permissions, or a new file's (0666 less the umask), not the temporary's 0600."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text(path: str | Path, text: str) -> Path:
    """Replace ``path`` with ``text`` (UTF-8) in one step; a lone surrogate (a file name that is not UTF-8) is
    written as its escape, ``\\udcff``, not an error."""
    return replace_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8", errors="backslashreplace"))


def write_xlsx(frame: Any, path: str | Path) -> None:
    """``frame`` (a DataFrame) as an XLSX file at ``path``, made whole in memory first (:func:`in_memory`)."""
    in_memory(path, lambda buffer: frame.to_excel(buffer, index=False))


def in_memory(path: str | Path, build: Any) -> None:
    """Write at ``path`` the bytes ``build(buffer)`` puts in an in-memory buffer: an XLSX made whole in memory
    first, since were the zip written to disk as it is made, a full disk would leave it half-closed, to fail again
    when Python collects it ("Exception ignored in ZipFile.__del__"). openpyxl still puts each sheet in a temporary
    file; if that fails (a full disk again), the failure is raised once, and its half-made writers' second failures
    are dropped as they go."""
    buffer = io.BytesIO()
    failure: OSError | None = None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda u: None if isinstance(u.exc_value, OSError) else hook(u)
    try:
        try:
            build(buffer)
        except OSError as exc:  # kept without its traceback, whose frames hold the writers
            failure = OSError(exc.errno, exc.strerror, exc.filename)
        if failure is not None:
            gc.collect()  # the writers go now, while their errors are dropped
    finally:
        sys.unraisablehook = hook
    if failure is not None:
        raise failure
    Path(path).write_bytes(buffer.getvalue())


def write_json(path: str | Path, data: Any) -> Path:
    """:func:`write_text` of ``data`` as indented UTF-8 JSON."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def check_target(path: str | Path, *, force: bool = False, protected: Iterable[str | Path] = ()) -> Path:
    """``path`` if the kit may write a file there: not a folder, its folder exists, not inside a ``protected``
    folder, and not an existing file unless ``force``."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, f"is a folder; name a file in it, e.g. {path / 'early_warning.csv'}")
    if not path.parent.is_dir():
        raise OutputError(path, f"folder {path.parent} does not exist")
    where = path.resolve()
    for folder in protected:
        if where.is_relative_to(Path(folder).resolve()):
            raise OutputError(
                path,
                f"is inside the snapshot folder {folder}: the kit never writes there (a file "
                "there would be read as a snapshot export); write it elsewhere",
            )
    if path.exists() and not force:
        raise OutputError(path, "already exists; pass --force to replace it")
    return path


def reason(exc: OSError) -> str:
    """An OS error in words, e.g. "No space left on device" or "Permission denied"."""
    return exc.strerror or str(exc)
