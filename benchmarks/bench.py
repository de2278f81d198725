"""`make bench`: the pipeline's targets, the routing and the optimizer-comparison benchmarks; prints the
tables and writes RESULTS.md.

    python benchmarks/bench.py [--quick] [--repeat N] [--pipeline-only]

The pipeline tables (bench_pipeline.py) are issue 37's targets, each met or its
measured cause, then the detail: one new seed, a full regeneration, a no-op and
peak memory on the bundled data and at 4000 runs, this checkout against a
baseline checkout (in the environment its own pins make) and the one-process
floor, in the same run; then a new seed at 400, 4,000 and 20,000 runs
(bench_new_seed.py); then issue 28's new seed followed by ``make changes``
(bench_changes.py). ``--quick`` runs only the bundled data (and 400 runs) and the small routing sizes;
``--pipeline-only`` skips the routing benchmarks (RESULTS.md then keeps the
routing sections of its previous run, marked as such).
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

import bench_changes  # noqa: E402
import bench_optimizer_comparison  # noqa: E402
import bench_pipeline  # noqa: E402
import bench_routing  # noqa: E402
import bench_routing_metrics  # noqa: E402


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


def previous_routing_sections() -> str:
    """The routing sections of the previous RESULTS.md, for a --pipeline-only run."""
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    return text[text.index("## Routing\n"):] if "## Routing\n" in text else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pipeline-only", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    pipeline = bench_pipeline.run(["bundled"] if args.quick else ["bundled", "4000"], args.repeat,
                                  scale_sizes=["bundled", "400"] if args.quick else ["bundled", "400", "4000", "20000"])
    print(pipeline, flush=True)
    changes = bench_changes.run(args.repeat)
    print(changes, flush=True)
    sections = []
    if args.pipeline_only:
        previous = previous_routing_sections()
        if previous:
            sections = ["(The routing sections below are from the previous full `make bench`, "
                        "not rerun here: `--pipeline-only`.)", "", previous.rstrip("\n"), ""]
    else:
        routing = bench_routing.run([1_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000],
                                    loop_max=1_000 if args.quick else 100_000)
        print(routing)
        metrics = bench_routing_metrics.run(10_000 if args.quick else 100_000, 1000)
        print(metrics)
        comparison = bench_optimizer_comparison.run(200 if args.quick else 2000)
        print(comparison)
        sections = [
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
            "CPT, delta_IBC_5, the best delta_IBC and AutoMix's, and the verifier break-even cost for "
            "three routers and the oracle (`benchmarks/bench_routing_metrics.py`); then the routing "
            "stage of this checkout against the commit before AutoMix's delta_IBC, interleaved.",
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
        ]
    options = " ".join(option for option, given in (("--quick", args.quick), (f"--repeat {args.repeat}", True),
                                                     ("--pipeline-only", args.pipeline_only)) if given)
    text = "\n".join([
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Command: `python benchmarks/bench.py {options}`, {time.perf_counter() - start:.0f} s in all.",
        "",
        "## The pipeline: its speed targets",
        "",
        "Bundled data, and synthetic trees of 400, 4000 and 20,000 runs (`benchmarks/synth_runs.py`: 20 "
        "datasets x 5 models x 4 optimizers x 1, 10 or 50 seeds, the real layout and columns, ~580 KB per "
        "run, racing logs for CAPO; ten distinct seeds per cell, the others hard links to their bytes) with "
        "the bundled router data. Engine start: `snakemake --version`. `snakemake --cores 2`: full = `--forceall` of every "
        "artifact; no-op = nothing changed; one new seed = one seed folder added (bundled: a copy of "
        "gsm8k/qwen/CAPO/seed44; a synthetic tree: dataset00/model0/CAPO/seed99), then a run. Jobs exclude "
        "the target rule. Baseline: the same measurements on a checkout of the commit before this work, "
        "interleaved with this checkout's, run by a venv made from that commit's requirements.txt (this "
        "checkout's venv where the pins are the same). Floor: one Python process reading every run and computing "
        "the token and optimization aggregates (`bench_pipeline.FLOOR`).",
        "",
        pipeline,
        "",
        "## What changed after a new seed: `make changes`",
        "",
        "A copy of the workflow with its results/ committed (`benchmarks/bench_changes.py`): one seed "
        "folder added (a copy of gsm8k/qwen/CAPO/seed44), `snakemake --cores 2`, then "
        "`scripts/changes.py` against HEAD; the seed removed and the pipeline rerun between repetitions.",
        "",
        changes,
        "",
        *sections,
    ])
    if not args.quick:
        (HERE / "RESULTS.md").write_text(text)
        print(f"written {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
