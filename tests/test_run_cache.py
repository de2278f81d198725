"""The run cache (llmcost/run_cache.py): each run read once, ever; never a stale or damaged entry.

Unit tests on small runs (each counts which runs are read), then the workflow: a new seed reads one
run and the artifacts stay byte-identical with the cache warm; --forceall reads every run.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from check_results import compare_trees
from conftest import snakemake, write_step_log

from llmcost import run_cache
from llmcost.discovery import discover_runs
from llmcost.outputs import write_parquet
from llmcost.runs import racing_of_runs, racing_table, steps_of_runs, steps_table

STEPS = {1: (10, 5, 100, 50), 2: (20, 6, 200, 60), 3: (30, 7, 300, 70)}


def make_runs(root: Path, seeds=(1, 2, 3)) -> None:
    """One step log per seed (test scores on seeds 1 and 2), and a racing log for seed 1."""
    for seed in seeds:
        folder = root / "d/m/CAPO" / f"seed{seed}" / "e" / "r"
        write_step_log(folder / "step_results_eval.csv", STEPS, test_score=0.5 + seed / 10 if seed < 3 else None)
    if 1 not in seeds:
        return
    scores = np.array([[0.5, 0.6, np.nan], [0.7, np.nan, np.nan]])
    pd.DataFrame(scores, columns=["0", "1", "2"]).to_parquet(root / "d/m/CAPO/seed1/e/r/prompt_scores.parquet")


@pytest.fixture
def runs_root(tmp_path) -> Path:
    make_runs(tmp_path / "runs")
    return tmp_path / "runs"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The step logs read (not taken from the cache), in order."""
    read: list[str] = []
    original = run_cache._run_step_columns

    def counting(run, *convention):
        read.append(Path(run.log_path).parts[-4])
        return original(run, *convention)

    monkeypatch.setattr(run_cache, "_run_step_columns", counting)
    return read


def tables(runs, derived) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (steps_table(runs, [run.columns for run in derived]),
            racing_table(runs, [run.racing for run in derived]))


def parquet_bytes(frame: pd.DataFrame, path: Path) -> bytes:
    write_parquet(str(path), frame)
    return path.read_bytes()


def test_a_warm_cache_gives_the_same_bytes_and_reads_nothing(runs_root, tmp_path, reads):
    runs = discover_runs(str(runs_root))
    cache = tmp_path / "cache"
    first = tables(runs, run_cache.derived_runs(runs, cache, "d"))
    assert reads == ["seed1", "seed2", "seed3"]
    second = tables(runs, run_cache.derived_runs(runs, cache, "d"))
    assert reads == ["seed1", "seed2", "seed3"]  # nothing read again
    fresh = steps_of_runs(runs), racing_of_runs(runs)
    for made, expected, name in ((second[0], fresh[0], "steps"), (second[1], fresh[1], "racing"),
                                 (first[0], fresh[0], "steps")):
        pd.testing.assert_frame_equal(made, expected)
        assert parquet_bytes(made, tmp_path / "a.parquet") == parquet_bytes(expected, tmp_path / "b.parquet"), name
    assert second[1]["evaluated_blocks"].tolist() == [3] and second[1]["full_blocks"].tolist() == [6]


def test_a_new_or_changed_run_is_read_and_a_removed_one_drops_out(runs_root, tmp_path, reads):
    cache = tmp_path / "cache"
    run_cache.derived_runs(discover_runs(str(runs_root)), cache, "d")
    make_runs(runs_root, seeds=(4,))  # a new seed
    log = runs_root / "d/m/CAPO/seed2/e/r/step_results_eval.csv"
    os.utime(log, ns=(log.stat().st_atime_ns, log.stat().st_mtime_ns - 10**9))  # changed, with an older time
    shutil.rmtree(runs_root / "d/m/CAPO/seed3")
    del reads[:]
    runs = discover_runs(str(runs_root))
    derived = run_cache.derived_runs(runs, cache, "d")
    assert reads == ["seed2", "seed4"]
    pd.testing.assert_frame_equal(tables(runs, derived)[0], steps_of_runs(runs))
    header = cache_header(cache / "d.runs")
    assert [json.loads(record["key"])[0] for record in header["runs"]] == [run.log_path for run in runs]


def test_a_racing_log_added_later_is_read(runs_root, tmp_path, reads):
    cache = tmp_path / "cache"
    run_cache.derived_runs(discover_runs(str(runs_root)), cache, "d")
    shutil.copy(runs_root / "d/m/CAPO/seed1/e/r/prompt_scores.parquet", runs_root / "d/m/CAPO/seed2/e/r")
    del reads[:]
    runs = discover_runs(str(runs_root))
    derived = run_cache.derived_runs(runs, cache, "d")
    assert reads == ["seed2"]
    assert [run.racing for run in derived] == [(3, 6), (3, 6), None]


def cache_header(path: Path) -> dict:
    data = path.read_bytes()
    start = len(run_cache.MAGIC) + 8
    return json.loads(data[start:start + int.from_bytes(data[len(run_cache.MAGIC):start], "little")])


