"""Benchmark of the routing curve metrics: bundled data, and n = 1e5 queries with B = 1000.

- Bundled data (four datasets, 1000 queries each): per dataset, the time of
  ``routing_resampling.dataset_metrics`` (in-sample metrics, held-out choice
  over 10 splits, bootstrap of 1000 resamples) beside today's stage on the same
  data (default sweeps and exact curves); the total, and the wall time of the
  four datasets on two worker processes (as ``snakemake --cores 2`` runs them).
- Synthetic queries (``synth_router.queries``): the bootstrap of the three
  routers and the oracle, B = 1000, in a child process pinned to one core;
  wall time and peak memory (``ru_maxrss`` of the child, imports included).
- Before and after AutoMix's delta_IBC (issue 25): the routing stage of this
  checkout against ``BASELINE`` (the commit before it), in the same run,
  interleaved: the routing_sweep job's computation of the four bundled
  datasets in one child process per checkout (best of ``--repeat``), and the
  whole stage through Snakemake (``--forcerun routing_sweep`` on 2 cores).

    python benchmarks/bench_routing_metrics.py [--rows 100000] [--resamples 1000]
    python benchmarks/bench_routing_metrics.py --before-after [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(HERE))

from llmcost import routing  # noqa: E402
from llmcost import routing_data  # noqa: E402
from llmcost import routing_resampling  # noqa: E402
from synth_router import queries  # noqa: E402

DATASETS = ("cnli_short", "coqa_short", "narrative_qa_short", "qasper_short")
COSTS = routing.Costs(slm=1.0, llm=20.0, verifier=4.0)
TARGET_BUNDLED_S = 10.0
TARGET_LARGE_S = 60.0
TARGET_LARGE_MB = 1024.0
#: the commit before AutoMix's delta_IBC, the verifier charge and the break-even cost (issue 25)
BASELINE = "5a8fa8b"
TARGET_ADDED = 0.20  # the new metrics may cost the routing stage at most this share more
#: the routing_sweep job's computation on the bundled data with the llmcost of ``sys.argv[1]``
#: (a checkout's scripts/); prints the seconds of the four datasets
STAGE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from llmcost import routing, routing_data, routing_resampling
start = time.perf_counter()
for dataset in ("cnli_short", "coqa_short", "narrative_qa_short", "qasper_short"):
    frame, merge = routing_data.load_dataset(f"data/automix/logits_entropy/{dataset}_answerlogits.jsonl.gz",
                                             f"data/automix/router_data/router_data_{dataset}.jsonl.gz")
    costs = routing.cost_model({"slm": 1.0, "llm": 20.0, "verifier": 4.0})
    orders = routing.keep_orders(frame)
    swept = routing.sweeps(frame, costs, 9, "linear", [0.25, 0.5, 0.75], orders)
    routing.exact_curves(frame, costs, orders)
    routing.dataset_summary(dataset, frame, merge, costs, swept, 0.05)
    routing_resampling.dataset_metrics(frame, 0.05)
print(time.perf_counter() - start)
"""


def load(dataset: str):
    return routing_data.load_dataset(str(REPO / f"data/automix/logits_entropy/{dataset}_answerlogits.jsonl.gz"),
                                str(REPO / f"data/automix/router_data/router_data_{dataset}.jsonl.gz"))[0]


def seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def todays_stage(frame) -> None:
    orders = routing.keep_orders(frame)
    routing.sweeps(frame, COSTS, 9, "linear", [0.25, 0.5, 0.75], orders)
    routing.exact_curves(frame, COSTS, orders)


def one_dataset(dataset: str) -> float:
    """Read one dataset and compute its metrics (a worker's job)."""
    return seconds(lambda: routing_resampling.dataset_metrics(load(dataset), 0.05))


def bundled() -> dict:
    frames = {dataset: load(dataset) for dataset in DATASETS}
    rows = {dataset: {"today_s": seconds(lambda: todays_stage(frame)),
                      "metrics_s": seconds(lambda: routing_resampling.dataset_metrics(frame, 0.05))}
            for dataset, frame in frames.items()}
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(one_dataset, DATASETS))
    return {"datasets": rows, "two_workers_s": time.perf_counter() - start}


