"""Optimization stage: per-step scores, racing counts, scores at budgets, score curve,
wall-clock, tables and figure; golden racing numbers on the bundled runs."""

import logging
import math
import os
import re
import subprocess

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from llmcost.discovery import discover_runs
from llmcost.errors import InputError
from llmcost.optimization import (
    RUN_KEYS, optimization_results, overall_saved_ratio, racing_savings, run_table, score_curve,
    score_summary, scores_at_budgets, scores_at_steps, wall_clock_hours, with_cumulative_input_tokens)
from llmcost.optimization_figures import score_vs_tokens_figure
from llmcost.optimization_logs import PROMPT_SCORES_NAME, optimization_steps, racing_counts, step_scores
from llmcost.optimization_tables import optimizer_scores_table, racing_savings_cells, racing_savings_table
from llmcost.report_html import HTML, table_page
from llmcost.steplogs import TOKEN_COLUMNS

RUNS_ROOT = REPO / "data" / "capo" / "main_results"
PARQUET_ONLY = "copa/mistral/CAPO/seed42/benchmark_experiment_copa_mistral_CAPO_42/kdfm"
BUDGETS = [1e6, 3e6, 5e6]
# CAPO's calculate_saved_evals notebook (commit 2b09caa), saved_evals_ratio per (dataset, model)
GOLDEN_RACING = {
    ("agnews", "llama"): 0.5076, ("agnews", "mistral"): 0.5516, ("agnews", "qwen"): 0.4603,
    ("copa", "llama"): 0.5239, ("copa", "mistral"): 0.4073, ("copa", "qwen"): 0.3945,
    ("gsm8k", "llama"): 0.4958, ("gsm8k", "mistral"): 0.3124, ("gsm8k", "qwen"): 0.4053,
    ("sst-5", "llama"): 0.3676, ("sst-5", "mistral"): 0.3567, ("sst-5", "qwen"): 0.2184,
    ("subj", "llama"): 0.5862, ("subj", "mistral"): 0.5040, ("subj", "qwen"): 0.5054,
}
LOG_COLUMNS = ["step", *TOKEN_COLUMNS, "prompt", "score", "test_score", "time_elapsed"]


def read_log(path) -> pd.DataFrame:
    """A step log in read_step_log's layout, read with pandas (columns the file lacks stay absent)."""
    path = str(path)
    frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    frame = frame[[column for column in LOG_COLUMNS if column in frame]].copy()
    if "prompt" in frame:
        frame["prompt"] = frame["prompt"].fillna("")
    return frame


@pytest.fixture(scope="module")
def bundled():
    """(steps, racing) of the bundled runs, as the per-dataset reading jobs would write them."""
    steps, racing = [], []
    for run in discover_runs(str(RUNS_ROOT)):
        table = optimization_steps(read_log(run.log_path), source=run.run)
        for position, key in enumerate(RUN_KEYS):
            table.insert(position, key, getattr(run, key))
        steps.append(table)
        prompt_scores = os.path.join(os.path.dirname(run.log_path), PROMPT_SCORES_NAME)
        if os.path.exists(prompt_scores):
            evaluated, full = racing_counts(prompt_scores)
            racing.append({**{key: getattr(run, key) for key in RUN_KEYS},
                           "evaluated_blocks": evaluated, "full_blocks": full})
    return pd.concat(steps, ignore_index=True), pd.DataFrame(racing)


# --- golden: racing savings on the bundled CAPO runs --------------------------------------------

def test_racing_savings_match_the_capo_notebook(bundled):
    steps, racing = bundled
    assert len(racing) == 45 and set(racing["optimizer"]) == {"CAPO"}
    cells = racing_savings(racing)
    assert overall_saved_ratio(cells)["CAPO"] == pytest.approx(0.439788, abs=1e-6)
    got = {(row.dataset, row.model): row.saved_ratio for row in cells.itertuples()}
    assert got == pytest.approx(GOLDEN_RACING, abs=1e-4)
    # the same from runs.csv's columns
    runs = run_table(steps, racing, BUDGETS)
    assert overall_saved_ratio(racing_savings(runs))["CAPO"] == pytest.approx(0.439788, abs=1e-6)


def test_racing_counts_are_the_notebooks_non_null_cells_and_rows_times_blocks():
    path = next(RUNS_ROOT.glob("agnews/llama/CAPO/seed42/*/*/" + PROMPT_SCORES_NAME))
    frame = pd.read_parquet(path)  # the prompt text becomes the index, as in the notebook
    assert [str(column) for column in frame.columns] == [str(block) for block in range(10)]
    assert racing_counts(str(path)) == (int(frame.notna().sum().sum()), frame.size) == (1001, 1920)


# --- per-run reductions on small hand-made logs -----------------------------------------------

