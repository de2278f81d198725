"""Faults: interrupted runs recover to byte-identical results; a second run is locked out."""

import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from check_results import compare_trees
from conftest import REPO, snakemake, start_snakemake
from test_bad_input import digest


def start(workdir: Path, *args: str) -> subprocess.Popen:
    """Snakemake in a process group of its own, handling Ctrl-C as from a terminal: where these
    tests run with SIGINT ignored (a background job, nohup), Snakemake would inherit that."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:  # a handler of this process is reset to the default in Snakemake's
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def token_job_running(workdir: Path) -> bool:
    """A read_runs job has started (its log exists in this fresh run)."""
    return any((workdir / "logs" / "results" / "read_runs").glob("*.log"))


def fresh_token_run(workdir: Path, rule: str = "read_runs") -> subprocess.Popen:
    """A run on one core that redoes ``rule``'s jobs and all that follows them (the token stage's
    first jobs by default; the routing stage is not planned)."""
    for log in (workdir / "logs").rglob("*.log"):
        log.unlink()
    return start(workdir, "--cores", "1", "--forcerun", rule)


def assert_results_equal_committed(workdir: Path) -> None:
    problems = compare_trees(workdir / "results", REPO / "results")
    assert problems == [], "\n".join(problems)


def test_sigint_in_the_token_stage_then_rerun_gives_identical_results(rerun_copy):
    process = fresh_token_run(rerun_copy)
    wait_for(lambda: token_job_running(rerun_copy))
    before = digest(rerun_copy / "results")
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode != 0, output
    # before: Snakemake's "Terminating processes" was hidden, the last line as after a good run
    lines = output.splitlines()
    assert "Interrupted (Ctrl-C): stopping the running jobs." in lines, output
    assert lines[-2].startswith("Complete log(s): ")
    assert lines[-1] == ("Interrupted before publishing: the output folder is as it was. Run the same "
                         "command again to finish (jobs that were cut off are redone).")
    assert digest(rerun_copy / "results") == before
    snakemake(rerun_copy, "--cores", "2")  # the profile's rerun-incomplete resumes
    assert_results_equal_committed(rerun_copy)
    assert not list((rerun_copy / "results").rglob(".*.tmp"))


def test_ctrl_c_at_random_moments_of_a_jobs_start_prints_no_traceback(rerun_copy):
    """A terminal's Ctrl-C (SIGINT to the whole process group) 20 times, each at a random moment
    of the first half second after a job's script was written (the job's shell and Python
    starting, Snakemake's script preamble, the imports): never a traceback, always Snakemake's
    one line, the output folder as it was. One job a run (one dataset's read_runs), so that a run
    costs little more than Snakemake's start. Before: a job still importing printed a
    KeyboardInterrupt traceback, 6 of 6 times within half a second of its start."""
    rng = random.Random(34)
    scripts = rerun_copy / ".snakemake/scripts"
    target = ".build/results/intermediate/steps/agnews.parquet"
    before = digest(rerun_copy / "results")
    for attempt in range(20):
        started = set(scripts.glob("*.py")) if scripts.exists() else set()
        run = start_snakemake(rerun_copy, "--cores", "1", "--forcerun", "read_runs", "--", target)
        wait_for(lambda: run.finished() or (scripts.exists() and set(scripts.glob("*.py")) - started))
        time.sleep(rng.uniform(0.0, 0.5))
        run.interrupt()
        result = run.wait()
        output = result.stdout + result.stderr
        assert "Traceback" not in output and "KeyboardInterrupt" not in output, f"attempt {attempt}:\n{output}"
        assert "Interrupted (Ctrl-C): stopping the running jobs." in output.splitlines(), f"attempt {attempt}:\n{output}"
        assert digest(rerun_copy / "results") == before, f"attempt {attempt}"


def test_sigkill_in_the_token_stage_then_unlock_and_rerun_gives_identical_results(rerun_copy):
    process = fresh_token_run(rerun_copy)
    wait_for(lambda: token_job_running(rerun_copy))
    os.killpg(process.pid, signal.SIGKILL)  # Snakemake and its running job, at once
    process.communicate(timeout=60)
    locked = snakemake(rerun_copy, "--cores", "2", check=False)
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    snakemake(rerun_copy, "--unlock")  # the one manual step the README names
    snakemake(rerun_copy, "--cores", "2")
    assert_results_equal_committed(rerun_copy)
    assert not list((rerun_copy / "results").rglob(".*.tmp"))


def test_a_second_concurrent_run_is_refused_by_the_lock(rerun_copy):
    first = fresh_token_run(rerun_copy, "token_summary")
    locks = lambda: list((rerun_copy / ".snakemake" / "locks").glob("*"))  # noqa: E731
    wait_for(lambda: locks())
    os.killpg(first.pid, signal.SIGSTOP)  # the first run holds its lock until it goes on, however slow the machine
    try:
        assert locks(), "the first run ended before the second could start"
        second = snakemake(rerun_copy, "--cores", "1", "--forceall", check=False)
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    output = second.stdout + second.stderr
    assert second.returncode != 0
    assert "Directory cannot be locked" in output, output
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert_results_equal_committed(rerun_copy)


def test_a_failed_write_leaves_the_old_artifact_and_no_temporary(tmp_path):
    from llmcost.outputs import atomic_path, remove_stale_temporaries, write_text
    target = tmp_path / "table.tex"
    write_text(target, "old\n")
    try:
        with atomic_path(target) as tmp:
            tmp.write_text("half of the new tab")
            raise RuntimeError("the job dies mid-write")
    except RuntimeError:
        pass
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.tex"]
    # a SIGKILLed job cannot clean up: its temporary is removed when the job reruns
    (tmp_path / ".table.tex.abc123.tmp").write_text("partial")
    remove_stale_temporaries([str(target)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.tex"]


def test_a_crash_in_a_job_leaves_its_traceback_in_the_job_log(rerun_copy):
    # before: the traceback reached the terminal only, and the job's log stayed empty
    script = rerun_copy / "scripts/token_summary.py"
    line = "    summary = read_csv(snakemake.output.summary_csv)"
    assert line in script.read_text()
    script.write_text(script.read_text().replace(line, line + "\n    summary.loc[0, 'no such column'] += 1"))
    result = snakemake(rerun_copy, "--cores", "2", check=False)
    assert result.returncode != 0
    log = (rerun_copy / "logs/results/tokens/summary.log").read_text()
    assert log.startswith("ERROR: unexpected KeyError: 'no such column' (a bug, not bad input")
    assert "Traceback (most recent call last):" in log
    assert "in main\n    summary.loc[0, 'no such column'] += 1" in log
    # the terminal's block for the failed job names the error from that log
    assert ("Error in rule token_summary (log: logs/results/tokens/summary.log):\n"
            "    ERROR: unexpected KeyError: 'no such column'") in result.stdout + result.stderr


def run_rule_raising(error: BaseException, log) -> SystemExit:
    """Run a rule script's main that raises ``error`` through run_rule; how it exited."""
    from types import SimpleNamespace

    from llmcost.outputs import run_rule

    def main(snakemake):
        raise error

    job = SimpleNamespace(log=[str(log)], rule="crashing", output=[])
    logger = logging.getLogger("llmcost")
    kept = logger.handlers[:], logger.propagate, logger.level
    try:
        with pytest.raises(SystemExit) as stop:
            run_rule(main, job)
    finally:  # run_rule configures the logger of its process: give the other tests theirs back
        for handler in logger.handlers:
            handler.close()
        logger.handlers[:], logger.propagate = kept[:2]
        logger.setLevel(kept[2])
    return stop.value


def test_a_rule_script_logs_an_unexpected_exception_with_its_traceback(tmp_path, capsys):
    stop = run_rule_raising(ZeroDivisionError("division by zero"), tmp_path / "job.log")
    assert stop.code == 1
    log = (tmp_path / "job.log").read_text().splitlines()
    assert log[0] == "ERROR: unexpected ZeroDivisionError: division by zero (a bug, not bad input; " \
                     "the traceback follows)"
    assert log[1] == "Traceback (most recent call last):" and "in main" in "\n".join(log)
    assert log[-1] == "ZeroDivisionError: division by zero"
    assert "[crashing] ERROR: unexpected ZeroDivisionError" in capsys.readouterr().err


def test_a_rule_script_cut_off_by_ctrl_c_prints_no_traceback(tmp_path, capsys):
    """Ctrl-C in a terminal reaches every job: each exits quietly, and Snakemake says it once."""
    stop = run_rule_raising(KeyboardInterrupt(), tmp_path / "job.log")
    assert stop.code == 130
    assert (tmp_path / "job.log").read_text() == "INFO: interrupted (Ctrl-C)\n"
    assert "Traceback" not in capsys.readouterr().err


# A job's script as Snakemake runs it: `snakemake` a global of the script (__main__), run_rule at
# its end; an exit handler that the interpreter's teardown would run writes a file.
JOB_SCRIPT = """
import atexit, sys
from pathlib import Path
from types import SimpleNamespace
sys.path.insert(0, sys.argv[1])
from llmcost.outputs import run_rule, write_text
folder = Path(sys.argv[2])
atexit.register(lambda: (folder / "teardown.txt").write_text("ran"))
snakemake = SimpleNamespace(log=[str(folder / "job.log")], rule="job", output=[str(folder / "out.txt")])
run_rule(lambda job: write_text(job.output[0], "made\\n"), snakemake)
print("after run_rule")
"""


def test_a_finished_job_skips_the_interpreters_teardown_with_its_outputs_and_log_complete(tmp_path):
    """Issue 29: freeing pandas, pyarrow and matplotlib at exit took 0.05 to 0.15 s of each job;
    a job whose outputs are written ends at once (run_rule), its log flushed first."""
    done = subprocess.run([sys.executable, "-c", JOB_SCRIPT, str(REPO / "scripts"), str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.txt").read_text() == "made\n"
    assert (tmp_path / "job.log").read_text().startswith("INFO: done: peak memory ")
    assert not (tmp_path / "teardown.txt").exists() and "after run_rule" not in done.stdout


def test_run_rule_returns_where_it_is_not_a_jobs_script(tmp_path):
    """Called from elsewhere (a test, a notebook), run_rule returns as before."""
    from types import SimpleNamespace

    from llmcost.outputs import run_rule, write_text

    job = SimpleNamespace(log=[str(tmp_path / "job.log")], rule="job", output=[str(tmp_path / "out.txt")])
    logger = logging.getLogger("llmcost")
    kept = logger.handlers[:], logger.propagate, logger.level
    try:
        run_rule(lambda snakemake: write_text(snakemake.output[0], "made\n"), job)
    finally:
        for handler in logger.handlers:
            handler.close()
        logger.handlers[:], logger.propagate = kept[:2]
        logger.setLevel(kept[2])
    assert (tmp_path / "out.txt").read_text() == "made\n"
