"""The numbers a paper quotes, as LaTeX macros made from the artifacts.

``numbers.json`` holds the headline numbers, unrounded, under nested keys
that follow the artifacts they come from (``tokens``, ``optimization``,
``routing``, ``routing_comparison`` (the routers compared pair by pair,
routing_comparison.py; empty without routing data), and ``routing_config``: the
routing settings the paper quotes),
each leaf a number in the unit its key names (``_pct``: percent,
``_millions``: millions of tokens, ``_hours``, ``_count``) or null;
a verdict (``optimization.comparison``) is a word, printed as text.
``numbers.tex`` defines one macro per leaf, formatted as the paper prints it.

Two more top-level sections hold what ``make changes`` (changes.py) needs
and the paper does not quote, so they have no macros (``UNQUOTED``: skipped
by ``numbers_tex`` and ``quoted``):

- ``intervals`` (intervals.py): a mirror of the quoted keys holding, for each
  number that has one, its interval or spread over seeds,
  ``{"low", "high", "kind": "interval" | "spread", "from"}``: the bounds or
  the std beside it that its declaration names (quantities.py:
  ``best_delta_ibc_ci_low_pct`` and ``_ci_high_pct`` beside
  ``best_delta_ibc_pct``, ``heldout_delta_ibc_std_pct`` beside
  ``heldout_delta_ibc_pct`` as value ± std), and for a few numbers from the
  artifacts;
- ``statements`` (statements.py): each categorical statement the paper makes,
  per kind (``word``, ``best_optimizer``, ``best_average_optimizer``,
  ``best_router``, ``verifier_pays``, ``router_comparison``, ``defined``), under the keys of
  what it is about.

Each leaf is a quantity declared once in quantities.py, which gives its
decimals and its macro's name (the naming rule: the key path, each part split
into words at every character that is not a letter, every digit spelled out,
words capitalised: ``routing.cnli_short.logits.cpt_50_pct`` ->
``\\RoutingCnliShortLogitsCptFiveZeroPct``; a name outside ASCII ends in six
letters of its SHA-1). A leaf no quantity declares is an error, and so are two
keys that give one name (e.g. ``sst-5`` and ``sst_5``, naming both). A missing
value is ``\\NumberMissing`` (a visible marker), never an undefined macro.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from .errors import InputError
from .latex import escape
from .quantities import curve_metrics_quoted, macro_name, quantity_at
from .steplogs import input_tokens, total_tokens
from .summation import mean

MISSING = r"\NumberMissing"
#: top-level sections of numbers.json that the paper does not quote (no macros)
UNQUOTED = ("intervals", "statements")


def quoted(tree: Mapping) -> dict:
    """The quoted numbers of a numbers.json: every section but ``UNQUOTED``."""
    return {key: value for key, value in tree.items() if key not in UNQUOTED}


def leaves(tree: Mapping, path=()):
    """(key path, value) of every leaf of a nested mapping, in order."""
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from leaves(value, (*path, key))
        else:
            yield (*path, key), value


def shown(path, value) -> str:
    """A value as the paper prints it, with its quantity's decimals (quantities.py); a missing one
    as the visible marker; a word (a verdict) as text; a p-value with four decimals, "<0.0001" below."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, str):
        return escape(value)
    quantity = quantity_at(path)
    if quantity is None:
        raise LookupError(f"numbers.json's {'.'.join(map(str, path))} is no declared quantity: declare it in "
                          f"scripts/llmcost/quantities.py (docs/development.md).")
    if quantity.unit == "p-value":  # never a p of 0
        return r"\ensuremath{<}0.0001" if value < 0.0001 else f"{value:.{quantity.decimals}f}"
    text = f"{value:.{quantity.decimals}f}"
    return r"\ensuremath{-}" + text[1:] if text.startswith("-") else text


def numbers_tex(tree: Mapping) -> str:
    """One ``\\newcommand`` per quoted leaf, with its key path as a comment; names checked unique."""
    lines = [r"% The paper's numbers, made by the pipeline (scripts/llmcost/numbers.py): do not edit.",
             r"% Macro name = key path in numbers.json, split at non-letters, digits spelled, capitalised.",
             r"\providecommand{\NumberMissing}{\textbf{[missing]}}"]
    seen: dict[str, str] = {}
    for path, value in leaves(quoted(tree)):
        name, key = macro_name(path), ".".join(map(str, path))
        if name in seen:
            raise InputError(f"numbers.json keys {seen[name]} and {key} both give the macro \\{name}. "
                             f"Rename one of the datasets, models or optimizers involved.")
        seen[name] = key
        lines.append(f"\\newcommand{{\\{name}}}{{{shown(path, value)}}}% {key}")
    return "\n".join(lines) + "\n"


