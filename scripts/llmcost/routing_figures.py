"""Figures of the routing stage: cost against performance, and delta_IBC against routed share
(the notebook's and AutoMix's, side by side).

Each function takes data (exact curves, sweeps, summaries as written by the
sweep rule) and returns a matplotlib Figure; the rule saves it with
``plotting.save_figure``. The cost-performance figure is one dataset's Axes;
the delta_IBC figure's panels are laid out and drawn by ``plotting.Panels``
(fixed inches, any number of datasets).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.markers import CARETDOWN, CARETUP
from matplotlib.patches import Patch

from .outputs import read_csv, read_json
from .plotting import STYLE, Panels, color_map, distinct_labels, elide, linear_scale, plain, text_width, use_style
from .routing import ROUTER_LABELS, ROUTERS, Baseline, Costs, ibc, ibc_automix
from .routing_metrics import nondecreasing_hull

COST_LABEL = "Mean cost per query (cost units)"
PERF_LABEL = "Mean performance (accuracy or token F1)"
SHARE_LABEL = "Queries routed to the large model (%)"
MARKERS = {"logits": "o", "entropy": "s", "confidence": "^"}
ORACLE_STYLE = {"marker": "*", "color": "#D55E00", "ms": 9}
RANDOM_STYLE = {"color": "0.5", "linewidth": 0.8, "linestyle": "--"}
UNSTABLE_COLOR = "0.88"
CUTOFF_STYLE = {"color": "0.4", "linewidth": 0.8, "linestyle": ":"}


def read_sweep_outputs(curve_path, sweep_paths, summary_path):
    """One dataset's exact curves, sweeps (keyed by router, from ``{router}_sweep.json``) and summary."""
    sweeps = {Path(path).name.removesuffix("_sweep.json"): pd.DataFrame(read_json(path)).apply(pd.to_numeric)
              for path in sweep_paths}
    return read_csv(curve_path), sweeps, read_json(summary_path)


#: The two definitions the delta_IBC figure shows side by side: (the sweeps' field, a panel's title suffix)
DEFINITIONS = (("delta_IBC", ""), ("delta_IBC_automix", ", AutoMix"))


def _curve_delta_ibc(curve: pd.DataFrame, summary: Mapping, router: str | None = None,
                     field: str = "delta_IBC") -> np.ndarray:
    """delta_IBC (percent) along an exact curve, or AutoMix's (``field`` "delta_IBC_automix",
    ``router`` paying its verifier charge); NaN where undefined."""
    costs = Costs(*(summary["costs"][part] for part in ("slm", "llm", "verifier")))
    base = Baseline(summary["P_slm"], summary["P_llm"], costs, summary["no_baseline"])
    if field == "delta_IBC_automix":
        charge = summary["routers"][router]["verifier_charge"]
        return ibc_automix(curve["avg_perf"].to_numpy(), curve["lm2_ratio"].to_numpy(), base, charge)[1]
    return ibc(curve["avg_perf"].to_numpy(), curve["lm2_ratio"].to_numpy(), base)[1]


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
    ax.set_title(elide(plain(summary["dataset"]), 3.5, plt.rcParams["axes.titlesize"]))
    fig.legend(loc="outside right upper", frameon=False)
    return fig


def _delta_ibc_limits(values: list[np.ndarray]) -> tuple[float, float]:
    """A y-range that shows every eligible point; the unstable region may run off the panel."""
    finite = np.concatenate([np.zeros(1), *(v[np.isfinite(v)] for v in values)])
    low, high = finite.min(), finite.max()
    pad = 0.08 * (high - low or 1.0)
    return low - pad, high + pad


def _edge_crossings(share: np.ndarray, delta: np.ndarray, low: float, high: float, spacing: float = 3.0):
    """Where a curve leaves the y-range [low, high]: the share at which each run of points
    below (or above) it starts, thinned to one per ``spacing`` points of share.
    Returns {"below": shares, "above": shares}."""
    crossings = {}
    for side, outside in (("below", delta < low), ("above", delta > high)):
        starts = share[outside & ~np.r_[False, outside[:-1]]]
        kept: list[float] = []
        for x in starts:
            if not kept or x - kept[-1] >= spacing:
                kept.append(float(x))
        crossings[side] = kept
    return crossings


