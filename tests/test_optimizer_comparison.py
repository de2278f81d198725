"""Optimizers compared pair by pair (issue 21): the values equal the definitions, computed here
naively (loops, one resample at a time, a draw call per task and side), on the bundled runs and
on uneven synthetic ones; the point estimates on hand-made data; the artifacts without a pair."""

from __future__ import annotations

import math
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO

from llmcost.latex import LATEX
from llmcost.numbers import comparison_numbers, numbers_tex
from llmcost.optimization_tables import optimizer_comparison_cells, optimizer_comparison_table
from llmcost.optimizer_comparison import (COLUMNS, cell_values, optimizer_comparison, pair_tasks,
                                          probability_of_improvement, score_difference, verdict)
from llmcost.outputs import read_csv
from llmcost.report_html import HTML, table_page

BUDGETS = [1e6, 3e6, 5e6]
VALUES = ["p_improvement", "p_ci_low", "p_ci_high", "delta_pct_points", "delta_ci_low", "delta_ci_high"]


# --- the definitions, naively ---------------------------------------------------------------------

def naive_comparison(runs: pd.DataFrame, budgets, resamples: int, seed: int) -> list[dict]:
    """Issue 21's definitions read literally: row by row, pair by pair, resample by resample."""
    rows = []
    optimizers = sorted(set(runs["optimizer"]))
    for budget in sorted(budgets):
        column = f"test_score_pct_at_{budget:.0f}"
        for i, x in enumerate(optimizers):
            for y in optimizers[i + 1:]:
                values: dict = {}
                for _, run in runs.iterrows():
                    if run["optimizer"] in (x, y) and not pd.isna(run[column]):
                        values.setdefault((run["dataset"], run["model"], run["optimizer"]), []).append(
                            (run["seed"], run[column]))
                tasks = sorted({(d, m) for d, m, o in values if o == x} & {(d, m) for d, m, o in values if o == y})
                xs = [[v for _, v in sorted(values[(*task, x)], key=lambda pair: pair[0])] for task in tasks]
                ys = [[v for _, v in sorted(values[(*task, y)], key=lambda pair: pair[0])] for task in tasks]
                row = {"budget_tokens": budget, "optimizer_x": x, "optimizer_y": y, "tasks": len(tasks)}
                if tasks:
                    p, delta = naive_statistics(xs, ys)
                    p_samples, delta_samples = [], []
                    for r in range(resamples):
                        rng = np.random.default_rng([seed, 2, r])
                        drawn_x, drawn_y = [], []
                        for task_x, task_y in zip(xs, ys):
                            ix = rng.integers(0, len(task_x), size=len(task_x))
                            iy = rng.integers(0, len(task_y), size=len(task_y))
                            drawn_x.append([task_x[k] for k in ix])
                            drawn_y.append([task_y[k] for k in iy])
                        sample = naive_statistics(drawn_x, drawn_y)
                        p_samples.append(sample[0])
                        delta_samples.append(sample[1])
                    p_low, p_high = np.percentile(p_samples, [2.5, 97.5])
                    d_low, d_high = np.percentile(delta_samples, [2.5, 97.5])
                    row |= {"p_improvement": p, "p_ci_low": p_low, "p_ci_high": p_high, "delta_pct_points": delta,
                            "delta_ci_low": d_low, "delta_ci_high": d_high,
                            "verdict": "better" if p_low > 0.5 else "worse" if p_high < 0.5 else "not distinguishable"}
                rows.append(row)
    return rows


def naive_statistics(xs, ys) -> tuple[float, float]:
    """P(X > Y) and Δ: per task the mean over all pairs of 1 / 0.5 / 0 and the difference of means."""
    p_tasks, delta_tasks = [], []
    for x, y in zip(xs, ys):
        wins = 0.0
        for a in x:
            for b in y:
                wins += 1.0 if a > b else 0.5 if a == b else 0.0
        p_tasks.append(wins / (len(x) * len(y)))
        delta_tasks.append(sum(x) / len(x) - sum(y) / len(y))
    return sum(p_tasks) / len(p_tasks), sum(delta_tasks) / len(delta_tasks)


