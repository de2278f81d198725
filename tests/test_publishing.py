"""The output folder is all-or-nothing: a failed run changes nothing, a good run leaves
exactly the current config's artifacts, and the output folder is a config key."""

import gzip
import shutil

from check_results import compare_trees
from conftest import snakemake
from test_bad_input import digest

from llmcost.outputs import read_csv

ROUTER = "data/automix/router_data/router_data_coqa_short.jsonl.gz"


def break_line_7(workdir):
    path = workdir / ROUTER
    original = path.read_bytes()
    lines = gzip.decompress(original).decode().splitlines()
    lines[6] = '{"id": 7,'
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return original


def test_a_run_that_fails_changes_nothing_and_the_next_good_run_publishes_everything(rerun_copy):
    # a new cost (every routing job), a new seed (token jobs) and one bad router line
    (rerun_copy / "cheap_llm.yaml").write_text("routing:\n  costs:\n    llm: 10\n")
    cell = rerun_copy / "data/capo/main_results/gsm8k/qwen/CAPO"
    shutil.copytree(cell / "seed44", cell / "seed45")
    original = break_line_7(rerun_copy)
    before = digest(rerun_copy / "results")
    failed = snakemake(rerun_copy, "--cores", "2", "--configfile", "config.yaml", "cheap_llm.yaml",
                       check=False)
    assert failed.returncode != 0
    assert "router_data_coqa_short.jsonl.gz, line 7, column 10: not valid JSON" in failed.stdout + failed.stderr
    # before: the good datasets' figures were already redrawn with the new cost
    assert digest(rerun_copy / "results") == before
    (rerun_copy / ROUTER).write_bytes(original)
    snakemake(rerun_copy, "--cores", "2", "--configfile", "config.yaml", "cheap_llm.yaml")
    after = digest(rerun_copy / "results")
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert "routing/summary.json" in changed and "tokens/runs.csv" in changed
    assert "routing/datasets/cnli_short/cost_performance.png" in changed


def test_repointed_inputs_leave_no_orphans(rerun_copy, tmp_path):
    own = tmp_path / "my_runs"
    shutil.copytree(rerun_copy / "data/capo/main_results/gsm8k", own / "gsm8k")
    snakemake(rerun_copy, "--cores", "2", "--config", f"tokens={{'runs': '{own}'}}",
              "routing={'datasets': ['cnli_short']}")
    results = rerun_copy / "results"
    assert set(read_csv(results / "tokens/runs.csv")["dataset"]) == {"gsm8k"}
    # before: the other datasets' sweeps, figures and step tables stayed next to the new ones
    assert [p.name for p in (results / "routing/datasets").iterdir()] == ["cnli_short"]
    assert not (results / "tokens/steps").exists()
    assert not [p for p in results.rglob("*") if p.name.startswith(".")]


def test_the_output_folder_is_a_config_key_and_the_committed_results_stay(rerun_copy):
    before = digest(rerun_copy / "results")
    snakemake(rerun_copy, "--cores", "2", "--config", "output=my_analysis")
    assert digest(rerun_copy / "results") == before
    assert compare_trees(rerun_copy / "my_analysis", rerun_copy / "results") == []
    dry = snakemake(rerun_copy, "-n", "--config", "output=my_analysis")
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_an_output_folder_holding_other_files_is_refused(rerun_copy):
    inputs = digest(rerun_copy / "data")
    for folder, named in (("data", "automix, capo"), (".", "Snakefile")):
        result = snakemake(rerun_copy, "-n", "--config", f"output={folder}", check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0
        assert f"{folder}: the output folder (config output) holds" in output and named in output
        assert "Traceback" not in output
    assert digest(rerun_copy / "data") == inputs
