"""Figures of the token stage: totals per cell, and cumulative input over steps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .plotting import PALETTE, color_map, use_style
from .steplogs import TOKEN_COLUMNS
from .tokens import TOKEN_LABELS, rows_of_optimizer

BAR_LABELS = {column: label.removesuffix(" [M]") for column, label in TOKEN_LABELS.items()}


MAX_COLUMNS = 5


def panel_grid(count: int, height: float):
    """A figure with ``count`` panels, at most MAX_COLUMNS a row; unused panels hidden."""
    columns = min(count, MAX_COLUMNS)
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns, sharey=True, squeeze=False, layout="constrained",
                             figsize=(1.9 * columns + 0.6, height * rows + 0.6))
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


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
        for bar, column in enumerate(TOKEN_COLUMNS):
            ax.bar(x + (bar - 1.5) * width, cells[f"{column}_mean"], width,
                   yerr=cells[f"{column}_std"].fillna(0), color=colors[column],
                   error_kw={"elinewidth": 0.6, "capsize": 1.5},
                   label=BAR_LABELS[column] if panel == 0 else None)
        ax.set_yscale("log")
        ax.set_xticks(x, models)
        ax.set_title(dataset)
        if panel % MAX_COLUMNS == 0:
            ax.set_ylabel("tokens per run")
    fig.suptitle(f"{optimizer}: tokens per run, mean over seeds with ±1 std")
    fig.legend(loc="outside lower center", ncol=len(TOKEN_COLUMNS), frameon=False)
    return fig


def token_cumulative_figure(cumulative: pd.DataFrame, optimizer: str):
    """One panel per dataset: cumulative input tokens over steps per model, seed mean and range."""
    use_style()
    datasets = sorted(cumulative["dataset"].unique())
    colors = color_map(sorted(cumulative["model"].unique()))
    fig, axes = panel_grid(len(datasets), height=2.4)
    for i, dataset in enumerate(datasets):
        ax = axes[i]
        for model, cell in cumulative[cumulative["dataset"] == dataset].groupby("model", sort=True):
            for role, style in (("downstream", "-"), ("meta", "--")):
                ax.plot(cell["step"], cell[f"{role}_mean"], style, color=colors[model],
                        label=f"{model}, {role}" if i == 0 else None)
                ax.fill_between(cell["step"], cell[f"{role}_min"], cell[f"{role}_max"],
                                color=colors[model], alpha=0.15, linewidth=0)
        ax.set_yscale("log")
        ax.set_title(dataset)
        ax.set_xlabel("optimizer step")
        if i % MAX_COLUMNS == 0:
            ax.set_ylabel("cumulative input tokens")
    fig.suptitle(f"{optimizer}: downstream (solid) and meta (dashed) LLM input; "
                 f"line = mean over seeds, band = range of seeds")
    fig.legend(loc="outside lower center", ncol=min(len(colors) * 2, 6), frameon=False)
    return fig
