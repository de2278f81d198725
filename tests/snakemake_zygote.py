"""Snakemake imported once, forked for each run the tests ask for (``conftest.snakemake``).

Each run is still its own process: a fork of this one, which has imported Snakemake's command
line and registered its plugins (0.7 s of every Snakemake start, 0.3 s of a no-op's remainder),
then changes to the run's folder and environment, sends its output to files and runs
``snakemake <args>`` as ``python -m snakemake`` does. A run changes nothing here: the next one
forks from the same state. Jobs are Snakemake's own subprocesses, as always.

Requests (cwd, args, env, stdout and stderr file) and replies (the exit code, negative for a
signal, as subprocess reports it) are JSON lines on standard input and output. A request with
``session`` runs in a process group of its own, as from a terminal, and its process id is written
to ``pid_file`` as it starts, so that a test can interrupt it (``conftest.start_snakemake``). Started by
``conftest.py`` once per test process; LLMCOST_TESTS_FORK=0 runs each Snakemake as a new
interpreter instead.
"""

from __future__ import annotations

import json
import os
import signal
import sys


def warm() -> None:
    """Everything a run imports before it reads the workflow, and the plugin registries."""
    import snakemake.cli  # noqa: F401
    from snakemake_interface_executor_plugins.registry import ExecutorPluginRegistry
    from snakemake_interface_logger_plugins.registry import LoggerPluginRegistry
    from snakemake_interface_report_plugins.registry import ReportPluginRegistry
    from snakemake_interface_storage_plugins.registry import StoragePluginRegistry

    for registry in (ExecutorPluginRegistry, LoggerPluginRegistry, ReportPluginRegistry, StoragePluginRegistry):
        registry()
    # what reading a workflow imports (0.16 s): the config validation, storage and profile code
    import importlib
    for module in ("argparse_dataclass", "graphlib", "jsonschema", "packaging.version", "platformdirs",
                   "requests", "smart_open", "snakemake.profiles", "snakemake.storage"):
        importlib.import_module(module)


def child(request: dict, replies: int) -> None:
    """The run, in the forked process; never returns."""
    code = 1
    try:
        os.close(replies)
        if request.get("session"):
            os.setsid()
            signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[0] = os.getcwd()  # as `python -m` sets it
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                                (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            opened = os.open(path, flags, 0o644)
            os.dup2(opened, fd)
            os.close(opened)
        sys.argv = ["snakemake", *request["args"]]
        try:
            from snakemake.cli import main
            main()
            code = 0
        except SystemExit as exit:
            code = exit.code
            if code is None:
                code = 0
            elif not isinstance(code, int):
                print(code, file=sys.stderr)
                code = 1
        except BaseException:  # what the interpreter would print for an uncaught exception
            import traceback
            traceback.print_exc()
            code = 1
        import atexit
        import logging
        atexit._run_exitfuncs()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def serve() -> None:
    warm()
    import gc
    gc.freeze()  # what is imported stays out of every run's collections (and its pages shared)
    replies = os.dup(1)
    with os.fdopen(replies, "w") as out:
        for line in sys.stdin:
            request = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                child(request, replies)
            if request.get("pid_file"):
                with open(request["pid_file"] + ".tmp", "w") as announced:
                    announced.write(str(pid))
                os.replace(request["pid_file"] + ".tmp", request["pid_file"])
            _, status = os.waitpid(pid, 0)
            out.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")
            out.flush()


if __name__ == "__main__":
    serve()
