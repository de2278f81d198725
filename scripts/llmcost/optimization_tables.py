"""LaTeX tables of the optimization stage: optimizer scores at a token budget, racing savings.

Each function returns a booktabs ``tabular`` whose notes (what ``--`` and the
marks mean) are rows under ``\\bottomrule``, present only when used; it
compiles in a plain article with booktabs and multirow.
"""

from __future__ import annotations

import math

import pandas as pd

from .errors import InputError
from .latex import booktabs, escape
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
    marks = set()

    def shown(key) -> str:
        n, mean, std = n_runs[key], means[key], cells["test_score_std_pct"][key]
        if n == 0:
            marks.add("a")
            return r"--\textsuperscript{a}"
        text = f"{mean:.2f}" if n == 1 else f"{mean:.2f} \\pm {std:.2f}"
        text = f"{{\\boldmath${text}$}}" if mean == best[key] else f"${text}$"
        mark = "b" if n == 1 else "c" if n < most else ""
        if mark:
            marks.add(mark)
            text += f"\\textsuperscript{{{mark}}}"
        return text

    average = means.groupby(["model", "optimizer"]).agg(["mean", "count"])
    # comparable only when all of a model's optimizers average the same (all) datasets
    complete = (average["count"] == len(datasets)).groupby("model").transform("all")
    best_average = average["mean"].where(complete).groupby("model").transform("max")
    rows = {}
    for model in models:
        for optimizer in optimizers:
            row = {escape(str(d)): shown((model, optimizer, d)) for d in datasets}
            mean, count = average.loc[(model, optimizer), "mean"], average.loc[(model, optimizer), "count"]
            if count == 0:
                marks.add("a")
                text = r"--\textsuperscript{a}"
            else:
                bold = mean == best_average[(model, optimizer)]
                text = f"{{\\boldmath${mean:.2f}$}}" if bold else f"${mean:.2f}$"
                if count < len(datasets):
                    text += f" ({count}/{len(datasets)})"
                    marks.add("k")
            row["Average"] = text
            rows[(escape(str(model)), escape(str(optimizer)))] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.names = ["Model", "Optimizer"]
    text = _rules_between_blocks(booktabs(frame, column_format="ll" + "r" * len(frame.columns),
                                          multirow=True))
    lowered = sorted(set(n_runs[(n_runs > 1) & (n_runs < most)]))
    notes = {
        "a": f"$^{{a}}$ no seed has a test score from a step below {_tokens(budget)} input tokens",
        "b": "$^{b}$ one seed: no standard deviation",
        "c": f"$^{{c}}$ over fewer seeds ({' or '.join(map(str, lowered))}) than the table's "
             f"other cells (up to {most})",
        "k": "(k/N): the average over the k of N datasets that have a score",
    }
    return _with_notes(text, [notes[mark] for mark in ("a", "b", "c", "k") if mark in marks],
                       len(frame.columns) + 2)


def racing_savings_table(cells: pd.DataFrame) -> str:
    """Evaluations saved by racing [%]: per optimizer with racing logs, datasets x models.

    ``cells`` is ``optimization.racing_savings``' table. The last column is
    each dataset's mean over models, each optimizer's last row the models'
    means over datasets, and its corner the overall mean over all its cells
    (all from the unrounded ratios). A (dataset, model) without racing logs
    is "--" (a). Without any racing log the tabular says so.
    """
    if cells.empty:
        return ("\\begin{tabular}{l}\n\\toprule\nNo run has a racing log (prompt\\_scores.parquet).\\\\\n"
                "\\bottomrule\n\\end{tabular}\n")
    datasets, models = sorted(cells["dataset"].unique()), sorted(cells["model"].unique())
    blocks = []
    marks = set()
    for optimizer, group in cells.groupby("optimizer", sort=True):
        pct = group.pivot(index="dataset", columns="model", values="saved_ratio").reindex(
            index=datasets, columns=models) * 100
        table = pct.copy()
        table["Mean"] = pct.mean(axis=1)
        table.loc["Mean"] = list(pct.mean(axis=0)) + [group["saved_ratio"].mean() * 100]
        shown = table.map(lambda v: r"--\textsuperscript{a}" if math.isnan(v) else f"{v:.1f}")
        marks.update("a" for v in table.to_numpy().ravel() if math.isnan(v))
        shown.index = pd.MultiIndex.from_product([[escape(str(optimizer))],
                                                  [escape(str(d)) for d in shown.index]])
        blocks.append(shown)
    frame = pd.concat(blocks)
    frame.columns = [escape(str(model)) for model in frame.columns]
    frame.index.names = ["Optimizer", "Dataset"]
    text = _rules_between_blocks(booktabs(frame, column_format="ll" + "r" * len(frame.columns),
                                          multirow=True))
    lines = text.splitlines()
    for i in reversed(range(len(lines))):  # a rule above each optimizer's Mean row
        if lines[i].split(" & ")[1:2] == ["Mean"]:
            lines.insert(i, rf"\cmidrule(l){{2-{len(frame.columns) + 2}}}")
    text = "\n".join(lines) + "\n"
    notes = ["$^{a}$ no racing log (prompt\\_scores.parquet) for this dataset and model"] if marks else []
    return _with_notes(text, notes, len(frame.columns) + 2)


def _rules_between_blocks(text: str) -> str:
    r"""A ``\midrule`` above each ``\multirow`` block but the first."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(r"\multirow")]
    for i in reversed(starts[1:]):
        lines.insert(i, r"\midrule")
    return "\n".join(lines) + "\n"


def _with_notes(text: str, notes: list[str], columns: int) -> str:
    """Each note as a row of its own under the bottom rule."""
    rows = [rf"\multicolumn{{{columns}}}{{l}}{{\footnotesize {note}}} \\" for note in notes]
    return text.replace("\\end{tabular}", "\n".join([*rows, "\\end{tabular}"]))


def _tokens(budget: float) -> str:
    """``5M``, ``2.5M``, ``750k``: a budget for a note."""
    if budget >= 1e6:
        return f"{budget / 1e6:g}M"
    return f"{budget / 1e3:g}k" if budget >= 1e3 else f"{budget:g}"
