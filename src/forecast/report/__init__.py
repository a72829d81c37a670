"""The report runner: notebooks executed on Jupyter kernels into a run folder of offline HTML reports, and the index.
(What the notebooks themselves call lives in :mod:`forecast.notebook`; the headline in
:mod:`forecast.present.headline`.)

One verb per module:

* :mod:`.execute` — the child process: the run's forecast once (:mod:`forecast.present.rundata`), then the pages,
``jobs``
  at a time;
* :mod:`.kernels` — the kernels the pages run on (papermill's parameters, nbclient's execution), reused;
* :mod:`.run` — one report run: lock, temporary folder, time limit, ``run.json``, publish with the index;
* :mod:`.prerequisites` — a page that needs more history than the data has is cut short, with a note;
* :mod:`.html` — executed notebook → self-contained offline HTML, code hidden, navigation and contents;
* :mod:`.index` — ``DIR/index.html`` listing every run;
* :mod:`.lock` — one run per folder at a time (files are written whole by :mod:`forecast.core.atomic`);
* :mod:`.schedule` — the in-process cron loop.
"""
