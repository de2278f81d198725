"""Finding runs: layout, sorted order, step-log fallback, filters and ambiguous seeds; router
files: spellings, and the one folder a pattern lists."""

import contextlib
import os
import re
import sys

import pytest
from conftest import REPO, write_step_log

from llmcost.discovery import (MODEL_ID_SEPARATOR, Run, discover_routing_datasets, discover_runs, fingerprint,
                               racing_log)
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


def test_two_spellings_of_one_seed_are_an_error_naming_both(tmp_path):
    make_run(tmp_path, seed=42)
    make_run(tmp_path, seed="042")  # seed042 next to seed42 would count seed 42 twice
    with pytest.raises(InputError, match=r"CAPO/seed042 and \S+CAPO/seed42: two folders for seed 42"):
        discover_runs(str(tmp_path))


def test_a_plain_and_a_gzipped_step_log_in_one_run_are_an_error_naming_both(tmp_path):
    folder = make_run(tmp_path)
    write_step_log(folder / "step_results_eval.csv.gz", STEPS)
    with pytest.raises(InputError, match=r"abcd/step_results_eval\.csv and \S+abcd/step_results_eval\.csv\.gz: "
                                         r"two copies of one step log"):
        discover_runs(str(tmp_path))


def test_the_racing_log_is_found_beside_the_step_log(tmp_path):
    folder = make_run(tmp_path)
    log = discover_runs(str(tmp_path))[0].log_path
    assert racing_log(log) is None
    (folder / "prompt_scores.parquet").write_bytes(b"")
    assert racing_log(log) == str(folder / "prompt_scores.parquet")


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}\n")
    return path


def test_router_patterns_accept_plain_and_gzipped_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "r/a_logits.jsonl"), touch(tmp_path / "r/router_a.jsonl.gz")
    touch(tmp_path / "r/b_logits.jsonl.gz"), touch(tmp_path / "r/router_b.jsonl")
    found = discover_routing_datasets("r/{dataset}_logits.jsonl", "r/router_{dataset}.jsonl")
    assert found == {"a": ("r/a_logits.jsonl", "r/router_a.jsonl.gz"),
                     "b": ("r/b_logits.jsonl.gz", "r/router_b.jsonl")}


def test_a_plain_and_a_gzipped_router_file_are_an_error_naming_both(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "r/a_logits.jsonl"), touch(tmp_path / "r/a_logits.jsonl.gz")
    touch(tmp_path / "r/router_a.jsonl")
    with pytest.raises(InputError, match=r"r/a_logits\.jsonl and r/a_logits\.jsonl\.gz: two files for "
                                         r"dataset 'a' \(config routing\.logits\)"):
        discover_routing_datasets("r/{dataset}_logits.jsonl", "r/router_{dataset}.jsonl")


def test_a_router_dataset_named_all_stops_naming_its_file(tmp_path, monkeypatch):
    """'all' is the router comparison's key for the mean over the datasets: a dataset of that name
    would be mistaken for it, so it stops with its logits file named; listed or not, any other name goes."""
    monkeypatch.chdir(tmp_path)
    for name in ("all", "b"):
        touch(tmp_path / f"r/{name}_logits.jsonl"), touch(tmp_path / f"r/router_{name}.jsonl")
    for listed in ((), ("all", "b")):
        with pytest.raises(InputError, match=r"^r/all_logits\.jsonl: a router dataset named 'all' would share "
                                             r"its key with the mean over the datasets.*Rename its two files"):
            discover_routing_datasets("r/{dataset}_logits.jsonl", "r/router_{dataset}.jsonl", listed)
    assert list(discover_routing_datasets("r/{dataset}_logits.jsonl", "r/router_{dataset}.jsonl", ("b",))) == ["b"]


def test_dataset_may_appear_twice_in_a_pattern(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "my/cnli/cnli.logits.jsonl"), touch(tmp_path / "my/cnli/cnli.router.jsonl")
    touch(tmp_path / "my/cnli/coqa.logits.jsonl")  # names a different dataset twice: not a match
    found = discover_routing_datasets("my/{dataset}/{dataset}.logits.jsonl", "my/{dataset}/{dataset}.router.jsonl")
    assert found == {"cnli": ("my/cnli/cnli.logits.jsonl", "my/cnli/cnli.router.jsonl")}


def test_a_fingerprint_changes_with_size_or_time_in_either_direction(tmp_path):
    import os
    path = touch(tmp_path / "log.csv")
    before = fingerprint([str(path)])
    os.utime(path, ns=(10**18, 10**18 - 10**12))  # an older time, content unchanged
    older = fingerprint([str(path)])
    assert older != before
    path.write_text("{}\n")  # same size, new time
    assert fingerprint([str(path)]) not in (before, older)


def test_a_model_id_with_a_slash_laid_out_as_two_folders_gets_the_one_folder_name_to_use(tmp_path):
    """meta-llama/Llama-3.1-8B-Instruct saved as two folders: the optimizer folder sits where a
    seed folder should. Before: "a seed folder must be named seed<digits> ... Rename it"."""
    make_run(tmp_path / "runs", model="meta-llama/Llama-3.1-8B-Instruct")
    make_run(tmp_path / "runs", model="qwen")
    with pytest.raises(InputError) as error:
        discover_runs(str(tmp_path / "runs"))
    message = str(error.value)
    cell = tmp_path / "runs/ds/meta-llama/Llama-3.1-8B-Instruct"
    assert message.startswith(f"{cell}: a model laid out as two folders (meta-llama/Llama-3.1-8B-Instruct/)")
    assert "seed<digits>" not in message and "\n" not in message
    move = re.search(r"mv '([^']+)' '([^']+)'", message)
    assert move.groups() == (str(cell), str(tmp_path / "runs/ds/meta-llama__Llama-3.1-8B-Instruct"))
    os.rename(*move.groups())  # what the message says to do: then the run is found
    os.rmdir(tmp_path / "runs/ds/meta-llama")
    assert [run.model for run in discover_runs(str(tmp_path / "runs"))] == ["meta-llama__Llama-3.1-8B-Instruct",
                                                                           "qwen"]
    own_data = (REPO / "docs/own-data.md").read_text()
    assert f"meta-llama{MODEL_ID_SEPARATOR}Llama-3.1-8B-Instruct/" in own_data  # the docs show this layout


