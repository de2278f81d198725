"""Figures of the token stage: totals per cell, and cumulative input over steps."""

from __future__ import annotations

from matplotlib.patches import Patch
import numpy as np
import pandas as pd

from .plotting import MAX_COLUMNS, PALETTE, color_map, panel_grid, plain, share_y, title_and_legend, use_style
from .steplogs import TOKEN_COLUMNS
from .tokens import TOKEN_LABELS, rows_of_optimizer

BAR_LABELS = {column: label.removesuffix(" [M]") for column, label in TOKEN_LABELS.items()}


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
