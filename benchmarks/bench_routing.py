"""Benchmark of the routing sweep at 1e3, 1e5 and 1e6 queries, beside the notebook's row loop.

In one process, on synthetic queries (``synth_router.queries``): the default
sweep (9 log-probability and 9 entropy thresholds, 3 confidence thresholds),
the exact curves of all three routers, and reading the two JSON Lines files
of that size; beside them the notebook's row loop over the same 18
log-probability and entropy thresholds (``llmcost.notebook_router``), run up
to 1e5 rows. Times are the best of three (one run for the row loop).

    python benchmarks/bench_routing.py [--rows 1000 100000 1000000] [--loop-max 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))
sys.path.insert(0, str(HERE))

from llmcost import routing  # noqa: E402
from llmcost import routing_data  # noqa: E402
from llmcost.notebook_router import sweep_row_loop  # noqa: E402
from synth_router import queries, write_files  # noqa: E402

WORK = HERE / "work"
COSTS = routing.Costs(slm=1.0, llm=20.0, verifier=4.0)
TARGET_CURVE_1E6_S = 1.0
TARGET_SPEEDUP_1E5 = 1000.0


def best_of(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def row_loop(frame) -> None:
    for router in ("logits", "entropy"):
        column = routing.ROUTERS[router][0]
        sweep_row_loop(frame, router, routing.thresholds(frame[column].to_numpy(), 9), COSTS.keep, COSTS.route)


def bench_rows(n: int, loop_max: int) -> dict:
    frame = queries(n)
    row = {"rows": n}
    row["sweep_s"] = best_of(lambda: routing.sweeps(frame, COSTS, 9, "linear", [0.25, 0.5, 0.75]))
    row["curve_s"] = best_of(lambda: routing.exact_curves(frame, COSTS))
    logits, router = write_files(WORK / f"router_{n}", n)
    row["read_s"] = best_of(lambda: routing_data.load_dataset(str(logits), str(router)), repeat=1)
    row["loop_s"] = best_of(lambda: row_loop(frame), repeat=1) if n <= loop_max else None
    return row


def table(rows: list[dict]) -> str:
    lines = ["| queries | default sweep (21 thresholds) | exact curves (3 routers) | notebook row loop "
             "(18 thresholds) | speed-up of the sweep | read both JSONL files |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        curve = f"{row['curve_s'] * 1e3:.1f} ms"
        if row["rows"] == 1_000_000:
            curve += ": " + ("met" if row["curve_s"] < TARGET_CURVE_1E6_S else "MISSED") + " (< 1 s)"
        if row["loop_s"] is None:
            loop, speedup = "not run", "--"
        else:
            loop = f"{row['loop_s']:.2f} s"
            speedup = f"x{row['loop_s'] / row['sweep_s']:,.0f}"
            if row["rows"] == 100_000:
                speedup += ": " + ("met" if row["loop_s"] / row["sweep_s"] >= TARGET_SPEEDUP_1E5
                                   else "MISSED") + " (>= x1000)"
        lines.append(f"| {row['rows']:,} | {row['sweep_s'] * 1e3:.1f} ms | {curve} | {loop} | {speedup} | "
                     f"{row['read_s']:.2f} s |")
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        lines.append("")
        lines.append(f"Growth from {small['rows']:,} to {large['rows']:,} queries "
                     f"(x{large['rows'] / small['rows']:,.0f}): sweep x{large['sweep_s'] / small['sweep_s']:,.0f}, "
                     f"exact curves x{large['curve_s'] / small['curve_s']:,.0f}, "
                     f"reading x{large['read_s'] / small['read_s']:,.0f}.")
    return "\n".join(lines)


def run(sizes: list[int], loop_max: int) -> str:
    rows = []
    for n in sizes:
        print(f"routing, {n:,} queries ...", flush=True)
        rows.append(bench_rows(n, loop_max))
    return table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--loop-max", type=int, default=100_000)
    args = parser.parse_args()
    print(run(args.rows, args.loop_max))


if __name__ == "__main__":
    main()