def delta_ibc_figure(curves: Mapping[str, pd.DataFrame], sweeps: Mapping[str, Mapping[str, pd.DataFrame]],
                     summaries: Mapping[str, Mapping]) -> plt.Figure:
    """delta_IBC against routed share, two panels per dataset side by side, one line per router:
    the notebook's delta_IBC (left; the verifier cancels) and AutoMix's (right; the routers of
    ``verifier_routers`` pay the verifier), on the same y-range.

    Lines are the exact curves, markers the swept thresholds. The shaded band
    is below ``min_routed_share``: points there are unstable and never a
    router's best. The y-range fits the eligible points (share >= the cutoff)
    of both definitions, the swept points and the oracle; where a curve leaves
    it (mostly in the unstable band) it is clipped at the panel's edge and a
    caret there in the router's colour points the way it went. A dataset
    without a baseline has empty panels that say so.
    """
    use_style()
    datasets = sorted(summaries)
    drawn = [_delta_ibc_panel(curves[dataset], sweeps[dataset], summaries[dataset]) for dataset in datasets]
    handles, labels = _delta_ibc_legend([summaries[d] for d in datasets], drawn)
    panels = Panels(2 * len(datasets), title=_delta_ibc_title([summaries[d] for d in datasets]),
                    legend_labels=labels, panel_width=2.6, panel_height=1.35, columns=2, gap_x=0.55, gap_y=0.4)
    x = linear_scale(0.0, 100.0, ticks=range(0, 101, 20))
    colors = color_map(ROUTERS)
    # names that differ in the middle keep the part that tells them apart (plotting.distinct_labels),
    # within the room the longest suffix leaves
    size = STYLE["axes.titlesize"]
    room = panels.title_width - max(text_width(suffix, size) for _, suffix in DEFINITIONS)
    labels_of = distinct_labels(datasets, room, size)
    titles = {(d, suffix): labels_of[d] + suffix for d in datasets for _, suffix in DEFINITIONS}
    for i, (dataset, (y, lines, crossings)) in enumerate(zip(datasets, drawn)):
        summary = summaries[dataset]
        cutoff = 100 * summary["min_routed_share"]
        for j, (field, suffix) in enumerate(DEFINITIONS):
            k = 2 * i + j
            bottom = panels.bottom_of_column(k)  # the share axis is the same in every panel: labelled below
            panel = panels.panel(k, x, y, title=titles[(dataset, suffix)],
                                 ylabel="ΔIBC (%)" if panels.first_column(k) else "",
                                 xticklabels=bottom, xlabel=SHARE_LABEL if bottom else "")
            panel.polygon([(0, y.low), (cutoff, y.low), (cutoff, y.high), (0, y.high)], color=UNSTABLE_COLOR,
                          zorder=0.4)
            panel.segments([[(cutoff, y.low), (cutoff, y.high)]], zorder=1, **CUTOFF_STYLE)
            why = _undefined(summary, field)
            if why:
                panel.text(0.5, 0.5, why, ha="center", va="center", color="0.3", fontsize=7)
                continue
            panel.segments([[(0, 0), (100, 0)]], zorder=1, **RANDOM_STYLE)
            edge = 0.035 * (y.high - y.low)  # a caret sits just inside the edge it points through
            for router, (share, delta, swept_share, swept_delta) in lines[field].items():
                panel.line(share, delta, color=colors[router], linewidth=1, alpha=0.8, clip=True)
                inside = (swept_delta >= y.low) & (swept_delta <= y.high)
                panel.markers(swept_share[inside], swept_delta[inside], marker=MARKERS[router], ms=4,
                              mfc="white", mec=colors[router], mew=1, zorder=3)
                for side, marker, at in (("below", CARETDOWN, y.low + edge), ("above", CARETUP, y.high - edge)):
                    shares = crossings[field][router][side]
                    if shares:
                        panel.markers(shares, [at] * len(shares), marker=marker, ms=5, color=colors[router],
                                      zorder=4)
            oracle = summary["oracle"].get(field)
            if oracle is not None:
                panel.markers([100 * summary["oracle"]["lm2_ratio"]], [oracle], zorder=4, **ORACLE_STYLE)
    return panels.finish(handles, labels, handler_map={tuple: HandlerTuple(ndivide=1)})


