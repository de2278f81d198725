"""LaTeX tables of the optimization stage: optimizer scores at a token budget, racing savings,
the optimizers compared pair by pair (probability of improvement, score difference, intervals).

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
from .optimizer_comparison import BETTER, TOO_FEW_RUNS, WORSE
from .quantities import BY_NAME
from .summation import mean

#: the quantities the tables show (quantities.py): their labels, units and decimals
SCORE, SAVED = BY_NAME["test_score"], BY_NAME["saved_ratio"]
TASKS, P_IMPROVEMENT, DELTA, P_VALUE = (BY_NAME[name] for name in (
    "comparison_tasks_count", "P_improvement", "delta_score", "permutation_p_value"))

def optimizer_scores_table(scores: pd.DataFrame, budget: float) -> str:
    """Test score [%] at ``budget``: per model a block of optimizer rows, one column per dataset.

    A cell is "mean ± std" over the seeds that contribute (scores.csv); the
    best optimizer of each dataset and model is bold (every one, on a tie)
    where at least two have a score there. The last column is each
    optimizer's mean over datasets, with "(k/N)" when it averages only the k
    of N datasets that have a score; its best is bold only when at least two
    of the model's optimizers average, all of them over all N. A cell without
    a contributing seed is "--", marked by why: no run of the optimizer there
    (a), runs without a test score (s), or no seed with a test score from a
    step below the budget (o); an average without a dataset to average, "--"
    (m). A single seed has no ± part (b), fewer seeds than the table's most (c).
    """
    frame, notes = optimizer_scores_cells(scores, budget, LATEX)
    text = rules_between_blocks(booktabs(frame, column_format="ll" + "r" * len(frame.columns),
                                         multirow=True))
    return with_notes(text, notes, len(frame.columns) + 2)


def scores_grid(scores: pd.DataFrame, budget: float) -> pd.DataFrame:
    """scores.csv's rows at ``budget`` on the full grid model x optimizer x dataset (absent: NaN)."""
    datasets, models, optimizers = (sorted(scores[key].unique()) for key in ("dataset", "model", "optimizer"))
    return scores[scores["budget_tokens"] == float(budget)].set_index(["model", "optimizer", "dataset"]).reindex(
        pd.MultiIndex.from_product([models, optimizers, datasets], names=["model", "optimizer", "dataset"]))


def bold_candidates(scores: pd.DataFrame, budget: float) -> tuple[pd.Series, pd.Series]:
    """The values the scores table compares for its bold marks: each cell's mean test score where at
    least two optimizers of its dataset and model have a score (else NaN); each optimizer's mean
    over datasets where all of its model's optimizers (two or more) average all datasets (else NaN).
    The bold ones are each group's highest (every one, on a tie); ``statements`` reads the same."""
    cells = scores_grid(scores, budget)
    means = cells["test_score_mean_pct"].where(cells["n_runs"].fillna(0).astype(int) > 0)
    compared = means.where(means.groupby(["model", "dataset"]).transform("count") > 1)
    average = means.groupby(["model", "optimizer"]).agg([mean, "count"])
    datasets = cells.index.get_level_values("dataset").nunique()
    optimizers = cells.index.get_level_values("optimizer").nunique()
    complete = (average["count"] == datasets).groupby("model").transform("all") & (optimizers > 1)
    return compared, average["mean"].where(complete)