def log(rows, **columns) -> pd.DataFrame:
    """A step log frame: ``rows`` of (step, prompt, score, test_score); tokens 100 in per step."""
    frame = pd.DataFrame(rows, columns=["step", "prompt", "score", "test_score"])
    for column in TOKEN_COLUMNS:
        frame[column] = np.int64(100 if column.startswith("input") else 10)
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_a_tie_in_score_picks_the_first_row_in_file_order():
    frame = log([(1, "a", 0.5, 0.10), (1, "b", 0.9, 0.20), (1, "c", 0.9, 0.30),
                 (2, "d", 0.7, 0.40), (2, "e", 0.7, 0.50)])
    scores = step_scores(frame)
    assert scores["best_train_test_score"].tolist() == [0.20, 0.40]
    assert scores["mean_test_score"].tolist() == pytest.approx([0.20, 0.45])


def test_rows_of_steps_interleaved_keep_file_order_within_a_step():
    frame = log([(2, "x", 0.3, 0.7), (1, "a", 0.5, 0.1), (2, "y", 0.3, 0.8), (1, "b", 0.5, 0.2)])
    assert step_scores(frame)["best_train_test_score"].tolist() == [0.1, 0.7]


def test_an_empty_prompt_holding_the_best_score_is_not_a_candidate():
    frame = log([(1, "", 0.99, 0.99), (1, "a", 0.5, 0.40), (1, "b", 0.6, 0.60), (1, None, 0.98, 0.98)])
    scores = step_scores(frame)
    assert scores["candidates"].tolist() == [2]
    assert scores["best_train_test_score"].tolist() == [0.60]
    assert scores["mean_test_score"].tolist() == pytest.approx([0.50])


def test_a_missing_score_column_makes_a_steps_first_candidate_its_pick():
    frame = log([(1, "", 0.0, 0.9), (1, "a", 0.0, 0.2), (1, "b", 0.0, 0.3)]).drop(columns=["score"])
    assert step_scores(frame)["best_train_test_score"].tolist() == [0.2]


def test_a_missing_score_value_counts_as_zero():
    frame = log([(1, "a", np.nan, 0.2), (1, "b", -0.1, 0.3), (1, "c", np.nan, 0.4)])
    assert step_scores(frame)["best_train_test_score"].tolist() == [0.2]


def test_a_step_without_candidates_has_no_pick_and_the_budget_reads_the_step_before():
    frame = log([(1, "a", 0.5, 0.3), (2, "", 0.9, 0.9), (3, "b", 0.5, 0.6)])
    scores = step_scores(frame)
    assert scores["candidates"].tolist() == [1, 0, 1]
    assert math.isnan(scores["best_train_test_score"].iloc[1])
    steps = with_ids(optimization_steps(frame, source="r"), run="r")
    # cumulative input: 200, 400, 600 (meta 100 + downstream 100 per step)
    at = scores_at_budgets(steps, [500])
    assert at["step"].tolist() == [1] and at["test_score"].tolist() == [0.3]


def test_a_run_without_test_score_has_no_scores():
    frame = log([(1, "a", 0.5, 0.0)]).drop(columns=["test_score"])
    scores = step_scores(frame)
    assert not scores["has_test_score"].any()
    assert scores[["best_train_test_score", "mean_test_score"]].isna().all().all()
    all_null = log([(1, "a", 0.5, np.nan), (1, "b", 0.4, np.nan)])
    assert not step_scores(all_null)["has_test_score"].any()


def test_time_elapsed_is_each_steps_largest_and_missing_without_the_column():
    frame = log([(1, "a", 0.5, 0.1), (1, "b", 0.5, 0.1), (2, "c", 0.5, 0.1)],
                time_elapsed=[30.0, 31.0, 40.0])
    assert step_scores(frame)["time_elapsed_s"].tolist() == [31.0, 40.0]
    assert step_scores(frame.drop(columns=["time_elapsed"]))["time_elapsed_s"].isna().all()


def test_the_parquet_only_run_has_tokens_but_no_test_score():
    path = next(RUNS_ROOT.glob(PARQUET_ONLY + "/step_results.parquet"))
    assert not (path.parent / "step_results_eval.csv.gz").exists()
    steps = optimization_steps(read_log(path), source=PARQUET_ONLY)
    assert len(steps) > 0 and (steps["candidates"] > 0).all()
    assert not steps["has_test_score"].any()
    assert steps["input_tokens_downstream_llm"].sum() > 0
    assert steps["time_elapsed_s"].notna().all()


def test_step_scores_agree_with_a_plain_pandas_reading_on_every_bundled_run():
    for run in discover_runs(str(RUNS_ROOT)):
        frame = read_log(run.log_path)
        got = step_scores(frame)
        candidates = frame[frame["prompt"] != ""].assign(score=lambda f: f["score"].fillna(0))
        best = candidates.loc[candidates.groupby("step")["score"].idxmax()].set_index("step")
        if "test_score" in frame:
            assert got["best_train_test_score"].tolist() == best["test_score"].tolist(), run.run
            expected = candidates.groupby("step")["test_score"].mean()
            assert got["mean_test_score"].to_numpy() == pytest.approx(expected.to_numpy()), run.run
        assert got["step"].tolist() == sorted(frame["step"].unique())


# --- racing logs: bad files -------------------------------------------------------------------

