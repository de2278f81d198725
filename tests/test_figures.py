"""Every figure fits any number of datasets: drawn for 1, 2, 5 and 40 datasets of synthetic data
shaped like the real artifacts (models missing from some datasets, a single seed, names with
``$``, long names, a router dataset without a baseline), each text and legend lies inside the
figure, texts do not overlap, and every line, band and marker drawn has a legend entry.

Figures are built and drawn on the Agg canvas, never saved (``plotting.save_figure`` is
checked once, for its bytes and its PNG resolution).
"""

from __future__ import annotations

import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from llmcost import fonts, plotting
from llmcost.optimization_figures import optimizer_comparison_figure, score_vs_tokens_figure
from llmcost.optimizer_comparison import optimizer_comparison
from llmcost.outputs import to_jsonable
from llmcost.routing import cost_model, dataset_summary, exact_curves, keep_orders, sweeps
from llmcost.routing_figures import cost_performance_figure, delta_ibc_figure
from llmcost.routing_comparison import across_datasets, comparison_frame, dataset_comparison
from llmcost.routing_metric_figures import pgr_figure, routing_comparison_figure
from llmcost.routing_resampling import bootstrap_metrics, dataset_metrics
from llmcost.token_figures import RANGE_LABEL, token_cumulative_figure, token_usage_figure
from llmcost.tokens import cumulative_input
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.text import Text

COUNTS = [1, 2, 5, 40]
MODELS = ["llama", "mistral", "qwen", "gpt$4o"]
BUDGETS = [1e6, 3e6, 5e6]


def dataset_names(count: int) -> list[str]:
    """Ordinary names, one with ``$`` and one long, as the real data could have."""
    names = [f"dataset{i:02d}" for i in range(count)]
    if count >= 2:
        names[1] = "cost$100"
    if count >= 5:
        names[4] = "a_rather_long_dataset_name_of_a_benchmark_suite"
    return names


def models_of(i: int) -> list[str]:
    """Dataset 0 lacks the first model (the old legend came from the first panel only); every
    third dataset lacks another."""
    missing = {0: {"llama"}}.get(i, {MODELS[i % len(MODELS)]} if i % 3 == 2 else set())
    return [model for model in MODELS if model not in missing]


# --- synthetic data, shaped like the artifacts ------------------------------------------------

def token_runs(count: int) -> pd.DataFrame:
    """One row per run (tokens/runs.csv); meta tokens of some cells vary more than their mean
    (as copa's do), one cell has a single seed."""
    rng = np.random.default_rng(count)
    rows = []
    for i, dataset in enumerate(dataset_names(count)):
        for model in models_of(i):
            seeds = 1 if (i, model) == (0, "qwen") else 3 if model == "mistral" else 5
            for optimizer in ("CAPO", "EvoPromptGA"):
                for seed in range(seeds):
                    meta = rng.lognormal(11, 2.0 if i % 2 else 0.3)
                    rows.append({"dataset": dataset, "model": model, "optimizer": optimizer, "seed": 42 + seed,
                                 "run": f"{dataset}/{model}/{optimizer}/seed{seed}", "steps": 40,
                                 "input_tokens_meta_llm": round(meta), "output_tokens_meta_llm": round(meta / 3),
                                 "input_tokens_downstream_llm": round(rng.normal(5e6, 2e5)),
                                 "output_tokens_downstream_llm": round(rng.lognormal(13.5, 0.5))})
    return pd.DataFrame(rows)


def token_steps(count: int) -> pd.DataFrame:
    """Per-step input tokens of runs of different lengths (intermediate/steps/*.parquet)."""
    rng = np.random.default_rng(count)
    frames = []
    for i, dataset in enumerate(dataset_names(count)):
        for model in models_of(i):
            for seed in range(3):
                steps = int(rng.integers(5, 60))
                frames.append(pd.DataFrame({
                    "dataset": dataset, "model": model, "optimizer": "CAPO", "run": f"{dataset}/{model}/{seed}",
                    "step": np.arange(1, steps + 1),
                    "input_tokens_meta_llm": rng.integers(500, 3000, steps),
                    "input_tokens_downstream_llm": rng.integers(50_000, 200_000, steps)}))
    return pd.concat(frames, ignore_index=True)


def score_curve(count: int) -> pd.DataFrame:
    """optimization/score_curve.parquet: per (dataset, model, optimizer) a mean score at each
    cumulative token count; some lines start with fewer seeds, end before the last budget or
    run past it; OPRO only in the last dataset."""
    rng = np.random.default_rng(count)
    rows = []
    names = dataset_names(count)
    for i, dataset in enumerate(names):
        optimizers = ["CAPO", "EvoPromptGA"] + (["OPRO"] if i == len(names) - 1 else [])
        for model in models_of(i):
            for k, optimizer in enumerate(optimizers):
                end = [4.2e6, 6.5e6, 5e6][k % 3]
                tokens = np.sort(rng.uniform(2e5, end, 120))
                score = 60 + 10 * k + np.cumsum(rng.normal(0.05, 0.4, len(tokens)))
                n_runs = np.where(np.arange(len(tokens)) < 3, 1, 3)
                rows.append(pd.DataFrame({"dataset": dataset, "model": model, "optimizer": optimizer,
                                          "cumulative_input_tokens": tokens.round(), "n_runs": n_runs,
                                          "test_score_mean_pct": score,
                                          "test_score_std_pct": np.where(n_runs > 1, rng.uniform(0.5, 3, len(tokens)),
                                                                         np.nan)}))
    return pd.concat(rows, ignore_index=True)