def assert_equal_to_naive(table: pd.DataFrame, naive: list[dict]) -> None:
    assert len(table) == len(naive)
    for (_, row), expected in zip(table.iterrows(), naive):
        for key in ("budget_tokens", "optimizer_x", "optimizer_y", "tasks"):
            assert row[key] == expected[key], (key, row, expected)
        if expected["tasks"]:
            assert row["verdict"] == expected["verdict"]
            for key in VALUES:
                assert abs(row[key] - expected[key]) <= 1e-9, (key, row[key], expected[key])
        else:
            assert row["verdict"] == "no common task" and row[VALUES].isna().all()


def bundled_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text())["optimization"]


def test_bundled_values_equal_the_definitions_computed_naively():
    """Point estimates and intervals, at every budget, for the configured B and seed: the committed
    comparison.csv and the function both equal the loops to 1e-9."""
    config = bundled_config()
    runs = read_csv(REPO / "results/optimization/runs.csv")
    resamples, seed = config["comparison"]["resamples"], config["comparison"]["seed"]
    naive = naive_comparison(runs, config["budgets"], resamples, seed)
    assert_equal_to_naive(read_csv(REPO / "results/optimization/comparison.csv"), naive)
    assert_equal_to_naive(optimizer_comparison(runs, config["budgets"], resamples, seed), naive)
    assert {row["optimizer_x"] for row in naive} == {"CAPO"} and [row["tasks"] for row in naive] == [14, 15, 15]


def uneven_runs(seed: int = 3) -> pd.DataFrame:
    """Three optimizers, 1 to 5 seeds per cell, scores on a coarse grid (ties), values missing at
    some budgets, rows shuffled: every case of the draws (n = 1 draws nothing)."""
    rng = np.random.default_rng(seed)
    rows = []
    for dataset in ("b", "a", "c"):
        for model in ("m2", "m1"):
            for optimizer in ("Zeta", "CAPO", "Evo"):
                for s in rng.permutation(int(rng.integers(1, 6))):
                    row = {"dataset": dataset, "model": model, "optimizer": optimizer, "seed": 40 + int(s)}
                    for budget in BUDGETS:
                        value = float(np.round(rng.normal(70 + 3 * (optimizer == "CAPO"), 4)))
                        row[f"test_score_pct_at_{budget:.0f}"] = np.nan if rng.random() < 0.2 else value
                    rows.append(row)
    return pd.DataFrame(rows).sample(frac=1, random_state=1, ignore_index=True)


def test_uneven_tasks_equal_the_definitions_computed_naively():
    runs = uneven_runs()
    naive = naive_comparison(runs, BUDGETS, 300, 7)
    assert_equal_to_naive(optimizer_comparison(runs, BUDGETS, 300, 7), naive)
    assert len({row["tasks"] for row in naive}) > 1


def test_each_pair_restarts_the_stream_and_ignores_the_other_optimizers():
    runs = uneven_runs()
    both = optimizer_comparison(runs, BUDGETS, 200, 0)
    alone = optimizer_comparison(runs[runs["optimizer"] != "Zeta"], BUDGETS, 200, 0)
    pd.testing.assert_frame_equal(both[(both["optimizer_y"] == "Evo")].reset_index(drop=True), alone)


def test_the_order_of_the_rows_does_not_matter_and_the_bytes_repeat():
    runs = uneven_runs()
    first = optimizer_comparison(runs, BUDGETS, 200, 0)
    again = optimizer_comparison(runs.iloc[::-1], BUDGETS, 200, 0)
    assert first.to_csv() == again.to_csv()
    assert list(first.columns) == COLUMNS


# --- point estimates on hand-made data ----------------------------------------------------------

def test_a_tie_counts_half():
    assert probability_of_improvement([np.array([1.0, 2.0])], [np.array([2.0])]) == 0.25
    assert probability_of_improvement([np.array([2.0])], [np.array([2.0])]) == 0.5
    assert score_difference([np.array([1.0, 2.0])], [np.array([2.0])]) == -0.5


