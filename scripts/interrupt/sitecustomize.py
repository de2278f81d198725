"""Ctrl-C ends a job of this workflow quietly, whatever it is doing: no traceback.

A terminal's Ctrl-C reaches every process of the run, each job included, and
Snakemake says once that it stops them. A job's Python would raise
KeyboardInterrupt wherever it is, and one still starting, importing (NumPy,
pandas, matplotlib) or in the preamble that Snakemake's ``script:`` directive
runs before the script itself prints a traceback of about 20 lines (one of
them the preamble's pickled job, kilobytes long). So the shell of each of this
workflow's jobs (the shell prefix set in ``common.smk``) starts it with SIGINT
ignored, which Python then leaves as it is, sets ``LLMCOST_QUIET_CTRL_C`` and
puts this folder first on its ``PYTHONPATH``: Python imports
``sitecustomize`` from here as it starts, before anything of the job, and this
installs the handler, which exits at once with status 130 (128 + SIGINT), as a
process that SIGINT ends; Snakemake then treats the job as cut off. A Ctrl-C in
the milliseconds before that is ignored: the job then runs to its end, quietly
too.

Nothing is changed where ``LLMCOST_QUIET_CTRL_C`` is not set; another
``sitecustomize`` on the path (a distribution's) is run after this one, as it
would have been.
"""

import importlib.machinery
import importlib.util
import os
import signal
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _interrupted(signum, frame):
    os._exit(128 + signum)


def _run_the_next_sitecustomize() -> None:
    path = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


if os.environ.get("LLMCOST_QUIET_CTRL_C") and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, _interrupted)
_run_the_next_sitecustomize()
