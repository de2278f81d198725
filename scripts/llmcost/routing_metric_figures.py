"""The figures of the routing curve metrics: PGR against routed share, with bootstrap bands; the
routers compared pair by pair (a forest plot).

``routing_comparison_figure`` takes comparison.csv's table. ``pgr_figure`` takes the per-dataset results of
``routing_resampling.dataset_metrics`` (plain or through ``to_jsonable``) and
returns a matplotlib Figure; the rule saves it with ``plotting.save_figure``.
Panels are laid out and drawn by ``plotting.Panels`` (fixed inches, one
canvas), so the figure fits any number of datasets.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import (PALETTE, STYLE, Panels, Scale, color_map, distinct_labels, linear_scale, padded, text_width,
                       use_style)
from .routing import ROUTER_LABELS
from .routing_comparison import ALL
from .routing_model import ROUTERS

ORACLE_COLOR = "#D55E00"
BAND_ALPHA = 0.2
RANDOM_STYLE = {"color": "0.5", "linewidth": 0.9, "linestyle": "--"}


def _values(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def pgr_figure(by_dataset: Mapping[str, Mapping]):
    """PGR against routed share, one panel per dataset: each router's in-sample curve (on the
    metrics' grid of shares) with its pointwise 95 % bootstrap band, the oracle's curve and
    random routing (the diagonal, PGR = s). One y-range for every panel."""
    use_style()
    colors = {**color_map(ROUTERS), "oracle": ORACLE_COLOR}
    datasets = list(by_dataset)
    curves = {dataset: {name: {key: _values(values) for key, values in entry["pgr_band"].items()}
                        for name, entry in by_dataset[dataset]["routers"].items()} for dataset in datasets}
    # a band is in the legend only where one is drawn (none without bootstrap resamples)
    banded = any((np.isfinite(band["ci_low"]) & np.isfinite(band["ci_high"])).any()
                 for bands in curves.values() for name, band in bands.items() if name != "oracle")
    handles = [(Patch(color=colors[router], alpha=BAND_ALPHA, linewidth=0), Line2D([], [], color=colors[router]))
               if banded else Line2D([], [], color=colors[router]) for router in ROUTERS]
    handles += [Line2D([], [], color=ORACLE_COLOR), Line2D([], [], **RANDOM_STYLE)]
    handles += [Patch(color="0.5", alpha=BAND_ALPHA, linewidth=0)] if banded else []
    labels = [ROUTER_LABELS[router] for router in ROUTERS] + ["Oracle", "Random routing"]
    labels += ["95 % bootstrap band"] if banded else []
    shown = {"oracle": ("value",)}  # routers: their bands too
    values = np.concatenate([[0.0, 1.0]] + [band[key] for bands in curves.values() for name, band in bands.items()
                                            for key in shown.get(name, ("value", "ci_low", "ci_high"))])
    values = values[np.isfinite(values)]
    y = linear_scale(*padded(values.min(), values.max()), nbins=5)
    x = linear_scale(0.0, 100.0, ticks=range(0, 101, 25))
    panels = Panels(len(datasets), title="Performance gap recovered (PGR)", legend_labels=labels,
                    panel_height=1.55, gap_x=0.3, gap_y=0.4)
    titles = panels.title_labels(datasets)
    for i, dataset in enumerate(datasets):
        bottom = panels.bottom_of_column(i)  # one share axis and one y-range for all: labelled once
        panel = panels.panel(i, x, y, title=titles[dataset], yticklabels=panels.first_column(i),
                             xticklabels=bottom, xlabel="Routed share (%)" if bottom else "",
                             ylabel="PGR" if panels.first_column(i) else "")
        panel.line([0, 100], [0, 1], zorder=1, **RANDOM_STYLE)
        for name, band in curves[dataset].items():
            share = 100 * band["share"]
            if name != "oracle":
                finite = np.isfinite(band["ci_low"]) & np.isfinite(band["ci_high"])
                if finite.any():
                    panel.band(share[finite], band["ci_low"][finite], band["ci_high"][finite], color=colors[name],
                               alpha=BAND_ALPHA, zorder=2)
            panel.line(share, band["value"], color=colors[name], linewidth=1.1, zorder=3)
        if not by_dataset[dataset]["has_baseline"]:
            panel.text(0.04, 0.96, "No baseline:\nPGR undefined", ha="left", va="top", fontsize=7, color="0.3")
    return panels.finish(handles, labels, handler_map={tuple: HandlerTuple(ndivide=1)})


# --- the routers compared pair by pair -------------------------------------------------------

#: metric of comparison.csv -> panel title (two lines) and x label
COMPARISON_PANELS = {"APGR": ("APGR", "difference"), "AIQ": ("AIQ", "difference"),
                     "best_delta_IBC_automix": ("best ΔIBC\nAutoMix (%)", "difference (pp)"),
                     "best_delta_IBC": ("best ΔIBC (%)", "difference (pp)")}
#: a row's verdict, told by which router it favours -> (legend label, colour); the legend's order
COMPARISON_VERDICTS = {
    "first": ("first router better (interval above 0)", PALETTE[0]),
    "second": ("second router better (interval below 0)", PALETTE[3]),
    "not distinguishable": ("not distinguishable (interval contains 0)", "0.45"),
    "no verdict": ("no verdict (AIQ; best values across datasets)", "0.7"),
}
LABELS = {**ROUTER_LABELS, "random": "Random"}
COMPARISON_ROW = 0.15  # inches per row: a pair's heading, each dataset, the mean
ZERO_STYLE = {"color": "0.2", "linestyle": "--", "linewidth": 0.8}
COMPARISON_TITLE = ("Routers compared on the same queries: difference first router − second; dot = estimate, "
                    "bar = 95 % paired bootstrap interval; diamond = mean over datasets (stratified bootstrap)")


def _favours(row) -> str:
    if row.verdict == f"{row.router_a} better":
        return "first"
    if row.verdict == f"{row.router_b} better":
        return "second"
    return row.verdict if row.verdict == "not distinguishable" else "no verdict"


def routing_comparison_figure(comparison: pd.DataFrame):
    """A forest plot of the paired router comparison (comparison.csv's table), one panel per
    metric: per pair of routers a heading row, then a row per dataset and, with two or more
    datasets, one for the mean over datasets; each with its difference and interval, coloured by
    its verdict, against a dashed line at 0. An undefined difference reads "n/a"."""
    use_style()
    datasets = [d for d in dict.fromkeys(comparison["dataset"]) if d != ALL]
    with_mean = len(datasets) > 1
    size = STYLE["ytick.labelsize"]
    names = distinct_labels(datasets, 1.3, size)
    mean_label = f"mean of {len(datasets)}"
    pairs = list(dict.fromkeys(zip(comparison["router_a"], comparison["router_b"])))
    labels, row_of = [], {}
    for a, b in pairs:
        labels.append(f"{LABELS[a]} vs {LABELS[b]}")
        for dataset in [*datasets, *([ALL] if with_mean else [])]:
            row_of[(a, b, dataset)] = len(labels)
            labels.append(mean_label if dataset == ALL else names[dataset])
    rows = len(labels)
    y = Scale(-0.6, rows - 0.4, ticks=tuple(range(rows)), labels=tuple(reversed(labels)))  # first pair on top
    used = [v for v in COMPARISON_VERDICTS if v in {_favours(r) for r in comparison.itertuples(index=False)
                                                     if pd.notna(r.ci_low)}]
    legend = [COMPARISON_VERDICTS[v][0] for v in used] + ["0: no difference"]
    legend += ["mean over datasets"] if with_mean else []
    left = max(text_width(label, size) for label in labels) + 0.25
    panels = Panels(len(COMPARISON_PANELS), title=COMPARISON_TITLE, legend_labels=legend, panel_width=1.2,
                    panel_height=COMPARISON_ROW * rows + 0.1, columns=4, gap_x=0.2, left=left, right=0.2,
                    title_lines=2)
    for i, (metric, (title, xlabel)) in enumerate(COMPARISON_PANELS.items()):
        shown = comparison[comparison["metric"] == metric]
        shown = shown[shown["dataset"].isin(datasets) | (with_mean & (shown["dataset"] == ALL))]
        values = np.concatenate([[0.0], *(shown[k].to_numpy(dtype=float) for k in ("difference", "ci_low", "ci_high"))])
        values = values[np.isfinite(values)]
        x = linear_scale(*padded(values.min(), values.max()), nbins=3)
        panel = panels.panel(i, x, y, title=title, grid="x", yticklabels=panels.first_column(i),
                             xlabel=xlabel if panels.bottom_of_column(i) else "")
        panel.segments([[(0.0, y.low), (0.0, y.high)]], **ZERO_STYLE)
        for row in shown.itertuples(index=False):
            position = rows - 1 - row_of[(row.router_a, row.router_b, row.dataset)]
            if pd.isna(row.difference):
                panel.text(x.fraction(0.0) + 0.03, (position - y.low) / (y.high - y.low), "n/a", ha="left",
                           va="center", color="0.4", fontsize=6)
                continue
            color = COMPARISON_VERDICTS[_favours(row)][1]
            if pd.notna(row.ci_low):
                panel.segments([[(row.ci_low, position), (row.ci_high, position)]], color=color, linewidth=1.4)
            mean = row.dataset == ALL
            panel.markers([row.difference], [position], marker="D" if mean else "o", markersize=4 if mean else 3.5,
                          color=color, markeredgecolor=color)
    handles = [Line2D([], [], color=COMPARISON_VERDICTS[v][1], marker="o", markersize=3.5, linewidth=1.4)
               for v in used] + [Line2D([], [], **ZERO_STYLE)]
    handles += [Line2D([], [], color="0.2", marker="D", markersize=4, linestyle="none")] if with_mean else []
    return panels.finish(handles, legend)
