"""Token usage of prompt-optimization runs: per-step amounts, run totals, seed means.

Semantics of the CAPO token-usage notebook: a run's totals are the sums over
its steps of each step's (first row's) token counts; a cell (dataset, model,
optimizer) reports the mean and sample standard deviation (ddof=1) over its
seeds, and ``frac_downstream_llm`` = mean downstream input / (mean meta input
+ mean downstream input).
"""

from __future__ import annotations

import pandas as pd

from .discovery import CELL_KEYS, RUN_KEYS
from .errors import InputError
from .latex import booktabs, escape, fmt_number, fmt_pm
from .steplogs import TOKEN_COLUMNS


def run_totals(steps: pd.DataFrame) -> pd.DataFrame:
    """One row per run: identifiers, number of steps, and the four token totals."""
    grouped = steps.groupby(RUN_KEYS, sort=True)
    totals = grouped[TOKEN_COLUMNS].sum()
    totals.insert(0, "steps", grouped.size())
    return totals.reset_index()


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model, optimizer): n_seeds, mean and std of each total, frac_downstream_llm."""
    grouped = runs.groupby(CELL_KEYS, sort=True)
    summary = pd.DataFrame({"n_seeds": grouped.size()})
    for column in TOKEN_COLUMNS:
        summary[f"{column}_mean"] = grouped[column].mean()
        summary[f"{column}_std"] = grouped[column].std(ddof=1)
    summary["frac_downstream_llm"] = summary["input_tokens_downstream_llm_mean"] / (
        summary["input_tokens_meta_llm_mean"] + summary["input_tokens_downstream_llm_mean"]
    )
    return summary.reset_index()


def overall_frac(summary: pd.DataFrame) -> dict[str, float]:
    """Mean of frac_downstream_llm over each optimizer's cells."""
    return {optimizer: float(cells["frac_downstream_llm"].mean())
            for optimizer, cells in summary.groupby("optimizer", sort=True)}


def summary_document(summary: pd.DataFrame) -> dict:
    """The content of summary.json: the overall means and one record per cell."""
    return {
        "frac_downstream_llm_overall_mean": overall_frac(summary),
        "cells": summary.to_dict(orient="records"),
    }


def cumulative_input(steps: pd.DataFrame, optimizer: str) -> pd.DataFrame:
    """Cumulative meta and downstream input tokens over steps, mean/min/max over seeds.

    Runs are aligned by step number within each (dataset, model); a run that
    ended before the longest one keeps its final total for the later steps (it
    spent nothing more). Columns: dataset, model, step, then
    ``{meta,downstream}_{mean,min,max}``.
    """
    chosen = rows_of_optimizer(steps, optimizer).sort_values(["run", "step"])
    cumulative = chosen[["dataset", "model", "run", "step"]].copy()
    by_run = chosen.groupby("run", sort=False)
    for role in ("meta", "downstream"):
        cumulative[role] = by_run[f"input_tokens_{role}_llm"].cumsum()
    # every run of a cell at every step any run of that cell reached
    runs = cumulative[["dataset", "model", "run"]].drop_duplicates()
    cell_steps = cumulative[["dataset", "model", "step"]].drop_duplicates()
    grid = runs.merge(cell_steps, on=["dataset", "model"]).merge(
        cumulative, on=["dataset", "model", "run", "step"], how="left")
    grid = grid.sort_values(["run", "step"])
    grid[["meta", "downstream"]] = grid.groupby("run", sort=False)[["meta", "downstream"]].ffill().fillna(0)
    stats = grid.groupby(["dataset", "model", "step"], sort=True).agg(
        meta_mean=("meta", "mean"), meta_min=("meta", "min"), meta_max=("meta", "max"),
        downstream_mean=("downstream", "mean"), downstream_min=("downstream", "min"),
        downstream_max=("downstream", "max"))
    return stats.reset_index()


def rows_of_optimizer(frame: pd.DataFrame, optimizer: str) -> pd.DataFrame:
    """The rows of ``optimizer`` (the config's table_optimizer); an InputError if it has none."""
    rows = frame[frame["optimizer"] == optimizer]
    if rows.empty:
        found = ", ".join(sorted(frame["optimizer"].unique()))
        raise InputError(f"config tokens.table_optimizer is '{optimizer}', but the runs have no such "
                         f"optimizer (found: {found}). Set tokens.table_optimizer to one of those.")
    return rows


def token_fraction_table(summary: pd.DataFrame, optimizer: str) -> str:
    """Datasets x models: frac_downstream_llm in percent (one decimal), with means.

    The last column is each dataset's mean over models, the last row each
    model's mean over datasets, and their corner the overall mean over all
    cells (all computed from the unrounded fractions).
    """
    cells = rows_of_optimizer(summary, optimizer)
    pct = cells.pivot(index="dataset", columns="model", values="frac_downstream_llm") * 100
    table = pct.copy()
    table["Mean"] = pct.mean(axis=1)
    table.loc["Mean"] = list(pct.mean(axis=0)) + [cells["frac_downstream_llm"].mean() * 100]
    shown = table.map(lambda v: fmt_number(v, 1))
    shown.index = [escape(name) for name in shown.index]
    shown.columns = [escape(name) for name in shown.columns]
    shown.index.name = None
    shown.columns.name = None
    return booktabs(shown, column_format="l" + "r" * len(shown.columns), midrule_before="Mean")


TOKEN_LABELS = {
    "input_tokens_meta_llm": "Meta in [M]",
    "output_tokens_meta_llm": "Meta out [M]",
    "input_tokens_downstream_llm": "Downstream in [M]",
    "output_tokens_downstream_llm": "Downstream out [M]",
}


def token_usage_table(summary: pd.DataFrame, optimizer: str) -> str:
    """Mean +- std over seeds of the four token totals, in millions, per dataset and model."""
    cells = rows_of_optimizer(summary, optimizer)
    shown = pd.DataFrame({
        label: [fmt_pm(m / 1e6, s / 1e6, 3) for m, s in
                zip(cells[f"{column}_mean"], cells[f"{column}_std"])]
        for column, label in TOKEN_LABELS.items()
    })
    shown.index = pd.MultiIndex.from_arrays(
        [cells["dataset"].map(escape), cells["model"].map(escape)], names=["Dataset", "Model"])
    return booktabs(shown, column_format="ll" + "r" * len(TOKEN_LABELS), multirow=True)