def large_child(rows: int, resamples: int) -> None:
    """In the child: the bootstrap on ``rows`` synthetic queries; prints seconds and peak MB."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    frame = queries(rows)
    elapsed = seconds(lambda: routing_resampling.bootstrap_metrics(frame, 0.05, resamples, 0))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb}))


def large(rows: int, resamples: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, __file__, "--child", "--rows", str(rows), "--resamples",
                             str(resamples)], capture_output=True, text=True, env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def verdict(ok: bool, target: str) -> str:
    return f"{'met' if ok else 'MISSED'} ({target})"


def table(small: dict, big: dict, rows: int, resamples: int) -> str:
    lines = ["| data | today's stage (sweeps + exact curves) | metrics: held-out (10 splits) + bootstrap "
             "(B = 1000) | peak memory |", "|---|---|---|---|"]
    for dataset, row in small["datasets"].items():
        lines.append(f"| {dataset} (1,000 queries) | {row['today_s'] * 1e3:.1f} ms | {row['metrics_s']:.2f} s | |")
    total = sum(row["metrics_s"] for row in small["datasets"].values())
    lines.append(f"| bundled, 4 datasets, one process | | {total:.2f} s | |")
    lines.append(f"| bundled, 4 datasets, 2 worker processes (read + metrics) | | {small['two_workers_s']:.2f} s: "
                 f"{verdict(small['two_workers_s'] < TARGET_BUNDLED_S, f'< {TARGET_BUNDLED_S:g} s, the budget of the whole stage')} | |")
    lines.append(f"| synthetic, {rows:,} queries, bootstrap only (3 routers + oracle, B = {resamples:,}), "
                 f"one core | | {big['seconds']:.1f} s: "
                 f"{verdict(big['seconds'] < TARGET_LARGE_S, f'< {TARGET_LARGE_S:g} s')} | {big['peak_mb']:.0f} MB: "
                 f"{verdict(big['peak_mb'] < TARGET_LARGE_MB, '< 1 GB')} |")
    return "\n".join(lines)


def stage_through_snakemake() -> dict:
    """The whole routing stage on the bundled data as Snakemake runs it (sweeps with metrics,
    summary and tables, figures, then numbers and publish), on 2 cores: with the default
    held-out splits and bootstrap, and with them off (1 split, 0 resamples) as the baseline."""
    import shutil
    import subprocess
    import tempfile

    sys.path.insert(0, str(REPO / "scripts"))
    from check_results import copy_workflow

    scratch = Path(tempfile.mkdtemp(prefix="llmcost-bench-routing-"))
    try:
        workdir = copy_workflow(scratch / "repo")
        command = [sys.executable, "-m", "snakemake", "--cores", "2", "--config", "output=out"]
        subprocess.run(command, cwd=workdir, check=True, capture_output=True)
        seconds = {}
        for name, extra in (("without", ["routing={'holdout': {'splits': 1}, 'bootstrap': {'resamples': 0}}"]),
                            ("with", [])):
            start = time.perf_counter()
            subprocess.run([*command, *extra, "--forcerun", "routing_sweep"], cwd=workdir, check=True,
                           capture_output=True)
            seconds[name] = time.perf_counter() - start
        return seconds
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def before_after(repeat: int = 5, baseline: str = BASELINE) -> dict:
    """The routing stage of this checkout and of ``baseline``, interleaved: best seconds of the
    routing_sweep job's computation (one child process per checkout and round) and of
    ``--forcerun routing_sweep`` through Snakemake on 2 cores."""
    import shutil
    import tempfile

    from bench_pipeline import checkout
    sys.path.insert(0, str(REPO / "scripts"))
    from check_results import copy_workflow

    scratch = Path(tempfile.mkdtemp(prefix="llmcost-bench-issue25-"))
    try:
        repos = {"this": copy_workflow(scratch / "this"), "baseline": checkout(baseline, scratch / "baseline")}
        command = [sys.executable, "-m", "snakemake", "--cores", "2", "--config", "output=out"]
        for repo in repos.values():
            subprocess.run(command, cwd=repo, check=True, capture_output=True)
        found = {kind: {"compute": [], "stage": []} for kind in repos}
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        for _ in range(repeat):
            for kind, repo in repos.items():
                done = subprocess.run([sys.executable, "-c", STAGE, str(repo / "scripts")], cwd=repo, env=env,
                                      capture_output=True, text=True, check=True)
                found[kind]["compute"].append(float(done.stdout.strip().splitlines()[-1]))
            for kind, repo in repos.items():
                start = time.perf_counter()
                subprocess.run([*command, "--forcerun", "routing_sweep"], cwd=repo, check=True, capture_output=True)
                found[kind]["stage"].append(time.perf_counter() - start)
        return {kind: {key: min(values) for key, values in found[kind].items()} for kind in repos} | {
            "repeat": repeat, "commit": baseline, "load": os.getloadavg()[0]}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def before_after_table(result: dict) -> str:
    this, base = result["this"], result["baseline"]
    lines = [f"| routing stage, bundled data (best of {result['repeat']}, interleaved) | baseline "
             f"({result['commit']}) | this checkout | added |", "|---|---|---|---|"]
    for key, label in (("compute", "the routing_sweep jobs' computation, 4 datasets, one process"),
                       ("stage", "the whole stage through Snakemake (`--forcerun routing_sweep`, 2 cores)")):
        added = this[key] / base[key] - 1
        lines.append(f"| {label} | {base[key]:.2f} s | {this[key]:.2f} s | {100 * added:+.0f} %: "
                     f"{verdict(added < TARGET_ADDED, f'< {100 * TARGET_ADDED:.0f} %')} |")
    return "\n".join(lines) + f"\n\nLoad average at the end: {result['load']:.1f} (2 cores)."


def run(rows: int = 100_000, resamples: int = 1000) -> str:
    print("routing metrics, bundled data ...", flush=True)
    small = bundled()
    print("routing stage through Snakemake, bundled data ...", flush=True)
    stage = stage_through_snakemake()
    print(f"routing metrics, {rows:,} queries, B = {resamples:,} ...", flush=True)
    text = table(small, large(rows, resamples), rows, resamples)
    print("routing stage before and after AutoMix's delta_IBC ...", flush=True)
    text += "\n\n" + before_after_table(before_after(3))
    return text + (
        f"\n\nThe whole routing stage through Snakemake (`--forcerun routing_sweep` on 2 cores: 4 "
        f"sweeps, summary and tables, 6 figures, numbers, publish): {stage['with']:.1f} s with held-out "
        f"splits and bootstrap, {stage['without']:.1f} s without (1 split, 0 resamples): "
        f"{verdict(stage['with'] < TARGET_BUNDLED_S, f'< {TARGET_BUNDLED_S:g} s')}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--before-after", action="store_true", help="only this checkout against BASELINE")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.child:
        large_child(args.rows, args.resamples)
    elif args.before_after:
        print(before_after_table(before_after(args.repeat)))
    else:
        print(run(args.rows, args.resamples))


if __name__ == "__main__":
    main()
