"""Faults: interrupted runs recover to byte-identical results; a second run is locked out."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from check_results import compare_trees
from conftest import REPO, snakemake


def start(workdir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def token_job_running(workdir: Path) -> bool:
    """A read_runs job has started (its log exists in this fresh run)."""
    return any((workdir / "logs" / "results" / "read_runs").glob("*.log"))


def fresh_token_run(workdir: Path) -> subprocess.Popen:
    for log in (workdir / "logs").rglob("*.log"):
        log.unlink()
    return start(workdir, "--cores", "1", "--forceall")


def assert_results_equal_committed(workdir: Path) -> None:
    problems = compare_trees(workdir / "results", REPO / "results")
    assert problems == [], "\n".join(problems)


def test_sigint_in_the_token_stage_then_rerun_gives_identical_results(rerun_copy):
    process = fresh_token_run(rerun_copy)
    wait_for(lambda: token_job_running(rerun_copy))
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    assert process.returncode != 0
    snakemake(rerun_copy, "--cores", "2")  # the profile's rerun-incomplete resumes
    assert_results_equal_committed(rerun_copy)
    assert not list((rerun_copy / "results").rglob(".*.tmp"))


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
    first = fresh_token_run(rerun_copy)
    wait_for(lambda: any((rerun_copy / ".snakemake" / "locks").glob("*")))
    second = snakemake(rerun_copy, "--cores", "1", "--forceall", check=False)
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
