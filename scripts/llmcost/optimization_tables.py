"""LaTeX tables of the optimization stage: optimizer scores at a token budget, racing savings.

Each function returns a booktabs ``tabular`` whose notes (what ``--`` and the
marks mean) are rows under ``\\bottomrule``, present only when used; it
compiles in a plain article with booktabs and multirow.
"""

from __future__ import annotations

import math

import pandas as pd

from .errors import InputError
from .latex import (LATEX, Notes, booktabs, fewer_seeds_note, partial, rules_between_blocks,
                    seed_mark, with_notes)
from .optimization import budget_label


def optimizer_scores_table(scores: pd.DataFrame, budget: float) -> str:
    """Test score [%] at ``budget``: per model a block of optimizer rows, one column per dataset.

    A cell is "mean ± std" over the seeds that contribute (scores.csv); the
    best optimizer of each dataset and model is bold (every one, on a tie).
    The last column is each optimizer's mean over datasets, with "(k/N)" when
    it averages only the k of N datasets that have a score; its best is bold
    only when all the model's optimizers average all N. Marks: a cell without
    a contributing seed is "--" (a), a single seed has no ± part (b), fewer
    seeds than the table's most (c).
    """
    frame, notes = optimizer_scores_cells(scores, budget, LATEX)
    text = rules_between_blocks(booktabs(frame, column_format="ll" + "r" * len(frame.columns),
                                         multirow=True))
    return with_notes(text, notes, len(frame.columns) + 2)


