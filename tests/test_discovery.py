"""Finding runs: layout, sorted order, step-log fallback, filters and ambiguous seeds."""

import pytest
from conftest import REPO, write_step_log

from llmcost.discovery import Run, discover_runs
from llmcost.errors import InputError

STEPS = {1: (1, 1, 1, 1)}


def make_run(root, dataset="ds", model="m", optimizer="CAPO", seed=42, run_id="abcd",
             name="step_results_eval.csv"):
    folder = root / dataset / model / optimizer / f"seed{seed}" / f"exp_{seed}" / run_id
    write_step_log(folder / name, STEPS)
    return folder


def test_runs_are_found_sorted_with_their_identifiers(tmp_path):
    for seed in (44, 42, 43):
        make_run(tmp_path, seed=seed)
    make_run(tmp_path, dataset="a_first")
    runs = discover_runs(str(tmp_path))
    assert [(r.dataset, r.seed) for r in runs] == [("a_first", 42), ("ds", 42), ("ds", 43), ("ds", 44)]
    assert runs[1].run == "ds/m/CAPO/seed42/exp_42/abcd"


def test_csv_is_preferred_and_parquet_is_the_fallback(tmp_path):
    with_both = make_run(tmp_path, seed=1)
    write_step_log(with_both / "step_results.parquet", STEPS)
    make_run(tmp_path, seed=2, name="step_results_eval.csv.gz")
    make_run(tmp_path, seed=3, name="step_results.parquet")
    runs = discover_runs(str(tmp_path))
    assert [r.log_path.rsplit("/", 1)[1] for r in runs] == [
        "step_results_eval.csv", "step_results_eval.csv.gz", "step_results.parquet"]


def test_filters_select_and_a_filter_matching_nothing_says_what_was_found(tmp_path):
    make_run(tmp_path, model="llama")
    make_run(tmp_path, model="qwen")
    assert [r.model for r in discover_runs(str(tmp_path), models=["qwen"])] == ["qwen"]
    with pytest.raises(InputError, match="tokens.models lists mistral.*found: llama, qwen"):
        discover_runs(str(tmp_path), models=["mistral"])


def test_two_run_folders_for_one_seed_name_both_unless_the_config_chooses(tmp_path):
    make_run(tmp_path, run_id="aaaa")
    make_run(tmp_path, run_id="bbbb")
    with pytest.raises(InputError, match="2 run folders for one seed: exp_42/aaaa, exp_42/bbbb"):
        discover_runs(str(tmp_path))
    runs = discover_runs(str(tmp_path), run_choice={"ds/m/CAPO/seed42": "exp_42/bbbb"})
    assert [r.run for r in runs] == ["ds/m/CAPO/seed42/exp_42/bbbb"]


def test_a_seed_folder_not_named_seed_digits_is_an_error(tmp_path):
    make_run(tmp_path)
    (tmp_path / "ds" / "m" / "CAPO" / "seed_extra").mkdir()
    with pytest.raises(InputError, match="seed_extra: a seed folder must be named seed<digits>"):
        discover_runs(str(tmp_path))


def test_a_run_without_a_step_log_is_an_error(tmp_path):
    folder = make_run(tmp_path)
    (folder / "step_results_eval.csv").unlink()
    with pytest.raises(InputError, match="abcd: no step log"):
        discover_runs(str(tmp_path))


def test_a_run_is_rebuilt_from_its_step_log_path():
    root = str(REPO / "data/capo/main_results")
    runs = discover_runs(root)
    assert [Run.from_log_path(root, run.log_path) for run in runs] == runs