def test_racing_counts_without_a_stored_index_take_every_column(tmp_path):
    path = tmp_path / PROMPT_SCORES_NAME
    pd.DataFrame({"0": [0.5, 0.6], "1": [np.nan, 0.7], "2": [np.nan, np.nan]}).to_parquet(path, index=False)
    assert racing_counts(str(path)) == (3, 6)


@pytest.mark.parametrize("case, message", [
    ("corrupt", "cannot be read as a racing log"),
    ("text", "are not numeric"),
    ("empty", "has no prompts"),
    ("index_only", "no evaluation-block columns"),
])
def test_a_bad_racing_log_names_the_file_and_what_to_do(tmp_path, case, message):
    path = tmp_path / PROMPT_SCORES_NAME
    if case == "corrupt":
        path.write_bytes(b"PAR1 this is not parquet")
    elif case == "text":
        pd.DataFrame({"0": [0.5], "1": ["x"]}, index=["prompt"]).to_parquet(path)
    elif case == "empty":
        pd.DataFrame({"0": pd.Series([], dtype=float)}).to_parquet(path)
    else:
        pd.DataFrame(index=pd.Index(["prompt"], name=None)).to_parquet(path)
    with pytest.raises(InputError, match=message) as error:
        racing_counts(str(path))
    assert str(path) in str(error.value)


# --- combining: budgets, curve, wall-clock, exclusion -------------------------------------------

def with_ids(steps, run, dataset="d", model="m", optimizer="o", seed=1):
    steps = steps.copy()
    for position, (key, value) in enumerate(zip(RUN_KEYS, (dataset, model, optimizer, seed, run))):
        steps.insert(position, key, value)
    return steps


