"""Report runs: notebooks executed with papermill into a run folder of offline HTML reports, and the index.

One verb per module:

* :mod:`.headline` — the run's headline numbers (:func:`headline`), the one place they are computed;
* :mod:`.notebook` — what notebooks call first (:func:`notebook_params`, :func:`banner`);
* :mod:`.execute` — the child process that runs the notebooks (papermill) and the headline;
* :mod:`.run` — one report run: lock, temporary folder, time limit, ``run.json``, publish with the index;
* :mod:`.prerequisites` — a page that needs more history than the data has is cut short, with a note;
* :mod:`.html` — executed notebook → self-contained offline HTML, code hidden;
* :mod:`.index` — ``DIR/index.html`` listing every run;
* :mod:`.lock` — one run per folder at a time (files are written whole by :mod:`forecast.atomic`);
* :mod:`.schedule` — the in-process cron loop.

Importing this package stays light (no papermill or nbconvert) so notebooks can import it.
"""

from .headline import headline, run_dates
from .notebook import banner, notebook_params

__all__ = ["banner", "headline", "notebook_params", "run_dates"]