def router_queries(n: int, seed: int, swapped: bool = False) -> pd.DataFrame:
    """Merged per-query columns (as benchmarks/synth_router.py): scores that track the small
    model's errors; ``swapped``: the large model is the worse one (no baseline)."""
    rng = np.random.default_rng(seed)
    uncertainty = rng.gamma(1.2, 0.25, n)
    p_correct = 1 / (1 + np.exp(4 * (uncertainty - 0.35)))
    perf_slm = (rng.random(n) < p_correct).astype(float)
    perf_llm = (rng.random(n) < np.clip(p_correct + 0.2, 0, 0.95)).astype(float)
    if swapped:
        perf_slm, perf_llm = perf_llm, perf_slm
    return pd.DataFrame({"avg_logp": -uncertainty,
                         "avg_entropy_nats": np.clip(1.6 * uncertainty + rng.normal(0, 0.08, n), 0, None),
                         "slm_confidence": np.clip(np.round(4 * p_correct + rng.normal(0, 0.7, n)), 0, 3) / 4,
                         "perf_slm": perf_slm, "perf_llm": perf_llm})


ROUTING_COSTS = cost_model({"slm": 1, "llm": 20, "verifier": 4})


@pytest.fixture(scope="module")
def router_datasets():
    """Three distinct datasets' sweep outputs (curve, sweeps, summary, metrics), the third
    without a baseline; figures of more datasets repeat them under other names."""
    results = []
    for seed, swapped in ((0, False), (1, False), (2, True)):
        frame = router_queries(300, seed, swapped)
        orders = keep_orders(frame)
        swept = sweeps(frame, ROUTING_COSTS, 9, "linear", [0.25, 0.5, 0.75], orders)
        summary = dataset_summary("x", frame, {"rows": len(frame), "generated_text_equals_slm_pred": 0},
                                  ROUTING_COSTS, swept, 0.05)
        metrics = to_jsonable(dataset_metrics(frame, 0.05, holdout={"splits": 3},
                                              bootstrap={"resamples": 20, "seed": 0}))
        results.append((exact_curves(frame, ROUTING_COSTS, orders), swept, summary, metrics))
    return results


def routing_inputs(router_datasets, count: int):
    chosen = {name: router_datasets[i % len(router_datasets)] for i, name in enumerate(dataset_names(count))}
    curves = {name: value[0] for name, value in chosen.items()}
    swept = {name: value[1] for name, value in chosen.items()}
    summaries = {name: {**value[2], "dataset": name} for name, value in chosen.items()}
    metrics = {name: value[3] for name, value in chosen.items()}
    return curves, swept, summaries, metrics


@pytest.fixture(scope="module")
def router_comparisons():
    """The paired router comparison of three distinct datasets (as ``router_datasets``: the third
    without a baseline); figures of more datasets repeat them under other names."""
    results = []
    for seed, swapped in ((0, False), (1, False), (2, True)):
        frame = router_queries(300, seed, swapped)
        resampled = bootstrap_metrics(frame, 0.05, 20, 0, ROUTING_COSTS)
        metrics = dataset_metrics(frame, 0.05, {"splits": 0}, {"resamples": 20, "seed": 0}, ROUTING_COSTS,
                                  resampled=resampled)
        results.append(to_jsonable(dataset_comparison(metrics, resampled, ROUTING_COSTS)))
    return results


def comparison_table(router_comparisons, names) -> pd.DataFrame:
    """comparison.csv's table of datasets ``names``, each one of ``router_comparisons`` in turn."""
    by_dataset = {name: router_comparisons[i % len(router_comparisons)] for i, name in enumerate(names)}
    return comparison_frame(by_dataset, across_datasets(by_dataset))


# --- what every figure must satisfy -----------------------------------------------------------

def drawn_texts(fig) -> list[Text]:
    """The texts placed by the figure's code: the figure's own (``plotting.Panels`` draws every
    panel's titles, tick labels and axis labels onto the figure), each visible Axes' texts,
    titles and axis labels, and the legends' texts (an Axes' own tick labels are in its tight
    box)."""
    texts = [*fig.texts, *(text for legend in fig.legends for text in legend.get_texts())]
    for ax in fig.axes:
        if ax.get_visible():
            texts += [*ax.texts, ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
            if ax.get_legend():
                texts += ax.get_legend().get_texts()
    return [text for text in texts if text.get_visible() and text.get_text()]


def outside_the_figure(fig) -> list[str]:
    """The texts, legends and Axes (tight boxes: ticks and tick labels included) that reach
    outside the figure (after drawing it)."""
    fig.canvas.draw()
    renderer, bounds = fig.canvas.get_renderer(), fig.bbox
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in drawn_texts(fig)]
    boxes += [("legend", legend.get_window_extent(renderer)) for legend in fig.legends]
    boxes += [(f"axes {ax.get_title()!r}", ax.get_tightbbox(renderer)) for ax in fig.axes if ax.get_visible()]
    return [name for name, box in boxes
            if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > bounds.x1 + 0.5 or box.y1 > bounds.y1 + 0.5]


def overlapping_texts(fig) -> list[tuple[str, str]]:
    """Pairs of texts drawn outside the legends whose boxes overlap (after drawing)."""
    renderer = fig.canvas.get_renderer()
    in_legends = {id(text) for legend in fig.legends for text in legend.findobj(Text)}
    texts = [text for text in drawn_texts(fig) if id(text) not in in_legends]
    boxes = np.array([text.get_window_extent(renderer).extents for text in texts])
    x0, y0, x1, y1 = (boxes[:, k] for k in range(4))
    overlap = ((np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]) > 0.5)
               & (np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]) > 0.5))
    np.fill_diagonal(overlap, False)
    return [(texts[i].get_text(), texts[j].get_text()) for i, j in zip(*np.nonzero(np.triu(overlap)))]


_STYLES = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-."}


def _style(artist) -> str:
    style = artist.get_linestyle()
    if isinstance(style, list):  # a collection: (offset, dashes) per member
        style = style[0]
    if isinstance(style, tuple):
        return "-" if style[1] is None else str(style[1])
    return _STYLES.get(style, style)


