"""Figures of the token stage: totals per cell, and cumulative input over steps."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from matplotlib.ticker import NullLocator
import numpy as np
import pandas as pd

from .plotting import PALETTE, color_map, plain, use_style
from .steplogs import TOKEN_COLUMNS
from .tokens import TOKEN_LABELS, rows_of_optimizer

BAR_LABELS = {column: label.removesuffix(" [M]") for column, label in TOKEN_LABELS.items()}


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


def token_usage_figure(summary: pd.DataFrame, optimizer: str):
    """One panel per dataset: bars of the four mean totals per model, +- 1 std over seeds."""
    use_style()
    chosen = rows_of_optimizer(summary, optimizer)
    datasets = sorted(chosen["dataset"].unique())
    models = sorted(chosen["model"].unique())
    colors = dict(zip(TOKEN_COLUMNS, PALETTE))
    fig, axes = panel_grid(len(datasets), height=2.0)
    width = 0.8 / len(TOKEN_COLUMNS)
    x = np.arange(len(models))
    for panel, (ax, dataset) in enumerate(zip(axes, datasets)):
        cells = chosen[chosen["dataset"] == dataset].set_index("model").reindex(models)
        # one bar() call per panel (artists are what a figure of many panels pays for)
        ax.bar(np.concatenate([x + (bar - 1.5) * width for bar in range(len(TOKEN_COLUMNS))]),
               np.concatenate([cells[f"{column}_mean"] for column in TOKEN_COLUMNS]), width,
               yerr=np.concatenate([cells[f"{column}_std"].fillna(0) for column in TOKEN_COLUMNS]),
               color=np.repeat([colors[column] for column in TOKEN_COLUMNS], len(models)),
               error_kw={"elinewidth": 0.6, "capsize": 1.5})
        ax.set_yscale("log")
        ax.set_xticks(x, [plain(model) for model in models])
        ax.set_title(plain(dataset))
        if panel % MAX_COLUMNS == 0:
            ax.set_ylabel("tokens per run")
    share_y(axes)
    handles = [Patch(color=colors[column], label=BAR_LABELS[column]) for column in TOKEN_COLUMNS]
    title_and_legend(fig, f"{plain(optimizer)}: tokens per run, mean over seeds with ±1 std", len(TOKEN_COLUMNS),
                     handles)
    return fig


def token_cumulative_figure(cumulative: pd.DataFrame, optimizer: str):
    """One panel per dataset: cumulative input tokens over steps per model, seed mean and range."""
    use_style()
    datasets = sorted(cumulative["dataset"].unique())
    colors = color_map(sorted(cumulative["model"].unique()))
    ncol = min(len(colors) * 2, 6)
    fig, axes = panel_grid(len(datasets), height=2.4, legend_rows=-(-len(colors) * 2 // ncol))
    for i, dataset in enumerate(datasets):
        ax = axes[i]
        for model, cell in cumulative[cumulative["dataset"] == dataset].groupby("model", sort=True):
            for role, style in (("downstream", "-"), ("meta", "--")):
                ax.plot(cell["step"], cell[f"{role}_mean"], style, color=colors[model],
                        label=f"{plain(model)}, {role}" if i == 0 else None)
                ax.fill_between(cell["step"], cell[f"{role}_min"], cell[f"{role}_max"],
                                color=colors[model], alpha=0.15, linewidth=0)
        ax.set_yscale("log")
        ax.set_title(plain(dataset))
        ax.set_xlabel("optimizer step")
        if i % MAX_COLUMNS == 0:
            ax.set_ylabel("cumulative input tokens")
    share_y(axes)
    title_and_legend(fig, f"{plain(optimizer)}: downstream (solid) and meta (dashed) LLM input; "
                          f"line = mean over seeds, band = range of seeds", ncol)
    return fig
