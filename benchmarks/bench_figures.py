"""Benchmark of the combined figures at 40 datasets, against the code before they were redone.

For each figure, in one process: the time to build it, to save it (PDF and PNG, as
``plotting.save_figure`` does) and the PNG's size, for the current code and for the
baseline, the same modules at ``--baseline`` (a commit; its ``scripts/llmcost`` is
loaded from git as a package of its own), on the same data. Each time is the best of
``--repeat`` runs after a warm-up figure (fonts loaded, caches filled).

Data: the token and optimization figures read a build of the 4000-run tree (40
datasets x 5 models x 2 optimizers x 10 seeds, ``benchmarks/bench_tokens.py``): its
``artifacts/tokens/runs.csv``, ``intermediate/steps/*.parquet`` and
``intermediate/curve/*.parquet`` (each dataset's score curve) under ``--build``. The routing
figures repeat the bundled results' four router datasets (``results/routing``) under
40 names. ``--datasets`` also times smaller subsets.

    python benchmarks/bench_figures.py [--build DIR] [--baseline COMMIT] [--datasets 5 40]
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from llmcost import plotting  # noqa: E402
from llmcost.optimization_figures import score_vs_tokens_figure  # noqa: E402
from llmcost.outputs import read_csv  # noqa: E402
from llmcost.routing_figures import delta_ibc_figure, read_sweep_outputs  # noqa: E402
from llmcost.routing_metric_figures import pgr_figure  # noqa: E402
from llmcost.token_figures import token_cumulative_figure, token_usage_figure  # noqa: E402
from llmcost.tokens import cumulative_input, summarize  # noqa: E402

#: the last commit before the figures were redone (branch figures-fit)
BASELINE = "ff34b55"
BUILDS = [HERE / "work" / "repo_4000" / ".build" / "results", Path("/tmp/b4k/.build/out")]
STEP_COLUMNS = ["dataset", "model", "optimizer", "run", "step", "input_tokens_meta_llm",
                "input_tokens_downstream_llm"]
BUDGETS = [1_000_000, 3_000_000, 5_000_000]
OPTIMIZER = "CAPO"


def baseline_modules(commit: str, folder: Path):
    """The baseline's figure modules, imported from ``scripts/llmcost`` at ``commit`` as the
    package ``llmcost_baseline``."""
    archive = subprocess.run(["git", "archive", commit, "scripts/llmcost"], cwd=REPO, capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "scripts" / "llmcost").rename(folder / "llmcost_baseline")
    sys.path.insert(0, str(folder))
    return {name: importlib.import_module(f"llmcost_baseline.{name}")
            for name in ("plotting", "token_figures", "optimization_figures", "routing_figures",
                         "routing_metric_figures")}


def read_inputs(build: Path) -> dict:
    """The figures' inputs, as their rules read them (timed: the new entry scripts' way)."""
    start = time.perf_counter()
    runs = read_csv(build / "artifacts" / "tokens" / "runs.csv")
    reading = {"token usage": time.perf_counter() - start}
    start = time.perf_counter()
    steps = pd.concat([pd.read_parquet(path, columns=STEP_COLUMNS)
                       for path in sorted((build / "intermediate" / "steps").glob("*.parquet"))], ignore_index=True)
    cumulative = cumulative_input(steps, OPTIMIZER)
    reading["token cumulative"] = time.perf_counter() - start
    start = time.perf_counter()
    curve = pd.concat([pd.read_parquet(path) for path in sorted((build / "intermediate" / "curve").glob("*.parquet"))],
                      ignore_index=True)
    reading["score vs tokens"] = time.perf_counter() - start
    routing = REPO / "results" / "routing"
    summaries = json.loads((routing / "summary.json").read_text())
    bundled = {}
    for name in sorted(summaries):
        folder = routing / "datasets" / name
        curve_frame, sweeps, _ = read_sweep_outputs(folder / "curve.csv", sorted(folder.glob("*_sweep.json")),
                                                    routing / "summary.json")
        bundled[name] = (curve_frame, sweeps, summaries[name], json.loads((folder / "metrics.json").read_text()))
    return {"runs": runs, "cumulative": cumulative, "curve": curve, "bundled": bundled, "reading": reading}


def figures(inputs: dict, count: int) -> dict:
    """Per figure, the calls that build it with the new code and with the baseline's, on the
    first ``count`` datasets."""
    datasets = sorted(inputs["runs"]["dataset"].unique())[:count]
    runs = inputs["runs"][inputs["runs"]["dataset"].isin(datasets)]
    cumulative = inputs["cumulative"][inputs["cumulative"]["dataset"].isin(datasets)]
    curve = inputs["curve"][inputs["curve"]["dataset"].isin(datasets)]
    bundled = list(inputs["bundled"].values())
    names = [f"router{i:02d}" for i in range(count)]
    chosen = {name: bundled[i % len(bundled)] for i, name in enumerate(names)}
    curves, sweeps = {n: v[0] for n, v in chosen.items()}, {n: v[1] for n, v in chosen.items()}
    summaries = {n: {**v[2], "dataset": n} for n, v in chosen.items()}
    metrics = {n: v[3] for n, v in chosen.items()}
    summary = summarize(runs)  # the baseline's token usage figure read summary.csv
    return {
        "token usage": (lambda: token_usage_figure(runs, OPTIMIZER),
                        lambda old: old["token_figures"].token_usage_figure(summary, OPTIMIZER)),
        "token cumulative": (lambda: token_cumulative_figure(cumulative, OPTIMIZER),
                             lambda old: old["token_figures"].token_cumulative_figure(cumulative, OPTIMIZER)),
        "score vs tokens": (lambda: score_vs_tokens_figure(curve, BUDGETS),
                            lambda old: old["optimization_figures"].score_vs_tokens_figure(curve, BUDGETS)),
        "routing delta_IBC": (lambda: delta_ibc_figure(curves, sweeps, summaries),
                              lambda old: old["routing_figures"].delta_ibc_figure(curves, sweeps, summaries)),
        "routing PGR": (lambda: pgr_figure(metrics), lambda old: old["routing_metric_figures"].pgr_figure(metrics)),
    }


def timed(make, save, folder: Path, repeat: int) -> dict:
    """Best-of-``repeat`` seconds to build and to save (PDF and PNG); the PNG's pixels."""
    best = {"build": float("inf"), "save": float("inf")}
    for _ in range(repeat):
        start = time.perf_counter()
        fig = make()
        built = time.perf_counter()
        size = fig.get_size_inches()
        save(fig, folder / "figure.pdf", folder / "figure.png")
        best["build"] = min(best["build"], built - start)
        best["save"] = min(best["save"], time.perf_counter() - built)
        plt.close("all")
    from PIL import Image
    with Image.open(folder / "figure.png") as image:
        best["pixels"] = image.size
    best["inches"] = tuple(round(float(v), 1) for v in size)
    return best