def optimizer_scores_cells(scores: pd.DataFrame, budget: float, m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``optimizer_scores_table`` written in markup ``m``, and its notes."""
    at = scores[scores["budget_tokens"] == float(budget)]
    if at.empty:
        found = ", ".join(budget_label(b) for b in sorted(scores["budget_tokens"].unique()))
        raise InputError(f"config optimization.table_budget is {budget_label(budget)}, which is not "
                         f"among the budgets scored ({found}). Add it to optimization.budgets.")
    datasets, models, optimizers = (sorted(scores[key].unique()) for key in ("dataset", "model", "optimizer"))
    cells = scores_grid(scores, budget)
    n_runs = cells["n_runs"].fillna(0).astype(int)
    ran = cells["n_seeds"].notna()
    scored_seeds = cells["n_seeds_with_test_score"].fillna(0).astype(int)
    means = cells["test_score_mean_pct"].where(n_runs > 0)
    most = int(n_runs.max())
    compared, compared_average = bold_candidates(scores, budget)
    best = compared.groupby(["model", "dataset"]).transform("max")
    lowered = n_runs[(n_runs > 1) & (n_runs < most)]
    notes = Notes(m, {
        "a": f"{m.note_mark('a')} no run of this optimizer on this dataset and model",
        "s": f"{m.note_mark('s')} its runs have no test score (evaluate their prompts on the test set)",
        "o": f"{m.note_mark('o')} no seed has a test score from a step below {_tokens(budget)} input tokens",
        "m": f"{m.note_mark('m')} no dataset with a score to average",
        "b": f"{m.note_mark('b')} one seed: no standard deviation",
        "c": fewer_seeds_note(m, lowered, most),
        "k": "(k/N): the average over the k of N datasets that have a score",
    })

    def shown(key) -> str:
        n, mean, std = n_runs[key], means[key], cells["test_score_std_pct"][key]
        if n == 0:
            return m.missing + notes.mark("a" if not ran[key] else "s" if scored_seeds[key] == 0 else "o")
        mark = seed_mark(n, most)
        return (m.pm(mean, std if n > 1 else None, SCORE.in_table, bold=mean == best[key])
                + (notes.mark(mark) if mark else ""))

    average = means.groupby(["model", "optimizer"]).agg([mean, "count"])
    best_average = compared_average.groupby("model").transform("max")
    rows = {}
    for model in models:
        for optimizer in optimizers:
            row = {m.text(d): shown((model, optimizer, d)) for d in datasets}
            value, count = average.loc[(model, optimizer), "mean"], average.loc[(model, optimizer), "count"]
            if count == 0:
                text = m.missing + notes.mark("m")
            else:
                text = partial(m.pm(value, None, SCORE.in_table, bold=value == best_average[(model, optimizer)]),
                               count, len(datasets))
                if count < len(datasets):
                    notes.use("k")
            row["Average"] = text
            rows[(m.text(model), m.text(optimizer))] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.names = ["Model", "Optimizer"]
    return frame, list(notes)


def racing_savings_table(cells: pd.DataFrame, runs: pd.DataFrame | None = None) -> str:
    """Evaluations saved by racing [%]: per optimizer with racing logs, datasets x models.

    ``cells`` is ``optimization.racing_savings``' table, ``runs`` runs.csv's
    (which datasets and models each optimizer ran on; without it every cell
    counts as run). The last column is each dataset's mean over models, each
    optimizer's last row the models' means over datasets, and its corner the
    overall mean over all its cells (all from the unrounded ratios); a mean
    over fewer than all its cells says "(k/N)". A (dataset, model) whose runs
    have no racing log is "--" (a), one without a run of the optimizer "--"
    (r), a mean without a cell to average "--" (m). Without any racing log
    the tabular says so.
    """
    if cells.empty:
        return ("\\begin{tabular}{l}\n\\toprule\nNo run has a racing log (prompt\\_scores.parquet).\\\\\n"
                "\\bottomrule\n\\end{tabular}\n")
    frame, notes = racing_savings_cells(cells, LATEX, runs)
    text = rules_between_blocks(booktabs(frame, column_format="ll" + "r" * len(frame.columns),
                                         multirow=True))
    lines = text.splitlines()
    for i in reversed(range(len(lines))):  # a rule above each optimizer's Mean row
        if lines[i].split(" & ")[1:2] == ["Mean"]:
            lines.insert(i, rf"\cmidrule(l){{2-{len(frame.columns) + 2}}}")
    text = "\n".join(lines) + "\n"
    return with_notes(text, notes, len(frame.columns) + 2)


def racing_savings_cells(cells: pd.DataFrame, m, runs: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``racing_savings_table`` written in markup ``m``, and its notes."""
    if cells.empty:  # an empty table with a note (a cell under no header breaks the HTML table)
        return (pd.DataFrame(columns=["Mean"], index=pd.Index([], name="Optimizer")),
                [f"No run has a racing log ({m.text('prompt_scores.parquet')}): nothing to report."])
    datasets, models = sorted(cells["dataset"].unique()), sorted(cells["model"].unique())
    ran = None if runs is None else set(runs[["dataset", "model", "optimizer"]].itertuples(index=False, name=None))
    notes = Notes(m, {"a": f"{m.note_mark('a')} no racing log ({m.text('prompt_scores.parquet')}) in the runs "
                           "of this dataset and model",
                      "r": f"{m.note_mark('r')} no run of this optimizer on this dataset and model",
                      "m": f"{m.note_mark('m')} no cell with a racing log to average",
                      "k": "(k/N): the mean over the k of N cells that have a racing log"})

    def shown(value: float, count: int, total: int, missing: str = "m") -> str:
        if math.isnan(value):
            return m.missing + notes.mark(missing)
        if count < total:
            notes.use("k")
        return partial(f"{value:.{SAVED.in_table}f}", count, total)

    def cell(optimizer: str, dataset: str, model: str, value: float) -> str:
        no_run = ran is not None and (dataset, model, optimizer) not in ran
        return shown(value, 1, 1, "r" if no_run else "a")

    blocks = []
    for optimizer, group in cells.groupby("optimizer", sort=True):
        pct = SAVED.in_unit(group.pivot(index="dataset", columns="model", values="saved_ratio").reindex(
            index=datasets, columns=models))
        present = pct.notna()
        rows = [[cell(optimizer, d, model, pct.loc[d, model]) for model in models]
                + [shown(mean(pct.loc[d]), present.loc[d].sum(), len(models))] for d in datasets]
        rows.append([shown(mean(pct[model]), present[model].sum(), len(datasets)) for model in models]
                    + [shown(SAVED.in_unit(mean(group["saved_ratio"])), len(group), len(datasets) * len(models))])
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



def optimizer_comparison_table(comparison: pd.DataFrame, optimizers, resamples: int, seed: int,
                               permutations: int) -> str:
    """P(X > Y) and Δ(X, Y) with their 95 % intervals, and the permutation test's p-value: a row
    per pair, four columns per budget.

    ``comparison`` is ``optimizer_comparison.optimizer_comparison``'s table
    (comparison.csv); ``optimizers`` every optimizer of the runs. Each pair
    takes two lines: the number of tasks, P, Δ and p at each budget, then the
    intervals in small type. The verdict marks P: "better" bold and "b",
    "worse" bold and "w", "too few runs" "f"; a pair without a common task at
    a budget shows "--" (a). The notes define P, Δ and p and state B, the
    permutations and the seed, a sentence each. With one optimizer the tabular
    says there is no pair.
    """
    frame, notes = optimizer_comparison_cells(comparison, optimizers, resamples, seed, permutations, LATEX)
    if frame.columns.nlevels == 1:  # no pair
        return with_notes(f"\\begin{{tabular}}{{l}}\n\\toprule\n{frame.iloc[0, 0]}\\\\\n\\bottomrule\n"
                          f"\\end{{tabular}}\n", notes, 1)
    budgets = list(dict.fromkeys(frame.columns.get_level_values(0)))
    quantities = list(dict.fromkeys(frame.columns.get_level_values(1)))
    rows = []
    for (x, y), cells in frame.iterrows():
        parts = [cell.split(INTERVAL) for cell in cells]
        rows += [(x, y, *(part[0] for part in parts)), ("", "", *(part[1] if len(part) > 1 else "" for part in parts))]
    flat = pd.DataFrame(rows).set_index([0, 1])
    flat.index.names = [None, None]
    flat.columns = range(flat.shape[1])
    text = booktabs(flat, column_format="ll" + r"@{\hspace{6pt}}r" * flat.shape[1])
    lines = text.splitlines()
    top, mid = lines.index(r"\toprule"), lines.index(r"\midrule")
    lines[top + 1:mid] = [
        " & ".join(["", "", *(rf"\multicolumn{{{len(quantities)}}}{{c}}{{{budget}}}" for budget in budgets)]) + r" \\",
        " ".join(rf"\cmidrule(l){{{3 + len(quantities) * i}-{2 + len(quantities) * (i + 1)}}}"
                 for i in range(len(budgets))),
        " & ".join(["$X$", "$Y$", *(quantities * len(budgets))]) + r" \\"]
    body = lines.index(r"\midrule") + 1
    end = lines.index(r"\bottomrule")
    for i in reversed(range(body + 2, end, 2)):  # a little space between pairs
        lines.insert(i, r"\addlinespace")
    return with_notes("\n".join(lines) + "\n", notes, 2 + flat.shape[1])


#: between a cell's value and its interval in ``optimizer_comparison_cells``
INTERVAL = "<br>"


def _comparison_symbols(m) -> dict[str, str]:
    """The table's symbols in markup ``m``: its quantities' labels (quantities.py) and the rest."""
    quantities = {key: m.symbols[q.name] for key, q in (("P", P_IMPROVEMENT), ("delta", DELTA), ("n", TASKS),
                                                       ("p", P_VALUE))}
    if m is LATEX:
        return {**quantities, "X": "$X$", "Y": "$Y$", "r": "$r$", "le": r"$\le$", "gt": "$>$"}
    return {**quantities, "X": "X", "Y": "Y", "r": "r", "le": "≤", "gt": "&gt;"}


def p_value_text(value: float) -> str:
    """A permutation test's p-value: four decimals, "<0.0001" below (never a p of 0)."""
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"


def optimizer_comparison_cells(comparison: pd.DataFrame, optimizers, resamples: int, seed: int,
                               permutations: int, m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``optimizer_comparison_table`` in markup ``m``: a row per pair (X, Y), columns
    (budget, quantity), each cell "value<br>interval"; and its notes. With one optimizer, a
    one-cell frame that says so."""
    c, s = _comparison_symbols(m), m.symbols
    optimizers = sorted(optimizers)
    if len(optimizers) < 2:
        names = ", ".join(m.text(name) for name in optimizers) or "none"
        message = f"One optimizer ({names}): no pair of optimizers to compare."
        return (pd.DataFrame({"Comparison": [message]}, index=pd.Index([names], name="Optimizers")),
                ["With two or more optimizers, this table compares each pair at each budget."])
    notes = Notes(m, {
        "p": f"{c['P']}: the probability that a run of {c['X']} scores higher than a run of {c['Y']} "
             f"on the same task (ties count half),",
        "p2": f"{s['quad']}averaged over the {c['n']} tasks: the datasets and models where both have a "
              f"run with a test score below the budget.",
        "d": f"{c['delta']}: {c['X']}'s mean test score minus {c['Y']}'s, in percentage points (pp), "
             f"averaged over the same tasks.",
        "ci": f"Small type: 95{s['thin_pct']} stratified bootstrap interval, percentiles over {resamples} "
              f"resamples of each task's runs.",
        "seed": f"Seed {seed}: resample {c['r']} draws from "
                f"{m.text('numpy.random.default_rng')}([{seed}, 2, {c['r']}]).",
        "test": f"{c['p']}: two-sided stratified permutation test of no difference, {permutations} permutations "
                f"of {c['X']} and {c['Y']} within each task;",
        "test2": f"{s['quad']}permutation {c['r']} draws from {m.text('numpy.random.default_rng')}([{seed}, 3, "
                 f"{c['r']}]).",
        "b": f"{m.note_mark('b')} {c['X']} better: {c['p']} {c['le']} 0.05 and the interval of {c['P']} lies "
             f"above 0.5.",
        "w": f"{m.note_mark('w')} {c['X']} worse: {c['p']} {c['le']} 0.05 and the interval of {c['P']} lies "
             f"below 0.5.",
        "f": f"{m.note_mark('f')} Too few runs for a verdict: even runs completely separated on every task "
             f"could not give {c['p']} {c['le']} 0.05.",
        "u": f"Unmarked: not distinguishable ({c['p']} {c['gt']} 0.05, or the interval of {c['P']} "
             f"contains 0.5).",
        "a": f"{m.note_mark('a')} No common task: no dataset and model where both have a run with a test score "
             f"below the budget.",
    })
    for key in ("p", "p2", "d", "ci", "seed", "test", "test2"):
        notes.use(key)
    budgets = sorted(comparison["budget_tokens"].unique())
    columns = pd.MultiIndex.from_product([[f"{_tokens(b)} tokens" for b in budgets],
                                          [c["n"], c["P"], f"{c['delta']} (pp)", c["p"]]])
    rows = {}
    for (x, y), pair in comparison.groupby(["optimizer_x", "optimizer_y"], sort=True):
        cells = []
        for _, row in pair.set_index("budget_tokens").loc[budgets].iterrows():
            if row["tasks"] == 0:
                cells += ["0", m.missing + notes.mark("a"), m.missing, m.missing]
                continue
            mark = {BETTER: "b", WORSE: "w", TOO_FEW_RUNS: "f"}.get(row["verdict"], "")
            if not mark:
                notes.use("u")
            p = m.pm(row["p_improvement"], None, P_IMPROVEMENT.in_table, bold=mark in ("b", "w")) \
                + (notes.mark(mark) if mark else "")
            cells += [str(int(row["tasks"])),
                      p + INTERVAL + _interval(row["p_ci_low"], row["p_ci_high"], P_IMPROVEMENT.in_interval, m),
                      m.number(row["delta_pct_points"], DELTA.in_table) + INTERVAL
                      + _interval(row["delta_ci_low"], row["delta_ci_high"], DELTA.in_interval, m),
                      p_value_text(row["permutation_p_value"])]
        rows[(m.text(x), m.text(y))] = cells
    frame = pd.DataFrame(list(rows.values()), index=pd.MultiIndex.from_tuples(rows, names=["X", "Y"]),
                         columns=columns)
    return frame, list(notes)


def _interval(low: float, high: float, digits: int, m) -> str:
    """A 95 % interval in small type ("[low, high]"; in the report's view "low–high", which
    keeps the table within the report's width)."""
    if m is LATEX:
        return m.small(m.math(f"[{low:.{digits}f}, {high:.{digits}f}]"))
    return m.small(f"{low:.{digits}f}–{high:.{digits}f}")
