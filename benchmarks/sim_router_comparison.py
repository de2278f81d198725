"""The false-positive rate of the paired router comparison's verdicts, by simulation.

A simulated dataset is one of the bundled router datasets (1000 queries each)
with each router's scores shuffled over its queries (its own permutation,
``default_rng([seed, d])`` for simulated dataset d): every router keeps its
scores' distribution and ties, but its scores are independent of which
model is right, so no router is better than another or than random routing.
No router is charged a verifier here: a router that pays one with scores
that tell nothing is truly worse on AutoMix's delta_IBC, not falsely so.
Simulated dataset d is bundled dataset d mod 4; each is compared as the
pipeline compares a dataset (``routing_comparison.dataset_comparison`` on
``routing_resampling``'s bootstrap, the config's minimum routed share and
resamples), and every 4 consecutive ones (one of each bundled dataset) as
the pipeline compares across datasets (``across_datasets``).

A false positive is a verdict "A better" or "B better". Printed per metric:
the share of (dataset, pair) comparisons with one, with its 95 % Wilson
score interval, for the basic interval the pipeline uses and for the
percentile interval it would otherwise be; the same for the mean over
datasets; and per pair.

    python benchmarks/sim_router_comparison.py [--datasets 200] [--resamples 1000]

About 2 minutes on one core for the defaults (0.5 s per simulated dataset).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))

from llmcost.routing_comparison import (METRICS, NO_VERDICT, NO_VERDICT_ACROSS, PAIRS, PERCENTILES,  # noqa: E402
                                        across_datasets, dataset_comparison, pair_key)
from llmcost.routing_data import load_dataset  # noqa: E402
from llmcost.routing_model import ROUTERS, cost_model  # noqa: E402
from llmcost.routing_resampling import bootstrap_metrics, dataset_metrics  # noqa: E402

BUNDLED = ("cnli_short", "coqa_short", "narrative_qa_short", "qasper_short")
SEED = 36


def bundled_frames() -> list:
    """The four bundled router datasets, merged as the pipeline reads them."""
    data = REPO / "data/automix"
    return [load_dataset(data / f"logits_entropy/{name}_answerlogits.jsonl.gz",
                         data / f"router_data/router_data_{name}.jsonl.gz", "id")[0] for name in BUNDLED]


def null_dataset(frame, d: int):
    """``frame`` with each router's scores shuffled over the queries (``default_rng([SEED, d])``)."""
    rng = np.random.default_rng([SEED, d])
    shuffled = frame.copy()
    for column, _ in ROUTERS.values():
        shuffled[column] = shuffled[column].to_numpy()[rng.permutation(len(frame))]
    return shuffled


def compare(frame, min_routed_share: float, resamples: int, costs) -> dict:
    """The pipeline's comparison of one dataset (no verifier charged)."""
    resampled = bootstrap_metrics(frame, min_routed_share, resamples, 0, costs, verifier_routers=())
    metrics = dataset_metrics(frame, min_routed_share, {"splits": 0}, {"resamples": resamples, "seed": 0}, costs,
                              verifier_routers=(), resampled=resampled)
    return dataset_comparison(metrics, resampled, costs)


def decisive(comparison: dict, metric: str, percentile: bool = False) -> bool:
    """Whether the basic interval (the verdict's) or the percentile interval excludes 0."""
    if percentile:
        values = np.asarray(comparison["resampled"], dtype=float)
        values = values[~np.isnan(values)]
        if not len(values):
            return False
        low, high = np.percentile(values, PERCENTILES)
    else:
        low, high = comparison["ci_low"], comparison["ci_high"]
    return not (math.isnan(low) or math.isnan(high)) and (low > 0 or high < 0)


def simulate(frames: list, datasets: int, resamples: int, min_routed_share: float, costs) -> dict:
    """Counts of decisive intervals under the null: {(scope, metric, pair, interval): [decisive, compared]},
    scope "dataset" or "all", interval "basic" or "percentile"."""
    counts: dict = {}
    group: dict = {}
    for d in range(datasets):
        compared = compare(null_dataset(frames[d % len(frames)], d), min_routed_share, resamples, costs)
        group[d] = compared
        scopes = [("dataset", compared)]
        if len(group) == len(frames):
            scopes.append(("all", across_datasets(group)))
            group = {}
        for scope, result in scopes:
            for a, b in PAIRS:
                for metric in METRICS:
                    c = result[pair_key(a, b)][metric]
                    for interval in ("basic", "percentile"):
                        tally = counts.setdefault((scope, metric, pair_key(a, b), interval), [0, 0])
                        tally[0] += decisive(c, metric, interval == "percentile")
                        tally[1] += 1
    return counts


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion k / n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def rate(k: int, n: int) -> str:
    low, high = wilson(k, n)
    return f"{100 * k / n:.1f} % [{100 * low:.1f}, {100 * high:.1f}] ({k}/{n})"


def report(counts: dict) -> str:
    lines = ["| scope | metric | basic interval (the verdict's) | percentile interval |", "|---|---|---|---|"]
    for scope in ("dataset", "all"):
        for metric in METRICS:
            cells = []
            for interval in ("basic", "percentile"):
                k = sum(v[0] for (s, m, _, i), v in counts.items() if (s, m, i) == (scope, metric, interval))
                n = sum(v[1] for (s, m, _, i), v in counts.items() if (s, m, i) == (scope, metric, interval))
                cells.append(rate(k, n) if n else "-")
            note = " (no verdict)" if metric in (NO_VERDICT_ACROSS if scope == "all" else NO_VERDICT) else ""
            lines.append(f"| {scope} | {metric}{note} | {cells[0]} | {cells[1]} |")
    lines += ["", "| scope | metric | pair | basic | percentile |", "|---|---|---|---|---|"]
    for (scope, metric, pair, interval), (k, n) in counts.items():
        if interval == "basic" and scope == "dataset":
            k_p, n_p = counts[(scope, metric, pair, "percentile")]
            lines.append(f"| {scope} | {metric} | {pair} | {rate(k, n)} | {rate(k_p, n_p)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--resamples", type=int, default=None, help="default: the config's")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())["routing"]
    resamples = args.resamples or config["bootstrap"]["resamples"]
    start = time.perf_counter()
    counts = simulate(bundled_frames(), args.datasets, resamples, config["min_routed_share"],
                      cost_model(config["costs"]))
    print(f"{args.datasets} simulated datasets ({args.datasets // len(BUNDLED)} groups of {len(BUNDLED)}), "
          f"{resamples} resamples, {time.perf_counter() - start:.0f} s")
    print(report(counts))


if __name__ == "__main__":
    main()
