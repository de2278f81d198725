"""A new seed's `make` followed by `make changes` on the bundled data (issue 28).

In a copy of the workflow whose results/ are committed (a git repository of its
own), one seed folder is added (a copy of gsm8k/qwen/CAPO/seed44, as in
bench_pipeline), the pipeline runs (``snakemake --cores 2``), and then
``scripts/changes.py`` compares results/ with HEAD; the seed is removed and the
pipeline run again before the next repetition. Best of ``--repeat``.

    python benchmarks/bench_changes.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(HERE))

from bench_pipeline import WORK, jobs_run, measure  # noqa: E402
from check_results import copy_workflow  # noqa: E402

CELL = "data/capo/main_results/gsm8k/qwen/CAPO"
#: what `make changes` may add to a new seed's `make` (whose own target is issue 22's, bench_pipeline)
TARGET = 1.0


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args], cwd=repo,
                   check=True, capture_output=True)


def run(repeat: int) -> str:
    repo = WORK / "changes"
    shutil.rmtree(repo, ignore_errors=True)
    copy_workflow(repo)
    snakemake = [sys.executable, "-m", "snakemake", "--cores", "2"]
    measure(snakemake, repo)
    git(repo, "init", "-q")
    git(repo, "add", "results")
    git(repo, "commit", "-qm", "the committed results")
    changes = [sys.executable, str(REPO / "scripts/changes.py"), "--markdown", str(repo / "changes.md")]
    found = {"make": [], "changes": [], "jobs": [], "lines": [], "make_cpu": [], "changes_cpu": []}
    load = [os.getloadavg()[0]]
    for _ in range(repeat):
        shutil.copytree(repo / CELL / "seed44", repo / CELL / "seed45")
        try:
            made = measure(snakemake, repo)
            compared = measure(changes, repo)
            found["make"].append(made["seconds"])
            found["make_cpu"].append(made["cpu"])
            found["changes_cpu"].append(compared["cpu"])
            found["jobs"].append(jobs_run(made["output"]))
            found["changes"].append(compared["seconds"])
            found["lines"].append(compared["output"].count("\n"))
        finally:
            shutil.rmtree(repo / CELL / "seed45")
            measure(snakemake, repo)
    load.append(os.getloadavg()[0])
    total = min(m + c for m, c in zip(found["make"], found["changes"]))
    verdict = f"met (<= {TARGET:.0f} s)" if min(found["changes"]) <= TARGET else f"MISSED (<= {TARGET:.0f} s)"
    return "\n".join([
        "| | bundled data |",
        "|---|---|",
        f"| one new seed: `make` | {min(found['make']):.1f} s (CPU {min(found['make_cpu']):.1f} s), "
        f"{found['jobs'][0]} jobs |",
        f"| then `make changes` (against HEAD) | {min(found['changes']):.2f} s (CPU {min(found['changes_cpu']):.2f} s), "
        f"{found['lines'][0]} lines: {verdict} |",
        f"| both | {total:.1f} s |",
        "",
        f"Best of {repeat}; load average (2 cores) {load[0]:.1f} before, {load[1]:.1f} after; CPU: user + "
        f"system seconds of the command and everything it started.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    print(run(args.repeat))
    print(f"({time.perf_counter() - start:.0f} s in all)")


if __name__ == "__main__":
    main()
