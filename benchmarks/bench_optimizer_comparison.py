"""Benchmark of the optimizer comparison (``llmcost.optimizer_comparison``): 4000 runs, B = 2000.

A runs.csv-like table of 20 datasets x 5 models x 4 optimizers x 10 seeds (the
issue's scale: 6 pairs x 3 budgets), test scores on a 0.2-point grid (so ties
occur, as with 500 test examples), a tenth of the runs without a score at the
smallest budget (so the pairs' tasks differ there). Timed in a child process
pinned to one core: the whole comparison (tasks, point estimates, bootstrap of
B = 2000, intervals, the permutation test behind the verdicts with R = 2000),
best of three; its peak memory (``ru_maxrss``, imports
included). The bundled runs (45 runs, one pair) are timed the same way.

    python benchmarks/bench_optimizer_comparison.py [--resamples 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))

from llmcost.optimizer_comparison import optimizer_comparison  # noqa: E402
from llmcost.outputs import read_csv  # noqa: E402

SHAPE = (20, 5, 4, 10)  # datasets x models x optimizers x seeds
BUDGETS = [1e6, 3e6, 5e6]
#: the optimization stage's own time at 4000 runs (optimization_summary, workflow/rules/resources.smk):
#: the comparison should stay within it
TARGET_S = 3.0
TARGET_MB = 1024.0


def synthetic_runs(shape=SHAPE, seed: int = 0) -> pd.DataFrame:
    """runs.csv's identifier and score columns for ``shape`` runs (see the module's docstring)."""
    datasets, models, optimizers, seeds = shape
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product([[f"d{i:02d}" for i in range(datasets)], [f"m{i}" for i in range(models)],
                                        ["CAPO", "EvoPromptGA", "OPRO", "PromptWizard"][:optimizers],
                                        range(42, 42 + seeds)], names=["dataset", "model", "optimizer", "seed"])
    runs = index.to_frame(index=False)
    level = rng.uniform(40, 90, size=datasets * models).repeat(optimizers * seeds)
    skill = np.tile(np.repeat(rng.normal(0, 2, size=optimizers), seeds), datasets * models)
    for budget, gain in zip(BUDGETS, (0.0, 1.5, 2.0)):
        score = level + skill + gain + rng.normal(0, 3, size=len(runs))
        runs[f"test_score_pct_at_{budget:.0f}"] = np.clip(np.round(score * 5) / 5, 0, 100)
    first = runs.columns[-len(BUDGETS)]
    runs.loc[rng.random(len(runs)) < 0.1, first] = np.nan
    return runs


def child(which: str, resamples: int) -> None:
    """In the child: time the comparison (best of three); prints seconds, rows and peak MB."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    runs = synthetic_runs() if which == "synthetic" else read_csv(REPO / "results/optimization/runs.csv")
    budgets = BUDGETS if which == "synthetic" else sorted(
        float(c.rsplit("_", 1)[1]) for c in runs.columns if c.startswith("test_score_pct_at_"))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        table = optimizer_comparison(runs, budgets, resamples, 0)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"seconds": best, "rows": len(table), "runs": len(runs), "peak_mb": peak_mb()}))


def peak_mb() -> float:
    """This process's peak resident memory. Linux carries ``ru_maxrss`` over from the forking
    parent (here the bench, after the routing benchmarks' 0.7 GB), so read the new image's
    high-water mark (VmHWM) where /proc has it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(which: str, resamples: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", which, "--resamples", str(resamples)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def run(resamples: int = 2000) -> str:
    """The markdown table of both measurements."""
    bundled, synthetic = measure("bundled", resamples), measure("synthetic", resamples)
    met = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    return "\n".join([
        f"| data | pairs x budgets | comparison (B = {resamples:,}), one core | peak memory |",
        "|---|---|---|---|",
        f"| bundled ({bundled['runs']} runs) | {bundled['rows']} | {bundled['seconds']:.2f} s | "
        f"{bundled['peak_mb']:.0f} MB |",
        f"| synthetic {synthetic['runs']:,} runs ({'x'.join(map(str, SHAPE))}) | {synthetic['rows']} | "
        f"{synthetic['seconds']:.2f} s: {met(synthetic['seconds'] < TARGET_S)} (< {TARGET_S:g} s, the "
        f"optimization summary's time at 4000 runs) | {synthetic['peak_mb']:.0f} MB: "
        f"{met(synthetic['peak_mb'] < TARGET_MB)} (< 1 GB) |",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--child", choices=["bundled", "synthetic"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.resamples)
    else:
        print(run(args.resamples))


if __name__ == "__main__":
    main()
