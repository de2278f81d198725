"""Shared fixtures: the repository root, tiny step logs, and one full pipeline run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
# What a copy of the repository needs to run the workflow (results/ excluded).
WORKFLOW_FILES = ["Snakefile", "config.yaml", "profiles", "workflow", "scripts", "data"]


def copy_workflow(target: Path, with_results: bool = False) -> Path:
    """Copy the workflow and its bundled data (not results/ unless asked) to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES + (["results"] if with_results else []):
        source = REPO / name
        if source.is_symlink():
            (target / name).symlink_to(source.readlink())
        elif source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run Snakemake (this interpreter's) in ``workdir``; output captured as text."""
    result = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> Path:
    """One full run of the pipeline on a copy of the repository (shared by the tests)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("pipeline"))
    snakemake(workdir, "--cores", "2")
    return workdir


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
