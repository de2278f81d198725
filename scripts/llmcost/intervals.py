"""Each quoted number's interval or spread, for numbers.json's ``intervals`` section.

``make changes`` (changes.py) asks of a number that moved whether it left the
base's interval: that needs the interval as data beside the number. Most come
from the numbers beside it that its declaration names (quantities.py):

- ``bounds``: an **interval**, e.g. ``best_delta_ibc_pct`` between
  ``best_delta_ibc_ci_low_pct`` and ``best_delta_ibc_ci_high_pct``,
  ``p_improvement`` between ``p_ci_low`` and ``p_ci_high``;
- ``spread``: a **spread**, the value ± the std (``heldout_delta_ibc_pct`` ±
  ``heldout_delta_ibc_std_pct``).

Others are read from the artifacts (``explicit``): the bootstrap intervals of
the routing curve metrics quoted by their value alone (APGR, CPT(50 %):
metrics.json; ``quantities.curve_metrics_quoted``) and the spread over seeds of
the test score at the table budget (scores.csv).

Each record is ``{"low", "high", "kind", "from"}``: ``kind`` is ``interval``
or ``spread`` (value ± std), ``from`` says what it was made of. A number whose
bounds are null has no record.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from .numbers import common_tasks, leaves, quoted
from .quantities import curve_metrics_quoted, quantity_at
from .summation import total

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _leaf(tree: Mapping, path):
    node = tree
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return None if isinstance(node, Mapping) else node


def record(low, high, kind: str, source: str) -> dict | None:
    """An interval record, or None where a bound is missing."""
    if not (_is_number(low) and _is_number(high)):
        return None
    return {"low": float(low), "high": float(high), "kind": kind, "from": source}


def declared_interval(tree: Mapping, path: tuple) -> dict | None:
    """The interval or spread of the number at ``path`` that the numbers beside it give, as its
    declaration names them (see the module); None for a bound, a spread or an undeclared key."""
    value, quantity = _leaf(tree, path), quantity_at(path)
    if not _is_number(value) or quantity is None or path[quantity.at] != quantity.key:
        return None
    if quantity.bounds:
        low_key, high_key = quantity.bounds
        low, high = (_leaf(tree, quantity.beside(path, key)) for key in quantity.bounds)
        if low is not None or high is not None:
            return record(low, high, "interval", f"{low_key}, {high_key}")
    std = _leaf(tree, quantity.beside(path, quantity.spread)) if quantity.spread else None
    return record(value - std, value + std, "spread", f"value ± {quantity.spread}") if _is_number(std) else None


def score_spreads(scores: pd.DataFrame, budget: float) -> dict:
    """The spread over seeds of the test score at the table budget, overall and per model (the
    quoted means over the common tasks' cells): the seed std of a mean over C cells, ``sqrt(sum s_c^2) / C``
    with ``s_c`` each cell's std over seeds (scores.csv ``test_score_std_pct``, ddof=0),
    cells taken as independent (each holds its own runs). None where a cell has one run."""
    at_budget = scores[scores["budget_tokens"] == float(budget)]
    # the cells the quoted means average: the common tasks (numbers.optimization_numbers)
    at = at_budget.set_index(["dataset", "model"]).loc[common_tasks(at_budget)].reset_index()
    at = at[(at["n_runs"] > 0) & at["test_score_mean_pct"].notna()]

    def spread(cells: pd.DataFrame) -> dict | None:
        if cells.empty or (cells["n_runs"] < 2).any():
            return None
        std = math.sqrt(total(cells["test_score_std_pct"] ** 2)) / len(cells)
        return {"std": std, "kind": "spread",
                "from": "value ± the seed std of the mean over its cells, scores.csv"}

    groups = at.groupby("optimizer", sort=True)
    return {"optimization": {
        "score_at_table_budget_pct": {opt: spread(cells) for opt, cells in groups},
        "score_at_table_budget_by_model_pct": {
            opt: {model: spread(c) for model, c in cells.groupby("model", sort=True)} for opt, cells in groups}}}


def routing_intervals(metrics: Mapping[str, Mapping]) -> dict:
    """The curve metrics quoted by their value alone (APGR, CPT(50 %): ``quantities.curve_metrics_quoted``)
    of each router and the oracle, with their bootstrap interval (metrics.json)."""
    def interval(quantity) -> dict | None:
        bounds = [entry["metrics"].get(quantity.name, {}).get(bound) for bound in ("ci_low", "ci_high")]
        if not all(map(_is_number, bounds)):
            return None
        return record(quantity.in_unit(bounds[0]), quantity.in_unit(bounds[1]), "interval",
                      f"metrics.json {quantity.name} ci_low, ci_high (bootstrap)")

    tree: dict = {}
    for dataset, data in metrics.items():
        for router, entry in data["routers"].items():
            tree.setdefault(dataset, {})[router] = {q.key: interval(q) for q in curve_metrics_quoted()}
    return {"routing": tree}


def _is_record(value) -> bool:
    return isinstance(value, Mapping) and "kind" in value and ("low" in value or "std" in value)


def intervals(numbers: Mapping, *explicit: Mapping) -> dict:
    """The ``intervals`` section: a mirror of the quoted numbers' key paths, holding for each number
    that has one its record; by its declaration first, else from the explicit trees (made from
    the artifacts: full records, or ``{"std", "kind", "from"}`` spread around the value)."""
    mirror: dict = {}
    numbers = quoted(numbers)
    for path, value in leaves(numbers):
        found = declared_interval(numbers, path)
        for tree in explicit:
            if found is not None or not _is_number(value):
                break
            given = interval_at(tree, path)
            if given is not None and "std" in given:
                found = record(value - given["std"], value + given["std"], given["kind"], given["from"])
            elif given is not None:
                found = dict(given)
        if found is not None:
            node = mirror
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = found
    return mirror


def interval_at(section: Mapping, path) -> dict | None:
    """The record at ``path`` of an ``intervals`` section or explicit tree (None if it has none)."""
    node = section
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if _is_record(node) else None
