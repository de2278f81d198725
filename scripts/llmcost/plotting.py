"""One plotting style for every figure, and byte-stable saving.

Figures use the Agg backend, matplotlib's bundled DejaVu Sans, and no
timestamps or software tags in the file metadata, so the same data and the
same pinned matplotlib give the same bytes.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullLocator  # noqa: E402

from .outputs import atomic_path  # noqa: E402

# Colour-blind safe (Okabe-Ito), in a fixed order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    # a fixed title position: matplotlib otherwise moves each title clear of
    # the top ticks, a measurable cost on figures of dozens of panels
    "axes.titley": 1.0,
    "figure.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.2,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
    "svg.hashsalt": "llmcost",
}


def plain(name) -> str:
    """A name as figure text, verbatim: ``$`` escaped so matplotlib never reads it as math."""
    return str(name).replace("$", r"\$")


def use_style() -> None:
    plt.rcParams.update(STYLE)


def color_map(names) -> dict:
    """A stable colour for each name, in the order given."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def save_figure(fig, pdf_path: str | os.PathLike, png_path: str | os.PathLike) -> None:
    """Write ``fig`` as PDF and PNG, atomically and without timestamps."""
    with atomic_path(pdf_path) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None,
                                                 "Producer": None, "Creator": None})
    with atomic_path(png_path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)


MAX_COLUMNS = 5


def panel_grid(count: int, height: float, legend_rows: int = 1):
    """A figure with ``count`` panels, at most MAX_COLUMNS a row; unused panels hidden.

    Margins are fixed in inches (title on top, legend at the bottom) instead of
    a layout engine, and the panels' y-ranges are shared by ``share_y`` rather
    than ``sharey``: both cost time that grows with the number of panels (the
    shared-axis label placement grows with its square), which dominates the
    job once there are dozens of datasets.
    """
    columns = min(count, MAX_COLUMNS)
    rows = -(-count // columns)
    top, bottom = 0.55, 0.55 + 0.17 * legend_rows
    width, fig_height = 1.9 * columns + 0.6, height * rows + top + bottom
    fig, axes = plt.subplots(rows, columns, squeeze=False, figsize=(width, fig_height))
    fig.subplots_adjust(left=0.75 / width, right=1 - 0.1 / width, top=1 - top / fig_height,
                        bottom=bottom / fig_height, wspace=0.12, hspace=0.55 * 2.0 / height)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


def share_y(axes) -> None:
    """One y-range for every panel (the union of their autoscaled ranges); labels on the left column."""
    lows, highs = zip(*(ax.get_ylim() for ax in axes))
    for i, ax in enumerate(axes):
        ax.set_ylim(min(lows), max(highs))
        ax.yaxis.set_minor_locator(NullLocator())
        if i % MAX_COLUMNS:
            ax.tick_params(labelleft=False)


def title_and_legend(fig, title: str, ncol: int, handles=None) -> None:
    """The suptitle in the top margin and the legend in the bottom one (fixed in inches)."""
    height = fig.get_figheight()
    fig.suptitle(title, y=1 - 0.1 / height, va="top")
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.02 / height), ncol=ncol,
               frameon=False)