def test_a_folder_that_is_no_seed_folder_and_holds_none_keeps_the_rename_advice(tmp_path):
    make_run(tmp_path, optimizer="CAPO/notes")  # CAPO/notes/seed42: notes holds seed folders...
    (tmp_path / "ds/m/OPRO/misc").mkdir(parents=True)  # ...misc does not
    with pytest.raises(InputError, match=r"OPRO/misc: a seed folder must be named seed<digits>"):
        discover_runs(str(tmp_path), optimizers=["OPRO"])


@pytest.mark.parametrize("spelling", ["runs/", "./runs", "runs//", "./runs/./"])
def test_the_runs_folder_spelled_otherwise_finds_the_same_runs(spelling, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_run(tmp_path / "runs", seed=42), make_run(tmp_path / "runs", seed=43)
    assert discover_runs(spelling) == discover_runs("runs")


@pytest.mark.parametrize("prefix", ["./r/", "r//", "./r/./", ".//r/"])
def test_router_patterns_spelled_otherwise_find_the_same_files(prefix, tmp_path, monkeypatch):
    """Before: ./r/{dataset}... and r//{dataset}... matched nothing."""
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "r/a_logits.jsonl"), touch(tmp_path / "r/router_a.jsonl.gz")
    found = discover_routing_datasets(f"{prefix}{{dataset}}_logits.jsonl", f"{prefix}router_{{dataset}}.jsonl")
    assert found == {"a": ("r/a_logits.jsonl", "r/router_a.jsonl.gz")}


_LISTED: list | None = None  # the folders listed while a test watches


def _audit(event, args):
    if _LISTED is not None and event in ("os.scandir", "os.listdir"):
        path = args[0] if args[0] is not None else "."
        _LISTED.append(os.path.abspath(os.fsdecode(path)) if not isinstance(path, int) else path)


@contextlib.contextmanager
def listed_folders():
    """Every folder listed (os.scandir, os.listdir: Python's audit events) inside the block."""
    global _LISTED
    if not getattr(sys, "_llmcost_discovery_audit", False):  # audit hooks stay for the process
        sys.addaudithook(_audit)
        sys._llmcost_discovery_audit = True
    _LISTED = []
    try:
        yield _LISTED
    finally:
        _LISTED = None


def test_router_discovery_lists_only_the_folder_a_pattern_can_match_in(tmp_path, monkeypatch):
    """Only the pattern's longest fixed prefix is listed, never its parent, a sibling tree or a
    subfolder. Before: the parent of the pattern's folder, recursively (a pattern one folder
    below a shared temporary folder walked all of it)."""
    monkeypatch.chdir(tmp_path)
    shared = tmp_path / "shared"
    touch(shared / "mine/a_logits.jsonl"), touch(shared / "mine/router_a.jsonl")
    touch(shared / "mine/b/b/b.logits.jsonl"), touch(shared / "mine/b/b/b.router.jsonl.gz")
    touch(shared / "mine/deeper/c_logits.jsonl"), touch(shared / "mine/deeper/router_c.jsonl")
    for sibling in range(3):
        touch(shared / f"other{sibling}/x/d_logits.jsonl"), touch(shared / f"other{sibling}/router_d.jsonl")
    with listed_folders() as listed:
        found = discover_routing_datasets("shared/mine/{dataset}_logits.jsonl", "shared/mine/router_{dataset}.jsonl")
    assert found == {"a": ("shared/mine/a_logits.jsonl", "shared/mine/router_a.jsonl")}
    assert listed == [str(shared / "mine")] * 2  # once per pattern
    with listed_folders() as listed:  # {dataset} names a folder too: only the folder above it is listed
        found = discover_routing_datasets(f"{shared}/mine/{{dataset}}/{{dataset}}/{{dataset}}.logits.jsonl",
                                          "shared/mine/{dataset}/{dataset}/{dataset}.router.jsonl")
    assert found == {"b": (f"{shared}/mine/b/b/b.logits.jsonl", "shared/mine/b/b/b.router.jsonl.gz")}
    assert listed == [str(shared / "mine")] * 2
    touch(tmp_path / "top.logits.jsonl"), touch(tmp_path / "top.router.jsonl")
    with listed_folders() as listed:  # a pattern without a folder lists the working directory alone
        found = discover_routing_datasets("{dataset}.logits.jsonl", "{dataset}.router.jsonl")
    assert found == {"top": ("top.logits.jsonl", "top.router.jsonl")}
    assert listed == [str(tmp_path)] * 2


def test_a_pattern_folder_that_cannot_be_listed_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "r/a_logits.jsonl"), touch(tmp_path / "r/router_a.jsonl")

    def denied(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "scandir", denied)  # as root, a folder without permissions is still listed
    with pytest.raises(InputError, match=r"^r: this folder of the router pattern r/\{dataset\}_logits\.jsonl "
                                         r"cannot be listed \(permission denied\)\."):
        discover_routing_datasets("./r/{dataset}_logits.jsonl", "r/router_{dataset}.jsonl")
