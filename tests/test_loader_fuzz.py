"""Issue #24, fuzzing: the loader over mutated exports (truncation, byte flips, quote damage, XLSX dimension tags
and damaged sheet XML, delimiters, lines dropped or repeated, bytes that are not UTF-8, file names of any bytes)
answers with data or with the kit's own error (:class:`forecast.errors.ForecastError`), never anything else.

Deterministic: one seeded random generator, the mutation kinds in turn; bounded: about :data:`SECONDS` of work (as
many mutants as fit, each kind at least :data:`AT_LEAST` times, whatever the machine's speed). A failure names the
mutant (kind and number) and keeps its file, so it can be replayed.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable

import pandas as pd
import pytest

from forecast.data.question import ask
from forecast.data.snapshots import load_snapshots
from forecast.errors import ForecastError
from tests.report_helpers import write_portfolio

SECONDS = 20.0
AT_LEAST = 5  # mutants of each kind, however slow the machine
SEED = 24


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    """The last two exports of a portfolio cut to 40 tasks: the one before as CSV, the last as CSV, XLSX and
    Parquet (the mutants' originals)."""
    root = tmp_path_factory.mktemp("seeds")
    exports = write_portfolio(root / "portfolio")
    before, last = (pd.read_csv(p, dtype=str, keep_default_na=False).head(40) for p in sorted(exports.glob("*"))[-2:])
    last = last.assign(title=last["title"].str.lstrip("=+-@"))  # the portfolio's formula titles: not here
    last.loc[3, "agency"] = "Ministry of Culture, Sports and Tourism"  # a quoted field
    xlsx, parquet = io.BytesIO(), io.BytesIO()
    last.to_excel(xlsx, index=False)
    last.to_parquet(parquet, index=False)
    return {
        "before.csv": before.to_csv(index=False).encode(),
        ".csv": last.to_csv(index=False, lineterminator="\r\n").encode(),
        ".xlsx": xlsx.getvalue(),
        ".parquet": parquet.getvalue(),
    }


def truncate(rng: random.Random, data: bytes, _: str) -> bytes:
    return data[: rng.randrange(len(data))]


def flip(rng: random.Random, data: bytes, _: str) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def quotes(rng: random.Random, data: bytes, _: str) -> bytes:
    """A quote added, removed or put in a delimiter's place."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out))
        what = rng.choice(["insert", "replace", "remove"])
        if what == "insert":
            out.insert(at, ord('"'))
        elif what == "replace" and (commas := [i for i, b in enumerate(out) if b == ord(",")]):
            out[rng.choice(commas)] = ord('"')
        elif quoted := [i for i, b in enumerate(out) if b == ord('"')]:
            del out[rng.choice(quoted)]
    return bytes(out)


def lines(rng: random.Random, data: bytes, _: str) -> bytes:
    """Lines dropped, repeated or swapped; delimiters changed; bytes that are not UTF-8 put in."""
    rows = data.split(b"\n")
    at = rng.randrange(len(rows))
    what = rng.choice(["drop", "repeat", "swap", "delimiter", "latin1", "blank"])
    if what == "drop":
        del rows[at]
    elif what == "repeat":
        rows.insert(at, rows[at])
    elif what == "swap":
        other = rng.randrange(len(rows))
        rows[at], rows[other] = rows[other], rows[at]
    elif what == "delimiter":
        rows[at] = rows[at].replace(b",", rng.choice([b";", b"\t", b"|", b",,"]))
    elif what == "latin1":
        rows[at] = rows[at] + b"\xe9\xff"
    else:
        rows.insert(at, rng.choice([b"", b"   ", b",,,,", b'""']))
    return b"\n".join(rows)


DIMENSIONS = ["A1", "A1:A1", "A1:I5", "A1:XFD1048576", "XFD1048576", "B2:A1", "A0:B-1", "ZZZZ9", "", "A1:", "I41"]


def dimension(rng: random.Random, data: bytes, _: str) -> bytes:
    return _sheet(
        data, lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{rng.choice(DIMENSIONS)}"'.encode(), xml)
    )


def sheet_xml(rng: random.Random, data: bytes, _: str) -> bytes:
    """The sheet's XML damaged inside a valid zip: bytes flipped, cut, or a tag's attributes changed."""
    what = rng.choice(["flip", "truncate", "row", "cell"])
    if what == "flip":
        return _sheet(data, lambda xml: flip(rng, xml, ""))
    if what == "truncate":
        return _sheet(data, lambda xml: truncate(rng, xml, ""))
    if what == "row":
        return _sheet(
            data,
            lambda xml: re.sub(
                rb'<row r="\d+"', f'<row r="{rng.randint(-5, 2_000_000)}"'.encode(), xml, count=rng.randint(1, 5)
            ),
        )
    return _sheet(
        data, lambda xml: re.sub(rb'r="[A-Z]+\d+"', rng.choice([b'r="XFD9"', b'r="A1048576"', b'r="?"']), xml, count=3)
    )


def _sheet(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            target.writestr(item, change(part) if item.filename.startswith("xl/worksheets/sheet") else part)
    return out.getvalue()


def name(rng: random.Random, data: bytes, _: str) -> bytes:
    """The export as it was; its file name gets random bytes (:func:`file_name`)."""
    return data


def file_name(rng: random.Random, kind: str, suffix: str) -> str:
    """``snapshot_2025-12-04<suffix>``, or for the ``name`` kind the date followed by up to 12 random bytes (any
    but ``/`` and NUL: a name that may not be UTF-8, Python's surrogate escapes)."""
    if kind != "name":
        return f"snapshot_2025-12-04{suffix}"
    tail = bytes(rng.choice([b for b in range(1, 256) if b != ord("/")]) for _ in range(rng.randint(1, 12)))
    return os.fsdecode(b"snapshot_2025-12-04_" + tail + suffix.encode())


KINDS: dict[str, tuple[Callable[[random.Random, bytes, str], bytes], tuple[str, ...]]] = {
    "truncate": (truncate, (".csv", ".xlsx", ".parquet")),
    "flip": (flip, (".csv", ".xlsx", ".parquet")),
    "quotes": (quotes, (".csv",)),
    "lines": (lines, (".csv",)),
    "dimension": (dimension, (".xlsx",)),
    "sheet_xml": (sheet_xml, (".xlsx",)),
    "name": (name, (".csv", ".xlsx", ".parquet")),
}


def test_the_loader_answers_every_mutated_export_with_data_or_its_own_error(seeds, tmp_path):
    rng = random.Random(SEED)
    done: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < SECONDS or min(done[k] for k in KINDS) < AT_LEAST:
        kind = list(KINDS)[n % len(KINDS)]
        mutate, suffixes = KINDS[kind]
        suffix = rng.choice(suffixes)
        folder = tmp_path / f"{n:05d}-{kind}"
        folder.mkdir()
        (folder / "snapshot_2025-11-27.csv").write_bytes(seeds["before.csv"])
        (folder / file_name(rng, kind, suffix)).write_bytes(mutate(rng, seeds[suffix], suffix))
        try:
            snaps = load_snapshots(folder)
            ask(snaps)  # the forecast question at the last snapshot: where a cut export is refused
            outcomes["loaded"] += 1
        except ForecastError:
            outcomes["refused"] += 1
        except Exception:
            pytest.fail(f"mutant {n} ({kind}, {suffix}) in {folder}:\n{traceback.format_exc()}")
        shutil.rmtree(folder)
        done[kind] += 1
        n += 1
    assert all(done[k] >= AT_LEAST for k in KINDS)
    assert outcomes["loaded"] and outcomes["refused"]  # the mutants are neither all harmless nor all fatal
