"""Shared fixtures: the repository root, tiny step logs, and one full pipeline run.

`make test` runs the tests in two processes (pytest-xdist); a run that several tests read (the
full pipeline run, each input shape) is made once per session, by the first process that needs
it, and read by all (``shared_folder``).
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from check_results import copy_workflow  # noqa: F401 (re-exported for the tests)

REPO = Path(__file__).resolve().parents[1]


_zygote: subprocess.Popen | None = None


def _run_forked(workdir: Path, args: tuple, env: dict) -> subprocess.CompletedProcess:
    """``snakemake <args>`` in a fork of this test process's Snakemake zygote
    (``snakemake_zygote.py``): its own process, without Snakemake's imports."""
    global _zygote
    if _zygote is None or _zygote.poll() is not None:
        _zygote = subprocess.Popen([sys.executable, str(Path(__file__).with_name("snakemake_zygote.py"))],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    with tempfile.TemporaryDirectory(prefix="snakemake-run-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        request = {"cwd": str(Path(workdir).resolve()), "args": list(args), "env": env,
                   "stdout": str(out), "stderr": str(err)}
        _zygote.stdin.write(json.dumps(request) + "\n")
        _zygote.stdin.flush()
        reply = _zygote.stdout.readline()
        if not reply:
            raise RuntimeError("the Snakemake zygote (tests/snakemake_zygote.py) ended; "
                               "LLMCOST_TESTS_FORK=0 runs each Snakemake as a new interpreter")
        return subprocess.CompletedProcess(["snakemake", *args], json.loads(reply)["returncode"],
                                           out.read_text(errors="replace"), err.read_text(errors="replace"))


class StartedRun:
    """A Snakemake run going on in a process group of its own, as from a terminal, to interrupt:
    a fork of the zygote (or, with LLMCOST_TESTS_FORK=0, a new interpreter)."""

    def __init__(self, workdir: Path, args: tuple):
        global _zygote
        self.folder = Path(tempfile.mkdtemp(prefix="snakemake-run-"))
        self.args = args
        environment = dict(os.environ)
        if os.environ.get("LLMCOST_TESTS_FORK", "1") == "0":
            self.process = subprocess.Popen([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                            start_new_session=True)
            self.pid = self.process.pid
            return
        self.process = None
        if _zygote is None or _zygote.poll() is not None:
            _zygote = subprocess.Popen([sys.executable, str(Path(__file__).with_name("snakemake_zygote.py"))],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        pid_file = self.folder / "pid"
        request = {"cwd": str(Path(workdir).resolve()), "args": list(args), "env": environment,
                   "stdout": str(self.folder / "stdout"), "stderr": str(self.folder / "stderr"),
                   "session": True, "pid_file": str(pid_file)}
        _zygote.stdin.write(json.dumps(request) + "\n")
        _zygote.stdin.flush()
        while not pid_file.exists():
            time.sleep(0.001)
        self.pid = int(pid_file.read_text())

    def finished(self) -> bool:
        if self.process is not None:
            return self.process.poll() is not None
        return bool(select.select([_zygote.stdout], [], [], 0)[0])

    def interrupt(self) -> None:
        """Ctrl-C as a terminal sends it: SIGINT to every process of the run's group."""
        try:
            os.killpg(self.pid, signal.SIGINT)
        except ProcessLookupError:  # the run had ended
            pass

    def wait(self) -> subprocess.CompletedProcess:
        if self.process is not None:
            output, _ = self.process.communicate(timeout=300)
            return subprocess.CompletedProcess(self.args, self.process.returncode, output, "")
        code = json.loads(_zygote.stdout.readline())["returncode"]
        result = subprocess.CompletedProcess(self.args, code, (self.folder / "stdout").read_text(errors="replace"),
                                             (self.folder / "stderr").read_text(errors="replace"))
        shutil.rmtree(self.folder, ignore_errors=True)
        return result


def start_snakemake(workdir: Path, *args: str) -> StartedRun:
    """``snakemake <args>`` started in ``workdir`` and left running (``StartedRun``)."""
    return StartedRun(workdir, args)


def pytest_sessionfinish(session, exitstatus):
    """The zygote ends with the test process (and its runs' CPU time counts in the suite's)."""
    if _zygote is not None and _zygote.poll() is None:
        _zygote.stdin.close()
        _zygote.wait()


def snakemake(workdir: Path, *args: str, check: bool = True, env: dict | None = None
              ) -> subprocess.CompletedProcess:
    """Run Snakemake (this interpreter's) in ``workdir``, with ``env`` over this process's
    environment; output captured as text. Each run is its own process, forked from a process
    that imported Snakemake once (snakemake_zygote.py; LLMCOST_TESTS_FORK=0: a new interpreter
    each, as `python -m snakemake`)."""
    environment = {**os.environ, **(env or {})}
    if os.environ.get("LLMCOST_TESTS_FORK", "1") != "0":
        result = _run_forked(workdir, args, environment)
    else:
        result = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                                capture_output=True, text=True, env=environment)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def pytest_configure(config):
    config.suite_start = time.monotonic(), os.getloadavg()[0]


def pytest_terminal_summary(terminalreporter, config):
    """The suite's time after pytest's own summary (--durations lists the slowest tests): wall
    clock, and CPU (user + system) of pytest and every process it started and waited for (the
    test processes, Snakemake, its jobs), the measure least changed by other work on the machine."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    start, load = config.suite_start
    times = os.times()
    cpu = times.user + times.system + times.children_user + times.children_system
    terminalreporter.write_sep("=", f"suite: {time.monotonic() - start:.0f} s wall, {cpu:.0f} s CPU, "
                                    f"{os.cpu_count()} cores, load average {load:.1f} at the start")


def shared_folder(tmp_path_factory, name: str, make) -> tuple[Path, object]:
    """A folder made by ``make(folder)`` once per test session, and what ``make`` returned (JSON).
    With pytest-xdist, the first process to ask makes it while holding a lock, in the session's
    temporary folder that the processes share (pytest-xdist's documented pattern); the others wait
    for it. Tests read the folder or copy it, never change it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # each process's base folder is inside the session's
    folder, result = root / "shared" / name, root / "shared" / f"{name}.json"
    folder.parent.mkdir(exist_ok=True)
    with open(root / "shared" / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            try:
                made = make(folder)
            except BaseException as error:  # the other processes fail with the same error
                result.write_text(json.dumps({"error": f"{type(error).__name__}: {error}"}))
                raise
            result.write_text(json.dumps({"made": made}))
        value = json.loads(result.read_text())
    if "error" in value:
        raise AssertionError(f"making the shared {name} failed: {value['error']}")
    return folder, value["made"]


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> Path:
    """One full run of the pipeline on a copy of the repository, shared by the tests: read it, or
    work on a copy (``rerun_copy``); never run Snakemake in it (even a dry run writes there, while
    another test process may be copying it)."""
    return shared_folder(tmp_path_factory, "pipeline", full_run)[0]


@pytest.fixture(scope="session")
def dry_run_after_the_pipeline_run(tmp_path_factory) -> str:
    """What ``snakemake -n`` printed in the shared pipeline run's folder right after the run (a dry
    run writes Snakemake's I/O cache there: made once, before any test copies the folder)."""
    return shared_folder(tmp_path_factory, "pipeline", full_run)[1]


def full_run(folder: Path) -> str:
    copy_workflow(folder)
    snakemake(folder, "--cores", "2")
    dry = snakemake(folder, "-n")
    return dry.stdout + dry.stderr


#: Routing settings for runs whose assertions read no interval and no held-out number: a few
#: bootstrap resamples and held-out splits (the config's 1000 and 10 are most of a sweep's time).
FEW_RESAMPLES = {"bootstrap": {"resamples": 20}, "holdout": {"splits": 3}}
FEW_RESAMPLES_YAML = "  bootstrap:\n    resamples: 20\n  holdout:\n    splits: 3\n"


def write_step_log(path: Path, steps, rows_per_step: int = 3, **overrides) -> Path:
    """A small step log: ``steps`` maps step -> (meta_in, meta_out, down_in, down_out)."""
    rows = []
    for step, (meta_in, meta_out, down_in, down_out) in steps.items():
        for i in range(rows_per_step):
            rows.append({"step": step, "timestamp": "2025-01-01 00:00:00", "score": 0.5,
                         "prompt": f"Prompt {i},\nwith a newline and \"quotes\"",
                         "input_tokens_meta_llm": meta_in, "output_tokens_meta_llm": meta_out,
                         "input_tokens_downstream_llm": down_in,
                         "output_tokens_downstream_llm": down_out})
    frame = pd.DataFrame(rows)
    for column, value in overrides.items():
        frame[column] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


def planned_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """The jobs a dry run plans, as {rule: count} (empty when nothing is to be done)."""
    result = snakemake(workdir, "-n", *args)
    lines = (result.stdout + result.stderr).splitlines()
    if "Job stats:" not in lines:
        return {}
    jobs = {}
    for line in lines[lines.index("Job stats:") + 3:]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs


@pytest.fixture
def rerun_copy(pipeline_run, tmp_path) -> Path:
    """A copy of the finished pipeline run (outputs, mtimes and Snakemake's metadata)."""
    import shutil
    target = tmp_path / "rerun"
    shutil.copytree(pipeline_run, target, symlinks=True)
    return target


INSTALL_TEX = ("sudo apt-get install --no-install-recommends texlive-latex-base texlive-latex-recommended "
               "texlive-latex-extra poppler-utils (`make test` does this itself where it can)")


def system_tool(names: tuple[str, ...], install: str) -> str:
    """The path of the first of ``names`` installed (a Debian package, not a pip one); skipped
    with the install command where none is, except under CI (CI=true), where that is a failure."""
    path = next(filter(None, map(shutil.which, names)), None)
    if path is None:
        message = f"{' or '.join(names)} is not installed: {install}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def tex_tool(name: str) -> str:
    return system_tool((name,), INSTALL_TEX)


@pytest.fixture(scope="session")
def pdflatex() -> str:
    return tex_tool("pdflatex")


@pytest.fixture(scope="session")
def pdftotext() -> str:
    return tex_tool("pdftotext")