def warm_up(old: dict, folder: Path) -> None:
    """Load fonts and fill caches for both codes, outside the timings."""
    for module, save in ((plotting, plotting.save_figure), (old["plotting"], old["plotting"].save_figure)):
        module.use_style()
        fig = plt.figure(figsize=(2, 1))
        fig.text(0.5, 0.5, "warm-up 0123456789 kM")
        save(fig, folder / "warm.pdf", folder / "warm.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=next((b for b in BUILDS if b.exists()), BUILDS[0]))
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--datasets", type=int, nargs="+", default=[40])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=1, help="runs of the (slow) baseline")
    args = parser.parse_args()
    if not (args.build / "intermediate" / "steps").is_dir():
        sys.exit(f"no build of the 4000-run tree under {args.build}: run benchmarks/bench_tokens.py "
                 "(it leaves one in benchmarks/work/repo_4000/.build/results) or pass --build")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old = baseline_modules(args.baseline, tmp / "baseline")
        inputs = read_inputs(args.build)
        warm_up(old, tmp)
        rows = []
        for count in args.datasets:
            for name, (new, baseline) in figures(inputs, count).items():
                before = timed(lambda make=baseline: make(old), old["plotting"].save_figure, tmp,
                               args.baseline_repeat)
                after = timed(new, plotting.save_figure, tmp, args.repeat)
                rows.append((count, name, before, after))
                print(f"  {count} datasets, {name}: {before['build'] + before['save']:.2f} s -> "
                      f"{after['build'] + after['save']:.2f} s", file=sys.stderr, flush=True)
    print(f"Figures at 40 datasets (4000 runs: {args.build}); baseline = scripts/llmcost at {args.baseline}; "
          f"best of {args.repeat} (baseline: {args.baseline_repeat}), one process; {os.cpu_count()} cores, load "
          f"average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after (other work on the machine slows "
          "both columns alike).\n")
    print("| datasets | figure | before: build + save = total | PNG before | after: build + save = total "
          "| PNG after | speed-up | inputs read (rule) |")
    print("|---|---|---|---|---|---|---|---|")
    for count, name, before, after in rows:
        total_before, total_after = before["build"] + before["save"], after["build"] + after["save"]
        reading = inputs["reading"].get(name)
        print(f"| {count} | {name} | {before['build']:.2f} + {before['save']:.2f} = {total_before:.2f} s "
              f"| {before['pixels'][0]}x{before['pixels'][1]} | {after['build']:.2f} + {after['save']:.2f} = "
              f"{total_after:.2f} s | {after['pixels'][0]}x{after['pixels'][1]} | x{total_before / total_after:.1f} "
              f"| {f'{reading:.2f} s' if reading is not None and count == max(args.datasets) else '--'} |")


if __name__ == "__main__":
    main()
