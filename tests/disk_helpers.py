"""Unlucky disks for tests: a read-only folder and a full one, made real where the machine allows it.

As root, ``chmod`` does not stop writes, so a read-only folder is a tmpfs mounted read-only and a full disk is a
tiny tmpfs filled to the last byte. Where mounting is not allowed (an ordinary user, a container without the
capability, or ``FORECAST_TEST_NO_MOUNT=1``), every write into the folder by this process is made to fail with
``EROFS`` or ``ENOSPC`` (file opens, folder creation, renames); a command run in a process of its own, or a report's
worker process, gets a file size limit instead (``RLIMIT_FSIZE``: a write past it fails with ``EFBIG``, "File too
large", as a full disk's does with ``ENOSPC``). Either way the test runs; nothing is skipped.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import resource
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _mount(folder: Path, options: str) -> bool:
    if os.geteuid() != 0 or os.environ.get("FORECAST_TEST_NO_MOUNT"):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False
    )
    return done.returncode == 0


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@contextlib.contextmanager
def read_only_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str] | None = None
) -> Iterator[Path]:
    """``folder`` holding ``files`` (name -> text), in which nothing can be written."""
    files = files or {}
    if _mount(folder, "size=1m"):
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
        try:
            yield folder
        finally:
            _unmount(folder)
        return
    _fill(folder, files)
    _deny(folder, monkeypatch, errno.EROFS)
    yield folder


@contextlib.contextmanager
def full_disk(folder: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str] | None = None) -> Iterator[Path]:
    """``folder`` holding ``files``, on a disk with no space left."""
    files = files or {}
    if _mount(folder, "size=256k"):
        try:
            _fill(folder, files)
            with contextlib.suppress(OSError), (folder / ".filler").open("wb") as fh:
                while True:
                    fh.write(b"\0" * 4096)
                    fh.flush()
            yield folder
        finally:
            _unmount(folder)
        return
    _fill(folder, files)
    _deny(folder, monkeypatch, errno.ENOSPC)
    yield folder


def _fill_up(folder: Path, free: int = 0) -> None:
    """Fill the disk of ``folder`` but for about ``free`` bytes."""
    filler = folder / ".filler"
    with contextlib.suppress(OSError), filler.open("wb") as fh:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()
    os.truncate(filler, max(0, filler.stat().st_size - free))


def _size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


Runner = Callable[[list[str]], subprocess.CompletedProcess]


@contextlib.contextmanager
def full_disk_for_commands(folder: Path) -> Iterator[tuple[Path, Runner]]:
    """``folder`` on a full disk, and the function that runs a command (in a process of its own, its output
    captured) for which it is full. Without a mount, the command runs with a file size limit of 4 KiB."""
    if _mount(folder, "size=256k"):
        try:
            _fill_up(folder)
            yield folder, lambda args: subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
        finally:
            _unmount(folder)
        return
    folder.mkdir(parents=True, exist_ok=True)
    yield (
        folder,
        lambda args: subprocess.run(
            args, capture_output=True, text=True, timeout=600, check=False, preexec_fn=_size_limit(4096)
        ),
    )


@contextlib.contextmanager
def nearly_full_disk(
    folder: Path, monkeypatch: pytest.MonkeyPatch, free: int, setup: Callable[[Path], object]
) -> Iterator[Path]:
    """``folder``, after ``setup(folder)`` wrote into it, on a disk with about ``free`` bytes left: room for a
    report run to start, not to finish. Without a mount, the report's worker process (which writes the run's data,
    downloads and pages) gets a file size limit of ``free`` bytes."""
    if _mount(folder, "size=8m"):
        try:
            setup(folder)
            _fill_up(folder, free)
            yield folder
        finally:
            _unmount(folder)
        return
    import forecast.report.run as report_run

    folder.mkdir(parents=True, exist_ok=True)
    setup(folder)
    real = subprocess.Popen

    def limited(args, *rest, **kwargs):
        if "forecast.report.execute" in args:
            kwargs["preexec_fn"] = _size_limit(free)
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(report_run.subprocess, "Popen", limited)
    yield folder


def _fill(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def _deny(folder: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Make this process's writes into ``folder`` fail with ``code``."""
    inside = folder.resolve()

    def refuse(path) -> None:
        if Path(os.fsdecode(path)).resolve().is_relative_to(inside):
            raise OSError(code, os.strerror(code), os.fsdecode(path))

    real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir
    real_rename, real_replace = os.rename, os.replace

    def open_(file, mode="r", *args, **kwargs):
        if not isinstance(file, int) and any(c in mode for c in "wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):
        refuse(path)
        return real_mkdir(path, *args, **kwargs)

    def rename(src, dst, *args, **kwargs):
        refuse(dst)
        return real_rename(src, dst, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        refuse(dst)
        return real_replace(src, dst, *args, **kwargs)

    for target, name, fake in (
        (builtins, "open", open_),
        (io, "open", open_),
        (os, "open", os_open),
        (os, "mkdir", mkdir),
        (os, "rename", rename),
        (os, "replace", replace),
    ):
        monkeypatch.setattr(target, name, fake)


def tree(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """Every file and folder under ``root``: kind, modification time (ns) and bytes, to prove nothing changed."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink() or p.is_dir():
            out[str(p.relative_to(root))] = ("dir", 0, b"")
        else:
            out[str(p.relative_to(root))] = ("file", p.stat().st_mtime_ns, p.read_bytes())
    return out