def run_steps(run, points, optimizer="o", seed=1, tokens_in=None, time_elapsed=None, has_test_score=True):
    """A run's per-step table: ``points`` are (best_train_test_score, mean_test_score) per step."""
    n = len(points)
    tokens_in = tokens_in or [100] * n
    return pd.DataFrame({
        "dataset": "d", "model": "m", "optimizer": optimizer, "seed": seed, "run": run,
        "step": range(1, n + 1), "input_tokens_meta_llm": [t // 2 for t in tokens_in],
        "output_tokens_meta_llm": 1, "input_tokens_downstream_llm": [t - t // 2 for t in tokens_in],
        "output_tokens_downstream_llm": 1, "candidates": 2,
        "best_train_test_score": [p[0] for p in points], "mean_test_score": [p[1] for p in points],
        "time_elapsed_s": time_elapsed if time_elapsed is not None else [np.nan] * n,
        "has_test_score": has_test_score})


def test_cumulative_input_tokens_add_meta_and_downstream_input_per_run():
    steps = pd.concat([run_steps("b", [(0.1, 0.1)] * 2, tokens_in=[10, 20]),
                       run_steps("a", [(0.1, 0.1)] * 3, tokens_in=[5, 5, 5])])
    cumulative = with_cumulative_input_tokens(steps)
    assert cumulative["run"].tolist() == ["a", "a", "a", "b", "b"]
    assert cumulative["cumulative_input_tokens"].tolist() == [5, 10, 15, 10, 30]


def test_the_test_score_at_a_step_is_its_best_train_prompts_and_a_step_without_a_candidate_has_none():
    steps = run_steps("a", [(0.5, 0.4), (0.6, 0.7), (0.8, 0.8)], tokens_in=[10, 20, 30])
    steps.loc[1, "candidates"] = 0  # step 2 has no candidate prompt
    at = scores_at_steps(with_cumulative_input_tokens(steps))
    assert at["step"].tolist() == [1, 3] and at["test_score"].tolist() == [0.5, 0.8]  # best-train, not the mean
    assert at["cumulative_input_tokens"].tolist() == [10, 60]
    # the score at a budget is the test score at the last step below it
    assert scores_at_budgets(steps, [59])["test_score"].tolist() == [0.5]


def test_a_budget_below_a_runs_first_step_leaves_that_run_out():
    steps = pd.concat([run_steps("a", [(0.5, 0.5), (0.6, 0.6)], tokens_in=[100, 100]),
                       run_steps("b", [(0.9, 0.9)], seed=2, tokens_in=[300])])
    at = scores_at_budgets(steps, [150, 200, 301]).set_index(["run", "budget_tokens"])["test_score"]
    assert at[("a", 150.0)] == 0.5 and math.isnan(at[("b", 150.0)])
    assert at[("a", 200.0)] == 0.5  # strictly below: the step at exactly 200 is not read
    assert at[("b", 301.0)] == 0.9
    summary = score_summary(steps, [50, 150, 301]).set_index("budget_tokens")
    assert summary.loc[50.0, "n_runs"] == 0 and math.isnan(summary.loc[50.0, "test_score_mean_pct"])
    assert summary.loc[150.0, "n_runs"] == 1 and summary.loc[150.0, "test_score_std_pct"] == 0
    assert summary.loc[301.0, "test_score_mean_pct"] == pytest.approx(75.0)
    assert summary.loc[301.0, "test_score_std_pct"] == pytest.approx(15.0)  # ddof=0


def test_a_run_without_test_score_is_left_out_with_one_warning(caplog):
    steps = pd.concat([run_steps("a", [(0.5, 0.5)], time_elapsed=[3600.0]),
                       run_steps("b", [(0.7, 0.7)], seed=2, time_elapsed=[7200.0]),
                       run_steps("c", [(np.nan, np.nan)], seed=3, has_test_score=False,
                                 time_elapsed=[1800.0])])
    racing = pd.DataFrame({"dataset": "d", "model": "m", "optimizer": "o", "seed": [3], "run": ["c"],
                           "evaluated_blocks": [3], "full_blocks": [4]})
    with caplog.at_level(logging.WARNING, logger="llmcost"):
        results = optimization_results(steps, racing, [1000])
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and "1 run(s) have no test_score" in warnings[0].getMessage()
    assert ": c." in warnings[0].getMessage()
    row = results.scores.iloc[0]
    assert (row["n_seeds"], row["n_seeds_with_test_score"], row["n_runs"]) == (3, 2, 2)
    assert row["test_score_mean_pct"] == pytest.approx(60.0)
    runs = results.runs.set_index("run")
    assert math.isnan(runs.loc["c", "test_score_pct_at_1000"]) and not runs.loc["c", "has_test_score"]
    assert runs.loc["c", "evaluated_blocks"] == 3 and pd.isna(runs.loc["a", "evaluated_blocks"])
    summary = results.summary
    assert summary["runs_without_test_score"] == ["c"]
    assert summary["wall_clock_hours_total"] == pytest.approx(3.5)
    cell = summary["cells"][0]
    assert cell["n_seeds"] == 3 and cell["n_seeds_with_test_score"] == 2
    assert cell["racing"]["saved_ratio"] == pytest.approx(0.25)
    assert cell["wall_clock"]["wall_clock_hours_mean"] == pytest.approx(3.5 / 3)
    with caplog.at_level(logging.WARNING, logger="llmcost"):
        caplog.clear()
        curve = score_curve(steps)
    assert len(caplog.records) == 1 and set(curve["n_runs"]) == {2}


def test_score_curve_carries_each_run_forward_onto_the_cells_token_counts():
    steps = pd.concat([
        run_steps("a", [(0, 0.50), (0, np.nan), (0, 0.70)], tokens_in=[100, 100, 100]),
        run_steps("b", [(0, 0.40), (0, 0.80)], seed=2, tokens_in=[150, 100]),
        run_steps("z", [(0, 0.99)], optimizer="other", tokens_in=[50])])
    curve = score_curve(steps)
    cell = curve[curve["optimizer"] == "o"]
    # a at 100, 200 (no mean: carries 0.50), 300; b at 150, 250
    assert cell["cumulative_input_tokens"].tolist() == [100, 150, 250, 300]
    assert cell["n_runs"].tolist() == [1, 2, 2, 2]  # b counts from its first step on
    assert cell["test_score_mean_pct"].tolist() == pytest.approx([50, 45, 65, 75])
    assert cell["test_score_std_pct"].tolist() == pytest.approx([0, 5, 15, 5])
    other = curve[curve["optimizer"] == "other"]
    assert other["cumulative_input_tokens"].tolist() == [50]  # cells do not share token counts


def test_score_curve_takes_the_last_of_steps_at_equal_token_counts():
    steps = run_steps("a", [(0, 0.5), (0, 0.6)], tokens_in=[100, 0])
    assert score_curve(steps)["test_score_mean_pct"].tolist() == pytest.approx([60])


def test_wall_clock_is_the_sum_of_the_steps_durations():
    steps = pd.concat([run_steps("a", [(0, 0)] * 2, time_elapsed=[1800.0, 5400.0]),
                       run_steps("b", [(0, 0)], seed=2)])
    hours = wall_clock_hours(steps)
    assert hours["a"] == pytest.approx(2.0) and math.isnan(hours["b"])


def test_bundled_wall_clock_equals_the_timestamp_span_plus_the_first_step():
    """CAPO's logger writes each step's own duration: their sum is the run's wall-clock."""
    for run in discover_runs(str(RUNS_ROOT))[::9]:
        path = run.log_path
        frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
        first = frame.groupby("step").first()
        stamps = pd.to_datetime(first["timestamp"])
        span = (stamps.iloc[-1] - stamps.iloc[0]).total_seconds() + first["time_elapsed"].iloc[0]
        steps = with_ids(optimization_steps(read_log(path), source=run.run), run=run.run)
        assert wall_clock_hours(steps)[run.run] * 3600 == pytest.approx(span, abs=5), run.run


def test_bundled_scores_match_capos_comparison_table_code(bundled):
    """score_summary against CAPO's generate_comparison_table logic, re-run with pandas."""
    steps, racing = bundled
    expected = {}
    for run in discover_runs(str(RUNS_ROOT)):
        frame = read_log(run.log_path)
        if "test_score" not in frame:
            continue
        frame["spent"] = frame["input_tokens_meta_llm"] + frame["input_tokens_downstream_llm"]
        spent = frame.groupby("step")["spent"].first().cumsum().rename("input_tokens_cum")
        frame = frame.merge(spent, left_on="step", right_index=True)
        frame = frame[frame["prompt"] != ""].assign(score=lambda f: f["score"].fillna(0))
        best = frame.loc[frame.groupby("step")["score"].idxmax()]
        for budget in BUDGETS:
            last = best.loc[best["input_tokens_cum"] < budget, "step"].max()
            values = best.loc[best["step"] == last, "test_score"].tolist()
            expected.setdefault((run.dataset, run.model, run.optimizer, budget), []).extend(values)
    got = score_summary(steps, BUDGETS)
    assert got["n_runs"].sum() == sum(len(v) for v in expected.values())
    for row in got[got["n_runs"] > 0].itertuples():
        values = np.array(expected[(row.dataset, row.model, row.optimizer, row.budget_tokens)]) * 100
        assert row.test_score_mean_pct == pytest.approx(values.mean())
        assert row.test_score_std_pct == pytest.approx(values.std())


# CAPO's benchmarking_visualization notebook (commit 2b09caa), generate_comparison_table at
# cutoff_tokens 1M, 3M and 5M: "mean±std" [%] per model and optimizer over sst-5, agnews, subj,
# gsm8k, copa. Its copa/mistral/CAPO used a seed whose step_results_eval.csv the snapshot lacks.
GOLDEN_SCORES = {
    (1e6, "llama", "EvoPromptGA"): "60.47±1.33 88.73±0.41 74.27±2.51 50.20±0.71 98.53±0.19",
    (1e6, "llama", "CAPO"): "61.67±0.82 89.20±0.59 90.00±0.28 76.50±2.50 98.27±0.52",
    (1e6, "qwen", "EvoPromptGA"): "57.07±0.66 80.27±0.74 71.93±1.57 54.33±11.27 98.33±0.57",
    (1e6, "qwen", "CAPO"): "59.87±0.93 87.27±0.84 87.13±1.80 54.40±0.00 98.67±0.25",
    (1e6, "mistral", "EvoPromptGA"): "54.20±1.98 83.87±1.25 77.80±0.00 41.13±2.92 96.33±0.62",
    (1e6, "mistral", "CAPO"): "56.73±1.18 84.13±1.59 77.00±2.00 nan±nan 95.40±1.07",
    (3e6, "llama", "EvoPromptGA"): "60.53±1.37 88.93±0.52 74.93±1.09 51.27±0.96 97.40±1.02",
    (3e6, "llama", "CAPO"): "62.33±0.38 89.47±0.34 88.13±1.93 74.80±3.15 98.27±0.52",
    (3e6, "qwen", "EvoPromptGA"): "58.07±2.38 81.67±0.96 75.20±3.22 59.13±11.37 97.87±0.66",
    (3e6, "qwen", "CAPO"): "59.93±0.74 87.00±0.59 89.93±1.47 58.53±2.96 98.20±0.28",
    (3e6, "mistral", "EvoPromptGA"): "54.60±0.82 84.40±0.28 73.73±3.27 43.00±2.87 96.13±0.34",
    (3e6, "mistral", "CAPO"): "60.20±0.33 84.00±1.77 80.07±1.00 63.20±3.83 95.13±1.20",
    (5e6, "llama", "EvoPromptGA"): "60.53±1.37 88.67±0.41 75.53±1.39 50.87±0.74 97.60±1.13",
    (5e6, "llama", "CAPO"): "62.27±0.34 88.80±0.75 91.60±2.16 73.73±3.73 98.27±0.52",
    (5e6, "qwen", "EvoPromptGA"): "58.60±1.73 81.73±1.68 75.87±3.58 61.27±8.39 97.87±0.66",
    (5e6, "qwen", "CAPO"): "59.07±0.50 87.07±0.81 91.00±0.65 60.20±4.82 98.47±0.19",
    (5e6, "mistral", "EvoPromptGA"): "54.93±0.94 84.40±0.28 74.93±2.04 43.93±3.85 96.13±0.34",
    (5e6, "mistral", "CAPO"): "60.20±0.33 84.33±2.13 81.67±1.64 65.07±1.20 95.13±1.20",
}


def test_bundled_scores_match_capos_published_comparison_tables(bundled):
    steps, racing = bundled
    got = score_summary(steps, BUDGETS).set_index(["budget_tokens", "model", "optimizer", "dataset"])
    checked = 0
    for (budget, model, optimizer), cells in GOLDEN_SCORES.items():
        for dataset, cell in zip(["sst-5", "agnews", "subj", "gsm8k", "copa"], cells.split()):
            if (dataset, model, optimizer) == ("copa", "mistral", "CAPO"):
                continue  # the notebook had the third seed's test scores; the snapshot does not
            mean, std = (float(value) for value in cell.split("±"))
            row = got.loc[(budget, model, optimizer, dataset)]
            if math.isnan(mean):
                assert row["n_runs"] == 0
                continue
            assert round(row["test_score_mean_pct"], 2) == pytest.approx(mean, abs=1e-9), cell
            assert round(row["test_score_std_pct"], 2) == pytest.approx(std, abs=1e-9), cell
            checked += 1
    assert checked == 86


def test_bundled_results_leave_out_the_parquet_only_run(bundled, caplog):
    steps, racing = bundled
    with caplog.at_level(logging.WARNING, logger="llmcost"):
        results = optimization_results(steps, racing, BUDGETS)
    assert [r.getMessage().count(PARQUET_ONLY) for r in caplog.records] == [1]
    assert results.summary["runs_without_test_score"] == [PARQUET_ONLY]
    assert len(results.runs) == 90 and results.runs["evaluated_blocks"].notna().sum() == 45
    copa = results.scores.query("dataset == 'copa' and model == 'mistral' and optimizer == 'CAPO'")
    assert set(copa["n_seeds"]) == {3} and set(copa["n_seeds_with_test_score"]) == {2}
    assert results.summary["wall_clock_runs"] == 90


# --- tables -------------------------------------------------------------------------------------

def scores_frame(rows):
    """scores.csv rows at budget 5e6: (dataset, model, optimizer, n_runs, mean_pct, std_pct), with
    n_seeds and n_seeds_with_test_score (3 each unless a row gives them after std_pct)."""
    rows = [(*row, 3, 3) if len(row) == 6 else row for row in rows]
    frame = pd.DataFrame(rows, columns=["dataset", "model", "optimizer", "n_runs", "test_score_mean_pct",
                                        "test_score_std_pct", "n_seeds", "n_seeds_with_test_score"])
    frame.insert(3, "budget_tokens", 5e6)
    return frame


MARKED_SCORES = scores_frame([
    ("d1", "m", "A", 3, 80.0, 1.0), ("d1", "m", "B", 3, 70.0, 2.0),
    ("d2", "m", "A", 0, np.nan, np.nan), ("d2", "m", "B", 1, 60.0, 0.0),
    ("d_3", "m", "A", 2, 50.0, 0.5), ("d_3", "m", "B", 3, 50.0, 0.25),
])


def test_scores_table_bolds_the_best_and_marks_missing_single_and_fewer_seeds():
    text = optimizer_scores_table(MARKED_SCORES, 5e6)
    assert r"Model & Optimizer & d1 & d2 & d\_3 & Average \\" in text
    row_a = next(line for line in text.splitlines() if " & A & " in line)
    row_b = next(line for line in text.splitlines() if " & B & " in line)
    assert r"{\boldmath$80.00 \pm 1.00$}" in row_a and r"$70.00 \pm 2.00$" in row_b
    assert r"--\textsuperscript{o}" in row_a  # seeds with test scores, none below the budget
    assert r"$60.00$\textsuperscript{b}" in row_b  # one seed: no std, marked; alone: not bold
    assert r"{\boldmath$60.00$}" not in row_b
    assert r"{\boldmath$50.00 \pm 0.50$}\textsuperscript{c}" in row_a  # a tie: both bold
    assert r"{\boldmath$50.00 \pm 0.25$}" in row_b
    assert row_a.endswith(r"$65.00$ (2/3) \\")  # partial average: not bold
    assert row_b.endswith(r"$60.00$ \\")
    for note in ("$^{o}$ no seed has a test score from a step below 5M", "$^{b}$ one seed",
                 "$^{c}$ over fewer seeds (2)", "(k/N)"):
        assert note in text
    assert "$^{a}$" not in text and "$^{s}$" not in text


def test_scores_table_without_marks_has_no_notes_and_a_bold_average():
    scores = scores_frame([("d", "m", "A", 3, 80.0, 1.0), ("d", "m", "B", 3, 70.0, 2.0)])
    text = optimizer_scores_table(scores, 5e6)
    assert r"\multicolumn" not in text and r"{\boldmath$80.00$} \\" in text


def marked_notes(text: str) -> dict[str, str]:
    """Each footnote mark a table's cells use -> its note under the table."""
    body, _, foot = text.partition("\\bottomrule")
    notes = dict(re.findall(r"\\footnotesize \$\^\{(\w)\}\$ (.*?)\} \\\\", foot))
    used = set(re.findall(r"\\textsuperscript\{(\w)\}", body))
    assert used <= set(notes), (used, notes)
    return {mark: notes[mark] for mark in used}


def test_scores_table_names_why_each_cell_is_empty():
    """Issue 26: an optimizer with no run on a dataset got "no seed has a test score from a step below
    5M input tokens", which says it ran and failed within budget. Each empty cell's note says what it is:
    no run, runs without a test score, runs whose scored steps are all over the budget; an average
    without a dataset; and a cell that is alone in its dataset and model is not bold as the best."""
    scores = scores_frame([
        ("agnews", "llama", "CAPO", 1, 88.5, 0.0, 1, 1), ("copa", "llama", "CAPO", 1, 90.0, 0.0, 1, 1),
        ("agnews", "llama", "EvoPromptGA", 1, 88.6, 0.0, 1, 1),  # no EvoPromptGA run on copa
        ("agnews", "qwen", "CAPO", 0, np.nan, np.nan, 2, 0),  # runs without a test score
        ("copa", "qwen", "CAPO", 0, np.nan, np.nan, 2, 2),  # scored steps all over the budget
        ("copa", "qwen", "EvoPromptGA", 2, 70.0, 1.0, 2, 2)])
    text = optimizer_scores_table(scores, 5e6)
    rows = [line for line in text.splitlines() if " & CAPO & " in line or " & EvoPromptGA & " in line]
    assert len(rows) == 4  # llama: CAPO, EvoPromptGA; qwen: CAPO, EvoPromptGA
    evo_llama, capo_qwen, evo_qwen = rows[1], rows[2], rows[3]
    assert evo_llama.split(" & ")[3] == r"--\textsuperscript{a}"  # copa: no run
    assert capo_qwen.split(" & ")[2:5] == [r"--\textsuperscript{s}", r"--\textsuperscript{o}",
                                           r"--\textsuperscript{m} \\"]
    assert evo_qwen.split(" & ")[2] == r"--\textsuperscript{a}"
    assert r"{\boldmath$70.00 \pm 1.00$}" not in evo_qwen  # alone on copa/qwen: nothing to be best of
    assert r"{\boldmath$90.00$}" not in text and r"$90.00$\textsuperscript{b}" in text
    assert r"$88.50$\textsuperscript{b}" in text and r"{\boldmath$88.60$}\textsuperscript{b}" in text
    notes = marked_notes(text)
    assert notes == {"a": "no run of this optimizer on this dataset and model",
                     "s": "its runs have no test score (evaluate their prompts on the test set)",
                     "o": "no seed has a test score from a step below 5M input tokens",
                     "m": "no dataset with a score to average", "b": "one seed: no standard deviation"}


def test_scores_table_of_one_optimizer_bolds_nothing():
    text = optimizer_scores_table(scores_frame([("d", "m", "A", 3, 80.0, 1.0), ("e", "m", "A", 3, 70.0, 2.0)]), 5e6)
    assert "boldmath" not in text


def test_scores_table_at_an_unscored_budget_says_what_to_configure():
    with pytest.raises(InputError, match="table_budget is 1000000, which is not among the budgets scored"):
        optimizer_scores_table(MARKED_SCORES, 1e6)


def test_racing_table_has_percent_cells_means_and_the_overall_mean(bundled):
    steps, racing = bundled
    text = racing_savings_table(racing_savings(racing))
    assert r"Optimizer & Dataset & llama & mistral & qwen & Mean \\" in text
    assert " & agnews & 50.8 & 55.2 & 46.0 & 50.6 \\\\" in text
    assert " & Mean & 49.6 & 42.6 & 39.7 & 44.0 \\\\" in text
    assert r"\multicolumn" not in text


def test_racing_table_marks_a_dataset_and_model_without_racing_logs_and_partial_means():
    cells = pd.DataFrame({"dataset": ["d", "d", "e"], "model": ["m", "n", "m"], "optimizer": "o",
                          "saved_ratio": [0.5, 0.25, 0.1]})
    text = racing_savings_table(cells)
    assert r" & e & 10.0 & --\textsuperscript{a} & 10.0 (1/2) \\" in text
    assert " & Mean & 30.0 & 25.0 (1/2) & 28.3 (3/4) \\\\" in text  # corner: mean over the three cells
    assert "no racing log" in text and "(k/N): the mean over the k of N cells" in text


def test_racing_table_names_no_run_apart_from_no_racing_log():
    """Issue 26's rule for every note: a dataset and model the optimizer never ran is "no run", one whose
    runs lack racing logs "no racing log"; a mean without a cell says so."""
    cells = pd.DataFrame({"dataset": ["d", "e"], "model": ["m", "n"], "optimizer": ["o", "p"],
                          "saved_ratio": [0.5, 0.25]})
    runs = pd.DataFrame({"dataset": ["d", "d", "e", "e"], "model": ["m", "n", "n", "m"],
                         "optimizer": ["o", "o", "p", "p"]})
    text = racing_savings_table(cells, runs)
    lines = [line for line in text.splitlines() if " & " in line and "footnotesize" not in line]
    o_d, o_e, o_mean, p_d, p_e = lines[1], lines[2], lines[3], lines[4], lines[5]
    assert o_d.split(" & ")[2:4] == ["50.0", r"--\textsuperscript{a}"]  # (d, n): o ran there, no racing log
    assert o_e.split(" & ")[2:] == [r"--\textsuperscript{r}", r"--\textsuperscript{r}", r"--\textsuperscript{m} \\"]
    assert p_d.split(" & ")[2:] == [r"--\textsuperscript{r}", r"--\textsuperscript{r}", r"--\textsuperscript{m} \\"]
    assert p_e.split(" & ")[2:4] == [r"--\textsuperscript{a}", "25.0"]  # (e, m): p ran, no racing log
    assert marked_notes(text) == {"a": "no racing log (prompt\\_scores.parquet) in the runs of this dataset and model",
                                  "r": "no run of this optimizer on this dataset and model",
                                  "m": "no cell with a racing log to average"}
    assert o_mean.split(" & ")[1] == "Mean"


def test_racing_table_without_any_racing_log_says_so_and_so_does_its_view():
    empty = pd.DataFrame(columns=["dataset", "model", "optimizer", "evaluated_blocks", "full_blocks"])
    assert "No run has a racing log" in racing_savings_table(racing_savings(empty))
    view = table_page("tables/racing_savings.tex", *racing_savings_cells(racing_savings(empty), HTML))
    assert re.search(r"<tbody>\s*</tbody>", view), "the empty table's view has rows"
    assert "No run has a racing log (prompt_scores.parquet)" in view


def test_tables_compile_with_pdflatex(bundled, pdflatex, tmp_path):
    steps, racing = bundled
    results = optimization_results(steps, racing, BUDGETS)
    tables = {"scores": optimizer_scores_table(results.scores, 5e6),
              "scores_1m": optimizer_scores_table(results.scores, 1e6),
              "marked": optimizer_scores_table(MARKED_SCORES, 5e6),
              "racing": racing_savings_table(racing_savings(results.runs)),
              "no_racing": racing_savings_table(racing_savings(results.runs.iloc[:0]))}
    for name, text in tables.items():
        (tmp_path / f"{name}.tex").write_text(text)
    body = "\n\n".join(rf"\input{{{name}.tex}}" for name in tables)
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs}\n"
                                      "\\usepackage{multirow}\n\\begin{document}\n" + body +
                                      "\n\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


# --- figure -------------------------------------------------------------------------------------

def synthetic_curve(datasets, models=("llama", "mistral", "qwen"), optimizers=("CAPO", "EvoPromptGA")):
    rows = []
    for d in range(datasets):
        for model in models:
            for optimizer in optimizers:
                for i, tokens in enumerate(range(300_000, 4_800_000, 400_000)):
                    rows.append({"dataset": f"dataset-{d}", "model": model, "optimizer": optimizer,
                                 "cumulative_input_tokens": tokens, "n_runs": 1 if i == 0 else 3,
                                 "test_score_mean_pct": 50 + i, "test_score_std_pct": 1.0})
    return pd.DataFrame(rows)


def outside_the_figure(fig) -> list[str]:
    """Every text and legend reaching outside the figure (panels are drawn onto the figure
    itself by plotting.Panels: their titles and tick labels are the figure's texts)."""
    fig.canvas.draw()
    renderer, bounds = fig.canvas.get_renderer(), fig.bbox
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in fig.texts]
    boxes += [("legend", legend.get_window_extent(renderer)) for legend in fig.legends]
    boxes += [("title", fig.get_suptitle() and fig._suptitle.get_window_extent(renderer))]
    return [name for name, box in boxes
            if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > bounds.x1 + 0.5 or box.y1 > bounds.y1 + 0.5]