def _rgb(color) -> tuple:
    return tuple(round(c, 3) for c in to_rgb(color))


def legend_entries(fig):
    """What the legends show: (colour, line style) of their lines, colours of their patches,
    (marker, colour) of their markers."""
    lines, patches, markers = set(), set(), set()
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        for artist in legend.findobj(lambda a: isinstance(a, (Line2D, LineCollection, Patch))):
            if isinstance(artist, Line2D):
                if artist.get_linestyle() not in ("None", "none", " ", ""):
                    lines.add((_rgb(artist.get_color()), _style(artist)))
                if artist.get_marker() not in ("None", "none", None, ""):
                    markers.add((str(artist.get_marker()), _rgb(artist.get_markeredgecolor())))
            elif isinstance(artist, LineCollection):
                lines.update((_rgb(c), _style(artist)) for c in artist.get_colors())
            elif artist.get_facecolor()[3] > 0 and artist is not legend.legendPatch:
                patches.add(_rgb(artist.get_facecolor()))
    return lines, patches, markers


def unlabelled(fig) -> list[str]:
    """Every line, band and marker drawn (on the panels' canvas or in an Axes) without a legend
    entry for it. A line is covered by an entry of its colour and style, or, where the legend
    lists colours and styles apart (a colour per model, a style per role), by one of each; a
    marker likewise by its shape and colour; a band or bar by a patch of its colour, or by a
    patch and a line of its colour."""
    lines, patches, markers = legend_entries(fig)
    colours, styles = {c for c, _ in lines} | {c for _, c in markers}, {s for _, s in lines}
    shapes = {m for m, _ in markers}
    missing = []

    def line(colour, style, what="line"):
        if (colour, style) not in lines and not (colour in colours and style in styles):
            missing.append(f"{what} {colour} {style}")

    def fill(colour):
        if colour not in patches and not (patches and colour in colours):
            missing.append(f"band {colour}")

    def marker(shape, colour):
        if (shape, colour) not in markers and not (shape in shapes and colour in colours):
            missing.append(f"marker {shape} {colour}")

    for ax in [*fig.axes, fig]:  # panels are drawn onto the figure itself (plotting.Panels)
        for artist in [*ax.lines, *(a for a in ax.artists if isinstance(a, Line2D))]:
            if artist.get_linestyle() not in ("None", "none", " ", ""):
                line(_rgb(artist.get_color()), _style(artist))
            if artist.get_marker() not in ("None", "none", None, ""):
                marker(str(artist.get_marker()), _rgb(artist.get_markeredgecolor()))
        for artist in getattr(ax, "collections", []):
            if isinstance(artist, LineCollection):
                for colour in artist.get_colors():
                    line(_rgb(colour), _style(artist))
            else:  # fill_between's and bars' polygons
                for colour in artist.get_facecolors():
                    fill(_rgb(colour))
        for artist in [*ax.patches, *(a for a in ax.artists if isinstance(a, Patch))]:
            if artist.get_gid() in ("frame", "grid"):
                continue
            if artist.get_fill() and artist.get_facecolor()[3] > 0:
                fill(_rgb(artist.get_facecolor()))
            elif artist.get_edgecolor()[3] > 0:
                line(_rgb(artist.get_edgecolor()), _style(artist))
    return sorted(set(missing))


def outside_the_panels(fig) -> list[str]:
    """The data drawn by ``plotting.Panels`` (in inches) that is neither inside a panel's box
    nor clipped to one (a whisker below a log axis, a curve past its limits)."""
    boxes = np.array(fig.panel_boxes)
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    outside = []
    for artist in fig.artists:
        if artist.get_gid() != "data" or artist.get_clip_box() is not None:
            continue
        points = (artist.get_path().vertices if isinstance(artist, PathPatch)
                  else np.column_stack([artist.get_xdata(), artist.get_ydata()]))
        tolerance = 1e-6
        inside = ((points[:, :1] >= x0 - tolerance) & (points[:, :1] <= x1 + tolerance)
                  & (points[:, 1:] >= y0 - tolerance) & (points[:, 1:] <= y1 + tolerance)).any(axis=1)
        if not inside.all():
            outside.append(f"{type(artist).__name__} {artist.get_label()} at {points[~inside][0]}")
    return outside


def assert_fits(fig) -> None:
    """The fit, overlap and legend checks, and the data within its panels."""
    assert outside_the_figure(fig) == []
    assert overlapping_texts(fig) == []
    assert unlabelled(fig) == []
    if hasattr(fig, "panel_boxes"):
        assert any(artist.get_gid() == "data" for artist in fig.artists)
        assert outside_the_panels(fig) == []


def check(fig, names) -> None:
    """``assert_fits``, and every dataset named in the figure."""
    try:
        assert_fits(fig)
        shown = " ".join(text.get_text() for text in drawn_texts(fig))
        assert all(plotting.plain(name) in shown or "…" in shown for name in names)
    finally:
        plt.close(fig)


# --- the six figures --------------------------------------------------------------------------

@pytest.mark.parametrize("count", COUNTS)
def test_token_usage_figure_fits(count):
    fig = token_usage_figure(token_runs(count), "CAPO")
    texts = [text.get_text() for text in drawn_texts(fig)]
    title = fig.get_suptitle().replace("\n", " ")
    assert "CAPO: tokens per run; bar = mean over 5 seeds (n = fewer where marked)" in title
    assert "qwen\nn=1" in texts  # a single seed
    assert ("llama\nno runs" in texts) == (count > 1)  # missing from the first dataset (in no other at 1)
    assert any(text.startswith("mistral\nn=3") for text in texts)
    check(fig, dataset_names(count))


