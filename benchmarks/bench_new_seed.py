"""A new seed as the work grows: one seed folder added to trees of 400, 4,000 and 20,000 runs.

Each tree is 20 datasets x 5 models x 4 optimizers x 1, 10 or 50 seeds (20, 200 and 1,000 runs
per dataset: the new seed's dataset grows with the tree) from the bench's generator
(``synth_runs.generate_linked``: ten distinct seeds per cell, the others hard links to their
bytes, so reading and parsing cost the same per run and the disk holds 4,000 runs), with the
bundled router data; and the bundled data. For each, this checkout and the baseline checkout
are first run once to bring them up to date (not measured), then, ``--repeat`` times: one seed
folder added (bundled: a copy of gsm8k/qwen/CAPO/seed44; a tree: dataset00/model0/CAPO/seed99),
``snakemake --cores 2`` in this checkout and in the baseline, interleaved (measured: wall, CPU,
jobs), the seed removed and both brought up to date again (not measured). Best of ``--repeat``.
The engine start: ``snakemake --version``, best of ``--repeat``.

    python benchmarks/bench_new_seed.py [--sizes bundled 400 4000 20000] [--repeat 3] [--baseline 737c973]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from bench_pipeline import BASELINE, SEEDS, WORK, checkout, environment, jobs_run, measure, synthetic_tree  # noqa: E402
from check_results import copy_workflow  # noqa: E402
from synth_runs import write_run  # noqa: E402

SIZES = ["bundled", *SEEDS]
#: the last run's rows, for docs/performance.md's figure
RESULTS = HERE / "new_seed.json"


class Data:
    """Where one size's runs are, and how to add and remove the new seed."""

    def __init__(self, name: str):
        self.name = name
        self.runs = None if name == "bundled" else synthetic_tree(name)
        self.config = [] if self.runs is None else ["--config", "output=out", f"tokens={{'runs': '{self.runs}'}}"]

    def new_seed(self, repo: Path) -> Path:
        if self.runs is None:
            return repo / "data/capo/main_results/gsm8k/qwen/CAPO/seed45"
        return self.runs / "dataset00/model0/CAPO/seed99"

    def add_seed(self, repos: list[Path]) -> None:
        if self.runs is None:
            for repo in repos:
                shutil.copytree(self.new_seed(repo).with_name("seed44"), self.new_seed(repo))
        else:
            write_run(self.runs, "dataset00", "model0", "CAPO", 99, np.random.default_rng(99))

    def remove_seed(self, repos: list[Path]) -> None:
        for repo in repos:
            shutil.rmtree(self.new_seed(repo), ignore_errors=True)


def engine_start(python: str, repeat: int) -> float:
    """``snakemake --version``: the engine's own start, best of ``repeat``."""
    return min(measure([python, "-m", "snakemake", "--version"], WORK)["seconds"] for _ in range(repeat))


def bench(name: str, baseline: str, repeat: int) -> dict:
    data = Data(name)
    shutil.rmtree(WORK / f"this_seed_{name}", ignore_errors=True)
    repos = {"this": copy_workflow(WORK / f"this_seed_{name}"),
             "baseline": checkout(baseline, WORK / f"baseline_seed_{name}")}
    pythons = {"this": sys.executable, "baseline": environment(repos["baseline"], baseline)}
    data.remove_seed(list(repos.values()))  # left by an interrupted benchmark

    def run(kind: str) -> dict:
        return measure([pythons[kind], "-m", "snakemake", "--cores", "2", *data.config], repos[kind])

    for kind in repos:  # up to date, and the run cache warm (not measured)
        run(kind)
    load = [os.getloadavg()[0]]
    found = {kind: [] for kind in repos}
    for repetition in range(repeat):
        data.add_seed(list(repos.values()))
        try:
            order = list(repos) if repetition % 2 == 0 else list(repos)[::-1]
            for kind in order:
                found[kind].append(run(kind))
        finally:
            data.remove_seed(list(repos.values()))
        for kind in repos:
            run(kind)
    load.append(os.getloadavg()[0])
    row = {"size": name, "runs_per_dataset": 18 if data.runs is None else 20 * SEEDS[name],
           "load": load, "repeat": repeat}
    for kind, results in found.items():
        best = min(results, key=lambda result: result["seconds"])
        row[kind] = {"seconds": best["seconds"], "cpu": min(result["cpu"] for result in results),
                     "jobs": jobs_run(best["output"])}
    return row


def table(rows: list[dict], baseline: str, engine: float) -> str:
    bundled = next((row for row in rows if row["size"] == "bundled"), None)
    lines = ["| runs | runs in the new seed's dataset | this checkout: new seed | minus bundled | jobs | "
             f"baseline ({baseline}): new seed | minus bundled | jobs |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = []
        for kind in ("this", "baseline"):
            found = row[kind]
            minus = (f"{found['seconds'] - bundled[kind]['seconds']:+.1f} s" if bundled and row is not bundled
                     else "")
            cells += [f"{found['seconds']:.1f} s (CPU {found['cpu']:.1f} s)", minus, str(found["jobs"])]
        label = "bundled (90)" if row["size"] == "bundled" else f"{int(row['size']):,}"
        lines.append(f"| {label} | {row['runs_per_dataset']:,} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Best of {rows[0]['repeat']}, this checkout and the baseline interleaved (alternating which "
                 f"goes first); engine start (`snakemake --version`) {engine:.2f} s; load average (2 cores) "
                 + "; ".join(f"{row['size']}: {row['load'][0]:.1f} before, {row['load'][1]:.1f} after"
                             for row in rows) + ".")
    return "\n".join(lines)


def run(sizes: list[str], repeat: int, baseline: str = BASELINE) -> tuple[list[dict], float, str]:
    """The rows, the engine start and the table; the rows also go to RESULTS (for the figure,
    ``new_seed_figure.py``)."""
    WORK.mkdir(exist_ok=True)
    rows = []
    for name in sizes:
        print(f"new seed, {name}: this checkout and {baseline}, best of {repeat} ...", flush=True)
        rows.append(bench(name, baseline, repeat))
    engine = engine_start(sys.executable, repeat)
    RESULTS.write_text(json.dumps({"baseline": baseline, "engine_seconds": engine,
                                   "rows": [{key: row[key] for key in ("size", "runs_per_dataset", "load", "repeat",
                                                                       "this", "baseline")} for row in rows]},
                                  indent=1) + "\n")
    return rows, engine, table(rows, baseline, engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=SIZES, choices=SIZES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--generate-only", action="store_true", help="make the synthetic trees and stop")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.generate_only:
        for name in args.sizes:
            if name != "bundled":
                synthetic_tree(name)
        return
    print(run(args.sizes, args.repeat, args.baseline)[2])
    print(f"({time.perf_counter() - start:.0f} s in all)")


if __name__ == "__main__":
    main()
