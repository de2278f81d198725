"""Figures of the routing stage: cost against performance, and delta_IBC against routed share.

Each function takes data (exact curves, sweeps, summaries as written by the
sweep rule) and returns a matplotlib Figure; the rule saves it with
``plotting.save_figure``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .outputs import read_csv
from .plotting import color_map, plain, use_style
from .routing import ROUTER_LABELS, ROUTERS, Baseline, Costs, ibc
from .routing_metrics import nondecreasing_hull

COST_LABEL = "Mean cost per query (cost units)"
PERF_LABEL = "Mean performance (accuracy or token F1)"
SHARE_LABEL = "Queries routed to the large model (%)"
MARKERS = {"logits": "o", "entropy": "s", "confidence": "^"}


def read_sweep_outputs(curve_path, sweep_paths, summary_path):
    """One dataset's exact curves, sweeps (keyed by router, from ``{router}_sweep.json``) and summary."""
    sweeps = {}
    for path in sweep_paths:
        with open(path, encoding="utf-8") as handle:
            sweeps[Path(path).name.removesuffix("_sweep.json")] = pd.DataFrame(json.load(handle)).apply(
                pd.to_numeric)
    with open(summary_path, encoding="utf-8") as handle:
        summary = json.load(handle)
    return read_csv(curve_path), sweeps, summary


def _curve_delta_ibc(curve: pd.DataFrame, summary: Mapping) -> np.ndarray:
    """delta_IBC (percent) along an exact curve; NaN where nothing is routed."""
    costs = Costs(*(summary["costs"][part] for part in ("slm", "llm", "verifier")))
    base = Baseline(summary["P_slm"], summary["P_llm"], costs, summary["no_baseline"])
    return ibc(curve["avg_perf"].to_numpy(), curve["avg_cost"].to_numpy(), curve["lm2_ratio"].to_numpy(),
               base)[1]


def cost_performance_figure(curve: pd.DataFrame, sweeps: Mapping[str, pd.DataFrame],
                            summary: Mapping) -> plt.Figure:
    """One dataset: each router's exact curve (line) and swept thresholds (markers), the
    single-model points, the random-mixing line between them and the oracle."""
    use_style()
    colors = color_map(ROUTERS)
    fig, ax = plt.subplots(figsize=(6.2, 3.4), layout="constrained")
    keep, route = summary["costs"]["keep"], summary["costs"]["route"]
    ax.plot([keep, route], [summary["P_slm"], summary["P_llm"]], ls="--", color="0.5", lw=1,
            label="Random mixing", zorder=1)
    for router in ROUTERS:
        points = curve[curve["router"] == router]
        ax.plot(points["avg_cost"], points["avg_perf"], color=colors[router], lw=1, alpha=0.8,
                label=f"{ROUTER_LABELS[router]}: all thresholds", zorder=2)
        draw_hull(ax, points["lm2_ratio"], points["avg_perf"], keep, route, color=colors[router], lw=0.8,
                  ls=":", label=f"{ROUTER_LABELS[router]}: non-decreasing hull (AIQ)", zorder=2)
        ax.plot(sweeps[router]["avg_cost"], sweeps[router]["avg_perf"], ls="none",
                marker=MARKERS[router], ms=4, mfc="white", mec=colors[router], mew=1,
                label=f"{ROUTER_LABELS[router]}: swept", zorder=3)
    ax.plot(keep, summary["P_slm"], "o", color="black", ms=6, label="Always small model", zorder=4)
    ax.plot(route, summary["P_llm"], "D", color="black", ms=5, label="Always large model", zorder=4)
    ax.plot(summary["oracle"]["avg_cost"], summary["oracle"]["avg_perf"], "*", color="#D55E00", ms=10,
            label="Oracle", zorder=4)
    ax.set_xlabel(COST_LABEL)
    ax.set_ylabel(PERF_LABEL)
    ax.set_title(plain(summary["dataset"]))
    fig.legend(loc="outside right upper", frameon=False)
    return fig


