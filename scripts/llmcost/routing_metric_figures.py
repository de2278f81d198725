"""The figure of the routing curve metrics: PGR against routed share, with bootstrap bands.

``pgr_figure`` takes the per-dataset results of
``routing_resampling.dataset_metrics`` (plain or through ``to_jsonable``) and
returns a matplotlib Figure; the rule saves it with ``plotting.save_figure``.
Panels are laid out with fixed margins (``plotting.panel_grid``), so the
figure fits any number of datasets.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import MAX_COLUMNS, color_map, panel_grid, plain, share_y, use_style
from .routing import ROUTER_LABELS
from .routing_model import ROUTERS

ORACLE_COLOR = "#D55E00"
BAND_ALPHA = 0.2
LEGEND_COLUMN_INCHES = 1.7


def _values(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def pgr_figure(by_dataset: Mapping[str, Mapping]):
    """PGR against routed share, one panel per dataset: each router's in-sample curve (on the
    metrics' grid of shares) with its pointwise 95 % bootstrap band, the oracle's curve and
    random routing (the diagonal, PGR = s)."""
    use_style()
    colors = color_map(ROUTERS)
    datasets = list(by_dataset)
    labels = {**ROUTER_LABELS, "oracle": "Oracle"}
    columns = min(len(datasets), MAX_COLUMNS)
    legend_columns = max(1, min(6, int((1.9 * columns + 0.4) // LEGEND_COLUMN_INCHES)))
    fig, axes = panel_grid(len(datasets), height=2.1, legend_rows=math.ceil(6 / legend_columns))
    fig.subplots_adjust(wspace=0.22)  # room between one panel's "100" and the next one's "0"
    for i, (ax, dataset) in enumerate(zip(axes, datasets)):
        result = by_dataset[dataset]
        ax.plot([0, 100], [0, 1], ls="--", color="0.5", lw=0.9, zorder=1)
        for name, entry in result["routers"].items():
            band = entry["pgr_band"]
            share = 100 * _values(band["share"])
            color = ORACLE_COLOR if name == "oracle" else colors[name]
            if name != "oracle":
                ax.fill_between(share, _values(band["ci_low"]), _values(band["ci_high"]), color=color,
                                alpha=BAND_ALPHA, linewidth=0, zorder=2)
            ax.plot(share, _values(band["value"]), color=color, lw=1.1, zorder=3)
        if not result["has_baseline"]:
            ax.text(0.04, 0.96, "No baseline:\nPGR undefined", transform=ax.transAxes, ha="left",
                    va="top", fontsize=7, color="0.3")
        ax.set_xlim(0, 100)
        ax.set_title(plain(dataset))
        if i + columns >= len(datasets):
            ax.set_xlabel("Routed share (%)")
        if i % MAX_COLUMNS == 0:
            ax.set_ylabel("PGR")
    share_y(axes)
    handles = [(Patch(color=colors[router], alpha=BAND_ALPHA, linewidth=0), Line2D([], [], color=colors[router]))
               for router in ROUTERS]
    handles += [Line2D([], [], color=ORACLE_COLOR), Line2D([], [], ls="--", color="0.5"),
                Patch(color="0.5", alpha=BAND_ALPHA, linewidth=0)]
    names = [labels[router] for router in ROUTERS] + ["Oracle", "Random routing", "95 % bootstrap band"]
    height = fig.get_figheight()
    fig.suptitle("Performance gap recovered (PGR)", y=1 - 0.1 / height, va="top")
    fig.legend(handles, names, loc="lower center", bbox_to_anchor=(0.5, 0.02 / height), ncol=legend_columns,
               frameon=False, handler_map={tuple: HandlerTuple(ndivide=1)})
    return fig