@pytest.mark.parametrize("count", COUNTS)
def test_token_cumulative_figure_fits(count):
    fig = token_cumulative_figure(cumulative_input(token_steps(count), "CAPO"), "CAPO")
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    models = sorted({model for i in range(count) for model in models_of(i)})
    assert labels[:len(models)] == [plotting.plain(model) for model in models]  # llama lacks the first panel
    check(fig, dataset_names(count))


@pytest.mark.parametrize("count", COUNTS)
def test_score_vs_tokens_figure_fits(count):
    fig = score_vs_tokens_figure(score_curve(count), BUDGETS)
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert labels[:3] == ["CAPO", "EvoPromptGA", "OPRO"]  # OPRO only in the last panels
    assert {"token budgets", "±1 std over seeds", "before every seed's first step (fewer seeds)",
            "after the last step (final score carried)"} <= set(labels)
    texts = [text.get_text() for text in drawn_texts(fig)]
    assert {"1M", "3M", "5M"} <= set(texts)
    check(fig, dataset_names(count))


@pytest.mark.parametrize("count", COUNTS)
def test_delta_ibc_figure_fits(router_datasets, count):
    curves, swept, summaries, _ = routing_inputs(router_datasets, count)
    fig = delta_ibc_figure(curves, swept, summaries)
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert "unstable: under 5% routed" in labels
    check(fig, dataset_names(count))


@pytest.mark.parametrize("count", COUNTS)
def test_pgr_figure_fits(router_datasets, count):
    *_, metrics = routing_inputs(router_datasets, count)
    check(pgr_figure(metrics), dataset_names(count))


@pytest.mark.parametrize("count", COUNTS)
def test_cost_performance_figure_fits(router_datasets, count):
    """A figure per dataset: each of the datasets' figures fits."""
    curves, swept, summaries, _ = routing_inputs(router_datasets, count)
    for name in list(summaries)[-2:]:  # the last two: every kind of name at 5 datasets
        check(cost_performance_figure(curves[name], swept[name], summaries[name]), [])


def test_delta_ibc_curves_that_leave_the_panel_are_marked_at_its_edge(router_datasets):
    curves, swept, summaries, _ = routing_inputs(router_datasets, 2)
    fig = delta_ibc_figure(curves, swept, summaries)
    try:
        labels = [text.get_text() for text in fig.legends[0].get_texts()]
        assert "curve leaves the panel below" in labels or "curve leaves the panel above" in labels
        clipped = [patch for patch in fig.artists if isinstance(patch, PathPatch) and patch.get_gid() == "data"
                   and patch.get_clip_on() and not patch.get_fill()]
        assert clipped and all(patch.get_clip_box() is not None for patch in clipped)
    finally:
        plt.close(fig)


# --- the plotting helpers ---------------------------------------------------------------------

def test_text_width_is_never_narrower_than_the_rendered_text():
    plotting.use_style()
    fig = plt.figure()
    renderer = fig.canvas.get_renderer()
    try:
        for text in ["dataset00, model0", "WWW mmm", "a_rather_long_dataset_name", "cost$100", "ΔIBC (%)", "…"]:
            drawn = fig.text(0, 0, plotting.plain(text), fontsize=7).get_window_extent(renderer).width / fig.dpi
            estimate = plotting.text_width(plotting.plain(text), 7)
            assert drawn - 0.01 <= estimate <= 1.15 * drawn + 0.01
    finally:
        plt.close(fig)


def test_wrap_and_elide_keep_within_the_width():
    title = "A title that is far too long for a figure of a single small panel, with many words"
    assert all(plotting.text_width(line, 9) <= 3.0 for line in plotting.wrap(title, 3.0, 9).split("\n"))
    short = plotting.elide("a_rather_long_dataset_name_of_a_benchmark_suite, mistral", 1.8, 9)
    assert "…" in short and plotting.text_width(short, 9) <= 1.8
    assert plotting.elide("copa", 1.8, 9) == "copa"


def test_legend_shape_fits_the_width():
    plotting.use_style()
    labels = ["Log-probability: all thresholds"] * 7
    columns, rows = plotting.legend_shape(labels, 4.0)
    assert columns * rows >= len(labels)
    fig = plt.figure(figsize=(4.2, 2))
    try:
        legend = fig.legend([Line2D([], [])] * len(labels), labels, ncol=columns, frameon=False, loc="center")
        fig.canvas.draw()
        assert legend.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi <= 4.0
    finally:
        plt.close(fig)


def test_save_figure_is_byte_stable_and_keeps_the_png_under_its_pixel_budget(tmp_path):
    plotting.use_style()
    small = plt.figure(figsize=(2, 1))
    small.text(0.5, 0.5, "x")
    assert plotting.png_dpi(small) == 200
    big = plt.figure(figsize=(11, 70))
    assert plotting.png_dpi(big) ** 2 * 11 * 70 <= plotting.MAX_PNG_PIXELS
    plt.close(big)
    plt.close(small)
    outputs = []
    for attempt in range(2):  # a figure of panels, made and saved twice
        fig = score_vs_tokens_figure(score_curve(2), BUDGETS)
        plotting.save_figure(fig, tmp_path / f"{attempt}.pdf", tmp_path / f"{attempt}.png")
        outputs.append(((tmp_path / f"{attempt}.pdf").read_bytes(), (tmp_path / f"{attempt}.png").read_bytes()))
    assert outputs[0] == outputs[1]


def test_step_envelope_is_exact_for_few_steps_and_covers_every_step_for_many():
    x, low = np.arange(6.0), np.array([0, 1, 0, 2, 1, 3.0])
    ex, elow, ehigh = plotting.step_envelope(x, low, low + 1, 10)
    assert list(ex) == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5] and list(elow) == [0, 0, 1, 1, 0, 0, 2, 2, 1, 1, 3]
    x = np.sort(np.random.default_rng(0).uniform(0, 100, 1000))
    low = np.random.default_rng(1).normal(size=1000)
    ex, elow, ehigh = plotting.step_envelope(x, low, low + 0.5, 50)
    assert len(ex) == 100
    column = np.minimum(np.searchsorted(np.linspace(x[0], x[-1], 51), x, side="right") - 1, 49)
    assert (elow[2 * column] <= low + 1e-12).all() and (ehigh[2 * column] >= low + 0.5 - 1e-12).all()