def _delta_ibc_limits(values: list[np.ndarray]) -> tuple[float, float]:
    """A y-range that shows every eligible point; the unstable region may run off the top."""
    finite = np.concatenate([np.zeros(1), *(v[np.isfinite(v)] for v in values)])
    low, high = finite.min(), finite.max()
    pad = 0.08 * (high - low or 1.0)
    return low - pad, high + pad


def delta_ibc_figure(curves: Mapping[str, pd.DataFrame], sweeps: Mapping[str, Mapping[str, pd.DataFrame]],
                     summaries: Mapping[str, Mapping]) -> plt.Figure:
    """delta_IBC against routed share, one panel per dataset, one line per router.

    Lines are the exact curves, markers the swept thresholds. The shaded band
    is below ``min_routed_share``: points there are unstable and never a
    router's best. The y-range fits the eligible points (share >= the cutoff),
    the swept points and the oracle; the unstable band may run off the top.
    """
    use_style()
    colors = color_map(ROUTERS)
    datasets = sorted(summaries)
    ncols = min(2, len(datasets))
    nrows = math.ceil(len(datasets) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 2.5 * nrows + 0.5), squeeze=False)
    for ax, dataset in zip(axes.flat, datasets):
        summary, curve = summaries[dataset], curves[dataset]
        cutoff = 100 * summary["min_routed_share"]
        shown = [np.array([summary["oracle"]["delta_IBC"] or 0.0, 0.0])]
        ax.axvspan(0, cutoff, color="0.85", lw=0, zorder=0,
                   label=f"Unstable: under {cutoff:g}% routed")
        ax.axvline(cutoff, color="0.4", lw=0.8, ls=":", zorder=1)
        ax.axhline(0, color="0.5", lw=0.8, ls="--", zorder=1, label="Random mixing (0%)")
        for router in ROUTERS:
            points = curve[curve["router"] == router]
            delta = _curve_delta_ibc(points, summary)
            share = 100 * points["lm2_ratio"].to_numpy()
            shown.append(delta[share >= cutoff])
            ax.plot(share, delta, color=colors[router], lw=1, alpha=0.8, zorder=2,
                    label=f"{ROUTER_LABELS[router]}: all thresholds")
            swept = sweeps[dataset][router]
            swept_eligible = swept[100 * swept["lm2_ratio"] >= cutoff]
            shown.append(swept_eligible["delta_IBC"].to_numpy(dtype=float))
            ax.plot(100 * swept["lm2_ratio"], swept["delta_IBC"], ls="none", marker=MARKERS[router],
                    ms=4, mfc="white", mec=colors[router], mew=1, zorder=3,
                    label=f"{ROUTER_LABELS[router]}: swept")
        oracle = summary["oracle"]
        if oracle["delta_IBC"] is not None:
            ax.plot(100 * oracle["lm2_ratio"], oracle["delta_IBC"], "*", color="#D55E00", ms=9,
                    zorder=4, label="Oracle")
        if summary["no_baseline"]:
            ax.text(0.5, 0.5, "no IBC baseline:\nP_LLM is not above P_SLM", transform=ax.transAxes,
                    ha="center", va="center", color="0.3")
        ax.set_xlim(0, 100)
        ax.set_ylim(*_delta_ibc_limits(shown))
        ax.set_title(plain(dataset))
        ax.set_xlabel(SHARE_LABEL)
        ax.set_ylabel(r"$\Delta_\mathrm{IBC}$ (%)")
    for ax in axes.flat[len(datasets):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.12 if nrows > 1 else 0.22, 1, 1))
    return fig


def draw_hull(ax, share, perf, cost_keep: float, cost_route: float, **style):
    """Draw a router's non-decreasing upper hull (the curve AIQ integrates) on a cost axis:
    routed share s sits at cost ``cost_keep + s (cost_route - cost_keep)``."""
    hull_share, hull_perf = nondecreasing_hull(np.asarray(share, dtype=float), np.asarray(perf, dtype=float))
    return ax.plot(cost_keep + hull_share * (cost_route - cost_keep), hull_perf, **style)
