"""Each quoted number's interval or spread, for numbers.json's ``intervals`` section.

``make changes`` (changes.py) asks of a number that moved whether it left the
base's interval: that needs the interval as data beside the number. Most come
from the key conventions the quoted numbers already follow, so a number added
later that follows them is covered without a change here:

- ``X<unit>`` with siblings ``X_ci_low<unit>`` and ``X_ci_high<unit>`` (any
  trailing unit, also none): an **interval**, e.g. ``best_delta_ibc_pct``,
  ``delta_pct`` (``delta_ci_low_pct``), ``verifier_break_even_cost``
  (``verifier_break_even_cost_ci_low``); ``p_improvement`` with ``p_ci_low``
  and ``p_ci_high`` (``ALIASES``);
- ``X<unit>`` with a sibling ``X_std<unit>``: a **spread**, the value ± the
  std (``heldout_delta_ibc_pct`` ± ``heldout_delta_ibc_std_pct``);

where a sibling may also sit at a higher level of the key path
(``share_ci_low_pct.CAPO`` beside ``share_pct.CAPO``). Others are read from
the artifacts (``explicit``): the bootstrap intervals of the routing curve
metrics quoted by their value alone (APGR, CPT(50 %): metrics.json;
``quantities.curve_metrics_quoted``) and the spread over seeds of the test score at the table
budget (scores.csv).

Each record is ``{"low", "high", "kind", "from"}``: ``kind`` is ``interval``
or ``spread`` (value ± std), ``from`` says what it was made of. A number whose
bounds are null has no record.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from .numbers import common_tasks, leaves, quoted
from .quantities import curve_metrics_quoted
from .summation import total

#: value key -> its interval's keys, where they do not follow ``X_ci_low<unit>``
ALIASES = {"p_improvement": ("p_ci_low", "p_ci_high")}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _leaf(tree: Mapping, path):
    node = tree
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return None if isinstance(node, Mapping) else node


def _splits(part: str):
    """(stem, unit) of a key: ``delta_pct`` -> (``delta_pct``, ``""``), (``delta``, ``_pct``)."""
    words = part.split("_")
    for cut in range(len(words), 0, -1):
        yield "_".join(words[:cut]), "".join(f"_{word}" for word in words[cut:])


def _interval_keys(part: str):
    """The (low, high) sibling keys that may hold a key's interval, in the conventions' order."""
    if part in ALIASES:
        yield ALIASES[part]
    for stem, unit in _splits(part):
        yield f"{stem}_ci_low{unit}", f"{stem}_ci_high{unit}"


def record(low, high, kind: str, source: str) -> dict | None:
    """An interval record, or None where a bound is missing."""
    if not (_is_number(low) and _is_number(high)):
        return None
    return {"low": float(low), "high": float(high), "kind": kind, "from": source}


def convention_interval(tree: Mapping, path: tuple) -> dict | None:
    """The interval or spread of the number at ``path`` that its sibling keys give (see the module)."""
    value = _leaf(tree, path)
    if not _is_number(value):
        return None
    for level in range(len(path) - 1, -1, -1):
        part = str(path[level])
        moved = lambda key: (*path[:level], key, *path[level + 1:])  # noqa: E731
        for low_key, high_key in _interval_keys(part):
            low, high = _leaf(tree, moved(low_key)), _leaf(tree, moved(high_key))
            if low is not None or high is not None:
                return record(low, high, "interval", f"{low_key}, {high_key}")
        for std_key in (f"{stem}_std{unit}" for stem, unit in _splits(part)):
            std = _leaf(tree, moved(std_key))
            if _is_number(std):
                return record(value - std, value + std, "spread", f"value ± {std_key}")
    return None


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
    that has one its record; by the conventions first, else from the explicit trees (made from
    the artifacts: full records, or ``{"std", "kind", "from"}`` spread around the value)."""
    mirror: dict = {}
    numbers = quoted(numbers)
    for path, value in leaves(numbers):
        found = convention_interval(numbers, path)
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