def test_score_figure_without_any_test_score_says_so():
    fig = score_vs_tokens_figure(score_curve(1).iloc[:0], BUDGETS)
    try:
        assert [text.get_text() for text in fig.texts] == ["No run has a test score: nothing to plot."]
    finally:
        plt.close(fig)


OPTIMIZER_NAMES = ["CAPO", "EvoPromptGA", "OPRO", "PromptWizard", "cost$100", "a_rather_long_optimizer_name_of_a_suite"]


def comparison_runs(optimizers: int) -> pd.DataFrame:
    """runs.csv's score columns for ``optimizers`` optimizers on 4 datasets x 3 models x 3 seeds;
    the last optimizer has no score at the smallest budget (no common task there)."""
    rng = np.random.default_rng(optimizers)
    rows = []
    for k, optimizer in enumerate(OPTIMIZER_NAMES[:optimizers]):
        for dataset in range(4):
            for model in range(3):
                for seed in range(3):
                    scores = {f"test_score_pct_at_{b:.0f}": round(60 + 2 * k + rng.normal(0, 3), 1) for b in BUDGETS}
                    if k == optimizers - 1 and optimizers > 2:
                        scores["test_score_pct_at_1000000"] = np.nan
                    rows.append({"dataset": f"d{dataset}", "model": f"m{model}", "optimizer": optimizer, "seed": seed,
                                 **scores})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("optimizers", [2, 3, 6])
def test_optimizer_comparison_figure_fits(optimizers):
    runs = comparison_runs(optimizers)
    comparison = optimizer_comparison(runs, BUDGETS, 100, 0)
    fig = optimizer_comparison_figure(comparison, sorted(runs["optimizer"].unique()))
    texts = [text.get_text() for text in drawn_texts(fig)]
    pairs = optimizers * (optimizers - 1) // 2
    panel_rows = len({y0 for _, y0, _, _ in fig.panel_boxes})  # budgets wrap to fit the text width
    assert sum(" vs " in text for text in texts) == pairs * panel_rows  # labels on each row's first panel only
    assert texts.count("no common task") == (optimizers - 1 if optimizers > 2 else 0)
    assert len(fig.panel_boxes) == len(BUDGETS)
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert labels[-1] == "0.5: no difference"
    check(fig, [])


def test_optimizer_comparison_figure_with_one_optimizer_says_so():
    fig = optimizer_comparison_figure(optimizer_comparison(comparison_runs(1), BUDGETS, 10, 0), ["CAPO"])
    try:
        assert [text.get_text() for text in fig.texts] == ["One optimizer (CAPO): no pair of optimizers to compare."]
    finally:
        plt.close(fig)


def test_token_usage_figure_of_single_seeds_promises_no_whisker():
    """From the new-user trial: with one seed per cell the title and legend named a whisker that
    no panel draws."""
    runs = token_runs(2)
    fig = token_usage_figure(runs[runs["seed"] == 42], "CAPO")
    try:
        texts = [text.get_text() for text in drawn_texts(fig)]
        assert not any("whisker" in text or RANGE_LABEL in text for text in texts), texts
        assert any("bar = mean over 1 seed" in text for text in texts), texts
    finally:
        plt.close(fig)
    fig = token_usage_figure(runs, "CAPO")
    try:
        assert any(f"whisker = {RANGE_LABEL}" in text.get_text() for text in drawn_texts(fig))
        assert RANGE_LABEL in [text.get_text() for text in fig.legends[0].get_texts()]
    finally:
        plt.close(fig)


def test_score_figure_of_single_seeds_promises_no_band():
    """With one seed per line the legend named a ±1 std band that no panel draws."""
    from llmcost.optimization_figures import BAND_LABEL
    curve = score_curve(2)
    for seeds, shown in ((1, False), (3, True)):
        fig = score_vs_tokens_figure(curve.assign(n_runs=1, test_score_std_pct=np.nan) if seeds == 1 else curve,
                                     BUDGETS)
        try:
            assert (BAND_LABEL in [text.get_text() for text in fig.legends[0].get_texts()]) == shown
        finally:
            plt.close(fig)


def test_a_figure_saves_as_pdf_and_png():
    fig = token_usage_figure(token_runs(2), "CAPO")
    pdf, png = io.BytesIO(), io.BytesIO()
    fig.savefig(pdf, format="pdf")
    fig.savefig(png, format="png", dpi=plotting.png_dpi(fig))
    plt.close(fig)
    assert pdf.getvalue().startswith(b"%PDF") and png.getvalue().startswith(b"\x89PNG")


# --- captions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("count", COUNTS)
def test_routing_comparison_figure_fits(router_comparisons, count):
    table = comparison_table(router_comparisons, dataset_names(count))
    fig = routing_comparison_figure(table)
    texts = [text.get_text() for text in drawn_texts(fig)]
    assert ("mean of %d" % count in texts) == (count > 1)  # a mean row only where it is one of several
    assert ("n/a" in texts) == (count > 2)  # the third dataset has no baseline: APGR and best delta_IBC undefined
    check(fig, dataset_names(count))


def test_routing_comparison_figure_colours_each_interval_by_its_verdict(router_comparisons):
    table = comparison_table(router_comparisons, ["a", "b"])
    fig = routing_comparison_figure(table)
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    said = set(table["verdict"])
    assert ("first router better (interval above 0)" in labels) == any(
        r.verdict == f"{r.router_a} better" for r in table.itertuples())
    assert ("not distinguishable (interval contains 0)" in labels) == ("not distinguishable" in said)
    assert "no verdict (AIQ; best values across datasets)" in labels and "mean over datasets" in labels
    plt.close(fig)


