"""Figures of the token stage: totals per cell, and cumulative input over steps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .plotting import PALETTE, color_map, use_style
from .steplogs import TOKEN_COLUMNS
from .tokens import TOKEN_LABELS

BAR_LABELS = {column: label.removesuffix(" [M]") for column, label in TOKEN_LABELS.items()}


def token_usage_figure(summary: pd.DataFrame):
    """One panel per (optimizer, dataset): bars of the four mean totals per model, +- 1 std."""
    use_style()
    optimizers = sorted(summary["optimizer"].unique())
    datasets = sorted(summary["dataset"].unique())
    models = sorted(summary["model"].unique())
    colors = dict(zip(TOKEN_COLUMNS, PALETTE))
    fig, axes = plt.subplots(len(optimizers), len(datasets), sharey=True, squeeze=False,
                             figsize=(1.9 * len(datasets) + 0.6, 2.0 * len(optimizers) + 0.6))
    width = 0.8 / len(TOKEN_COLUMNS)
    x = np.arange(len(models))
    for row, optimizer in enumerate(optimizers):
        for col, dataset in enumerate(datasets):
            ax = axes[row, col]
            cells = summary[(summary["optimizer"] == optimizer) & (summary["dataset"] == dataset)]
            cells = cells.set_index("model").reindex(models)
            for i, column in enumerate(TOKEN_COLUMNS):
                ax.bar(x + (i - 1.5) * width, cells[f"{column}_mean"], width,
                       yerr=cells[f"{column}_std"].fillna(0), color=colors[column],
                       error_kw={"elinewidth": 0.6, "capsize": 1.5},
                       label=BAR_LABELS[column] if (row, col) == (0, 0) else None)
            ax.set_yscale("log")
            ax.set_xticks(x, models)
            ax.set_title(f"{dataset} ({optimizer})")
            if col == 0:
                ax.set_ylabel("tokens per run (mean over seeds)")
    fig.legend(loc="upper center", ncol=len(TOKEN_COLUMNS), bbox_to_anchor=(0.5, 1.0),
               frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def token_cumulative_figure(cumulative: pd.DataFrame, optimizer: str):
    """One panel per dataset: cumulative input tokens over steps per model, seed mean and range."""
    use_style()
    datasets = sorted(cumulative["dataset"].unique())
    colors = color_map(sorted(cumulative["model"].unique()))
    fig, axes = plt.subplots(1, len(datasets), sharey=True, squeeze=False,
                             figsize=(1.9 * len(datasets) + 0.6, 3.0))
    for col, dataset in enumerate(datasets):
        ax = axes[0, col]
        for model, cell in cumulative[cumulative["dataset"] == dataset].groupby("model", sort=True):
            for role, style in (("downstream", "-"), ("meta", "--")):
                ax.plot(cell["step"], cell[f"{role}_mean"], style, color=colors[model],
                        label=f"{model}, {role}" if col == 0 else None)
                ax.fill_between(cell["step"], cell[f"{role}_min"], cell[f"{role}_max"],
                                color=colors[model], alpha=0.15, linewidth=0)
        ax.set_yscale("log")
        ax.set_title(dataset)
        ax.set_xlabel("optimizer step")
        if col == 0:
            ax.set_ylabel("cumulative input tokens")
    fig.suptitle(f"{optimizer}: downstream (solid) and meta (dashed) LLM input; "
                 f"line = mean over seeds, band = range of seeds", fontsize=8)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.legend(loc="lower center", ncol=len(colors) * 2, bbox_to_anchor=(0.5, 0.0), frameon=False)
    return fig
