"""`make bench`: the token-stage, routing and optimizer-comparison benchmarks; prints the tables and
writes RESULTS.md.

    python benchmarks/bench.py [--quick]

``--quick`` runs only the small sizes (400 runs; 1e3 and 1e5 queries, row loop
to 1e3) to try the benchmark out; RESULTS.md records the full run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_optimizer_comparison  # noqa: E402
import bench_routing  # noqa: E402
import bench_routing_metrics  # noqa: E402
import bench_tokens  # noqa: E402


def machine() -> str:
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, commit {commit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    tokens = bench_tokens.run([400] if args.quick else [400, 4000])
    print(tokens, flush=True)
    routing = bench_routing.run([1_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000],
                                loop_max=1_000 if args.quick else 100_000)
    print(routing)
    metrics = bench_routing_metrics.run(10_000 if args.quick else 100_000, 1000)
    print(metrics)
    comparison = bench_optimizer_comparison.run(200 if args.quick else 2000)
    print(comparison)
    text = "\n".join([
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Command: `make bench` (`python benchmarks/bench.py{' --quick' if args.quick else ''}`), "
        f"{time.perf_counter() - start:.0f} s in all.",
        "",
        "## The pipeline at scale",
        "",
        "Synthetic run trees (`benchmarks/synth_runs.py`: real layout and columns, 10 prompt rows x "
        "70 steps, ~580 KB per run, racing logs for CAPO) and the bundled router data. Floor: one "
        "Python process reading the columns the stages use (step, tokens, scores, time, prompt) and "
        "the racing logs with pyarrow. Full: `snakemake --cores 2 --forceall` of every artifact; peak "
        "memory is the largest process; lines printed is the whole terminal output. New seed: one "
        "seed folder added, then `snakemake --cores 2`. Jobs exclude the target rule.",
        "",
        tokens,
        "",
        "## Routing",
        "",
        "Synthetic queries (`benchmarks/synth_router.py`), best of three, in one process. Row loop: "
        "the reference notebook's `iterrows` router (`llmcost.notebook_router`) over the same 18 "
        "log-probability and entropy thresholds; speed-up = row loop / default sweep.",
        "",
        routing,
        "",
        "## Routing metrics",
        "",
        "Held-out threshold choice (10 splits) and bootstrap intervals (B = 1000) of AIQ, APGR, "
        "CPT, delta_IBC_5 and the best delta_IBC for three routers and the oracle "
        "(`benchmarks/bench_routing_metrics.py`).",
        "",
        metrics,
        "",
        "## Optimizer comparison",
        "",
        "Probability of improvement and score difference per pair of optimizers and budget, with "
        "stratified bootstrap intervals (`benchmarks/bench_optimizer_comparison.py`: a runs.csv-like "
        "table of 20 datasets x 5 models x 4 optimizers x 10 seeds, scores on a 0.2-point grid, a "
        "tenth missing at the smallest budget; best of three in a child pinned to one core).",
        "",
        comparison,
        "",
    ])
    if not args.quick:
        (HERE / "RESULTS.md").write_text(text)
        print(f"written {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
