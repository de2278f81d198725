"""Benchmark of the report's views (llmcost.report_html) at 4000 runs, against pandas' Styler.

The views of a 4000-run tree's data artifacts (20 datasets x 5 models x 4 optimizers x 10
seeds), written by the current ``report_html`` and by the baseline's (``--baseline``, a
commit: its ``scripts/llmcost/report_html.py``, loaded from git as a module of the
``llmcost`` package, which rendered every table with pandas' Styler), in one process on the
same files. Each time is the best of ``--repeat`` runs after a warm-up. A third column is
the floor the issue measured against: the same CSV read and its cells joined as plain
strings, with no HTML.

The artifacts are made by the pipeline's own functions (``tokens.run_totals``,
``summarize``, ``summary_document``; ``optimization.optimization_results``) from a
synthetic step table: each of the 4000 runs is a bundled run's steps (``.build/results/
intermediate/steps``, made by ``make``) under new names, its tokens scaled by a random
factor. That is the artifacts' shape at that scale without generating and reading 2.5 GB
of step logs (``benchmarks/synth_runs.py``); the views only read the artifacts.

    python benchmarks/bench_views.py [--baseline COMMIT] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from llmcost import report_html  # noqa: E402
from llmcost.optimization import optimization_results  # noqa: E402
from llmcost.outputs import write_csv, write_json  # noqa: E402
from llmcost.tokens import run_totals, summarize, summary_document  # noqa: E402

#: the last commit whose report_html rendered the views with pandas' Styler
BASELINE = "bfef30a"
SHAPE = {"datasets": 20, "models": 5, "optimizers": 4, "seeds": 10}
BUDGETS = [1_000_000, 3_000_000, 5_000_000]
TOKENS = ["input_tokens_meta_llm", "output_tokens_meta_llm", "input_tokens_downstream_llm",
          "output_tokens_downstream_llm"]


def baseline_module(commit: str):
    """``report_html`` as it was at ``commit``, as the module ``llmcost.report_html_baseline``."""
    source = subprocess.run(["git", "show", f"{commit}:scripts/llmcost/report_html.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("llmcost.report_html_baseline", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "llmcost"
    exec(compile(source, f"{commit}:scripts/llmcost/report_html.py", "exec"), module.__dict__)
    return module


def synthetic_steps(shape: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step and racing tables of ``shape``'s runs, each a bundled run's rows under new names."""
    built = REPO / ".build" / "results" / "intermediate"
    if not (built / "steps").is_dir():
        sys.exit(f"{built}/steps is missing: run `make` first (the bundled runs' steps are the template)")
    steps = pd.concat([pd.read_parquet(p) for p in sorted((built / "steps").glob("*.parquet"))], ignore_index=True)
    steps = steps[steps["has_test_score"]]
    racing = pd.concat([pd.read_parquet(p) for p in sorted((built / "racing").glob("*.parquet"))], ignore_index=True)
    templates = [frame for _, frame in steps.groupby("run", sort=True)]
    blocks = racing.set_index("run")[["evaluated_blocks", "full_blocks"]]
    rng = np.random.default_rng(0)
    frames, racing_rows = [], []
    for i, (d, m, o, s) in enumerate(np.ndindex(*shape.values())):
        template = templates[i % len(templates)]
        dataset, model, optimizer, seed = f"dataset{d:02d}", f"model{m}", f"optimizer{o}", 42 + s
        run = f"{dataset}/{model}/{optimizer}/seed{seed}/experiment_{i}/{i:04x}"
        frame = template.assign(dataset=dataset, model=model, optimizer=optimizer, seed=seed, run=run)
        frame[TOKENS] = (frame[TOKENS] * rng.uniform(0.5, 2.0)).round().astype("int64")
        frames.append(frame)
        if template["run"].iloc[0] in blocks.index:
            evaluated, full = blocks.loc[template["run"].iloc[0]]
            racing_rows.append({"dataset": dataset, "model": model, "optimizer": optimizer, "seed": seed, "run": run,
                                "evaluated_blocks": evaluated, "full_blocks": full})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(racing_rows)


def artifacts(folder: Path) -> list[Path]:
    """The data artifacts of the token and optimization stages at SHAPE, written to ``folder``."""
    steps, racing = synthetic_steps(SHAPE)
    logging.getLogger("llmcost").setLevel(logging.ERROR)  # the runs without a test score are expected
    runs = run_totals(steps)
    summary = summarize(runs)
    results = optimization_results(steps, racing, BUDGETS)
    files = {"tokens/runs.csv": runs, "tokens/summary.csv": summary, "optimization/runs.csv": results.runs,
             "optimization/scores.csv": results.scores}
    for name, frame in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_csv(folder / name, frame)
    write_json(folder / "tokens/summary.json", summary_document(summary))
    write_json(folder / "optimization/summary.json", results.summary)
    return [folder / name for name in [*files, "tokens/summary.json", "optimization/summary.json"]]


def best(call, repeat: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_strings(path: Path) -> str:
    """The floor: the CSV's cells read and joined as text, no HTML."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return "\n".join(",".join(row) for row in frame.itertuples(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    old = baseline_module(args.baseline)
    with tempfile.TemporaryDirectory() as folder:
        paths = artifacts(Path(folder))
        print(f"Views at {np.prod(list(SHAPE.values()))} runs ({', '.join(f'{v} {k}' for k, v in SHAPE.items())}); "
              f"best of {args.repeat}, seconds")
        print(f"| artifact | rows | Styler ({args.baseline}) | plain HTML (now) | speed-up | plain strings (floor) |")
        print("|---|---:|---:|---:|---:|---:|")
        totals = {"before": 0.0, "after": 0.0}
        for path in paths:
            name = str(path.relative_to(folder))
            kind = "csv" if path.suffix == ".csv" else "json"
            before = best(lambda: getattr(old, f"{kind}_page")(path, name), args.repeat)
            after = best(lambda: getattr(report_html, f"{kind}_page")(path, name), args.repeat)
            floor = f"{best(lambda: plain_strings(path), args.repeat):.3f}" if kind == "csv" else ""
            rows = len(pd.read_csv(path)) if kind == "csv" else ""
            totals["before"] += before
            totals["after"] += after
            print(f"| {name} | {rows} | {before:.3f} | {after:.3f} | {before / after:.1f}x | {floor} |")
        print(f"| all six | | {totals['before']:.3f} | {totals['after']:.3f} | "
              f"{totals['before'] / totals['after']:.1f}x | |")


if __name__ == "__main__":
    main()
