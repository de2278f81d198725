"""docs/figures/new_seed.png: the time for a new seed against the number of runs, this checkout
and the baseline, from the last run of ``bench_new_seed.py`` (benchmarks/new_seed.json).

    python benchmarks/new_seed_figure.py
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGET = HERE.parent / "docs/figures/new_seed.png"
#: the bundled data's number of runs, plotted beside the synthetic trees
BUNDLED_RUNS = 90


def main() -> None:
    found = json.loads((HERE / "new_seed.json").read_text())
    rows = found["rows"]
    runs = [BUNDLED_RUNS if row["size"] == "bundled" else int(row["size"]) for row in rows]
    fig, ax = plt.subplots(figsize=(5.2, 3.2), dpi=110)
    for kind, label, style in (("baseline", f"before the run cache ({found['baseline']})", "s--"),
                               ("this", "with the run cache", "o-")):
        label_cpu = f"{label.split(' (')[0]}: CPU"
        seconds = [row[kind]["seconds"] for row in rows]
        ax.plot(runs, seconds, style, label=f"{label}: wall")
        ax.plot(runs, [row[kind]["cpu"] for row in rows], style[0] + ":", markersize=3, linewidth=0.8,
                color=ax.lines[-1].get_color(), label=label_cpu)
        for x, y, row in zip(runs, seconds, rows):
            ax.annotate(f"{y:.1f} s", (x, y), textcoords="offset points", xytext=(5, -11 if kind == "this" else 5),
                        fontsize=7)
    bundled = next((row for row in rows if row["size"] == "bundled"), None)
    if bundled:
        ax.axhline(bundled["this"]["seconds"] + 2, color="0.5", linewidth=0.8, linestyle=":")
        ax.annotate("target at 20,000 runs: new seed bundled + 2 s", (runs[-1], bundled["this"]["seconds"] + 2),
                    textcoords="offset points", xytext=(0, -10), fontsize=7, color="0.4", ha="right")
    ax.set_xscale("log")
    ax.set_xlim(60, 40_000)
    ax.set_xticks(runs, [f"{n:,}" + (" (bundled)" if n == BUNDLED_RUNS else "") for n in runs], fontsize=7)
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.set_xlabel("runs (the new seed's dataset: 18, 20, 200, 1,000 runs)", fontsize=8)
    ax.set_ylabel("a new seed: snakemake's seconds", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    loads = [load for row in rows for load in row["load"]]
    ax.set_title(f"A new seed as the work grows (2 cores, load {min(loads):.0f} to {max(loads):.0f}, best of "
                 f"{rows[0]['repeat']}; lines: wall, dotted: CPU)", fontsize=8)
    fig.tight_layout()
    TARGET.parent.mkdir(exist_ok=True)
    fig.savefig(TARGET, metadata={"Software": None})
    print(f"written {TARGET}")


if __name__ == "__main__":
    main()
