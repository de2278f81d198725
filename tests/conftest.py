"""Shared fixtures: the repository root, tiny step logs, and one full pipeline run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from check_results import copy_workflow  # noqa: F401 (re-exported for the tests)

REPO = Path(__file__).resolve().parents[1]


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