def optimizer_scores_cells(scores: pd.DataFrame, budget: float, m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``optimizer_scores_table`` written in markup ``m``, and its notes."""
    at = scores[scores["budget_tokens"] == float(budget)]
    if at.empty:
        found = ", ".join(budget_label(b) for b in sorted(scores["budget_tokens"].unique()))
        raise InputError(f"config optimization.table_budget is {budget_label(budget)}, which is not "
                         f"among the budgets scored ({found}). Add it to optimization.budgets.")
    datasets, models, optimizers = (sorted(scores[key].unique()) for key in ("dataset", "model", "optimizer"))
    cells = at.set_index(["model", "optimizer", "dataset"]).reindex(
        pd.MultiIndex.from_product([models, optimizers, datasets], names=["model", "optimizer", "dataset"]))
    n_runs = cells["n_runs"].fillna(0).astype(int)
    means = cells["test_score_mean_pct"].where(n_runs > 0)
    most = int(n_runs.max())
    best = means.groupby(["model", "dataset"]).transform("max")
    lowered = n_runs[(n_runs > 1) & (n_runs < most)]
    notes = Notes(m, {
        "a": f"{m.note_mark('a')} no seed has a test score from a step below {_tokens(budget)} input tokens",
        "b": f"{m.note_mark('b')} one seed: no standard deviation",
        "c": fewer_seeds_note(m, lowered, most),
        "k": "(k/N): the average over the k of N datasets that have a score",
    })

    def shown(key) -> str:
        n, mean, std = n_runs[key], means[key], cells["test_score_std_pct"][key]
        if n == 0:
            return m.missing + notes.mark("a")
        mark = seed_mark(n, most)
        return m.pm(mean, std if n > 1 else None, 2, bold=mean == best[key]) + (notes.mark(mark) if mark else "")

    average = means.groupby(["model", "optimizer"]).agg(["mean", "count"])
    # comparable only when all of a model's optimizers average the same (all) datasets
    complete = (average["count"] == len(datasets)).groupby("model").transform("all")
    best_average = average["mean"].where(complete).groupby("model").transform("max")
    rows = {}
    for model in models:
        for optimizer in optimizers:
            row = {m.text(d): shown((model, optimizer, d)) for d in datasets}
            mean, count = average.loc[(model, optimizer), "mean"], average.loc[(model, optimizer), "count"]
            if count == 0:
                text = m.missing + notes.mark("a")
            else:
                text = partial(m.pm(mean, None, 2, bold=mean == best_average[(model, optimizer)]),
                               count, len(datasets))
                if count < len(datasets):
                    notes.use("k")
            row["Average"] = text
            rows[(m.text(model), m.text(optimizer))] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.names = ["Model", "Optimizer"]
    return frame, list(notes)


def racing_savings_table(cells: pd.DataFrame) -> str:
    """Evaluations saved by racing [%]: per optimizer with racing logs, datasets x models.

    ``cells`` is ``optimization.racing_savings``' table. The last column is
    each dataset's mean over models, each optimizer's last row the models'
    means over datasets, and its corner the overall mean over all its cells
    (all from the unrounded ratios); a mean over fewer than all its cells
    says "(k/N)". A (dataset, model) without racing logs is "--" (a). Without
    any racing log the tabular says so.
    """
    if cells.empty:
        return ("\\begin{tabular}{l}\n\\toprule\nNo run has a racing log (prompt\\_scores.parquet).\\\\\n"
                "\\bottomrule\n\\end{tabular}\n")
    frame, notes = racing_savings_cells(cells, LATEX)
    text = rules_between_blocks(booktabs(frame, column_format="ll" + "r" * len(frame.columns),
                                         multirow=True))
    lines = text.splitlines()
    for i in reversed(range(len(lines))):  # a rule above each optimizer's Mean row
        if lines[i].split(" & ")[1:2] == ["Mean"]:
            lines.insert(i, rf"\cmidrule(l){{2-{len(frame.columns) + 2}}}")
    text = "\n".join(lines) + "\n"
    return with_notes(text, notes, len(frame.columns) + 2)


def racing_savings_cells(cells: pd.DataFrame, m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``racing_savings_table`` written in markup ``m``, and its notes."""
    if cells.empty:  # an empty table with a note (a cell under no header breaks the HTML table)
        return (pd.DataFrame(columns=["Mean"], index=pd.Index([], name="Optimizer")),
                [f"No run has a racing log ({m.text('prompt_scores.parquet')}): nothing to report."])
    datasets, models = sorted(cells["dataset"].unique()), sorted(cells["model"].unique())
    notes = Notes(m, {"a": f"{m.note_mark('a')} no racing log ({m.text('prompt_scores.parquet')}) for "
                           "this dataset and model",
                      "k": "(k/N): the mean over the k of N cells that have a racing log"})

    def shown(value: float, count: int, total: int) -> str:
        if math.isnan(value):
            return m.missing + notes.mark("a")
        if count < total:
            notes.use("k")
        return partial(f"{value:.1f}", count, total)

    blocks = []
    for optimizer, group in cells.groupby("optimizer", sort=True):
        pct = group.pivot(index="dataset", columns="model", values="saved_ratio").reindex(
            index=datasets, columns=models) * 100
        present = pct.notna()
        rows = [[shown(pct.loc[d, model], 1, 1) for model in models]
                + [shown(pct.loc[d].mean(), present.loc[d].sum(), len(models))] for d in datasets]
        rows.append([shown(pct[model].mean(), present[model].sum(), len(datasets)) for model in models]
                    + [shown(group["saved_ratio"].mean() * 100, len(group), len(datasets) * len(models))])
        shown_block = pd.DataFrame(rows, columns=[*models, "Mean"])
        shown_block.index = pd.MultiIndex.from_product([[m.text(optimizer)],
                                                        [*(m.text(d) for d in datasets), "Mean"]])
        blocks.append(shown_block)
    frame = pd.concat(blocks)
    frame.columns = [*(m.text(model) for model in models), "Mean"]
    frame.index.names = ["Optimizer", "Dataset"]
    return frame, list(notes)


def _tokens(budget: float) -> str:
    """``5M``, ``2.5M``, ``750k``: a budget for a note."""
    if budget >= 1e6:
        return f"{budget / 1e6:g}M"
    return f"{budget / 1e3:g}k" if budget >= 1e3 else f"{budget:g}"
