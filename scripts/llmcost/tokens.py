"""Token usage of prompt-optimization runs: per-step amounts, run totals, seed means.

Semantics of the CAPO token-usage notebook: a run's totals are the sums over
its steps of each step's (first row's) token counts; a cell (dataset, model,
optimizer) reports the mean and sample standard deviation (ddof=1) over its
seeds, and ``frac_downstream_llm`` = mean downstream input / (mean meta input
+ mean downstream input).
"""

from __future__ import annotations

import pandas as pd

from .discovery import Run
from .errors import InputError
from .latex import booktabs, escape, fmt_number, fmt_pm
from .steplogs import TOKEN_COLUMNS, first_row_per_step, read_step_log

RUN_KEYS = ["dataset", "model", "optimizer", "seed", "run"]
CELL_KEYS = ["dataset", "model", "optimizer"]


def run_steps(run: Run) -> pd.DataFrame:
    """One row per optimizer step of ``run``: its identifiers, step and four token counts."""
    steps = first_row_per_step(read_step_log(run.log_path), source=run.run)
    for position, key in enumerate(RUN_KEYS):
        steps.insert(position, key, getattr(run, key))
    return steps


def steps_of_runs(runs: list[Run]) -> pd.DataFrame:
    """The per-step table of several runs, in the order given."""
    return pd.concat([run_steps(run) for run in runs], ignore_index=True)


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

    Runs are aligned by step number; a run that ended before the longest one
    keeps its final total for the later steps (it spent nothing more).
    Columns: dataset, model, step, then ``{meta,downstream}_{mean,min,max}``.
    """
    chosen = rows_of_optimizer(steps, optimizer)
    rows = []
    for (dataset, model), cell in chosen.groupby(["dataset", "model"], sort=True):
        all_steps = pd.Index(sorted(cell["step"].unique()), name="step")
        per_run = {}
        for role in ("meta", "downstream"):
            wide = cell.pivot_table(index="step", columns="run", values=f"input_tokens_{role}_llm",
                                    aggfunc="first")
            per_run[role] = wide.reindex(all_steps).fillna(0).cumsum()
        frame = pd.DataFrame(index=all_steps)
        for role, wide in per_run.items():
            frame[f"{role}_mean"] = wide.mean(axis=1)
            frame[f"{role}_min"] = wide.min(axis=1)
            frame[f"{role}_max"] = wide.max(axis=1)
        frame.insert(0, "model", model)
        frame.insert(0, "dataset", dataset)
        rows.append(frame.reset_index())
    return pd.concat(rows, ignore_index=True)


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