CAPTIONS = {  # caption: (the rule's params, input, wildcards)
    "token_usage_figure": ({"optimizer": "CAPO"}, {"runs": "r.csv"}, {}),
    "token_cumulative": ({"optimizer": "CAPO"}, {"steps": ["a.parquet", "b.parquet"]}, {}),
    "score_vs_tokens": ({"budgets": [1000000, 3000000, 5000000]}, {"curve": "c.parquet"}, {}),
    "routing_figure": ({}, {"curve": "c.csv"}, {"dataset": "qasper_short"}),
    "routing_delta_ibc": ({}, {"summaries": ["a.json", "b.json", "c.json"]}, {}),
    "routing_pgr": ({"bootstrap": {"resamples": 1000, "seed": 0}}, {"metrics": ["a.json", "b.json"]}, {}),
    "optimizer_comparison_figure": ({"comparison": {"resamples": 2000, "permutations": 2000, "seed": 0}},
                                    {"comparison": "c.csv"}, {}),
    "routing_comparison_figure": ({"bootstrap": {"resamples": 1000, "seed": 0}},
                                  {"comparisons": ["a.json", "b.json", "c.json"]}, {}),
}
#: what discovery found (discovery.runs_found), a param of the token and optimization rules
FOUND = {"found": {"runs": 45, "datasets": ["agnews", "copa", "gsm8k", "sst-5", "subj"],
                   "models": ["llama", "mistral", "qwen"], "optimizers": ["CAPO", "EvoPromptGA"],
                   "seeds": [42, 43, 44], "seeds_per_cell": [3, 3]}}


def render_caption(name: str, extra_params: dict) -> str:
    """The caption as Snakemake's report renders it (Jinja with the job's ``snakemake``),
    then as HTML by docutils, which fails on any RST error."""
    import types

    import yaml
    from conftest import REPO
    from docutils.core import publish_parts
    from jinja2 import Environment
    from snakemake.iocontainers import Namedlist

    params, inputs, wildcards = CAPTIONS[name]
    snakemake = types.SimpleNamespace(
        params=Namedlist(fromdict={**params, **extra_params}), input=Namedlist(fromdict=inputs),
        wildcards=Namedlist(fromdict=wildcards), config=yaml.safe_load((REPO / "config.yaml").read_text()))
    text = Environment(trim_blocks=True, lstrip_blocks=True).from_string(
        (REPO / "workflow" / "report" / f"{name}.rst").read_text()).render(snakemake=snakemake)
    publish_parts(text, writer="html", settings_overrides={"halt_level": 2, "report_level": 5})
    return text


@pytest.mark.parametrize("name", CAPTIONS)
def test_captions_state_values_not_config_keys(name):
    text = render_caption(name, FOUND)
    assert "{" not in text and "}" not in text and "table_optimizer" not in text
    assert "routing.costs" not in text and "min_routed_share" not in text
    expected = {"token_usage_figure": ["CAPO", "minimum to their maximum"],
                "token_cumulative": ["CAPO", "(2)", "minimum to maximum"],
                "score_vs_tokens": ["1,000,000, 3,000,000, 5,000,000 tokens"],
                "routing_figure": ["qasper_short", "small model 1.0", "costs 5.0", "model 25.0", "9 thresholds",
                                   "0.25, 0.5, 0.75"],
                "routing_delta_ibc": ["(3)", "below\n5 %", "answer 5.0", "model\n25.0"],
                "routing_pgr": ["1000 bootstrap", "(2)"],
                "optimizer_comparison_figure": ["CAPO, EvoPromptGA", "2000 resamples", "seed 0",
                                                "2000\npermutations"],
                "routing_comparison_figure": ["(3)", "1000 resamples", "seed 0", "mean over datasets"]}[name]
    assert all(value in text for value in expected), text
    if name in ("token_usage_figure", "token_cumulative", "score_vs_tokens"):
        assert "45 runs" in text and "42, 43, 44" in text


# --- names in other scripts -------------------------------------------------------------------

CJK_NAMES = ["データセット", "数据集"]


def cjk_runs() -> pd.DataFrame:
    """Token runs of two datasets and a model named in Japanese and Chinese."""
    runs = token_runs(2)
    runs["dataset"] = runs["dataset"].map(dict(zip(dataset_names(2), CJK_NAMES)))
    runs["model"] = runs["model"].replace({"qwen": "通义千问"})
    return runs


@pytest.fixture
def font_warnings():
    """The llmcost logger's warnings, with fonts looked up anew before and after."""
    import logging
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("llmcost")
    logger.addHandler(handler)
    fonts.forget()
    yield records
    logger.removeHandler(handler)
    fonts.forget()


def saved(fig) -> tuple[bytes, bytes]:
    """The figure's PDF and PNG bytes, as ``save_figure`` writes them."""
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as folder:
        plotting.save_figure(fig, Path(folder) / "f.pdf", Path(folder) / "f.png")
        return (Path(folder) / "f.pdf").read_bytes(), (Path(folder) / "f.png").read_bytes()


def test_a_name_no_installed_font_draws_is_warned_about_once_and_matplotlib_is_quiet(font_warnings, monkeypatch):
    import warnings
    monkeypatch.setattr(fonts, "FALLBACKS", ())  # as on a machine without fonts-noto-cjk
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):  # two figures of the same names
            saved(token_usage_figure(cjk_runs(), "CAPO"))
            saved(token_cumulative_figure(cumulative_input(token_steps(2), "CAPO"), "CAPO"))
    assert [w for w in caught if "Glyph" in str(w.message)] == []
    warned = [record.getMessage() for record in font_warnings]
    assert len(warned) == 3, warned  # one per name: two datasets, one model
    for name in [*CJK_NAMES, "通义千问"]:
        assert sum(repr(name) in message for message in warned) == 1
    assert all("fonts-noto-cjk" in message for message in warned)