@pytest.mark.parametrize("damage", ["truncated", "a byte of the body changed", "header cut", "empty", "not a cache"])
def test_a_damaged_cache_file_is_read_again_never_trusted(runs_root, tmp_path, reads, damage, caplog):
    runs = discover_runs(str(runs_root))
    cache = tmp_path / "cache"
    expected = tables(runs, run_cache.derived_runs(runs, cache, "d"))
    path = cache / "d.runs"
    data = path.read_bytes()
    damaged = {"truncated": data[:-9],  # a job killed while writing, or a disk full
               "a byte of the body changed": data[:-5] + bytes([data[-5] ^ 1]) + data[-4:],
               "header cut": data[:len(run_cache.MAGIC) + 30],
               "empty": b"",
               "not a cache": b"PAR1" + data[4:]}[damage]
    path.write_bytes(damaged)
    del reads[:]
    with caplog.at_level(logging.INFO, logger="llmcost"):
        made = tables(runs, run_cache.derived_runs(runs, cache, "d"))
    assert reads == ["seed1", "seed2", "seed3"]
    assert "every run of the dataset is read" in caplog.text
    for frame, wanted in zip(made, expected):
        pd.testing.assert_frame_equal(frame, wanted)
    del reads[:]
    run_cache.derived_runs(runs, cache, "d")  # rewritten whole: trusted again
    assert reads == []


def test_an_entry_from_an_older_code_version_is_read_again(runs_root, tmp_path, reads, monkeypatch, caplog):
    """An edit to a module the derivation imports changes the version key; a file written before it
    is not used."""
    runs = discover_runs(str(runs_root))
    cache = tmp_path / "cache"
    package = tmp_path / "package"
    shutil.copytree(run_cache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(run_cache, "PACKAGE", package)
    run_cache.derived_runs(runs, cache, "d")
    older = run_cache.version_key()
    steplogs = package / "steplogs.py"
    steplogs.write_text(steplogs.read_text() + "\n# an edit\n")
    assert run_cache.version_key() != older
    del reads[:]
    with caplog.at_level(logging.INFO, logger="llmcost"):
        run_cache.derived_runs(runs, cache, "d")
    assert reads == ["seed1", "seed2", "seed3"]
    assert "another version of the code" in caplog.text


def test_the_version_key_follows_every_module_the_derivation_imports():
    modules = run_cache.deriving_modules()
    assert {"runs", "steplogs", "optimization_logs", "elapsed", "ranges", "discovery", "errors", "manifest",
            "run_cache"} <= set(modules)
    # the time_elapsed convention the runs are read with (config optimization.time_elapsed) is part of it
    assert len({run_cache.version_key(convention) for convention in ("auto", "per_step", "cumulative")}) == 3
    assert "optimization" not in modules and "tokens" not in modules  # not derived: no needless re-reading


def test_warnings_of_a_run_are_logged_again_from_the_cache(tmp_path, caplog):
    root = tmp_path / "runs"
    write_step_log(root / "d/m/o/seed1/e/r/step_results_eval.csv", STEPS, prompt="", test_score=0.5)
    runs = discover_runs(str(root))
    messages = []
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="llmcost"):
            run_cache.derived_runs(runs, tmp_path / "cache", "d")
        messages.append([(record.levelno, record.getMessage()) for record in caplog.records])
    assert messages[0] == messages[1] and "the prompt column is empty on every row" in messages[0][0][1]


def test_the_cache_is_bounded_oldest_first(runs_root, tmp_path, monkeypatch):
    runs = discover_runs(str(runs_root))
    cache = tmp_path / "cache"
    for name in ("a", "b", "c"):
        run_cache.derived_runs(runs, cache, name)
    size = (cache / "a.runs").stat().st_size
    os.utime(cache / "a.runs", ns=(0, 0))  # the least recently written
    run_cache.bound(cache, keep=cache / "c.runs", limit=2 * size)
    assert sorted(path.name for path in cache.iterdir()) == ["b.runs", "c.runs"]
    run_cache.bound(cache, keep=cache / "c.runs", limit=size - 1)  # not even the last one fits
    assert list(cache.iterdir()) == []


def test_a_bad_run_fails_as_without_the_cache(runs_root, tmp_path):
    from llmcost.errors import InputError

    runs = discover_runs(str(runs_root))
    (runs_root / "d/m/CAPO/seed2/e/r/step_results_eval.csv").write_text("step,score\n1,0.5\n")
    with pytest.raises(InputError) as without:
        steps_of_runs(runs)
    with pytest.raises(InputError) as with_cache:
        run_cache.derived_runs(runs, tmp_path / "cache", "d")
    assert str(with_cache.value) == str(without.value)


# --- the workflow ---------------------------------------------------------------------------------

def read_counts(workdir: Path) -> dict[str, str]:
    """Each dataset's last read_runs log line about the cache."""
    return {path.stem: next(line for line in path.read_text().splitlines() if "run cache:" in line)
            for path in (workdir / "logs/results/read_runs").glob("*.log")}


def test_a_new_seed_reads_one_run_and_the_artifacts_stay_byte_identical(rerun_copy, pipeline_run):
    cell = rerun_copy / "data/capo/main_results/gsm8k/qwen/CAPO"
    shutil.copytree(cell / "seed44", cell / "seed45")
    snakemake(rerun_copy, "--cores", "2")
    assert "1 of 19 runs read, 18 from" in read_counts(rerun_copy)["gsm8k"]
    shutil.rmtree(cell / "seed45")
    snakemake(rerun_copy, "--cores", "2")
    assert "0 of 18 runs read, 18 from" in read_counts(rerun_copy)["gsm8k"]
    assert compare_trees(rerun_copy / "results", pipeline_run / "results") == []


def test_forceall_reads_every_run_without_the_cache(rerun_copy):
    assert (rerun_copy / ".build/results/cache/runs/gsm8k.runs").is_file()
    snakemake(rerun_copy, "--cores", "2", "--forceall", ".build/results/intermediate/steps/gsm8k.parquet")
    assert "18 of 18 runs read, 0 from" in read_counts(rerun_copy)["gsm8k"]
    assert sorted(path.name for path in (rerun_copy / ".build/results/cache/runs").iterdir()) == ["gsm8k.runs"]