@pytest.mark.parametrize("datasets", [1, 40])
def test_figure_fits_any_number_of_datasets(datasets):
    fig = score_vs_tokens_figure(synthetic_curve(datasets), BUDGETS)
    try:
        assert outside_the_figure(fig) == []
        assert len(fig.panel_boxes) == 3 * datasets
        assert {"0", "1M", "3M", "5M"} <= {text.get_text() for text in fig.texts}  # the x-axis: 0 to 5M
    finally:
        plt.close(fig)


def test_figure_legend_comes_from_every_panel_and_covers_every_line():
    curve = synthetic_curve(2)
    late = curve[(curve["dataset"] == "dataset-1") & (curve["model"] == "qwen")].assign(optimizer="OPRO")
    fig = score_vs_tokens_figure(pd.concat([curve, late]), BUDGETS)
    try:
        labels = [text.get_text() for text in fig.legends[0].get_texts()]
        assert labels[:3] == ["CAPO", "EvoPromptGA", "OPRO"]  # OPRO is only in the last panel
        assert {"token budgets", "±1 std over seeds", "before every seed's first step (fewer seeds)",
                "after the last step (final score carried)"} <= set(labels)
        # the budgets: a dotted vertical line at each in every panel (one path for the figure)
        (budgets,) = [patch for patch in fig.artists if patch.get_gid() == "data" and patch.get_linestyle() == ":"]
        x0, _, width, _ = fig.panel_boxes[5]
        at = sorted({round(x, 9) for x, _ in budgets.get_path().vertices if x0 <= x <= x0 + width})
        assert np.allclose(at, [x0 + width * budget / BUDGETS[-1] for budget in BUDGETS])
    finally:
        plt.close(fig)


def test_figure_of_the_bundled_runs_fits(bundled):
    steps, racing = bundled
    fig = score_vs_tokens_figure(score_curve(steps), BUDGETS)
    try:
        assert outside_the_figure(fig) == []
        assert len(fig.panel_boxes) == 15
    finally:
        plt.close(fig)


def test_figure_without_any_test_score_says_so():
    steps = run_steps("c", [(np.nan, np.nan)], has_test_score=False)
    fig = score_vs_tokens_figure(score_curve(steps), BUDGETS)
    try:
        assert [text.get_text() for text in fig.texts] == ["No run has a test score: nothing to plot."]
    finally:
        plt.close(fig)
