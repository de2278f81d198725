"""What prompt optimization buys for its tokens: score at token budgets, score curve,
racing savings, wall-clock (the semantics of the CAPO authors' analysis code).

Input is the per-step table of many runs that the reading jobs write: the run
identifiers ``dataset, model, optimizer, seed, run``, ``step``, the four token
columns, and ``optimization_logs.STEP_SCORE_COLUMNS``; racing counts come as a
per-run table (identifiers, ``evaluated_blocks``, ``full_blocks``).

- **Cumulative input tokens** of a run at a step: the sum over its steps up to
  that one of meta plus downstream input tokens.
- **Score at a budget b**: per run, the last step with a candidate whose
  cumulative input tokens are below b, and its best-train prompt's
  test_score; a run with no such step contributes nothing at b. Per cell
  (dataset, model, optimizer): mean and population std (ddof=0) over the
  contributing runs, in percent, and their count.
- **Score curve**: per run and step, the candidates' mean test_score at the
  step's cumulative input tokens, carried forward onto the union of the
  cell's token counts; mean and population std over the runs that have a
  step at or below each count (a run counts from its first step on).
- **Racing savings** per cell: ``1 - mean(evaluated) / mean(full)`` over its
  runs with a racing log; the overall mean over an optimizer's cells.
- **Wall-clock** of a run: the sum over its steps of their own durations
  (``time_elapsed_s``: CAPO's logger writes each step's own duration, the first
  step's counted from the run's start; a cumulative log's is read as the gaps
  between its values, ``elapsed.py``), so the seconds from the run's start to
  its last step (the bundled runs' sums match their timestamp spans to about a
  second).

Runs without a test_score are left out of the score artifacts, with one
warning naming them; they keep their tokens, racing and wall-clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .discovery import CELL_KEYS, RUN_KEYS
from .steplogs import INPUT_COLUMNS, input_tokens
from .summation import mean, total

log = logging.getLogger("llmcost")

RACING_COLUMNS = ["evaluated_blocks", "full_blocks"]
#: the step columns the scores at budgets read: taking rows of the step table's text columns was most
#: of this stage's time at 4000 runs, so the functions below take only what they read
SCORE_COLUMNS = [*RUN_KEYS, "step", "candidates", *INPUT_COLUMNS, "best_train_test_score"]
#: the step columns optimization_results reads
RESULT_COLUMNS = [*SCORE_COLUMNS, "has_test_score", "time_elapsed_s"]


def budget_label(budget: float) -> str:
    """A budget as it appears in column names and JSON keys: ``5000000``."""
    return f"{budget:.0f}" if float(budget).is_integer() else f"{budget:g}"


def with_cumulative_input_tokens(steps: pd.DataFrame) -> pd.DataFrame:
    """``steps`` sorted by run and step, with ``cumulative_input_tokens`` added."""
    ordered = steps.sort_values([*RUN_KEYS, "step"], kind="stable", ignore_index=True)
    ordered["cumulative_input_tokens"] = input_tokens(ordered).groupby(ordered["run"], sort=False).cumsum()
    return ordered


def runs_without_test_score(steps: pd.DataFrame) -> list[str]:
    """The runs (their folders) that have no test_score, sorted."""
    return sorted(steps.loc[~steps["has_test_score"].astype(bool), "run"].unique())


def leave_out_runs_without_test_score(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps of the runs that have a test_score; one warning names the others."""
    warn_about_runs_without_test_score(steps)
    return steps[steps["has_test_score"].astype(bool)]


def warn_about_runs_without_test_score(steps: pd.DataFrame) -> None:
    """One warning naming the runs that have no test_score, if any."""
    missing = runs_without_test_score(steps)
    if missing:
        log.warning("%d run(s) have no test_score and are left out of the score artifacts "
                    "(their tokens, racing and wall-clock still count): %s. Evaluate their "
                    "prompts on the test set (CAPO's scripts/evaluate_prompts.py writes "
                    "step_results_eval.csv) to include them.", len(missing), ", ".join(missing))


