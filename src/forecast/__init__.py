"""forecast: how many Resolution 57 programme tasks will slip past their deadline, and who holds them.

Importing the package has no side effects. The public API:
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import DataError, ForecastError, ParamsError, ReportError
from .history import build_history, intervals, open_set
from .published import load_published
from .snapshots import Snapshots, load_snapshots

try:
    __version__ = version("forecast")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "DataError",
    "ForecastError",
    "ParamsError",
    "ReportError",
    "Snapshots",
    "__version__",
    "build_history",
    "intervals",
    "load_published",
    "load_snapshots",
    "open_set",
]
