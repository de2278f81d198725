"""The categorical statements the paper makes, as data: numbers.json's ``statements`` section.

A statement is what a reader concludes rather than reads off as a number: a
comparison's verdict, which optimizer a table bolds, which router is best,
whether a number is defined at all. ``make changes`` (changes.py) reports each
one whose value differs from the base's as a conclusion that flipped.

Each kind is one function of the ``Sources`` returning a tree: the keys of
what the statement is about, then its value (a word, or the list of the names
that share first place, empty where there is none). A kind that needs an
artifact the sources lack returns None and is left out. To add a kind, write
one more function (its docstring's first line is its title in ``make
changes``) and add it to ``STATEMENTS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from .numbers import leaves, quoted
from .optimization_tables import bold_candidates
from .paper import Quote, break_even_interval_contains_cost, pays_for_verifier
from .routing_comparison import statement_verdicts

#: Two values within this relative difference are a tie (float rounding, not a difference).
TIE = 1e-9


@dataclass(frozen=True)
class Sources:
    """What statements are made from: the numbers (their quoted sections), scores.csv and the
    table budget."""
    numbers: Mapping
    scores: pd.DataFrame | None = None
    table_budget: float | None = None


def _is_word(value) -> bool:
    return isinstance(value, (str, bool))


def _nest(pairs) -> dict:
    tree: dict = {}
    for path, value in pairs:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return tree


def words(s: Sources) -> dict:
    """Quoted word (a comparison's verdict)

    Every quoted leaf that is a word (or true/false) rather than a number, under its key:
    each pair of optimizers' verdict, and any statement a section quotes as a word."""
    return _nest((path, value) for path, value in leaves(quoted(s.numbers)) if _is_word(value))


def defined(s: Sources) -> dict:
    """Number defined or undefined

    ``defined`` or ``undefined`` (null: the paper prints ``[missing]``) for every quoted number."""
    return _nest((path, "undefined" if value is None or (isinstance(value, float) and math.isnan(value))
                  else "defined") for path, value in leaves(quoted(s.numbers)) if not _is_word(value))


def _table_means(s: Sources):
    """The values the scores table compares for its bold marks
    (``optimization_tables.bold_candidates``); None without scores.csv."""
    if s.scores is None or s.table_budget is None:
        return None
    return bold_candidates(s.scores, s.table_budget)


def _firsts(values: pd.Series, by: list[str]) -> dict:
    """Per group of ``by``, the optimizers whose value equals the group's highest (none if all NaN)."""
    best = values.groupby(by).transform("max")
    first = values[values == best].reset_index()
    tree: dict = {}
    for key in values.index.droplevel("optimizer").unique():
        parts = key if isinstance(key, tuple) else (key,)
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        match = (first[by] == list(parts)).all(axis=1)
        node[parts[-1]] = sorted(first.loc[match, "optimizer"])
    return tree


def best_optimizer(s: Sources) -> dict | None:
    """Best optimizer of a model and dataset (the scores table's bold)

    Per model and dataset at the table budget, the optimizers whose mean test score is the
    highest (every one on a tie; none where fewer than two optimizers have a score): the cells
    ``optimization_tables.optimizer_scores_table`` sets in bold."""
    table = _table_means(s)
    return None if table is None else _firsts(table[0], ["model", "dataset"])


def best_average_optimizer(s: Sources) -> dict | None:
    """Best optimizer of a model over datasets (the scores table's bold average)

    Per model, the optimizers whose mean over datasets is the highest, compared only when
    the model has two or more optimizers, each with a score on every dataset (none otherwise): the
    Average column ``optimizer_scores_table`` sets in bold."""
    table = _table_means(s)
    return None if table is None else _firsts(table[1], ["model"])


def best_router(s: Sources) -> dict:
    """Best router of a dataset (highest best delta_IBC among the swept thresholds)

    Per routing dataset, the routers (not the oracle) whose best delta_IBC among the swept
    thresholds (``best_swept_delta_ibc_pct``, the routing_ibc table) is the highest, those
    within ``TIE`` of it included; none where no router has one."""
    tree = {}
    for dataset, routers in s.numbers.get("routing", {}).items():
        if not isinstance(routers, Mapping):
            continue
        values = {router: numbers.get("best_swept_delta_ibc_pct") for router, numbers in routers.items()
                  if isinstance(numbers, Mapping) and "best_swept_delta_ibc_pct" in numbers}
        values = {router: v for router, v in values.items() if v is not None}
        best = max(values.values(), default=None)
        tree[dataset] = sorted(router for router, v in values.items()
                               if math.isclose(v, best, rel_tol=TIE, abs_tol=TIE))
    return tree


def verifier_pays(s: Sources) -> dict:
    """Whether a router pays for its verifier

    Per routing dataset, each router charged a verifier (``verifier_charge`` above 0): "pays"
    or "does not pay" at the configured verifier cost (its break-even cost at least that
    cost, as the paper's routing section says), with "(interval contains the cost)" where
    the break-even cost's bootstrap interval contains it, so that the data cannot tell;
    "undefined" without a break-even cost."""
    q = Quote(s.numbers)
    tree = {}
    for dataset in q.keys("routing"):
        for router in q.keys("routing", dataset):
            charge = q.get("routing", dataset, router, "verifier_charge")
            if not isinstance(charge, (int, float)) or isinstance(charge, bool) or charge <= 0:
                continue
            pays = pays_for_verifier(q, dataset, router)
            value = "undefined" if pays is None else "pays" if pays else "does not pay"
            if pays is not None and break_even_interval_contains_cost(q, dataset, router):
                value += " (interval contains the cost)"
            tree.setdefault(dataset, {})[router] = value
    return tree


def router_comparison(s: Sources) -> dict:
    """Router comparison's verdict (paired bootstrap interval)

    Per routing dataset and ``all`` (the mean over datasets), per pair of routers "A_vs_B"
    and metric: "A better" where the difference's interval in ``routing_comparison`` lies
    above 0, "B better" below, "not distinguishable" where it contains 0, "undefined"
    without an interval, for AIQ, and under ``all`` for the best values (no verdict:
    ``routing_comparison.NO_VERDICT``, ``NO_VERDICT_ACROSS``)."""
    return statement_verdicts(s.numbers.get("routing_comparison", {}))


#: kind -> the function that makes its statements (numbers.json's statements.<kind>)
STATEMENTS = {
    "word": words,
    "best_optimizer": best_optimizer,
    "best_average_optimizer": best_average_optimizer,
    "best_router": best_router,
    "verifier_pays": verifier_pays,
    "router_comparison": router_comparison,
    "defined": defined,
}


def title(kind: str) -> str:
    """A kind's title, the first line of its function's docstring (the kind's key if unknown)."""
    function = STATEMENTS.get(kind)
    return function.__doc__.strip().splitlines()[0] if function and function.__doc__ else kind


def statements(sources: Sources) -> dict:
    """The ``statements`` section: each kind's tree (kinds whose sources are missing left out)."""
    return {kind: tree for kind, make in STATEMENTS.items() if (tree := make(sources)) is not None}