def scores_at_steps(ordered: pd.DataFrame) -> pd.DataFrame:
    """**The test score at a step** of a run: its best-train prompt's test_score, at each step
    with a candidate (a step without one has no score). ``ordered`` is steps as
    ``with_cumulative_input_tokens`` returns them; the result keeps their order, with the
    columns ``run``, ``step``, ``cumulative_input_tokens``, ``test_score``."""
    scored = ordered.loc[ordered["candidates"] > 0, ["run", "step", "cumulative_input_tokens", "best_train_test_score"]]
    return scored.rename(columns={"best_train_test_score": "test_score"})


def scores_at_budgets(steps: pd.DataFrame, budgets) -> pd.DataFrame:
    """Per run and budget: the step the score is read at and its test score there
    (``scores_at_steps``): the last step whose cumulative input tokens are below the budget.

    One row per run of ``steps`` and budget (``budget_tokens``); ``step`` is
    missing and ``test_score`` NaN where the run contributes nothing.
    """
    ordered = with_cumulative_input_tokens(steps[SCORE_COLUMNS])
    runs = ordered[RUN_KEYS].drop_duplicates(ignore_index=True)
    picks = scores_at_steps(ordered)
    tables = []
    for budget in budgets:
        below = picks[picks["cumulative_input_tokens"] < budget]
        last = below.drop_duplicates("run", keep="last")[["run", "step", "test_score"]]
        table = runs.merge(last, on="run", how="left")
        table.insert(len(RUN_KEYS), "budget_tokens", float(budget))
        tables.append(table)
    result = pd.concat(tables, ignore_index=True)
    result["step"] = result["step"].astype("Int64")
    return result


def score_summary(steps: pd.DataFrame, budgets) -> pd.DataFrame:
    """Per cell and budget (the content of scores.csv).

    Columns: the cell, ``budget_tokens``, ``n_seeds`` (runs in the cell),
    ``n_seeds_with_test_score``, ``n_runs`` (runs contributing at the
    budget), ``test_score_mean_pct``, ``test_score_std_pct`` (ddof=0).
    Runs without a test_score count in ``n_seeds`` only.
    """
    runs = steps[["run", *CELL_KEYS, "has_test_score"]].groupby("run", sort=False).first()
    seeds = runs.groupby(CELL_KEYS, sort=True).agg(
        n_seeds=("has_test_score", "size"), n_seeds_with_test_score=("has_test_score", "sum"))
    at = scores_at_budgets(steps.loc[steps["has_test_score"].astype(bool), SCORE_COLUMNS], budgets)
    at["test_score_pct"] = at["test_score"] * 100
    stats = _count_mean_std(at.groupby([*CELL_KEYS, "budget_tokens"], sort=True)["test_score_pct"],
                            "n_runs", "test_score")
    grid = pd.MultiIndex.from_tuples(
        [(*cell, float(budget)) for cell in seeds.index for budget in budgets],
        names=[*CELL_KEYS, "budget_tokens"])
    table = stats.reindex(grid).reset_index()
    table["n_runs"] = table["n_runs"].fillna(0).astype("int64")
    table = table.merge(seeds.reset_index(), on=CELL_KEYS)
    counts = ["n_seeds", "n_seeds_with_test_score", "n_runs"]
    table[counts] = table[counts].astype("int64")
    return table[[*CELL_KEYS, "budget_tokens", *counts, "test_score_mean_pct", "test_score_std_pct"]]


