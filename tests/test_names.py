"""Names are text: every dataset, model, optimizer and run name reaches every artifact
verbatim, whatever it looks like, and no dataset name collides with a combined artifact.

One run on a user's own folders: token datasets ``007`` and ``nan`` with models
``None``, ``NA`` and ``null``; router datasets ``delta_ibc`` (the combined
figure's name), ``007`` and ``worse`` (the large model worse: no baseline), in
one folder per dataset (``{dataset}`` twice in the pattern), plain ``.jsonl`` (few bootstrap
resamples: no assertion reads an interval).
"""

import gzip
import json
import shutil

import pytest
from conftest import FEW_RESAMPLES, copy_workflow, shared_folder, snakemake

from llmcost.outputs import read_csv

TOKEN_NAMES = {"007": ["None", "NA"], "nan": ["null"]}
ROUTER_NAMES = ["delta_ibc", "007", "worse"]


@pytest.fixture(scope="session")
def named_run(tmp_path_factory):
    """The run on the named folders (made once per session) and what Snakemake printed."""
    root, output = shared_folder(tmp_path_factory, "names", run_on_named_folders)
    return root / "repo/mine", output


def run_on_named_folders(root):
    workdir = copy_workflow(root / "repo")
    source = workdir / "data/capo/main_results/gsm8k/qwen/CAPO"
    for dataset, models in TOKEN_NAMES.items():
        for model in models:
            for seed in ("seed42", "seed43"):
                shutil.copytree(source / seed, root / "runs" / dataset / model / "CAPO" / seed)
    automix = workdir / "data/automix"
    logits = gzip.decompress((automix / "logits_entropy/cnli_short_answerlogits.jsonl.gz").read_bytes())
    router = gzip.decompress((automix / "router_data/router_data_cnli_short.jsonl.gz").read_bytes())
    for dataset in ROUTER_NAMES:
        folder = root / "router" / dataset
        folder.mkdir(parents=True)
        (folder / f"{dataset}.logits.jsonl").write_bytes(logits)
        records = [json.loads(line) for line in router.decode().splitlines()]
        if dataset == "worse":
            for record in records:
                record["perf_slm"], record["perf_llm"] = record["perf_llm"], record["perf_slm"]
        (folder / f"{dataset}.router.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    pattern = f"{root}/router/{{dataset}}/{{dataset}}"
    routing = {"logits": f"{pattern}.logits.jsonl", "router": f"{pattern}.router.jsonl", **FEW_RESAMPLES}
    result = snakemake(workdir, "--cores", "2", "--config", "output=mine", f"tokens={{'runs': '{root}/runs'}}",
                       f"routing={routing!r}")
    return result.stdout + result.stderr


def test_token_names_are_kept_verbatim(named_run):
    out, _ = named_run
    runs = read_csv(out / "tokens/runs.csv")
    assert sorted(set(zip(runs["dataset"], runs["model"]))) == [("007", "NA"), ("007", "None"), ("nan", "null")]
    assert len(runs) == 6
    cells = json.loads((out / "tokens/summary.json").read_text())["cells"]
    assert sorted((c["dataset"], c["model"], c["n_seeds"]) for c in cells) == [
        ("007", "NA", 2), ("007", "None", 2), ("nan", "null", 2)]
    for table in ("token_fraction.tex", "token_usage.tex"):
        text = (out / "tables" / table).read_text()
        assert all(name in text for name in ("007", "None", "NA", "null", "nan")), table
    assert (out / "figures/token_cumulative.png").stat().st_size > 0


def test_router_names_never_collide_and_are_kept(named_run):
    out, _ = named_run
    assert sorted(p.name for p in (out / "routing/datasets").iterdir()) == sorted(ROUTER_NAMES)
    # before: delta_ibc's own figure was the combined figure's path
    assert (out / "routing/datasets/delta_ibc/cost_performance.png").is_file()
    assert (out / "figures/routing_delta_ibc.png").is_file()
    assert list(json.loads((out / "routing/summary.json").read_text())) == sorted(ROUTER_NAMES)


def test_a_dataset_without_baseline_warns_once_and_shows_a_dash(named_run):
    out, log = named_run
    assert log.count("worse: P_LLM (0.579) is not above P_SLM (0.763)") == 1
    summary = json.loads((out / "routing/summary.json").read_text())["worse"]
    assert summary["IBC_base"] is None and "not above" in summary["no_baseline"]
    table = (out / "tables/routing_ibc.tex").read_text()
    assert r"No IBC baseline for worse" in table
    said = json.loads((out / "numbers.json").read_text())["statements"]  # no best router, Δ_IBC undefined
    assert said["best_router"]["worse"] == [] and said["best_router"]["delta_ibc"]
    assert said["defined"]["routing"]["worse"]["logits"]["best_delta_ibc_pct"] == "undefined"


def test_one_optimizer_has_no_pair_and_the_comparison_says_so(named_run):
    out, _ = named_run
    comparison = read_csv(out / "optimization/comparison.csv")
    assert comparison.empty and "p_improvement" in comparison.columns
    assert "One optimizer (CAPO): no pair of optimizers to compare." in (
        out / "tables/optimizer_comparison.tex").read_text()
    assert (out / "figures/optimizer_comparison.png").stat().st_size > 0
    assert json.loads((out / "numbers.json").read_text())["optimization"]["comparison"] == {}