def _undefined(summary: Mapping, field: str) -> str | None:
    """What an empty panel says: why its delta_IBC is undefined (None: it is defined)."""
    if summary["no_baseline"]:
        return "no IBC baseline:\nP_LLM is not above P_SLM"
    if field == "delta_IBC_automix" and summary.get("no_automix_baseline"):
        return "no AutoMix baseline:\nllm costs no more than slm"
    return None


def _delta_ibc_title(summaries) -> str:
    """The figure's title: which panel shows which definition, and who pays the verifier."""
    paying = sorted({router for summary in summaries for router in summary.get("verifier_routers", [])},
                    key=list(ROUTERS).index)
    charged = (" and ".join(ROUTER_LABELS[router].lower() for router in paying) + " pays"
               + ("" if len(paying) == 1 else " each") + " the verifier") if paying else "no router pays a verifier"
    return ("ΔIBC against the share of queries routed to the large model: the notebook's (left: the "
            f"verifier cancels) and AutoMix's (right: {charged}); line = every threshold, markers = "
            "swept thresholds")


def _delta_ibc_panel(curve: pd.DataFrame, sweeps: Mapping[str, pd.DataFrame], summary: Mapping):
    """One dataset's y-scale (shared by both definitions), per definition and router its exact
    curve and swept points (share in %, delta_IBC) and where the curve leaves the y-range."""
    cutoff = 100 * summary["min_routed_share"]
    shown = [np.array([0.0] + [summary["oracle"].get(field) or 0.0 for field, _ in DEFINITIONS])]
    lines = {field: {} for field, _ in DEFINITIONS}
    for field, _ in DEFINITIONS:
        if _undefined(summary, field):
            continue
        for router in ROUTERS:
            points = curve[curve["router"] == router]
            delta = _curve_delta_ibc(points, summary, router, field)
            share = 100 * points["lm2_ratio"].to_numpy()
            swept_share = 100 * sweeps[router]["lm2_ratio"].to_numpy(dtype=float)
            swept_delta = sweeps[router][field].to_numpy(dtype=float)
            shown += [delta[share >= cutoff], swept_delta[swept_share >= cutoff]]
            lines[field][router] = share, delta, swept_share, swept_delta
    # without a baseline delta_IBC is undefined: no range to show
    y = linear_scale(-1, 1, ticks=[]) if summary["no_baseline"] else linear_scale(*_delta_ibc_limits(shown), nbins=4)
    crossings = {field: {router: _edge_crossings(share, delta, y.low, y.high)
                         for router, (share, delta, _, _) in by_router.items()}
                 for field, by_router in lines.items()}
    return y, lines, crossings


def _delta_ibc_legend(summaries, drawn):
    """The legend's handles and labels: the carets only where a curve leaves a panel."""
    colors = color_map(ROUTERS)
    cutoffs = {100 * summary["min_routed_share"] for summary in summaries}
    handles = [(Patch(color=UNSTABLE_COLOR, linewidth=0), Line2D([], [], **CUTOFF_STYLE)),
               Line2D([], [], **RANDOM_STYLE)]
    labels = [f"unstable: under {cutoffs.pop():g}% routed" if len(cutoffs) == 1
              else "unstable: under the minimum routed share", "random mixing (0%)"]
    for router in ROUTERS:
        handles.append(Line2D([], [], color=colors[router], lw=1, marker=MARKERS[router], ms=4, mfc="white",
                              mec=colors[router], mew=1))
        labels.append(ROUTER_LABELS[router])
    handles.append(Line2D([], [], ls="none", **ORACLE_STYLE))
    labels.append("oracle")
    for side, marker in (("below", CARETDOWN), ("above", CARETUP)):
        if any(c[side] for _, _, crossings in drawn for by_router in crossings.values()
               for c in by_router.values()):
            handles.append(Line2D([], [], ls="none", marker=marker, ms=5, color="0.3"))
            labels.append(f"curve leaves the panel {side}")
    return handles, labels


def draw_hull(ax, share, perf, cost_keep: float, cost_route: float, **style):
    """Draw a router's non-decreasing upper hull (the curve AIQ integrates) on a cost axis:
    routed share s sits at cost ``cost_keep + s (cost_route - cost_keep)``."""
    hull_share, hull_perf = nondecreasing_hull(np.asarray(share, dtype=float), np.asarray(perf, dtype=float))
    return ax.plot(cost_keep + hull_share * (cost_route - cost_keep), hull_perf, **style)
