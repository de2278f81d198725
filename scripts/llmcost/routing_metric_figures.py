"""The figure of the routing curve metrics: PGR against routed share, with bootstrap bands.

``pgr_figure`` takes the per-dataset results of
``routing_resampling.dataset_metrics`` (plain or through ``to_jsonable``) and
returns a matplotlib Figure; the rule saves it with ``plotting.save_figure``.
Panels are laid out and drawn by ``plotting.Panels`` (fixed inches, one
canvas), so the figure fits any number of datasets.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import Panels, color_map, linear_scale, padded, use_style
from .routing import ROUTER_LABELS
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