@pytest.fixture
def cjk_font():
    """The installed font for Chinese and Japanese names (scripts/ensure_fonts.sh installs it):
    skipped saying so where there is none, failed under CI."""
    import os
    fonts.forget()
    found = [family for family in fonts.families() if "CJK" in family]
    if not found:
        message = "no Noto Sans CJK font is installed: sudo apt-get install fonts-noto-cjk (make test does)"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    return found[0]


def test_names_in_chinese_and_japanese_draw_with_the_installed_fallback(cjk_font, font_warnings, monkeypatch):
    import warnings
    from matplotlib import font_manager
    # installed after matplotlib cached its font list: found all the same
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [e for e in font_manager.fontManager.ttflist if "CJK" not in e.name])
    fonts.forget()
    assert cjk_font not in fonts.families()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = token_usage_figure(cjk_runs(), "CAPO")
        assert cjk_font in fonts.families() and cjk_font in plt.rcParams["font.family"]
        texts = [text.get_text() for text in drawn_texts(fig)]
        pdf, _ = saved(fig)
    assert [w for w in caught if "Glyph" in str(w.message)] == [] and font_warnings == []
    assert set(CJK_NAMES) <= set(texts)
    assert b"NotoSansCJK" in pdf and b"DejaVuSans" in pdf  # both fonts embedded, each for its glyphs
    fig = plt.figure()
    try:  # the layout's width estimate holds for the fallback's glyphs
        text = fig.text(0, 0, "データセット 数据集", fontsize=7)
        drawn = text.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi
        assert drawn - 0.01 <= plotting.text_width("データセット 数据集", 7) <= 1.15 * drawn + 0.01
    finally:
        plt.close(fig)


def test_figures_of_names_dejavu_sans_draws_are_the_same_bytes_with_or_without_fallbacks(monkeypatch):
    """The fallbacks are consulted only for glyphs DejaVu Sans lacks: installing them changes
    no figure of the bundled data's names (DejaVu Sans Mono and Serif, bundled with matplotlib,
    stand in where no Noto font is installed)."""
    def figures():
        fonts.forget()
        return [saved(token_usage_figure(token_runs(5), "CAPO")),
                saved(score_vs_tokens_figure(score_curve(2), BUDGETS))]
    try:
        monkeypatch.setattr(fonts, "FALLBACKS", ())
        alone = figures()
        monkeypatch.setattr(fonts, "FALLBACKS", (("DejaVu Sans Mono",), ("DejaVu Serif",), *fonts.FALLBACKS))
        with_fallbacks = figures()
        assert len(fonts.families()) >= 3
    finally:
        monkeypatch.undo()
        fonts.forget()
    assert alone == with_fallbacks


# --- names that differ in the middle stay distinguishable -----------------------------------------

#: BIG-Bench Hard tasks: names that share their start and end
BBH_TASKS = ["logical_deduction_three_objects", "logical_deduction_five_objects", "logical_deduction_seven_objects",
             "tracking_shuffled_objects_three_objects", "tracking_shuffled_objects_five_objects",
             "tracking_shuffled_objects_seven_objects"]
#: Hugging Face model ids in their folder-safe form (the '/' as "__", docs/own-data.md)
HF_MODELS = ["meta-llama__Meta-Llama-3.1-70B-Instruct-Turbo", "meta-llama__Meta-Llama-3.1-8B-Instruct-Turbo",
             "meta-llama__Meta-Llama-3.1-405B-Instruct-Turbo", "Qwen__Qwen2.5-72B-Instruct-Turbo"]
#: optimizers named by the model they ran with
HF_OPTIMIZERS = ["CAPO", "EvoPromptGA", "PromptWizard__meta-llama__Meta-Llama-3.1-70B-Instruct-Turbo",
                 "PromptWizard__meta-llama__Meta-Llama-3.1-8B-Instruct-Turbo"]


