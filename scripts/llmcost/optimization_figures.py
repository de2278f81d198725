"""The score-against-tokens figure: one panel per (dataset, model), one line per optimizer.

Panels are laid out a dataset per row when there are three to five models
(wrapping to several datasets a row for one or two models, and to rows of
five panels for more), so it reads the same for 1 or 40 datasets. Margins
are fixed in inches, sized for the wrapped title and the legend, and the
legend is collected from every panel.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
import numpy as np
import pandas as pd

from .plotting import STYLE, color_map, use_style

MAX_COLUMNS = 5
PANEL_WIDTH, PANEL_HEIGHT = 2.0, 1.75  # inches, ticks and title included
LEFT, RIGHT = 0.75, 0.15  # inches
LINE_HEIGHT = 0.17  # inches per line of title or legend text
TITLE_CHAR_WIDTH = 1 / 13  # inches per character at 9 points, generous (DejaVu Sans)
MIN_TITLE_SIZE = 6  # points: a longer panel title is elided in the middle
BUDGET_STYLE = {"color": "0.45", "linestyle": ":", "linewidth": 0.9}
#: Line styles besides the optimizers' own, with their legend labels (grey in the legend).
EXTRA_LINES = {
    "early": ("before every seed's first step (fewer seeds)",
              {"color": "0.3", "alpha": 0.4, "linewidth": 0.8}),
    "carried": ("after the last step (final score carried)", {"color": "0.3", "linestyle": "--"}),
}
TITLE = ("Test score against cumulative input tokens (meta + downstream LLM): mean over seeds of "
         "each step's mean over its candidate prompts")


def score_vs_tokens_figure(curve: pd.DataFrame, budgets):
    """Test score against cumulative input tokens per (dataset, model), from ``score_curve``.

    Each optimizer's line is the mean over seeds of the candidates' mean test
    score, a step function of the cumulative input tokens, with a ±1 std
    band; faint where not every seed has reached its first step, and dashed
    from its last point to the right edge. The x-axis runs from 0 to the
    largest budget; each budget is a dotted vertical line and a tick.
    """
    use_style()
    budgets = sorted(float(b) for b in budgets)
    x_max = budgets[-1]
    if curve.empty:  # every run lacks a test_score (warned where they were left out)
        fig = plt.figure(figsize=(4, 1))
        fig.text(0.5, 0.5, "No run has a test score: nothing to plot.", ha="center", va="center")
        return fig
    datasets, models = sorted(curve["dataset"].unique()), sorted(curve["model"].unique())
    colors = color_map(sorted(curve["optimizer"].unique()))
    columns = _columns(len(datasets), len(models))
    fig, axes = _panel_grid(len(datasets) * len(models), columns)
    handles, used = {}, set()
    by_panel = dict(tuple(curve.groupby(["dataset", "model"], sort=False)))
    for i, (ax, (dataset, model)) in enumerate(zip(axes, ((d, m) for d in datasets for m in models))):
        _panel_title(ax, f"{dataset}, {model}")
        ax.set_xlim(0, x_max)
        ax.xaxis.set_major_locator(FixedLocator([0.0, *budgets]))
        ax.xaxis.set_major_formatter(FuncFormatter(_millions))
        ax.vlines(budgets, 0, 1, transform=ax.get_xaxis_transform(), **BUDGET_STYLE)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        if i % columns == 0:
            ax.set_ylabel("test score [%]")
        panel = by_panel.get((dataset, model))
        if panel is None:
            ax.text(0.5, 0.5, "no run with a test score", transform=ax.transAxes, ha="center",
                    va="center", color="0.4")
            ax.set_yticks([])
            continue
        for optimizer, line in panel.groupby("optimizer", sort=True):
            handle, drawn = _draw_optimizer(ax, line, colors[optimizer], x_max)
            handles.setdefault(optimizer, handle)
            used.update(drawn)
    legend = [handles[name] for name in colors if name in handles]
    legend.append(Patch(color="0.5", alpha=0.25, linewidth=0, label="±1 std over seeds"))
    legend += [Line2D([], [], label=label, **style) for key, (label, style) in EXTRA_LINES.items()
               if key in used]
    legend.append(Line2D([], [], label="token budgets", **BUDGET_STYLE))
    _margins_title_legend(fig, TITLE, legend, rows=math.ceil(len(axes) / columns))
    return fig


def _draw_optimizer(ax, line: pd.DataFrame, color: str, x_max: float):
    """The mean as a step line with its std band, carried (dashed) to ``x_max``.

    Where fewer seeds than the cell's have reached their first step, the line
    is faint. Returns the legend handle and which EXTRA_LINES were drawn.
    """
    x = line["cumulative_input_tokens"].to_numpy(dtype=float)
    mean = line["test_score_mean_pct"].to_numpy()
    std = line["test_score_std_pct"].fillna(0).to_numpy()
    n_runs = line["n_runs"].to_numpy()
    drawn = set()
    full = int(np.argmax(n_runs == n_runs.max()))  # every seed has started from here on
    if full:
        ax.plot(x[: full + 1], mean[: full + 1], drawstyle="steps-post",
                **EXTRA_LINES["early"][1] | {"color": color})
        drawn.add("early")
    (handle,) = ax.plot(x[full:], mean[full:], drawstyle="steps-post", color=color,
                        label=line["optimizer"].iloc[0])
    if x[-1] < x_max:
        ax.plot([x[-1], x_max], [mean[-1]] * 2, **EXTRA_LINES["carried"][1] | {"color": color})
        drawn.add("carried")
        x, mean, std = np.append(x, x_max), np.append(mean, mean[-1]), np.append(std, std[-1])
    ax.fill_between(x, mean - std, mean + std, step="post", color=color, alpha=0.25, linewidth=0)
    return handle, drawn


def _columns(datasets: int, models: int) -> int:
    """Panels per row: whole datasets a row where a dataset's models fit in MAX_COLUMNS."""
    if models > MAX_COLUMNS:
        return MAX_COLUMNS
    return models * min(datasets, max(1, MAX_COLUMNS // models))


def _panel_grid(count: int, columns: int):
    """A figure of ``count`` panels in rows of ``columns``; margins are set once the legend is known."""
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(rows, columns, squeeze=False,
                             figsize=(PANEL_WIDTH * columns + LEFT + RIGHT, PANEL_HEIGHT * rows))
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


def _margins_title_legend(fig, title: str, handles, rows: int) -> None:
    """Size the figure for its panels plus fixed margins (inches): the wrapped title on top,
    the x label and the legend below."""
    width = fig.get_figwidth()
    lines = textwrap.wrap(title, width=int((width - 0.2) / TITLE_CHAR_WIDTH))
    column = 0.6 + max(_text_width(h.get_label(), plt.rcParams["legend.fontsize"]) for h in handles)
    ncol = max(1, min(len(handles), int((width - 0.2) // column)))
    legend_rows = math.ceil(len(handles) / ncol)
    top = 0.15 + LINE_HEIGHT * len(lines) + 0.35  # and the panel titles
    legend_height = 0.1 + LINE_HEIGHT * legend_rows
    bottom = legend_height + 0.2 + 0.3  # legend, x label, tick labels
    height = PANEL_HEIGHT * rows + top + bottom
    fig.set_size_inches(width, height)
    fig.subplots_adjust(left=LEFT / width, right=1 - RIGHT / width, top=1 - top / height,
                        bottom=bottom / height, wspace=0.3, hspace=0.5)
    fig.suptitle("\n".join(lines), y=1 - 0.15 / height, va="top")
    fig.text(0.5, (legend_height + 0.05) / height, "cumulative input tokens (M = million)",
             ha="center", va="bottom", fontsize=plt.rcParams["axes.labelsize"])
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.05 / height), ncol=ncol,
               frameon=False)


def _panel_title(ax, title: str) -> None:
    """The panel's title in one line across the panel: smaller for a long name, elided if need be."""
    room = PANEL_WIDTH - 0.3  # inches
    size = plt.rcParams["axes.titlesize"]
    width = _text_width(title, size)
    if width > room:
        size = max(MIN_TITLE_SIZE, size * room / width)
        while _text_width(title, size) > room:  # still too long at the smallest size
            half = len(title) // 2
            title = title[: half - 1] + "…" + title[half + 1:]
    ax.set_title(title, fontsize=size)


def _text_width(text: str, size: float) -> float:
    """Width in inches of ``text`` in the figures' font at ``size`` points (from the font's metrics)."""
    prop = FontProperties(family=STYLE["font.family"], size=size)
    return _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath=False)[0] / 72


_TEXT_TO_PATH = TextToPath()


def _millions(value: float, _position) -> str:
    return "0" if value == 0 else f"{value / 1e6:g}M"