# --- The headline numbers, from the artifacts ---------------------------------------------------

def _pct(fraction):
    return None if fraction is None else 100 * fraction


def token_numbers(summary: Mapping, runs: pd.DataFrame) -> dict:
    """Downstream share per optimizer (overall and per dataset), tokens per run, runs, and the
    datasets and models each optimizer ran on (``tasks_count``: its shares and means are over them)."""
    cells = pd.DataFrame(summary["cells"])
    by_dataset = cells.groupby(["optimizer", "dataset"], sort=True)["frac_downstream_llm"].agg(mean)
    per_optimizer = runs.assign(tokens=total_tokens(runs), input=input_tokens(runs)).groupby("optimizer")
    return {
        "downstream_share_pct": {opt: _pct(v) for opt, v in summary["frac_downstream_llm_overall_mean"].items()},
        "downstream_share_by_dataset_pct": {
            opt: {dataset: 100 * share for (o, dataset), share in by_dataset.items() if o == opt}
            for opt in sorted(cells["optimizer"].unique())},
        "mean_tokens_per_run_millions": (per_optimizer["tokens"].agg(mean) / 1e6).to_dict(),
        "mean_input_tokens_per_run_millions": (per_optimizer["input"].agg(mean) / 1e6).to_dict(),
        "runs_count": per_optimizer.size().to_dict(),
        "tasks_count": {opt: len(cells) for opt, cells in
                        runs[["optimizer", "dataset", "model"]].drop_duplicates().groupby("optimizer")},
    }


def common_tasks(at_budget: pd.DataFrame) -> pd.MultiIndex:
    """The (dataset, model) pairs of ``at_budget`` (scores.csv's rows at one budget) where every
    optimizer that has a score at that budget has one."""
    scored = at_budget[at_budget["n_runs"] > 0]
    optimizers = scored["optimizer"].nunique()
    per_task = scored.groupby(["dataset", "model"], sort=True)["optimizer"].nunique()
    return per_task[per_task == optimizers].index


def optimization_numbers(summary: Mapping, scores: pd.DataFrame, table_budget: float) -> dict:
    """Racing savings (and over how many datasets and models with racing logs); the test score at the
    table budget per optimizer and per model, averaged
    over the common tasks (the datasets and models where every optimizer with a score at that
    budget has one: ``score_at_table_budget_tasks_count`` of ``tasks_count``); the total
    wall-clock of the runs that have one (null if none has) and how many."""
    at_budget = scores[scores["budget_tokens"] == float(table_budget)]
    scored = sorted(at_budget.loc[at_budget["n_runs"] > 0, "optimizer"].unique())
    common = at_budget.set_index(["dataset", "model"]).loc[common_tasks(at_budget)].reset_index()
    common = common[common["n_runs"] > 0]
    means = common.groupby("optimizer")["test_score_mean_pct"].agg(mean)
    timed = summary["wall_clock_runs"]
    return {
        "racing_saved_pct": {opt: _pct(v) for opt, v in summary["racing_saved_ratio_overall_mean"].items()},
        "racing_tasks_count": {opt: sum(1 for cell in summary["cells"] if cell["optimizer"] == opt and cell["racing"])
                               for opt in summary["racing_saved_ratio_overall_mean"]},
        "table_budget_millions": table_budget / 1e6,
        "tasks_count": len(scores[["dataset", "model"]].drop_duplicates()),
        "score_at_table_budget_tasks_count": len(common[["dataset", "model"]].drop_duplicates()),
        # null for an optimizer with a score when there is no common task
        "score_at_table_budget_pct": {opt: _number(means.get(opt)) for opt in scored},
        "score_at_table_budget_by_model_pct": {
            opt: common[common["optimizer"] == opt].groupby("model")["test_score_mean_pct"].agg(mean).to_dict()
            for opt in scored},
        "wall_clock_hours": summary["wall_clock_hours_total"] if timed else None,
        "wall_clock_runs_count": timed,
    }


def comparison_numbers(comparison: pd.DataFrame, table_budget: float) -> dict:
    """Per pair of optimizers "X_vs_Y" at the table budget (comparison.csv): tasks, P(X > Y) with
    its 95 % interval, the score difference in percentage points with its interval, the
    permutation test's p-value, the verdict.
    No pair (one optimizer): empty."""
    at_budget = comparison[comparison["budget_tokens"] == float(table_budget)]
    return {f"{row.optimizer_x}_vs_{row.optimizer_y}": {
        "tasks_count": int(row.tasks),
        "p_improvement": _number(row.p_improvement),
        "p_ci_low": _number(row.p_ci_low),
        "p_ci_high": _number(row.p_ci_high),
        "delta_pct": _number(row.delta_pct_points),  # percentage points
        "delta_ci_low_pct": _number(row.delta_ci_low),
        "delta_ci_high_pct": _number(row.delta_ci_high),
        "permutation_p_value": _number(row.permutation_p_value),
        "verdict": row.verdict,
    } for row in at_budget.itertuples(index=False)}