def with_long_names(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (of 6 synthetic datasets) with its datasets and models renamed to BBH_TASKS and HF_MODELS."""
    return frame.assign(dataset=frame["dataset"].map(dict(zip(dataset_names(6), BBH_TASKS))),
                        model=frame["model"].map(dict(zip(MODELS, HF_MODELS))))


def could_shorten(label: str, name: str) -> bool:
    """Whether ``label`` could be ``name`` shortened: its parts between ellipses appear in ``name`` in
    order, the first at its start unless the label starts with an ellipsis, the last at its end unless
    it ends with one."""
    parts = label.split("…")
    if len(parts) == 1:
        return label == name
    if not (name.startswith(parts[0]) and name.endswith(parts[-1])) or len(parts[0]) + len(parts[-1]) > len(name):
        return False
    at = len(parts[0])
    for part in parts[1:-1]:
        found = name.find(part, at, len(name) - len(parts[-1]))
        if found < 0:
            return False
        at = found + len(part)
    return True


def labels_in(fig) -> list[str]:
    """The figure's texts cut into the pieces a name can be: lines, "a, b" and "x vs y" split."""
    return [piece.strip(",") for text in drawn_texts(fig) for line in text.get_text().split("\n")
            for piece in re.split(r", | vs ", line) if piece.strip(",")]


def assert_names_told_apart(fig, roles: dict, pdftotext, tmp_path) -> None:
    """For each role's names ({role: names}, or {role: (names shown, names they are told apart
    from)}): every name has a label in the figure, a label it could be a shortening of and no other
    name of its role could, and that label is in the PDF's text (the figure saved by
    ``plotting.save_figure``, read by pdftotext)."""
    import subprocess
    pieces = labels_in(fig)
    plotting.save_figure(fig, tmp_path / "f.pdf", tmp_path / "f.png")
    pdf = re.sub(r"\s", "", subprocess.run([pdftotext, str(tmp_path / "f.pdf"), "-"], capture_output=True,
                                           text=True, check=True).stdout)
    for role, names in roles.items():
        shown, among = names if isinstance(names, tuple) else (names, names)
        for name in shown:
            labels = {piece for piece in pieces if could_shorten(piece, name)}
            assert labels, f"{role} {name}: no label in {sorted(set(pieces))}"
            for label in labels:
                others = [other for other in among if other != name and could_shorten(label, other)]
                assert others == [], f"{role} label {label!r} of {name} could be {others}"
                assert re.sub(r"\s", "", label) in pdf, f"{role} label {label!r} not in the PDF's text"


def test_distinct_labels_keep_the_part_that_tells_names_apart():
    plotting.use_style()
    for names, width, kept in [(HF_MODELS, 1.2, ["70B", "8B", "405B", "Qwen"]),
                               (BBH_TASKS, 1.0, ["three", "five", "seven"] * 2)]:
        labels = plotting.distinct_labels(names, width, 9)
        assert len(set(labels.values())) == len(names)
        for (name, label), part in zip(labels.items(), kept):
            assert "…" in label and plotting.text_width(label, 9) <= width, label
            assert part in label and could_shorten(label, name), (name, label)
    # before: start and end around the ellipsis, the same for names that differ in the middle
    assert plotting.elide(HF_MODELS[0], 1.2, 9) == plotting.elide(HF_MODELS[1], 1.2, 9)
    assert plotting.distinct_labels(["copa", "gpt$4o"], 1.2, 9) == {"copa": "copa", "gpt$4o": r"gpt\$4o"}


def long_name_figures(router_datasets):
    """Every figure drawn with BBH tasks as datasets and Hugging Face ids as models: (name, figure,
    the roles whose names it shows)."""
    tasks, models = {"datasets": BBH_TASKS}, {"models": HF_MODELS}
    curve = with_long_names(score_curve(6))
    curves, swept, summaries, metrics = routing_inputs(router_datasets, 6)
    renamed = dict(zip(dataset_names(6), BBH_TASKS))
    curves, swept, metrics = ({renamed[k]: v for k, v in d.items()} for d in (curves, swept, metrics))
    summaries = {renamed[k]: {**v, "dataset": renamed[k]} for k, v in summaries.items()}
    runs = comparison_runs(4).replace({"optimizer": dict(zip(OPTIMIZER_NAMES, HF_OPTIMIZERS))})
    yield "token usage", token_usage_figure(with_long_names(token_runs(6)), "CAPO"), {**tasks, **models}
    yield "token cumulative", token_cumulative_figure(cumulative_input(with_long_names(token_steps(6)), "CAPO"),
                                                      "CAPO"), {**tasks, **models}
    yield "score, a panel per dataset and model", score_vs_tokens_figure(curve, BUDGETS), {**tasks, **models}
    yield ("score, a row per dataset", score_vs_tokens_figure(curve[curve["model"].isin(HF_MODELS[:3])], BUDGETS),
           {**tasks, "models": HF_MODELS[:3]})
    yield "delta IBC", delta_ibc_figure(curves, swept, summaries), tasks
    yield "PGR", pgr_figure(metrics), tasks
    for task in BBH_TASKS[1::3]:  # a figure per dataset: its title tells it apart from the others
        yield (f"cost and performance of {task}", cost_performance_figure(curves[task], swept[task], summaries[task]),
               {"datasets": ([task], BBH_TASKS)})
    yield ("optimizer comparison", optimizer_comparison_figure(optimizer_comparison(runs, BUDGETS, 20, 0),
                                                               HF_OPTIMIZERS), {"optimizers": HF_OPTIMIZERS})


def test_every_figure_tells_hugging_face_ids_and_big_bench_hard_tasks_apart(router_datasets, pdftotext, tmp_path):
    """Figures shortened names to start + "…" + end: ``…-3.1-70B-Instruct-Turbo`` and ``…-8B-…``, or
    ``logical_deduction_three_objects`` and ``…_five_…``, got the same panel title."""
    for name, fig, roles in long_name_figures(router_datasets):
        folder = tmp_path / re.sub(r"\W", "_", name)
        folder.mkdir()
        assert_fits(fig)  # every text inside, none overlapping, a legend entry for each line
        assert_names_told_apart(fig, roles, pdftotext, folder)


def test_dejavu_sans_is_always_matplotlibs_own_copy(tmp_path, monkeypatch):
    """A system DejaVu Sans (Debian's fonts-dejavu-core, which TeX and Chromium bring in) is another
    build whose embedded subsets differ: the figures use matplotlib's own files whatever the shared
    font list names, also when it names no bundled copy at all."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    system_copy = tmp_path / "DejaVuSans.ttf"
    system_copy.write_bytes((fonts.BUNDLED / "DejaVuSans.ttf").read_bytes())
    others = [entry for entry in manager.ttflist if entry.name != fonts.PRIMARY]
    monkeypatch.setattr(manager, "ttflist", others + [font_manager.FontEntry(fname=str(system_copy),
                                                                             name=fonts.PRIMARY)])
    font_manager.FontManager._findfont_cached.cache_clear()
    fonts.forget()
    try:
        assert fonts.families()[0] == fonts.PRIMARY
        for weight in ("normal", "bold"):
            path = font_manager.findfont(font_manager.FontProperties(family=fonts.PRIMARY, weight=weight))
            assert path.startswith(str(fonts.BUNDLED)), path
        assert str(system_copy) not in {entry.fname for entry in manager.ttflist}
    finally:
        monkeypatch.undo()  # the font list as it was
        font_manager.FontManager._findfont_cached.cache_clear()
        fonts.forget()
