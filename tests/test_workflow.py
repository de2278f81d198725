"""The workflow end to end on a copy of the repository: artifacts, config validation."""

import json
import shutil

import pandas as pd
from conftest import copy_workflow, snakemake

TOKEN_ARTIFACTS = [
    "results/tokens/runs.csv",
    "results/tokens/summary.csv",
    "results/tokens/summary.json",
    "results/tables/token_fraction.tex",
    "results/tables/token_usage.tex",
    "results/figures/token_usage.pdf",
    "results/figures/token_usage.png",
    "results/figures/token_cumulative.pdf",
    "results/figures/token_cumulative.png",
]


def test_token_artifacts_appear(pipeline_run):
    for name in TOKEN_ARTIFACTS:
        path = pipeline_run / name
        assert path.is_file() and path.stat().st_size > 0, name
    runs = pd.read_csv(pipeline_run / "results/tokens/runs.csv")
    assert len(runs) == 90
    assert list(runs.columns[:6]) == ["dataset", "model", "optimizer", "seed", "run", "steps"]
    summary = json.loads((pipeline_run / "results/tokens/summary.json").read_text())
    assert abs(summary["frac_downstream_llm_overall_mean"]["CAPO"] - 0.966136400759536) < 1e-12
    assert len(summary["cells"]) == 30


def test_fraction_table_in_the_paper_layout(pipeline_run):
    text = (pipeline_run / "results/tables/token_fraction.tex").read_text()
    assert "copa & 98.4 & 73.4 & 89.5 & 87.1 \\\\" in text
    assert "Mean & 98.7 & 94.0 & 97.2 & 96.6 \\\\" in text


def test_after_a_run_nothing_is_left_to_do(pipeline_run):
    result = snakemake(pipeline_run, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_unknown_config_key_stops_with_its_name(tmp_path):
    workdir = copy_workflow(tmp_path)
    result = snakemake(workdir, "-n", "--config", "tokens={'runz': 'x'}", check=False)
    assert result.returncode != 0
    assert "runz" in result.stdout + result.stderr


def test_wrong_type_stops_with_the_key(tmp_path):
    workdir = copy_workflow(tmp_path)
    result = snakemake(workdir, "-n", "--config", "tokens={'seeds': 'all'}", check=False)
    assert result.returncode != 0
    assert "seeds" in result.stdout + result.stderr


def test_user_runs_folder_with_config(tmp_path):
    """A user points tokens.runs at their own results: a subset of the bundled runs."""
    workdir = copy_workflow(tmp_path / "repo")
    own = tmp_path / "my_results"
    source = workdir / "data/capo/main_results/gsm8k"
    shutil.copytree(source, own / "gsm8k")
    snakemake(workdir, "results/tokens/summary.csv", "--cores", "2",
              "--config", f"tokens={{'runs': '{own}'}}")
    summary = pd.read_csv(workdir / "results/tokens/summary.csv")
    assert sorted(summary["dataset"].unique()) == ["gsm8k"]
    assert len(summary) == 6
