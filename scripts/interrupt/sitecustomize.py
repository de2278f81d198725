"""Ctrl-C ends a job of this workflow quietly, whatever it is doing: no traceback.

A terminal's Ctrl-C reaches every process of the run, each job included, and
Snakemake says once that it stops them. A job's Python would raise
KeyboardInterrupt wherever it is, and one still importing (NumPy, pandas,
matplotlib) or still in the preamble that Snakemake's ``script:`` directive
runs before the script itself prints a traceback of about 20 lines (one of
them the preamble's pickled job, kilobytes long). So the handler is installed
before anything of the job runs: Python imports ``sitecustomize`` at its start
from this folder, which the workflow puts first on the jobs' ``PYTHONPATH``
(``common.smk``). The handler exits at once with status 130 (128 + SIGINT),
as a process that SIGINT ends; Snakemake then treats the job as cut off.

It acts only in this workflow's entry scripts (``scripts/*.py``, also as the
copy ``tmpXXXXXXXX.<name>.py`` that ``script:`` runs); any other Python started
with this path is left as it was. Another ``sitecustomize`` on the path (a
distribution's) is run after this one, as it would have been.
"""

import importlib.machinery
import importlib.util
import os
import signal
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ENTRY_SCRIPTS = {name for name in os.listdir(os.path.dirname(_HERE)) if name.endswith(".py")}


def _interrupted(signum, frame):
    os._exit(128 + signum)


def _is_entry_script(path: str) -> bool:
    name = os.path.basename(path)
    return name in _ENTRY_SCRIPTS or (name.startswith("tmp") and name.partition(".")[2] in _ENTRY_SCRIPTS)


def _run_the_next_sitecustomize() -> None:
    path = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


if sys.argv and _is_entry_script(sys.argv[0]) and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted)
_run_the_next_sitecustomize()