def score_curve(steps: pd.DataFrame) -> pd.DataFrame:
    """Per cell and cumulative input tokens: mean and std (ddof=0) over runs, in percent.

    Each run's candidate-mean test_score is carried forward from its step to
    the cell's later token counts (a step without one keeps the earlier
    value; of steps at equal token counts the last counts). Columns: the
    cell, ``cumulative_input_tokens``, ``n_runs``, ``test_score_mean_pct``,
    ``test_score_std_pct``. Runs without a test_score are left out (warned).
    """
    scored = leave_out_runs_without_test_score(steps)
    points = with_cumulative_input_tokens(scored).dropna(subset=["mean_test_score"])
    # sorted by run and step, so by run and tokens; at equal tokens the last step counts
    points = points.drop_duplicates(["run", "cumulative_input_tokens"], keep="last")
    cell = points.groupby(CELL_KEYS, sort=True).ngroup().to_numpy()
    run = points.groupby("run", sort=False).ngroup().to_numpy()  # increasing down the table
    tokens = points["cumulative_input_tokens"].to_numpy()
    # every run of a cell at every token count of that cell (integer keys: merges stay fast)
    grid = (pd.DataFrame({"cell": cell, "run": run}).drop_duplicates()
            .merge(pd.DataFrame({"cell": cell, "tokens": tokens}).drop_duplicates(), on="cell"))
    # carry forward: each grid point takes its run's last point at or below its token count
    # (run, rank of tokens) as one sortable integer: the points are in its order already
    ranks = np.unique(tokens)
    key = run.astype("int64") * len(ranks) + np.searchsorted(ranks, tokens)
    grid_run = grid["run"].to_numpy()
    grid_key = grid_run.astype("int64") * len(ranks) + np.searchsorted(ranks, grid["tokens"].to_numpy())
    last = np.searchsorted(key, grid_key, side="right") - 1
    started = (last >= 0) & (run[np.maximum(last, 0)] == grid_run)
    grid["test_score_pct"] = np.where(started, points["mean_test_score"].to_numpy()[last] * 100, np.nan)
    stats = _count_mean_std(grid.groupby(["cell", "tokens"], sort=True)["test_score_pct"],
                            "n_runs", "test_score").reset_index()
    names = points[CELL_KEYS].assign(cell=cell).drop_duplicates("cell").set_index("cell")
    stats = names.loc[stats.pop("cell")].reset_index(drop=True).join(stats)
    return stats.rename(columns={"tokens": "cumulative_input_tokens"})


def racing_savings(racing: pd.DataFrame) -> pd.DataFrame:
    """Per cell with racing logs: ``n_seeds``, mean evaluated and full blocks, ``saved_ratio``.

    ``racing`` has the cell keys and ``evaluated_blocks``, ``full_blocks``
    per run (runs.csv will do; rows without counts are skipped).
    """
    rows = racing.dropna(subset=RACING_COLUMNS)
    grouped = rows.groupby(CELL_KEYS, sort=True)
    cells = grouped.agg(n_seeds=("evaluated_blocks", "size"),
                        evaluated_blocks_mean=("evaluated_blocks", "mean"),
                        full_blocks_mean=("full_blocks", "mean"))
    cells["saved_ratio"] = 1 - cells["evaluated_blocks_mean"] / cells["full_blocks_mean"]
    return cells.reset_index()


def overall_saved_ratio(cells: pd.DataFrame) -> dict[str, float]:
    """Mean of saved_ratio over each optimizer's cells (only optimizers with racing logs)."""
    return {optimizer: mean(group["saved_ratio"])
            for optimizer, group in cells.groupby("optimizer", sort=True)}


def wall_clock_hours(steps: pd.DataFrame) -> pd.Series:
    """Per run (indexed by ``run``): hours from its start to its last step; NaN without time_elapsed."""
    return steps.groupby("run", sort=True)["time_elapsed_s"].sum(min_count=1) / 3600