def test_unequal_run_counts_average_each_tasks_own_share_not_the_pooled_pairs():
    xs = [np.array([3.0, 1.0, 2.0]), np.array([5.0])]
    ys = [np.array([2.0]), np.array([1.0, 5.0, 9.0, 2.0])]
    # task 1: 1, 0, 0.5 of 3 pairs = 0.5; task 2: 1, 0.5, 0, 1 of 4 = 0.625 (pooled would be 4/7)
    assert probability_of_improvement(xs, ys) == pytest.approx(0.5625, abs=1e-15)
    assert score_difference(xs, ys) == pytest.approx((0.0 + 0.75) / 2, abs=1e-15)
    assert probability_of_improvement(ys, xs) == pytest.approx(1 - 0.5625, abs=1e-15)


def runs_frame(rows) -> pd.DataFrame:
    """(dataset, model, optimizer, seed, score at 1e6) -> runs.csv's columns."""
    return pd.DataFrame(rows, columns=["dataset", "model", "optimizer", "seed", "test_score_pct_at_1000000"])


def test_tasks_need_a_value_of_both_and_are_sorted_by_dataset_then_model():
    runs = runs_frame([("b", "m", "X", 2, 50.0), ("b", "m", "Y", 1, 40.0), ("a", "z", "X", 2, 30.0),
                       ("a", "z", "X", 1, 35.0), ("a", "z", "Y", 1, 35.0), ("a", "b", "X", 1, 80.0),
                       ("a", "b", "Y", 1, np.nan), ("c", "m", "Y", 1, 10.0)])
    tasks = pair_tasks(cell_values(runs, 1e6), "X", "Y")
    assert [task for task, _, _ in tasks] == [("a", "z"), ("b", "m")]
    assert tasks[0][1].tolist() == [35.0, 30.0]  # ordered by seed
    row = optimizer_comparison(runs, [1e6], 50, 0).iloc[0]
    # a/z: 35 vs 35 ties, 30 < 35: 0.25; b/m: 1 -> P = 0.625; Δ = ((32.5 - 35) + 10) / 2
    assert (row["tasks"], row["p_improvement"], row["delta_pct_points"]) == (2, 0.625, 3.75)


def test_verdict_needs_the_whole_interval_on_one_side_of_a_half():
    assert verdict(0.51, 0.9) == "better" and verdict(0.1, 0.49) == "worse"
    assert verdict(0.5, 0.9) == "not distinguishable" and verdict(0.2, 0.5) == "not distinguishable"


# --- no pair, no common task ------------------------------------------------------------------------

def test_one_optimizer_gives_no_row_a_table_that_says_so_and_no_numbers():
    runs = runs_frame([("a", "m", "CAPO", 1, 50.0)])
    table = optimizer_comparison(runs, [1e6], 100, 0)
    assert table.empty and list(table.columns) == COLUMNS
    text = optimizer_comparison_table(table, ["CAPO"], 100, 0)
    assert "One optimizer (CAPO): no pair of optimizers to compare." in text and "\\bottomrule" in text
    frame, notes = optimizer_comparison_cells(table, ["CAPO"], 100, 0, HTML)
    assert frame.shape == (1, 1) and notes
    assert "no pair of optimizers" in table_page("tables/optimizer_comparison.tex", frame, notes)
    assert comparison_numbers(table, 1e6) == {}


def test_a_pair_without_a_common_task_has_no_values_and_a_marked_dash():
    runs = runs_frame([("a", "m", "X", 1, 50.0), ("b", "m", "Y", 1, 40.0)])
    table = optimizer_comparison(runs, [1e6], 100, 0)
    assert table[["tasks", "verdict"]].values.tolist() == [[0, "no common task"]]
    assert table[VALUES].isna().all(axis=None)
    text = optimizer_comparison_table(table, ["X", "Y"], 100, 0)
    assert "--\\textsuperscript{a}" in text and "No task at this budget." in text
    numbers = comparison_numbers(table, 1e6)["X_vs_Y"]
    assert numbers["p_improvement"] is None and numbers["verdict"] == "no common task"


