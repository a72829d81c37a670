"""Jupyter kernels that execute a report run's notebooks one after another, each from an empty namespace.

Starting a kernel and importing the kit (pandas, altair, the models) is most of a page's time, and a run has a few
notebooks and a page per agency; so :mod:`.execute` keeps ``jobs`` kernels and runs the pages on them in turn. Before
each notebook the kernel's namespace is emptied (every name an earlier notebook made is gone; imported modules
stay, and notebooks must not change them), so a notebook that works in a run also works alone in JupyterLab. A
kernel that dies is replaced for the next notebook.

Parameters are injected by papermill's ``parameterize_notebook`` (a cell tagged ``injected-parameters`` after the
``parameters`` cell); cells run through ``nbclient``. Kernels talk to the runner over IPC sockets in a private
temporary folder rather than TCP: no network port is opened, and the kernel has no reason to warn that it "is
running over TCP without encryption".
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import nbformat

from forecast.core.atomic import write_text

KERNEL = "forecast"  # the Jupyter kernel `make setup` registers in the kit's environment

# Empty the namespace as IPython's %reset does, without its gc.collect (a third of a second per page): every name
# but IPython's own (In, Out, get_ipython, ... and the module dunders) goes, and Out's cache of results with them.
_RESET = (
    "(lambda ip: (ip.history_manager.output_hist.clear(), [ip.user_ns.pop(n) for n in list(ip.user_ns) "
    "if n not in ip.user_ns_hidden and not (n[:2] == n[-2:] == '__' and len(n) > 4)]))(get_ipython())"
)


class Kernel:
    """One kernel: started in ``cwd`` with its sockets in ``sockets`` (a short private folder: IPC paths are
    limited to about 100 characters), able to run notebooks until it dies."""

    def __init__(self, sockets: Path, cwd: Path, name: str):
        self.sockets, self.cwd, self.name = sockets, cwd, name
        self.km: Any = None
        self.kc: Any = None

    async def start(self, preload: str = "") -> Kernel:
        """Start the kernel and run ``preload`` (imports) in it, silently."""
        from jupyter_client.manager import AsyncKernelManager

        self.km = AsyncKernelManager(kernel_name=KERNEL, transport="ipc", ip=str(self.sockets / self.name))
        await self.km.start_kernel(cwd=str(self.cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=120)
        if preload:
            await self._silent(preload)
        return self

    @property
    def alive(self) -> bool:
        return (
            self.km is not None
            and self.km.has_kernel
            and self.km.provisioner is not None
            and self.km.provisioner.process is not None
            and self.km.provisioner.process.poll() is None
        )

    async def _silent(self, code: str) -> None:
        reply = await self.kc.execute_interactive(code, silent=True, store_history=False, timeout=300)
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")

    async def run(self, nb: nbformat.NotebookNode, parameters: dict[str, Any], output: Path) -> tuple[str, str | None]:
        """Execute ``nb`` with ``parameters`` injected, from an empty namespace, and write it to ``output`` (before
        it runs, and again after, with the outputs so far when it fails). ``(status, error)``: status "ok",
        "failed", or "died" when the kernel died (killed at the run's time limit, or crashed)."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, DeadKernelError
        from papermill.parameterize import parameterize_notebook

        nb = copy.deepcopy(nb)  # a template runs once per agency: never change the caller's copy
        for cell in nb.cells:
            cell.metadata.setdefault("tags", [])  # papermill reads every cell's tags and its own metadata
        nb.metadata.setdefault("papermill", {})
        nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL, language="python")
        write_text(output, nbformat.writes(nb))  # there from the start, as papermill does: a killed page shows it
        status: tuple[str, str | None] = ("ok", None)
        try:
            await self._silent(_RESET)
            client = NotebookClient(nb, km=self.km, kernel_name=KERNEL, timeout=None, record_timing=False)
            client.kc = self.kc
            await client.async_execute()
        except CellExecutionError as exc:
            status = ("failed", f"{exc.ename}: {exc.evalue} (cell [{_failed_cell(nb)}])")
        except (DeadKernelError, RuntimeError, OSError) as exc:
            status = (
                ("died", f"the kernel stopped: {type(exc).__name__}: {exc}")
                if not self.alive
                else ("failed", f"{type(exc).__name__}: {exc}")
            )
        write_text(output, nbformat.writes(nb))
        return status

    async def shutdown(self) -> None:
        """Stop the kernel (at once: the run is over)."""
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            await self.km.shutdown_kernel(now=True)


def _failed_cell(nb: nbformat.NotebookNode) -> object:
    """The execution count of the cell holding the error output."""
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return cell.get("execution_count")
    return "?"


def elapsed(started: float) -> float:
    return round(time.monotonic() - started, 2)
