"""Every bound the kit puts on its inputs, in one place, and the memory estimate of a simulation.

A value outside its range is refused with a message that names the key and the range, before any work starts;
NaN and infinity are never in range. The bounds are generous for the question (a few thousand open tasks, weeks to
a year ahead) and small enough that no accepted input can exhaust a laptop.
"""

from __future__ import annotations

from forecast.errors import ForecastError

SIMS = (1, 1_000_000)  # Monte Carlo runs
TIMEOUT_MINUTES = (0.0, 1440.0)  # a report run's wall-clock limit: (0, 1 day]
HORIZON_DAYS = (1, 3650)  # backtest horizon
SEED = (0, 2**63 - 1)
NEW_TASKS = (1, 100_000)  # a scenario's new_tasks count
BY_DAYS = (1, 3650)  # a scenario's deadline extension, days
SELECT_COUNT = (1, 1_000_000)  # a scenario selector's count
MULTIPLIER = (0.0, 1000.0)  # a completion-rate multiplier: (0, 1000]
GOAL_CAP = (1.0, 1000.0)  # goal-seek's largest multiplier: (1, 1000]
TARGET_SLIPS = (0, 10_000_000)
SAMPLE_TASKS = (1, 1_000_000)  # forecast sample --tasks
DECEMBER = (0.0, 100.0)  # forecast sample --december: the December regime's hazard multiplier, (0, 100]
JOBS = (1, 64)  # notebooks a report runs at once
MAX_LIST = 1000  # entries in a params or scenario list (scenario files, levers, task ids)
MAX_YAML_BYTES = 1_000_000  # a params or scenario file
SHOWN_CHARS = 80  # a value quoted in an error message is cut to about this many characters

GAP_DAYS = 56  # snapshots further apart than this (8 weeks) cannot be modelled across
JUMP = 0.5  # a snapshot with 50 % more tasks than the one before is flagged
XLSX_HEADER_ROWS = 20  # an XLSX header row is looked for in this many first rows of each sheet
SHRINK = 0.1  # an export with this share fewer tasks than the one before, as many missing uncompleted, is flagged
SHRINK_TASKS = 10  # ... when that is at least this many tasks

# One export file, checked before it is expanded (forecast.data.readers): a CSV's size, an XLSX's unzipped parts, a
# Parquet file's uncompressed data; its data rows and its columns. Past a bound the file is refused, naming it.
EXPORT_BYTES = 2**30
EXPORT_ROWS = 2_000_000
EXPORT_COLUMNS = 1000
YAML_DEPTH = 50  # lists and mappings nested in a params or scenario file

MEMORY_LIMIT_BYTES = 4 * 2**30  # a simulation estimated to need more is refused
_CHUNK_BYTES_PER_CELL = 16  # float32 luck + float32 survival + bool slip + a float32 temporary, per task-run


def simulation_bytes(tasks: int, agencies: int, sims: int, chunk_cells: int = 4_000_000) -> int:
    """Bytes one simulation holds at its peak: per-run totals and per-agency counts (int64, ``(1 + agencies) *
    sims * 8``), per-task counts (``tasks * 8``) and one chunk's working arrays (about 16 bytes per task-run, a
    chunk being ``chunk_cells`` task-runs, or one run of every task when the open set is larger)."""
    chunk = max(min(chunk_cells, tasks * sims), tasks)
    return (1 + agencies) * sims * 8 + tasks * 8 + chunk * _CHUNK_BYTES_PER_CELL


def check_simulation(tasks: int, agencies: int, sims: int) -> None:
    """Refuse, before allocating anything, a simulation whose :func:`simulation_bytes` exceed the limit."""
    if not SIMS[0] <= sims <= SIMS[1]:
        raise ForecastError(f"sims must be between {SIMS[0]:,} and {SIMS[1]:,}, not {sims:,}")
    need = simulation_bytes(tasks, agencies, sims)
    if need > MEMORY_LIMIT_BYTES:
        raise ForecastError(
            f"a simulation of {tasks:,} open tasks in {agencies:,} agencies with {sims:,} runs needs about "
            f"{need / 2**30:.1f} GiB, more than the limit of {MEMORY_LIMIT_BYTES / 2**30:.0f} GiB "
            "(forecast.core.limits.MEMORY_LIMIT_BYTES); use fewer runs (--sims)"
        )
