"""Helpers the tests share: small portfolios written as exports in the dialects real systems produce, and a
portfolio with a known outcome. (Fixtures are in ``conftest.py``; tests import helpers from here.)"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

import pandas as pd

from forecast import sample
from forecast.data import schema
from forecast.sample.process import FITTED

VIETNAMESE_HEADERS = {
    "task_id": "Mã nhiệm vụ",
    "agency": "Cơ quan chủ trì",
    "deadline": "Thời hạn",
    "status": "Tình trạng",
    "title": "Tên nhiệm vụ",
    "assigned_date": "Ngày giao",
    "source": "Văn bản giao",
}
ENGLISH_HEADERS = {
    "task_id": "Task ID",
    "agency": "Lead Agency",
    "deadline": "Due_Date",
    "status": "Status",
    "assigned_date": "Assigned",
}
VIETNAMESE_STATUS = {
    schema.COMPLETED_ON_TIME: "Hoàn thành đúng hạn",
    schema.COMPLETED_LATE: "Hoàn thành trễ hạn",
    schema.IN_PROGRESS: "Đang thực hiện",
    schema.OVERDUE: "Quá hạn chưa hoàn thành",
    schema.REGULAR: "Nhiệm vụ thường xuyên",
}
ENGLISH_STATUS = {s: label for s, (label, *_) in schema.STATUS_LABELS.items()}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def write_exports(frame: pd.DataFrame, folder: Path, dialect: str = "canonical") -> Path:
    """Write a long snapshot frame as one file per snapshot in one of three dialects.

    * ``vietnamese``: CSV with BOM, Vietnamese headers (NFD) and statuses, dd/mm/yyyy dates.
    * ``english``: XLSX with English headers and labels, real Excel dates.
    * ``canonical``: Parquet with canonical names and ISO strings.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for when, snap in frame.groupby("snapshot_date"):
        table = snap.drop(columns=["snapshot_date", "dataset"], errors="ignore").reset_index(drop=True)
        stamp = when.strftime("%Y-%m-%d")
        if dialect == "vietnamese":
            for col in ("deadline", "assigned_date"):
                table[col] = table[col].dt.strftime("%d/%m/%Y").fillna("")
            table["status"] = table["status"].map(VIETNAMESE_STATUS).map(nfd)
            table = table.rename(columns={k: nfd(v) for k, v in VIETNAMESE_HEADERS.items()})
            table.to_csv(folder / f"bao-cao_{stamp}.csv", index=False, encoding="utf-8-sig")
        elif dialect == "english":
            table["status"] = table["status"].map(ENGLISH_STATUS)
            table = table.rename(columns=ENGLISH_HEADERS)
            table.to_excel(folder / f"export {stamp}.xlsx", index=False)
        else:
            for col in ("deadline", "assigned_date"):
                table[col] = table[col].dt.strftime("%Y-%m-%d")
            table.to_parquet(folder / f"snapshot_{stamp}.parquet", index=False)
    return folder


def csv_export(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


DEC4, YEAR_END = pd.Timestamp("2025-12-04"), pd.Timestamp("2025-12-31")


# The bundled sample's fitted process without what the hazard model does not represent (task frailty, the
# review-meeting push, extensions and reclassifications, the switch-over slowdown, different rates for the waves of
# one source document: each source gets the geometric mean of its waves' rates): a world it assumes.
_RATES = FITTED.rates
ASSUMED_WORLD = replace(
    FITTED,
    task_sd=0.0,
    meeting_push=1.0,
    exit_rate=0.0,
    switch_over=1.0,
    rates={
        **_RATES,
        **dict.fromkeys(("res71_first", "res71_second"), (_RATES["res71_first"] * _RATES["res71_second"]) ** 0.5),
        **dict.fromkeys(
            ("conclusions_early", "conclusions_late"), (_RATES["conclusions_early"] * _RATES["conclusions_late"]) ** 0.5
        ),
    },
)


def known_portfolio(seed: int, tasks: int = 1287, process=ASSUMED_WORLD):
    """A portfolio simulated from a known process of :mod:`forecast.sample` (by default :data:`ASSUMED_WORLD`:
    deadline pull, agency frailty, weekly shocks, 3 to 150+ tasks per agency), seen up to 4 Dec, and the number of
    its open tasks still open on 1 Jan 2026."""
    from forecast.data.question import ask
    from forecast.data.snapshots import from_frame

    full = sample.generate(tasks=tasks, seed=seed, until="2026-01-01", process=process, december=1.0)
    snaps = from_frame(full.loc[full["snapshot_date"] <= DEC4])
    question = ask(snaps, DEC4, YEAR_END)
    after = full.loc[full["snapshot_date"] == pd.Timestamp("2026-01-01")].set_index("task_id")["status"]
    truth = int(after.reindex(question.tasks.index).isin(["in_progress", "overdue"]).sum())
    return snaps, question, truth
