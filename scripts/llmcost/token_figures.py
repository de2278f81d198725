"""Figures of the token stage: totals per cell, and cumulative input over steps.

Both take the rows of every optimizer and draw those of one, a panel per
dataset laid out by ``plotting.Panels`` (fixed inches, any number of
datasets, about a second for 40).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import (LINE_OF_TICK_LABEL, MAX_COLUMNS, PALETTE, TICK_LENGTH, TICK_PAD, Panels, Scale, color_map,
                       fit_columns, linear_scale, log_scale, padded, plain, text_width, use_style)
from .steplogs import TOKEN_COLUMNS
from .tokens import rows_of_optimizer

BAR_LABELS = {
    "input_tokens_meta_llm": "meta-LLM input",
    "output_tokens_meta_llm": "meta-LLM output",
    "input_tokens_downstream_llm": "downstream LLM input",
    "output_tokens_downstream_llm": "downstream LLM output",
}
RANGE_LABEL = "min to max over seeds"
WHISKER_STYLE = {"color": "black", "linewidth": 0.6}
BAND_ALPHA = 0.15
ROLES = {"downstream": ("solid", "downstream LLM input"), "meta": ("dashed", "meta-LLM input")}


def seed_ranges(runs: pd.DataFrame, optimizer: str) -> pd.DataFrame:
    """Per (dataset, model) of ``optimizer``: ``n_seeds`` and the mean, min and max over its
    runs of each token total (``{total}_mean``, ``_min``, ``_max``), from one row per run."""
    grouped = rows_of_optimizer(runs, optimizer).groupby(["dataset", "model"], sort=True)
    stats = grouped[TOKEN_COLUMNS].agg(["mean", "min", "max"])
    stats.columns = [f"{column}_{stat}" for column, stat in stats.columns]
    stats.insert(0, "n_seeds", grouped.size())
    return stats.reset_index()


def decades(lows, highs):
    """A log scale of whole decades from the smallest positive value of ``lows`` to the largest
    of ``highs``, with a little room on top."""
    low, high = np.asarray(lows, dtype=float).ravel(), np.asarray(highs, dtype=float).ravel()
    low = low[low > 0].min() if (low > 0).any() else 1.0
    return log_scale(10.0 ** math.floor(math.log10(low)),
                     10.0 ** math.ceil(math.log10(max(np.nanmax(high), low) * 1.3)))


def token_usage_figure(runs: pd.DataFrame, optimizer: str):
    """One panel per dataset: per model, bars of the four token totals' means over seeds (log
    scale) with whiskers from the seeds' minimum to their maximum (none, and no legend entry,
    where no cell has two seeds). The title gives the number
    of seeds; a model with fewer says how many (n=) under its name. ``runs`` has one row per
    run (``tokens/runs.csv``)."""
    use_style()
    cells = seed_ranges(runs, optimizer)
    datasets, models = sorted(cells["dataset"].unique()), sorted(cells["model"].unique())
    seeds = int(cells["n_seeds"].max())
    fewer = bool((cells["n_seeds"] < seeds).any() or len(cells) < len(datasets) * len(models))
    colors = dict(zip(TOKEN_COLUMNS, PALETTE))
    # whiskers (and their legend entry) only where some cell has two or more seeds to range over
    whiskers = seeds > 1
    labels = [*BAR_LABELS.values(), *[RANGE_LABEL] * whiskers]
    columns, panel_width = fit_columns(len(datasets), MAX_COLUMNS, max(1.9, 0.42 * len(models)))
    names = [plain(model) for model in models]
    # names wider than their slot are turned upright (and the room below the panels grows to hold them)
    upright = max(text_width(name, 7) for name in names) > 0.95 * panel_width / len(models)
    lines = 2 if fewer else 1
    tick_room = TICK_LENGTH + TICK_PAD + (max(text_width(name + "\nno runs" * fewer, 7) for name in names) + 0.05
                                          if upright else lines * LINE_OF_TICK_LABEL)
    title = (f"{plain(optimizer)}: tokens per run; bar = mean over {seeds} seed{'s' * (seeds > 1)}"
             f"{' (n = fewer where marked)' if fewer else ''}" + (f", whisker = {RANGE_LABEL}" if whiskers else ""))
    panels = Panels(len(datasets), title=title, legend_labels=labels, panel_width=panel_width, columns=columns,
                    tick_room=tick_room, x_label=False)
    y = decades(cells[[f"{c}_{s}" for c in TOKEN_COLUMNS for s in ("min", "mean")]],
                cells[[f"{c}_max" for c in TOKEN_COLUMNS]])
    bar_width = 0.8 / len(TOKEN_COLUMNS)
    offsets = (np.arange(len(TOKEN_COLUMNS)) - (len(TOKEN_COLUMNS) - 1) / 2) * bar_width
    slot = {model: i for i, model in enumerate(models)}
    by_dataset = dict(tuple(cells.groupby("dataset", sort=False)))
    titles = panels.title_labels(datasets)
    for i, dataset in enumerate(datasets):
        cell = by_dataset[dataset]
        counts = dict(zip(cell["model"], cell["n_seeds"]))
        under = tuple(name if counts.get(model) == seeds else f"{name}\nn={counts[model]}" if model in counts
                      else f"{name}\nno runs" for model, name in zip(models, names))
        x = Scale(-0.5, len(models) - 0.5, ticks=tuple(range(len(models))), labels=under)
        panel = panels.panel(i, x, y, title=titles[dataset], ylabel="tokens per run" if panels.first_column(i) else "",
                             yticklabels=panels.first_column(i), grid="y", xtick_rotation=90 if upright else 0)
        at = cell["model"].map(slot).to_numpy()
        for offset, column in zip(offsets, TOKEN_COLUMNS):
            mean = cell[f"{column}_mean"].to_numpy(dtype=float)
            shown = mean > 0  # a zero mean has no bar on a log axis
            panel.bars((at + offset)[shown], mean[shown], bar_width, colors[column])
            low, high = (np.maximum(cell[f"{column}_{stat}"].to_numpy(dtype=float), y.low)
                         for stat in ("min", "max"))
            spread = high > low  # a single seed has no range to show
            cap = bar_width / 4
            panel.segments([piece for bx, lo, hi in zip((at + offset)[spread], low[spread], high[spread])
                            for piece in ([(bx, lo), (bx, hi)], [(bx - cap, lo), (bx + cap, lo)],
                                          [(bx - cap, hi), (bx + cap, hi)])], zorder=3, **WHISKER_STYLE)
    handles = [Patch(color=colors[column]) for column in TOKEN_COLUMNS] + [whisker_handle()] * whiskers
    return panels.finish(handles, labels)


def whisker_handle() -> ErrorbarContainer:
    """A legend handle drawn as a capped vertical whisker (the look of the panels' whiskers)."""
    whisker = LineCollection([], **WHISKER_STYLE)
    caps = (Line2D([], [], marker="_", markersize=4, markeredgewidth=WHISKER_STYLE["linewidth"],
                   color=WHISKER_STYLE["color"], linestyle="none"),)
    return ErrorbarContainer((Line2D([], [], linestyle="none"), caps, (whisker,)), has_yerr=True)


def token_cumulative_figure(cumulative: pd.DataFrame, optimizer: str):
    """One panel per dataset: cumulative input tokens over steps, a colour per model, downstream
    LLM solid and meta-LLM dashed, the mean over seeds with the seeds' range as a band
    (``tokens.cumulative_input``). The legend lists every model of any panel."""
    use_style()
    datasets = sorted(cumulative["dataset"].unique())
    colors = color_map(sorted(cumulative["model"].unique()))
    labels = [plain(model) for model in colors] + [label for _, label in ROLES.values()] + ["range over seeds"]
    panels = Panels(len(datasets), title=f"{plain(optimizer)}: cumulative input tokens per run over optimizer "
                    "steps; line = mean over seeds", legend_labels=labels, panel_height=1.6)
    y = decades(cumulative[[f"{role}_{stat}" for role in ROLES for stat in ("mean", "min")]],
                cumulative[[f"{role}_max" for role in ROLES]])
    by_dataset = dict(tuple(cumulative.groupby("dataset", sort=False)))
    titles = panels.title_labels(datasets)
    for i, dataset in enumerate(datasets):
        cells = by_dataset[dataset]
        x = linear_scale(*padded(cells["step"].min(), cells["step"].max()), integer=True)
        panel = panels.panel(i, x, y, title=titles[dataset], yticklabels=panels.first_column(i),
                             xlabel="optimizer step" if panels.bottom_of_column(i) else "",
                             ylabel="cumulative input tokens" if panels.first_column(i) else "")
        for model, cell in cells.groupby("model", sort=True):
            step = cell["step"].to_numpy(dtype=float)
            for role, (style, _) in ROLES.items():
                # values below the axis (a run that spent nothing yet) are held at its floor
                low, high, mean = (np.maximum(cell[f"{role}_{stat}"].to_numpy(dtype=float), y.low)
                                   for stat in ("min", "max", "mean"))
                panel.band(step, low, high, color=colors[model], alpha=BAND_ALPHA)
                panel.line(step, mean, color=colors[model], linestyle=style)
    handles = [Line2D([], [], color=color) for color in colors.values()]
    handles += [Line2D([], [], color="0.3", linestyle=style) for style, _ in ROLES.values()]
    handles.append(Patch(color="0.3", alpha=BAND_ALPHA * 2, linewidth=0))
    return panels.finish(handles, labels)