# --- the table and the numbers ------------------------------------------------------------------------

def bundled_table() -> pd.DataFrame:
    return read_csv(REPO / "results/optimization/comparison.csv")


def test_the_table_marks_the_verdict_and_states_b_seed_and_definitions():
    table = bundled_table()
    worse = table.assign(optimizer_x="EvoPromptGA", optimizer_y="CAPO", verdict="worse",
                         p_improvement=1 - table["p_improvement"], p_ci_low=1 - table["p_ci_high"],
                         p_ci_high=1 - table["p_ci_low"])
    text = optimizer_comparison_table(pd.concat([table, worse]), ["CAPO", "EvoPromptGA"], 2000, 0)
    assert "{\\boldmath$0.77$}\\textsuperscript{b}" in text and "\\textsuperscript{w}" in text
    assert "over 2000 resamples" in text
    assert "Seed 0: resample $r$ draws from numpy.random.default\\_rng([0, 2, $r$])" in text
    assert "ties count half" in text and "percentage points" in text
    assert "\\multicolumn{3}{c}{5M tokens}" in text and "[0.69, 0.85]" in text
    committed = (REPO / "results/tables/optimizer_comparison.tex").read_text()
    assert committed == optimizer_comparison_table(table, ["CAPO", "EvoPromptGA"], 2000, 0)


def test_the_table_and_the_empty_table_compile_with_pdflatex(pdflatex, tmp_path):
    runs = uneven_runs()
    tables = {"bundled": optimizer_comparison_table(bundled_table(), ["CAPO", "EvoPromptGA"], 2000, 0),
              "three": optimizer_comparison_table(optimizer_comparison(runs, BUDGETS, 50, 0), ["CAPO", "Evo", "Zeta"],
                                                  50, 0),
              "none": optimizer_comparison_table(bundled_table().iloc[:0], ["CAPO"], 2000, 0)}
    for name, text in tables.items():
        (tmp_path / f"{name}.tex").write_text(text)
    body = "\n\n".join(rf"\input{{{name}.tex}}" for name in tables)
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
                                      + body + "\n\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


def test_headline_numbers_are_the_table_budget_row_and_print_the_verdict_as_a_word():
    table = bundled_table()
    numbers = comparison_numbers(table, 5e6)
    row = table[table["budget_tokens"] == 5e6].iloc[0]
    pair = numbers["CAPO_vs_EvoPromptGA"]
    assert (pair["p_improvement"], pair["p_ci_low"], pair["p_ci_high"]) == (
        row["p_improvement"], row["p_ci_low"], row["p_ci_high"])
    assert pair["tasks_count"] == 15 and pair["verdict"] == "better"
    text = numbers_tex({"optimization": {"comparison": numbers}})
    assert r"\newcommand{\OptimizationComparisonCAPOVsEvoPromptGAVerdict}{better}" in text
    assert rf"\newcommand{{\OptimizationComparisonCAPOVsEvoPromptGAPImprovement}}{{{row['p_improvement']:.3f}}}" in text
    assert not math.isnan(pair["delta_pct"])
    assert numbers_tex({"a": {"verdict": "not_distinguishable"}}).count(r"not\_distinguishable") == 1


def test_resamples_below_one_stop_at_start_with_the_key():
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["optimization"]["comparison"]["resamples"] = 0
    with pytest.raises(WorkflowError, match="resamples"):
        validate(config, schema=str(REPO / "workflow/schemas/config.schema.yaml"))


def test_markup_is_the_same_cells_in_latex_and_html():
    table = bundled_table()
    latex, _ = optimizer_comparison_cells(table, ["CAPO", "EvoPromptGA"], 2000, 0, LATEX)
    html, _ = optimizer_comparison_cells(table, ["CAPO", "EvoPromptGA"], 2000, 0, HTML)
    assert latex.shape == html.shape == (1, 9)
    assert "<b>0.77</b><sup>b</sup><br><small>0.69–0.85</small>" in html.iloc[0].tolist()