def wall_clock_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per cell: ``n_runs`` with a wall-clock, its mean and std (ddof=0) in hours."""
    timed = runs.dropna(subset=["wall_clock_hours"])
    grouped = timed.groupby(CELL_KEYS, sort=True)["wall_clock_hours"]
    return _count_mean_std(grouped, "n_runs", "wall_clock_hours", unit="").reset_index()


def _count_mean_std(grouped, count: str, name: str, unit: str = "_pct") -> pd.DataFrame:
    """``count``, ``{name}_mean{unit}`` and ``{name}_std{unit}`` (ddof=0) of a grouped column."""
    return pd.DataFrame({count: grouped.count(), f"{name}_mean{unit}": grouped.mean(),
                         f"{name}_std{unit}": grouped.std(ddof=0)})


def run_table(steps: pd.DataFrame, racing: pd.DataFrame | None, budgets) -> pd.DataFrame:
    """One row per run (the content of runs.csv).

    Columns: identifiers, ``steps``, ``final_cumulative_input_tokens``,
    ``has_test_score``, ``test_score_pct_at_{budget}`` per budget (empty where
    the run contributes nothing), ``wall_clock_hours``, ``evaluated_blocks``
    and ``full_blocks`` (empty without a racing log).
    """
    ordered = with_cumulative_input_tokens(steps[RESULT_COLUMNS])
    grouped = ordered.groupby("run", sort=False)
    runs = grouped[RUN_KEYS].first().reset_index(drop=True)
    runs["steps"] = grouped.size().to_numpy()
    runs["final_cumulative_input_tokens"] = grouped["cumulative_input_tokens"].last().to_numpy()
    runs["has_test_score"] = grouped["has_test_score"].first().astype(bool).to_numpy()
    scored = ordered.loc[ordered["has_test_score"].astype(bool), SCORE_COLUMNS]
    at = scores_at_budgets(scored, budgets)
    for budget in budgets:
        score = at[at["budget_tokens"] == float(budget)].set_index("run")["test_score"]
        runs[f"test_score_pct_at_{budget_label(budget)}"] = runs["run"].map(score * 100)
    runs["wall_clock_hours"] = runs["run"].map(wall_clock_hours(ordered[["run", "time_elapsed_s"]]))
    counts = (racing.set_index("run")[RACING_COLUMNS] if racing is not None and len(racing)
              else pd.DataFrame(columns=RACING_COLUMNS))
    for column in RACING_COLUMNS:
        runs[column] = runs["run"].map(counts[column]).astype("Int64")
    return runs.sort_values(RUN_KEYS, ignore_index=True)


@dataclass
class OptimizationResults:
    """The stage's data artifacts: runs.csv, scores.csv and summary.json."""

    runs: pd.DataFrame
    scores: pd.DataFrame
    summary: dict


def optimization_results(steps: pd.DataFrame, racing: pd.DataFrame | None, budgets) -> OptimizationResults:
    """runs.csv, scores.csv and summary.json from the per-step table and the racing counts."""
    budgets = sorted(float(budget) for budget in budgets)
    warn_about_runs_without_test_score(steps)  # the one warning; the functions below skip them
    runs = run_table(steps, racing, budgets)
    scores = score_summary(steps, budgets)
    return OptimizationResults(runs, scores, summary_document(runs, scores, budgets))


def summary_document(runs: pd.DataFrame, scores: pd.DataFrame, budgets) -> dict:
    """The content of summary.json: budgets, overall numbers, and one record per cell."""
    racing_cells = racing_savings(runs)
    racing = racing_cells.set_index(CELL_KEYS).to_dict(orient="index")
    wall_clock = wall_clock_summary(runs).set_index(CELL_KEYS).to_dict(orient="index")
    cells = []
    for cell, cell_scores in scores.groupby(CELL_KEYS, sort=True):
        first = cell_scores.iloc[0]
        record = dict(zip(CELL_KEYS, cell))
        record["n_seeds"] = first["n_seeds"]
        record["n_seeds_with_test_score"] = first["n_seeds_with_test_score"]
        record["scores"] = {
            budget_label(row["budget_tokens"]): {
                "n_runs": row["n_runs"], "test_score_mean_pct": row["test_score_mean_pct"],
                "test_score_std_pct": row["test_score_std_pct"]}
            for _, row in cell_scores.iterrows()}
        record["racing"] = racing.get(cell)
        record["wall_clock"] = wall_clock.get(cell)
        cells.append(record)
    timed = runs["wall_clock_hours"].dropna()
    return {
        "budgets_tokens": [float(budget) for budget in budgets],
        "racing_saved_ratio_overall_mean": overall_saved_ratio(racing_cells),
        "wall_clock_hours_total": total(timed),
        "wall_clock_runs": int(len(timed)),
        "runs_without_wall_clock": sorted(runs.loc[runs["wall_clock_hours"].isna(), "run"]),
        "runs_without_test_score": sorted(runs.loc[~runs["has_test_score"], "run"]),
        "cells": cells,
    }
