"""The optimization stage's figures.

The optimizer comparison (``optimizer_comparison_figure``): per budget a
panel, per pair of optimizers a row with P(X > Y) and its 95 % interval
against the 0.5 line, coloured by its verdict; rows grow with the pairs (one
for 2 optimizers, 15 for 6), the labels' room is measured.

The score-against-tokens figure: one panel per (dataset, model), one line per optimizer.

Panels are laid out a dataset per row when there are three to five models
(wrapping to several datasets a row for one or two models, and to rows of
five panels for more), so it reads the same for 1 or 40 datasets; they are
drawn by ``plotting.Panels`` (fixed inches, one canvas), which keeps 200
panels to a second or two. The x-axis (cumulative tokens, 0 to the largest
budget) is the same in every panel and labelled under the bottom row; the
legend lists every optimizer of any panel.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import (MAX_COLUMNS, PALETTE, STYLE, Panels, Scale, color_map, distinct_labels, fit_columns,
                       linear_scale, padded, plain, text_width, title_width, use_style)

PANEL_WIDTH, PANEL_HEIGHT = 1.55, 1.0  # inches, the plotting area
GAP_X = 0.45  # inches between panels: each has its own y tick labels
BAND_ALPHA = 0.25
BAND_LABEL = "±1 std over seeds"
BUDGET_STYLE = {"color": "0.45", "linestyle": ":", "linewidth": 0.9}
#: Line styles besides the optimizers' own, with their legend labels (grey in the legend).
EXTRA_LINES = {
    "early": ("before every seed's first step (fewer seeds)", {"alpha": 0.4, "linewidth": 0.8}),
    "carried": ("after the last step (final score carried)", {"linestyle": "--"}),
}
TITLE = ("Test score (%) against cumulative input tokens (meta + downstream LLM): mean over seeds of "
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
    columns = {name: curve[name].to_numpy(dtype=float) for name in
               ("cumulative_input_tokens", "test_score_mean_pct", "test_score_std_pct", "n_runs")}
    columns["test_score_std_pct"] = np.nan_to_num(columns["test_score_std_pct"])
    lines = {key: {name: values[rows] for name, values in columns.items()}
             for key, rows in curve.groupby(["dataset", "model", "optimizer"], sort=True).indices.items()}
    used = set()
    for line in lines.values():
        used |= {"early"} if line["n_runs"][0] < line["n_runs"].max() else set()
        used |= {"carried"} if line["cumulative_input_tokens"][-1] < x_max else set()
    # the band (and its legend entry) only where some step has two seeds to spread over
    band = any(line["n_runs"].max() > 1 for line in lines.values())
    handles = [Line2D([], [], color=color) for color in colors.values()]
    handles += [Patch(color="0.5", alpha=BAND_ALPHA, linewidth=0)] * band
    handles += [Line2D([], [], color="0.3", **style) for key, (_, style) in EXTRA_LINES.items() if key in used]
    handles.append(Line2D([], [], **BUDGET_STYLE))
    labels = [plain(name) for name in colors] + [BAND_LABEL] * band
    labels += [label for key, (label, _) in EXTRA_LINES.items() if key in used] + ["token budgets"]
    columns = _columns(len(datasets), len(models))
    # a dataset per row: its name labels the row and each panel is titled by its model (200 titles
    # "dataset, model" were a fifth of the drawing time at 40 datasets); otherwise "dataset, model",
    # on two lines where one would not hold it
    rows_are_datasets = columns == len(models)
    cells = [(d, m) for d in datasets for m in models]
    size = STYLE["axes.titlesize"]
    _, narrowest = fit_columns(len(cells), columns, PANEL_WIDTH, gap_x=GAP_X)  # Panels' width, before widening
    two_lines = not rows_are_datasets and max(text_width(f"{plain(d)}, {plain(m)}", size)
                                              for d, m in cells) > title_width(narrowest, GAP_X)
    panels = Panels(len(datasets) * len(models), title=TITLE + ("; a row per dataset" if rows_are_datasets else ""),
                    legend_labels=labels, panel_width=PANEL_WIDTH, panel_height=PANEL_HEIGHT, columns=columns,
                    gap_x=GAP_X, gap_y=0.4, title_lines=2 if two_lines else 1)
    x = linear_scale(0.0, x_max, ticks=[0.0, *budgets], formatter=_millions)
    model_titles = panels.title_labels(models)
    dataset_titles = distinct_labels(datasets, panels.title_width - text_width(",", size), size)
    row_labels = distinct_labels(datasets, PANEL_HEIGHT + 0.3, STYLE["axes.labelsize"])
    for i, (dataset, model) in enumerate(cells):
        title = (model_titles[model] if rows_are_datasets else
                 f"{dataset_titles[dataset]},\n{model_titles[model]}" if two_lines else f"{plain(dataset)}, {plain(model)}")
        ylabel = ((row_labels[dataset] if rows_are_datasets else "test score [%]") if panels.first_column(i) else "")
        bottom = panels.bottom_of_column(i)
        drawn = [(colors[optimizer], lines[(dataset, model, optimizer)]) for optimizer in colors
                 if (dataset, model, optimizer) in lines]
        shown = [line["cumulative_input_tokens"] <= x_max for _, line in drawn]
        if not any(inside.any() for inside in shown):
            panel = panels.panel(i, x, linear_scale(0, 1, ticks=[]), title=title, xticklabels=bottom,
                                 ylabel=ylabel, grid="x")
            panel.text(0.5, 0.5, "no run with a test score" if not drawn else "no step within the budgets",
                       ha="center", va="center", color="0.4", fontsize=7)
        else:
            low = min((line["test_score_mean_pct"] - line["test_score_std_pct"])[inside].min(initial=np.inf)
                      for (_, line), inside in zip(drawn, shown))
            high = max((line["test_score_mean_pct"] + line["test_score_std_pct"])[inside].max(initial=-np.inf)
                       for (_, line), inside in zip(drawn, shown))
            panel = panels.panel(i, x, linear_scale(*padded(low, high), nbins=3), title=title, xticklabels=bottom,
                                 ylabel=ylabel)
            for color, line in drawn:
                _draw_optimizer(panel, line, color, x_max)
        panel.segments([[(b, panel.y.low), (b, panel.y.high)] for b in budgets], **BUDGET_STYLE)
    panels.xlabel("cumulative input tokens (M = million)")
    return panels.finish(handles, labels)


def _draw_optimizer(panel, line: dict, color: str, x_max: float) -> None:
    """The mean as a step line with its std band up to ``x_max``, carried (dashed) to it
    from the last step if the runs ended before.

    Where fewer seeds than the cell's have reached their first step, the line
    is faint.
    """
    x, mean, std, n_runs = (line[name] for name in ("cumulative_input_tokens", "test_score_mean_pct",
                                                    "test_score_std_pct", "n_runs"))
    carried = x[-1] < x_max
    inside = x <= x_max
    if not inside.any():
        return
    if not carried:  # the line goes on past the axis: it ends at the edge with the value in force there
        last = int(inside.sum()) - 1
        x, mean, std, n_runs = (np.append(v[: last + 1], v[last]) for v in (x, mean, std, n_runs))
        x[-1] = x_max
    full = int(np.argmax(n_runs == n_runs.max()))  # every seed has started from here on
    if full:
        panel.line(x[: full + 1], mean[: full + 1], steps=True, color=color, **EXTRA_LINES["early"][1])
    panel.line(x[full:], mean[full:], steps=True, color=color)
    if carried:
        panel.line([x[-1], x_max], [mean[-1]] * 2, color=color, **EXTRA_LINES["carried"][1])
        x, mean, std = np.append(x, x_max), np.append(mean, mean[-1]), np.append(std, std[-1])
    panel.band(x, mean - std, mean + std, steps=True, color=color, alpha=BAND_ALPHA)


def _columns(datasets: int, models: int) -> int:
    """Panels per row: whole datasets a row where a dataset's models fit in a row (at most
    MAX_COLUMNS panels, as many as fit the paper's width)."""
    most, _ = fit_columns(datasets * models, MAX_COLUMNS, PANEL_WIDTH, gap_x=GAP_X)
    if models > most:
        return most
    return models * min(datasets, max(1, most // models))


def _millions(value: float) -> str:
    return "0" if value == 0 else f"{value / 1e6:g}M"


#: verdict -> (legend label, colour); the order of the legend
VERDICT_STYLE = {  # comparison.csv's verdicts (optimizer_comparison, not imported: the figures' rules list
    "better": ("X better: permutation p ≤ 0.05, interval above 0.5", PALETTE[0]),  # only plotting and this module)
    "worse": ("X worse: permutation p ≤ 0.05, interval below 0.5", PALETTE[3]),
    "not distinguishable": ("not distinguishable", "0.45"),
    "too few runs": ("too few runs for a verdict", "0.7"),
}
HALF_STYLE = {"color": "0.2", "linestyle": "--", "linewidth": 0.8}
ROW_HEIGHT = 0.26  # inches per pair
COMPARISON_TITLE = ("Probability of improvement P(X > Y): that a run of X scores above a run of Y on the same "
                    "dataset and model (ties count half), averaged over the tasks both have; "
                    "dot = estimate, bar = 95 % stratified bootstrap interval")


def optimizer_comparison_figure(comparison: pd.DataFrame, optimizers):
    """P(X > Y) with its interval per pair (a row each, "X vs Y"), a panel per budget.

    ``comparison`` is comparison.csv's table, ``optimizers`` the runs'
    optimizers. The x-axis runs from 0 to 1 with a dashed line at 0.5; a pair
    without a common task at a budget says so in its row. With fewer than two
    optimizers the figure says there is no pair.
    """
    use_style()
    optimizers = sorted(optimizers)
    if len(optimizers) < 2:
        fig = plt.figure(figsize=(4.2, 0.8))
        names = ", ".join(plain(name) for name in optimizers) or "none"
        fig.text(0.5, 0.5, f"One optimizer ({names}): no pair of optimizers to compare.", ha="center",
                 va="center")
        return fig
    budgets = sorted(comparison["budget_tokens"].unique())
    pairs = list(comparison[["optimizer_x", "optimizer_y"]].drop_duplicates().sort_values(
        ["optimizer_x", "optimizer_y"]).itertuples(index=False, name=None))
    size = STYLE["ytick.labelsize"]
    names = distinct_labels(optimizers, (2.6 - text_width(" vs ", size)) / 2, size)  # each name the same way
    labels = [f"{names[x]} vs {names[y]}" for x, y in pairs]
    used = [v for v in VERDICT_STYLE if v in set(comparison["verdict"])]
    legend = [VERDICT_STYLE[v][0] for v in used] + ["0.5: no difference"]
    left = max(text_width(label, size) for label in labels) + 0.2
    rows = len(pairs)
    y = Scale(-0.6, rows - 0.4, ticks=tuple(range(rows)), labels=tuple(reversed(labels)))  # first pair on top
    x = linear_scale(0.0, 1.0, ticks=[0, 0.25, 0.5, 0.75, 1], formatter=lambda v: f"{v:g}")
    panels = Panels(len(budgets), title=COMPARISON_TITLE, legend_labels=legend, panel_width=1.7,
                    panel_height=ROW_HEIGHT * rows + 0.2, columns=min(len(budgets), 4), gap_x=0.2,
                    left=left, right=0.2)
    row_of = {pair: rows - 1 - i for i, pair in enumerate(pairs)}
    for i, budget in enumerate(budgets):
        panel = panels.panel(i, x, y, title=f"budget {_millions(budget)} input tokens", grid="x",
                             yticklabels=panels.first_column(i))
        panel.segments([[(0.5, y.low), (0.5, y.high)]], **HALF_STYLE)
        at = comparison[comparison["budget_tokens"] == budget]
        for row in at.itertuples(index=False):
            position = row_of[(row.optimizer_x, row.optimizer_y)]
            if row.tasks == 0:
                panel.text(0.5, (position - y.low) / (y.high - y.low), "no common task", ha="center", va="center",
                           color="0.4", fontsize=6.5, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
                continue
            color = VERDICT_STYLE[row.verdict][1]
            panel.segments([[(row.p_ci_low, position), (row.p_ci_high, position)]], color=color, linewidth=1.6)
            panel.markers([row.p_improvement], [position], marker="o", markersize=4.5, color=color,
                          markeredgecolor=color)
    panels.xlabel("P(X > Y)")
    handles = [Line2D([], [], color=VERDICT_STYLE[v][1], marker="o", markersize=4.5, linewidth=1.6)
               for v in used] + [Line2D([], [], **HALF_STYLE)]
    return panels.finish(handles, legend)
