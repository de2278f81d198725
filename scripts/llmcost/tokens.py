"""Token usage of prompt-optimization runs: per-step amounts, run totals, seed means.

Semantics of the CAPO token-usage notebook: a run's totals are the sums over
its steps of each step's (first row's) token counts; a cell (dataset, model,
optimizer) reports the mean and sample standard deviation (ddof=1) over its
seeds, and ``frac_downstream_llm`` = mean downstream input / (mean meta input
+ mean downstream input).
"""

from __future__ import annotations

import math

import pandas as pd

from .discovery import CELL_KEYS, RUN_KEYS
from .errors import InputError
from .latex import LATEX, Notes, booktabs, fewer_seeds_note, partial, seed_mark, with_notes
from .quantities import BY_NAME, TOKEN_USAGE_TABLE, table_columns
from .steplogs import TOKEN_COLUMNS
from .summation import mean


#: the step columns run_totals reads
TOTALS_COLUMNS = [*RUN_KEYS, *TOKEN_COLUMNS]

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
    return {optimizer: mean(cells["frac_downstream_llm"])
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
    cells (all computed from the unrounded fractions). A cell without a value
    is "--": no run of the optimizer there (a), or its runs record no input
    tokens (z); a mean without a cell to average is "--" (m); a mean over only
    k of its N cells says "(k/N)".
    """
    frame, notes = token_fraction_cells(summary, optimizer, LATEX)
    text = booktabs(frame, column_format="l" + "r" * len(frame.columns), midrule_before="Mean")
    return with_notes(text, notes, len(frame.columns) + 1)


def token_fraction_cells(summary: pd.DataFrame, optimizer: str, m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``token_fraction_table`` written in markup ``m``, and its notes."""
    cells = rows_of_optimizer(summary, optimizer)
    datasets, models = sorted(summary["dataset"].unique()), sorted(summary["model"].unique())
    pct = DOWNSTREAM_SHARE.in_unit(cells.pivot(index="dataset", columns="model", values="frac_downstream_llm")
                                   .reindex(index=datasets, columns=models))
    present = pct.notna()
    ran = set(cells[["dataset", "model"]].itertuples(index=False, name=None))
    notes = Notes(m, {
        "a": f"{m.note_mark('a')} no run of {m.text(optimizer)} on this dataset and model",
        "z": f"{m.note_mark('z')} its runs record no input tokens: the share is undefined",
        "m": f"{m.note_mark('m')} no cell with a value to average",
        "k": "(k/N): the mean over the k of N cells that have a value",
    })

    def shown(value: float, count: int = 1, total: int = 1, missing: str = "m") -> str:
        if count == 0 or math.isnan(value):
            return m.missing + notes.mark(missing)
        if count < total:
            notes.use("k")
        return partial(m.number(value, DOWNSTREAM_SHARE.in_table), count, total)

    rows = [[shown(pct.loc[d, model], missing="z" if (d, model) in ran else "a") for model in models]
            + [shown(mean(pct.loc[d]), present.loc[d].sum(), len(models))] for d in datasets]
    rows.append([shown(mean(pct[model]), present[model].sum(), len(datasets)) for model in models]
                + [shown(DOWNSTREAM_SHARE.in_unit(mean(cells["frac_downstream_llm"])),
                         cells["frac_downstream_llm"].notna().sum(),
                         len(datasets) * len(models))])
    frame = pd.DataFrame(rows, index=[*(m.text(d) for d in datasets), "Mean"],
                         columns=[*(m.text(model) for model in models), "Mean"])
    return frame, list(notes)


#: the four token totals the usage table shows, in their declared order (quantities.py)
TOKEN_TOTALS = table_columns(TOKEN_USAGE_TABLE)
#: the quantity of the fraction table
DOWNSTREAM_SHARE = BY_NAME["frac_downstream_llm"]


def token_usage_table(summary: pd.DataFrame, optimizer: str) -> str:
    """Mean +- std over seeds of the four token totals, in millions, per dataset and model.

    A dataset and model without a run of ``optimizer`` is a row of "--" (a);
    a single seed's totals have no ± part (b); fewer seeds than the table's
    most are marked (c).
    """
    frame, notes = token_usage_cells(summary, optimizer, LATEX)
    text = booktabs(frame, column_format="ll" + "r" * len(TOKEN_TOTALS), multirow=True)
    return with_notes(text, notes, len(frame.columns) + 2)


def token_usage_cells(summary: pd.DataFrame, optimizer: str, m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``token_usage_table`` written in markup ``m``, and its notes."""
    cells = rows_of_optimizer(summary, optimizer).set_index(["dataset", "model"])
    grid = pd.MultiIndex.from_product([sorted(summary["dataset"].unique()), sorted(summary["model"].unique())])
    cells = cells.reindex(grid)
    n_seeds = cells["n_seeds"].fillna(0).astype(int)
    most = int(n_seeds.max())
    notes = Notes(m, {
        "a": f"{m.note_mark('a')} no run of {m.text(optimizer)} on this dataset and model",
        "b": f"{m.note_mark('b')} one seed: no standard deviation",
        "c": fewer_seeds_note(m, n_seeds[(n_seeds > 1) & (n_seeds < most)], most),
    })

    def shown(total, n: int, mean: float, std: float) -> str:
        if n == 0:
            return m.missing + notes.mark("a")
        mark = seed_mark(n, most)
        return m.pm(total.in_unit(mean), total.in_unit(std), total.in_table) + (notes.mark(mark) if mark else "")

    frame = pd.DataFrame({
        m.symbols[total.name]: [shown(total, n, mean, std) for n, mean, std in
                                zip(n_seeds, cells[f"{total.name}_mean"], cells[f"{total.name}_std"])]
        for total in TOKEN_TOTALS
    })
    frame.index = pd.MultiIndex.from_arrays(
        [grid.get_level_values(0).map(m.text), grid.get_level_values(1).map(m.text)], names=["Dataset", "Model"])
    return frame, list(notes)