def _number(value) -> float | None:
    return None if pd.isna(value) else float(value)


def _router_numbers(entry: Mapping, swept: Mapping | None) -> dict:
    metrics = entry["metrics"]
    best = metrics["best_delta_IBC"]
    numbers = {
        "best_delta_ibc_pct": best["value"],
        "best_delta_ibc_ci_low_pct": best["ci_low"],
        "best_delta_ibc_ci_high_pct": best["ci_high"],
        "best_delta_ibc_routed_share_pct": _pct(entry["best_delta_IBC_routed_share"]),
    }
    if swept is not None:  # a router, not the oracle: held-out choice and the swept thresholds
        held = entry["held_out_delta_IBC"]
        best_swept = swept["best"] or {}
        numbers |= {"heldout_delta_ibc_pct": held["mean"], "heldout_delta_ibc_std_pct": held["std"],
                    "best_swept_delta_ibc_pct": best_swept.get("delta_IBC"),
                    "best_swept_routed_share_pct": _pct(best_swept.get("lm2_ratio"))}
    # the curve metrics quoted by their value (APGR, CPT(50 %)); intervals.py gives their intervals
    numbers |= {q.key: q.in_unit(metrics[q.name]["value"]) for q in curve_metrics_quoted()}
    return numbers | _automix_numbers(entry, swept)


def _automix_numbers(entry: Mapping, swept: Mapping | None) -> dict:
    """AutoMix's delta_IBC (the verifier charged): the router's verifier charge, the best over
    all thresholds (routed share, interval), held-out and among the swept thresholds; the
    verifier break-even cost with its interval."""
    metrics = entry["metrics"]
    best, break_even = metrics["best_delta_IBC_automix"], metrics["verifier_break_even_cost"]
    numbers = {
        "verifier_charge": entry["verifier_charge"],
        "best_delta_ibc_automix_pct": best["value"],
        "best_delta_ibc_automix_ci_low_pct": best["ci_low"],
        "best_delta_ibc_automix_ci_high_pct": best["ci_high"],
        "best_delta_ibc_automix_routed_share_pct": _pct(entry["best_delta_IBC_automix_routed_share"]),
    }
    if swept is not None:
        held = entry["held_out_delta_IBC_automix"]
        best_swept = swept["best_automix"] or {}
        numbers |= {"heldout_delta_ibc_automix_pct": held["mean"],
                    "heldout_delta_ibc_automix_std_pct": held["std"],
                    "best_swept_delta_ibc_automix_pct": best_swept.get("delta_IBC_automix"),
                    "best_swept_automix_routed_share_pct": _pct(best_swept.get("lm2_ratio"))}
    return numbers | {"verifier_break_even_cost": break_even["value"],
                      "verifier_break_even_cost_ci_low": break_even["ci_low"],
                      "verifier_break_even_cost_ci_high": break_even["ci_high"]}


def routing_numbers(summary: Mapping, metrics: Mapping[str, Mapping]) -> dict:
    """Per dataset P_SLM, P_LLM, the bootstrap's resamples (0: no intervals) and, per router and
    the oracle, the best and held-out delta_IBC (with routed share and interval), APGR,
    CPT(50 %), and AutoMix's delta_IBC and the verifier break-even cost."""
    return {dataset: {"P_slm": summary[dataset]["P_slm"], "P_llm": summary[dataset]["P_llm"],
                      "bootstrap_resamples_count": metrics[dataset]["bootstrap"]["resamples"],
                      **{router: _router_numbers(entry, summary[dataset]["routers"].get(router))
                         for router, entry in metrics[dataset]["routers"].items()}}
            for dataset in summary}


def routing_config_numbers(costs: Mapping, min_routed_share: float) -> dict:
    """The routing settings the paper's definitions quote: the costs per query (config
    ``routing.costs``) and the minimum routed share of a best value."""
    return {"slm_cost": float(costs["slm"]), "llm_cost": float(costs["llm"]),
            "verifier_cost": float(costs["verifier"]), "min_routed_share_pct": _pct(min_routed_share)}


def headline_numbers(tokens: Mapping, optimization: Mapping, routing: Mapping,
                     routing_config: Mapping | None = None, routing_comparison: Mapping | None = None) -> dict:
    numbers = {"tokens": tokens, "optimization": optimization, "routing": routing,
               "routing_comparison": routing_comparison or {}}
    return numbers if routing_config is None else numbers | {"routing_config": routing_config}
