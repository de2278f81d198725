"""The paper's results text, generated from numbers.json: one LaTeX fragment per section.

``paper/main.tex`` holds the document's frame and its section headings and
``\\input``s one fragment per section, which the paper rule writes from the
numbers present, so the paper builds for any config the pipeline accepts.
The sentences live in templates, one per section
(``templates/{tokens,optimization,routing}.tex.j2``, Jinja2 with LaTeX-safe
delimiters: ``<< value >>``, ``<% statement %>``, ``<# comment #>``); this
module hands them the numbers and chooses what to say: which datasets pay,
which router leads, which value is undefined and why. Every number is quoted
through its macro (``q(...)``, numbers.py); a number the text needs but
numbers.json lacks prints as ``\\NumberMissing`` (a bold ``[missing]``; only
for a numbers.json made by an older pipeline).

Every statement is true for the data: a value that can be null gets a sentence
saying why instead of its macro; optimizers are compared on the datasets and
models they all have; a count takes the singular for 1; where an interval
cannot tell, the text says "the data cannot tell". Each section opens with its
findings; per-dataset detail lives in tables whose cells are macros.

To add a number to a section, quote it in its template (``<< q("routing",
dataset, router, "apgr") >>``) or in one of its tables (``routing_tables``
below); a number published but quoted nowhere is declared in
``exported_only``. A new section is one more template, one entry in
``SECTIONS`` and one ``\\input`` in main.tex.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Collection, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import quantities
from .latex import escape
from .numbers import MISSING, macro_name

#: The folder beside main.tex the fragments are written to (and \\input from).
GENERATED = "generated"
#: The folder of the sections' templates.
TEMPLATES = Path(__file__).parent / "templates"
#: How the text names each router of routing_model.ROUTERS (another one: by its key).
ROUTER_NAMES = {"logits": "log-probability", "entropy": "entropy", "confidence": "self-verification"}
#: The paired router comparison's artifacts (published by the routing stage). The routing section
#: shows them, and points to them, only where they are among the artifacts: ``comparison_shown``.
COMPARISON_TABLE = "tables/routing_comparison.tex"
COMPARISON_FIGURE = "figures/routing_comparison.pdf"
#: The most dataset names a finding lists; more are counted ("on 7 of the 12 datasets"), so that
#: the findings do not grow with the datasets (their detail is in the tables).
MOST_NAMED = 3
AUTOMIX = r"$\Delta_\mathrm{IBC}^\mathrm{AutoMix}$"
PCT = r"\,\%"


def exported_only(path: tuple) -> bool:
    """Whether the number at ``path`` (a key path of numbers.json) is published for readers and
    ``make changes`` but quoted by no sentence or table of the generated sections: its quantity's
    declaration says so (``quantities.py``; e.g. the pairs of the paired router comparison, which
    its own published table shows; the findings quote the leading pair only)."""
    return quantities.is_exported_only(path)


class Quote:
    """The macros of the numbers present: ``q("tokens", "runs_count", "CAPO")`` is
    ``\\TokensRunsCountCAPO{}`` when numbers.json has that key, else ``\\NumberMissing{}``."""

    def __init__(self, numbers: Mapping):
        self.numbers = numbers

    def get(self, *path):
        node = self.numbers
        for part in path:
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def keys(self, *path) -> list:
        """The keys found under ``path`` (none if it is absent), in numbers.json's order."""
        node = self.get(*path)
        return list(node) if isinstance(node, Mapping) else []

    def value(self, *path):
        """The number under ``path`` (None when numbers.json lacks it or holds null)."""
        value = self.get(*path)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def at(self, key: tuple, *path) -> str:
        """``q(*key, *path)``: the macro of a leaf below a key path (templates cannot unpack twice)."""
        return self(*key, *path)

    def value_at(self, key: tuple, *path):
        return self.value(*key, *path)

    def get_at(self, key: tuple, *path):
        return self.get(*key, *path)

    def keys_at(self, key: tuple, *path) -> list:
        return self.keys(*key, *path)

    def each(self, key: tuple, names) -> list[str]:
        """The macros of ``names`` under ``key``."""
        return [self(*key, name) for name in names]

    def defined(self, key: tuple, names) -> bool:
        """Whether every one of ``names`` under ``key`` holds a number."""
        return all(self.value(*key, name) is not None for name in names)

    def __call__(self, *path) -> str:
        # a key whose value is null has its macro too (numbers.tex defines it as \NumberMissing)
        present = path[-1] in self.keys(*path[:-1])
        return f"\\{macro_name(path)}{{}}" if present else f"{MISSING}{{}}"


# --- words -------------------------------------------------------------------------------------

def listed(items) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def article(name: str) -> str:
    return "an" if name[:1].upper() in "AEIOU" else "a"


def plural(count, one: str, many: str | None = None) -> str:
    """The word for ``count`` things: ``one`` for exactly 1, else ``many`` (``one`` + "s")."""
    return one if count == 1 else many or one + "s"


def tasks_words(count) -> str:
    """"dataset and model" for 1, "datasets and models" otherwise."""
    return plural(count, "dataset and model", "datasets and models")


def router_name(router: str) -> str:
    return ROUTER_NAMES.get(router, escape(router))


def which(datasets: list, of: int) -> str:
    """The datasets named (at most MOST_NAMED), or counted: "7 of the 12 datasets"."""
    if len(datasets) <= MOST_NAMED:
        return listed(escape(d) for d in datasets)
    return f"{len(datasets)} of the {of} datasets"


def every(count: int) -> str:
    """"both datasets", "all 5 datasets"."""
    return "both datasets" if count == 2 else f"all {count} datasets"


def any_of(count: int) -> str:
    """"either dataset", "any of the 5 datasets"."""
    return "either dataset" if count == 2 else f"any of the {count} datasets"


def others(datasets: list) -> str:
    """The rest of a list of datasets after ``which``: named (at most MOST_NAMED), or "5 others"."""
    return listed(escape(d) for d in datasets) if len(datasets) <= MOST_NAMED else f"{len(datasets)} others"


# --- floats ------------------------------------------------------------------------------------

def table(file: str, caption: str, label: str) -> str:
    """A table float around a published tabular (``tables/<file>``), shrunk to the text width where
    it is wider (long names: ``\\fittable`` in main.tex)."""
    return (f"\\begin{{table}}[H]\n\\centering\n\\caption{{{caption}}}\n\\label{{{label}}}\n"
            f"\\fittable{{{file}}}\n\\end{{table}}\n")


def figure(path: str, caption: str, label: str | None = None, width: str = r"\linewidth") -> str:
    """A figure float around a published PDF (``path`` relative to the output folder, or a
    ``generated/`` link to one, see ``links``)."""
    where = path if path.startswith(f"{GENERATED}/") else f"\\resultsdir/{path}"
    return (f"\\begin{{figure}}[H]\n\\centering\n\\includegraphics[width={width},height=0.85\\textheight,"
            f"keepaspectratio]{{{where}}}\n\\caption{{{caption}}}\n"
            + (f"\\label{{{label}}}\n" if label else "") + "\\end{figure}\n")


ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES), extensions=["jinja2.ext.do"], autoescape=False, undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True, lstrip_blocks=True, block_start_string="<%", block_end_string="%>",
    variable_start_string="<<", variable_end_string=">>", comment_start_string="<#", comment_end_string="#>")
ENVIRONMENT.globals.update(listed=listed, article=article, plural=plural, tasks_words=tasks_words, escape=escape,
                           router_name=router_name, which=which, others=others, every=every, any_of=any_of, table=table, figure=figure,
                           AUTOMIX=AUTOMIX, PCT=PCT)
# as filters too (names|map("escape")): LaTeX's escape, not Jinja's HTML one
ENVIRONMENT.filters.update(escape=escape, router_name=router_name)


def render(section: str, **context) -> str:
    return ENVIRONMENT.get_template(f"{section}.tex.j2").render(**context)


# --- tokens and optimization -------------------------------------------------------------------

def tokens_section(q: Quote, table_optimizer: str, artifacts: Collection[str]) -> str:
    """Runs (and the datasets and models each optimizer ran on), downstream share of input tokens
    and tokens per run, per optimizer and dataset."""
    optimizers = q.keys("tokens", "downstream_share_pct")
    every = q.get("optimization", "tasks_count")
    return render("tokens", q=q, optimizers=optimizers, table_optimizer=table_optimizer, every=every,
                  same_tasks=same_tasks(q),
                  first_datasets=q.keys("tokens", "downstream_share_by_dataset_pct", optimizers[0])
                  if optimizers else [])


def same_tasks(q: Quote) -> bool:
    """Whether every optimizer ran on all the datasets and models (``optimization.tasks_count``):
    else the token findings say on how many of them each did and that its numbers average over those."""
    every = q.get("optimization", "tasks_count")
    return every is not None and all(q.get("tokens", "tasks_count", o) == every
                                     for o in q.keys("tokens", "downstream_share_pct"))


def scores_case(q: Quote) -> str:
    """What the scores finding can say: ``no score`` (no optimizer has a test score below the
    budget), ``no common task`` (no dataset and model has one from each scored optimizer: their
    scores are not averaged side by side) or ``averaged`` (over the datasets and models all have)."""
    if not q.keys("optimization", "score_at_table_budget_pct"):
        return "no score"
    return "no common task" if q.get("optimization", "score_at_table_budget_tasks_count") == 0 else "averaged"


def optimization_section(q: Quote, table_optimizer: str, artifacts: Collection[str]) -> str:
    """Test scores at the table budget (per optimizer, per model) on the datasets and models they
    all have, racing savings, wall-clock, the pairs of optimizers compared."""
    scored = q.keys("optimization", "score_at_table_budget_pct")
    optimizers = list(dict.fromkeys([*q.keys("tokens", "runs_count"), *scored]))
    runs = sum(count for count in (q.get("tokens", "runs_count") or {}).values() if isinstance(count, int))
    return render("optimization", q=q, case=scores_case(q), scored=scored,
                  unscored=[o for o in q.keys("tokens", "runs_count") if o not in scored],
                  runs=runs, pairs=[(pair, *pair_names(pair, optimizers))
                                    for pair in q.keys("optimization", "comparison")])


def pair_names(pair: str, optimizers: list) -> tuple[str, str]:
    """The two optimizers of a comparison key ``X_vs_Y`` (numbers.comparison_numbers), read
    with the optimizers' names where they are known, so that a name holding ``_vs_`` stays whole."""
    for x in optimizers:
        for y in optimizers:
            if f"{x}_vs_{y}" == pair:
                return x, y
    x, _, y = pair.partition("_vs_")
    return x, y


# --- routing: what the findings say --------------------------------------------------------------

def has_no_baseline(q: Quote, dataset: str) -> bool:
    """Whether no router of the dataset has an APGR: then the large model is not better than the small
    one by more than one query's swing (routing_model.no_baseline_reason), and nothing divided by
    P_LLM - P_SLM is defined (with a baseline APGR always is: every curve ends at all routed)."""
    routers = [r for r in q.keys("routing", dataset) if isinstance(q.get("routing", dataset, r), Mapping)]
    return bool(routers) and all(q.get("routing", dataset, r, "apgr") is None for r in routers)


def routers_of(q: Quote, dataset: str) -> list[str]:
    """The routers of a dataset (the oracle apart)."""
    return [r for r in q.keys("routing", dataset)
            if r != "oracle" and isinstance(q.get("routing", dataset, r), Mapping)]


def _router_order(routers) -> list:
    known = list(ROUTER_NAMES)
    return sorted(set(routers), key=lambda router: (known.index(router) if router in known else len(known), router))


def paying(q: Quote, dataset: str) -> list[str]:
    """The routers of a dataset that pay a verifier (a verifier charge above 0)."""
    return [r for r in routers_of(q, dataset) if (q.value("routing", dataset, r, "verifier_charge") or 0) > 0]


def pays_for_verifier(q: Quote, dataset: str, router: str) -> bool | None:
    """Whether ``router`` pays for its verifier at the configured cost: its break-even cost is at
    least the verifier's cost, i.e. its best delta_IBC_automix is at least 0 (None: undefined)."""
    break_even = q.value("routing", dataset, router, "verifier_break_even_cost")
    verifier = q.value("routing_config", "verifier_cost")
    return None if break_even is None or verifier is None else break_even >= verifier


def break_even_interval_contains_cost(q: Quote, dataset: str, router: str) -> bool:
    """Whether the break-even cost's interval contains the configured verifier cost."""
    low, high = (q.value("routing", dataset, router, f"verifier_break_even_cost_ci_{end}") for end in ("low", "high"))
    cost = q.value("routing_config", "verifier_cost")
    return None not in (low, high, cost) and low <= cost <= high


def no_automix_reason(q: Quote) -> str:
    """Why a dataset's AutoMix numbers are null: the costs, or no baseline."""
    slm, llm = q.value("routing_config", "slm_cost"), q.value("routing_config", "llm_cost")
    if slm is not None and llm is not None and llm <= slm:
        return "costs"
    return "baseline"


def leading_router(q: Quote, datasets: list, routers: list) -> dict:
    """Which router recovers most of the gap, from the paired comparison over all datasets
    (numbers.json's ``routing_comparison.all``): the router whose mean APGR difference to every
    other is above 0, and the next (the smallest such difference). ``case`` is what the finding
    can say: ``unavailable`` (no paired comparison in the numbers), ``one router``, ``undefined``
    (a difference is null), ``no leader`` (a difference of exactly 0), ``ahead`` (the pair's
    paired interval excludes 0), ``tied`` (it contains 0) or ``no interval``."""
    found = dict.fromkeys(("router", "next", "pair", "a", "b", "count", "no_baseline"))
    pairs = q.keys("routing_comparison", "all")
    if len(routers) < 2:
        return found | {"case": "one router" if routers else "unavailable", "router": (routers or [None])[0]}

    def pair(a, b):
        return f"{a}_vs_{b}" if f"{a}_vs_{b}" in pairs else f"{b}_vs_{a}" if f"{b}_vs_{a}" in pairs else None

    def lead(a, b):  # a's APGR minus b's, from whichever order the pair is stored in
        key = pair(a, b)
        value = q.value("routing_comparison", "all", key, "apgr_difference")
        return None if value is None else value if key.startswith(f"{a}_vs_") else -value

    if any(pair(a, b) is None for a in routers for b in routers if a != b):
        return found | {"case": "unavailable"}
    leads = {a: {b: lead(a, b) for b in routers if b != a} for a in routers}
    if any(value is None for row in leads.values() for value in row.values()):
        return found | {"case": "undefined", "no_baseline": all(has_no_baseline(q, d) for d in datasets)}
    leader = next((a for a, row in leads.items() if all(value > 0 for value in row.values())), None)
    if leader is None:
        return found | {"case": "no leader"}
    following = min(leads[leader], key=lambda b: (leads[leader][b], routers.index(b)))
    key = pair(leader, following)
    low, high = (q.value("routing_comparison", "all", key, f"apgr_difference_ci_{end}") for end in ("low", "high"))
    first = key.startswith(f"{leader}_vs_")
    count = "apgr_better_count" if first else "apgr_worse_count"
    counted = None not in (q.value("routing_comparison", "all", key, count),
                           q.value("routing_comparison", "all", key, "datasets_count"))
    return found | {"case": "no interval" if low is None or high is None else "tied" if low <= 0 <= high else "ahead",
                    "router": leader, "next": following, "pair": key, "a": key.partition("_vs_")[0],
                    "b": key.partition("_vs_")[2], "count": count if counted else None}


def highest_mean_apgr(q: Quote, datasets: list, routers: list) -> str | None:
    """The router with the highest mean APGR over the datasets where every router has one (the
    first in ROUTER_NAMES' order on a tie); None where there is no such dataset. It chooses which
    router the findings on routed shares and held-out thresholds are about."""
    common = [d for d in datasets if all(q.value("routing", d, r, "apgr") is not None for r in routers)]
    if not common or not routers:
        return None
    means = {r: math.fsum(q.value("routing", d, r, "apgr") for d in common) / len(common) for r in routers}
    return max(routers, key=lambda r: (means[r], -routers.index(r)))


def verifier_findings(q: Quote, datasets: list) -> list[dict]:
    """For each router that pays a verifier: the datasets where it pays for it at the configured cost,
    where not, where its break-even cost is undefined (and why), and the dataset whose break-even cost
    the finding quotes (the highest; the lowest where it pays everywhere). ``case``: ``all``,
    ``some``, ``none`` (it pays nowhere) or ``undefined`` (no break-even cost anywhere)."""
    found = []
    for router in _router_order(r for d in datasets for r in paying(q, d)):
        on = [d for d in datasets if router in paying(q, d)]
        verdicts = {d: pays_for_verifier(q, d, router) for d in on}
        pays = [d for d in on if verdicts[d]]
        not_paying = [d for d in on if verdicts[d] is False]
        defined = pays + not_paying
        undefined = [d for d in on if verdicts[d] is None]
        case = ("undefined" if not defined else "all" if not not_paying else "some" if pays else "none")
        cost = lambda d: q.value("routing", d, router, "verifier_break_even_cost")  # noqa: E731
        quoted = (min if case == "all" else max)(defined, key=cost) if defined else None
        found.append({"router": router, "on": on, "pays": pays, "not_paying": not_paying, "undefined": undefined,
                      "case": case, "quoted": quoted, "why": no_automix_reason(q),
                      "unsure": [d for d in on if break_even_interval_contains_cost(q, d, router)]})
    return found


def gap_finding(q: Quote, datasets: list, router: str | None) -> dict:
    """The routed share at which ``router`` recovers half of the gap (CPT_50) on each dataset that
    has one: the lowest and the highest."""
    defined = [d for d in datasets if router and q.value("routing", d, router, "cpt_50_pct") is not None]
    share = lambda d: q.value("routing", d, router, "cpt_50_pct")  # noqa: E731
    return {"router": router, "datasets": defined, "lowest": min(defined, key=share) if defined else None,
            "highest": max(defined, key=share) if defined else None}


def heldout_finding(q: Quote, datasets: list, router: str | None) -> dict:
    """Where a threshold chosen for ``router`` on calibration queries still beats random routing on
    the others (held-out delta_IBC above 0), and the dataset of its lowest held-out value."""
    defined = [d for d in datasets if router and q.value("routing", d, router, "heldout_delta_ibc_pct") is not None]
    held = lambda d: q.value("routing", d, router, "heldout_delta_ibc_pct")  # noqa: E731
    holds = [d for d in defined if held(d) > 0]
    case = "undefined" if not defined else "all" if len(holds) == len(defined) else "some" if holds else "none"
    # the weakest case where it holds somewhere, the strongest where it holds nowhere
    quoted = None if not defined else (max if case == "none" else min)(defined, key=held)
    return {"router": router, "datasets": defined, "holds": holds, "case": case, "quoted": quoted,
            "baseline": bool(datasets), "undefined": [d for d in datasets if router and d not in defined]}


def undecided_pairs(q: Quote, datasets: list, routers: list) -> tuple[int, int]:
    """(paired APGR comparisons of two routers on one dataset whose interval contains 0, those
    with an interval): the comparisons the data cannot tell."""
    undecided = total = 0
    for dataset in datasets:
        for key in q.keys("routing_comparison", dataset):
            a, _, b = key.partition("_vs_")
            if a not in routers or b not in routers:
                continue  # a pair with the random router
            low, high = (q.value("routing_comparison", dataset, key, f"apgr_difference_ci_{end}")
                         for end in ("low", "high"))
            if low is not None and high is not None:
                total += 1
                undecided += low <= 0 <= high
    return undecided, total


# --- routing: the per-dataset tables, whose cells are macros -------------------------------------

#: why a cell of a routing table is empty, keyed by the cause
NOTES = {
    "no resample": "no bootstrap interval: no resample of the queries gave a value",
    "no split": "no held-out value: no split of the queries gave one",
    "no swept": "no swept threshold routes at least the minimum share (routing.min\\_routed\\_share)",
    "oracle": "not applicable: the oracle knows each query's performance",
    "costs": "undefined: the large model costs no more than the small one here",
    "undefined": "undefined",
}


class Cells:
    """Cells of a table: a number's macro, or a dash with a note mark saying why it is empty
    (``because``, where given, is why every value of the table is empty: the costs)."""

    def __init__(self, q: Quote, because: str | None = None):
        self.q, self.because, self.notes = q, because, {}

    def mark(self, cause: str) -> str:
        cause = cause if cause == "oracle" else self.because or cause
        if cause not in self.notes:
            self.notes[cause] = "abcdefghij"[len(self.notes)]
        return f"--\\textsuperscript{{{self.notes[cause]}}}"

    def __call__(self, key: tuple, leaf: str, cause: str = "undefined") -> str:
        return self.q(*key, leaf) if self.q.value(*key, leaf) is not None else self.mark(cause)

    def interval(self, key: tuple, low: str, high: str, resampled: bool) -> str:
        if self.q.value(*key, low) is not None and self.q.value(*key, high) is not None:
            return f"[{self.q(*key, low)}, {self.q(*key, high)}]"
        return self.mark("no resample") if resampled or self.because else "--"

    def spread(self, key: tuple, value: str, std: str, cause: str) -> str:
        if self.q.value(*key, value) is None:
            return self.mark(cause)
        if self.q.value(*key, std) is None:
            return f"{self.q(*key, value)} (one split)"
        return f"{self.q(*key, value)}\\,$\\pm$\\,{self.q(*key, std)}"

    def footnotes(self) -> list[str]:
        return [f"$^{{{mark}}}$ {NOTES[cause]}" for cause, mark in self.notes.items()]


def ibc_row(c: Cells, key: tuple, resampled: bool) -> list[str]:
    """The notebook's delta_IBC (best, interval, routed share; best swept and its share; held-out),
    APGR and CPT_50 of a router or the oracle (which has no swept or held-out choice)."""
    chosen = [c.mark("oracle")] * 3 if key[-1] == "oracle" else [
        c(key, "best_swept_delta_ibc_pct", "no swept"), c(key, "best_swept_routed_share_pct", "no swept"),
        c.spread(key, "heldout_delta_ibc_pct", "heldout_delta_ibc_std_pct", "no split")]
    return [c(key, "best_delta_ibc_pct"),
            c.interval(key, "best_delta_ibc_ci_low_pct", "best_delta_ibc_ci_high_pct", resampled),
            c(key, "best_delta_ibc_routed_share_pct"), *chosen, c(key, "apgr"), c(key, "cpt_50_pct")]


def automix_row(c: Cells, key: tuple, resampled: bool) -> list[str]:
    """AutoMix's delta_IBC (verifier charge; best, interval, routed share; best swept and its share;
    held-out) and the verifier break-even cost with its interval."""
    chosen = [c.mark("oracle")] * 3 if key[-1] == "oracle" else [
        c(key, "best_swept_delta_ibc_automix_pct", "no swept"),
        c(key, "best_swept_automix_routed_share_pct", "no swept"),
        c.spread(key, "heldout_delta_ibc_automix_pct", "heldout_delta_ibc_automix_std_pct", "no split")]
    return [c(key, "verifier_charge"), c(key, "best_delta_ibc_automix_pct"),
            c.interval(key, "best_delta_ibc_automix_ci_low_pct", "best_delta_ibc_automix_ci_high_pct", resampled),
            c(key, "best_delta_ibc_automix_routed_share_pct"), *chosen, c(key, "verifier_break_even_cost"),
            c.interval(key, "verifier_break_even_cost_ci_low", "verifier_break_even_cost_ci_high", resampled)]


def routing_tables(q: Quote, datasets: list) -> list[dict]:
    """The two per-dataset tables, as data for the template: per dataset its header values and per
    router (and the oracle) its cells; a dataset without a baseline has no rows (its header says
    why). The first table holds the notebook's delta_IBC, the held-out choice, APGR and CPT_50; the
    second AutoMix's delta_IBC and the verifier break-even cost."""
    ibc, automix = Cells(q), Cells(q, "costs" if no_automix_reason(q) == "costs" else None)
    blocks = {"ibc": [], "automix": []}
    for dataset in datasets:
        resampled = bool(q.value("routing", dataset, "bootstrap_resamples_count"))
        header = {"dataset": dataset, "no_baseline": has_no_baseline(q, dataset),
                  "resamples": q.value("routing", dataset, "bootstrap_resamples_count")}
        rows_ibc, rows_automix = [], []
        for router in [*routers_of(q, dataset), "oracle"]:
            if not isinstance(q.get("routing", dataset, router), Mapping) or header["no_baseline"]:
                continue
            key, name = ("routing", dataset, router), "oracle" if router == "oracle" else router_name(router)
            rows_ibc.append([name, *ibc_row(ibc, key, resampled)])
            rows_automix.append([name, *automix_row(automix, key, resampled)])
        blocks["ibc"].append({**header, "rows": rows_ibc})
        blocks["automix"].append({**header, "rows": rows_automix})
    return [{"name": "ibc", "blocks": blocks["ibc"], "notes": ibc.footnotes()},
            {"name": "automix", "blocks": blocks["automix"], "notes": automix.footnotes()}]


def routing_section(q: Quote, table_optimizer: str, artifacts: Collection[str]) -> str:
    """The routing findings (which router leads, whether self-verification pays for its verifier,
    the gap recovered at a routed share, the held-out threshold, where the data cannot tell), the
    definitions, the per-dataset tables, the published tables and figures."""
    datasets = q.keys("routing")
    if not datasets:
        return render("routing", datasets=[])
    routers = _router_order(r for d in datasets for r in routers_of(q, d))
    lead = leading_router(q, datasets, routers)
    # the router the findings on routed shares and held-out thresholds are about: the leader of the paired
    # comparison, else the highest mean APGR (said so), else the first
    highest = highest_mean_apgr(q, datasets, routers)
    chosen = lead["router"] or highest or (routers or [None])[0]
    with_baseline = [d for d in datasets if not has_no_baseline(q, d)]
    linked = {artifact: link for link, artifact in links(q.numbers).items()}
    return render(
        "routing", q=q, datasets=datasets, routers=routers, lead=lead, verifier=verifier_findings(q, datasets),
        gap=gap_finding(q, with_baseline, chosen) | {"by_mean": not lead["router"] and highest is not None},
        heldout=heldout_finding(q, with_baseline, chosen), undecided=undecided_pairs(q, datasets, routers),
        resampled=any(q.value("routing", d, "bootstrap_resamples_count") != 0 for d in datasets),
        paying=_router_order(r for d in datasets for r in paying(q, d)), tables=routing_tables(q, datasets),
        comparison_shown=COMPARISON_TABLE in artifacts and COMPARISON_FIGURE in artifacts,
        comparison_table=COMPARISON_TABLE.removeprefix("tables/"), comparison_figure=COMPARISON_FIGURE,
        figures=[(linked.get(cost_performance(d), cost_performance(d)), d) for d in datasets])


def links(numbers: Mapping) -> dict[str, str]:
    """``generated/`` file -> the artifact it links to, for each figure whose published path
    holds a name TeX cannot take in a file name (braces, #, %, spaces, other scripts)."""
    return {f"{GENERATED}/routing-{i}.pdf": artifact
            for i, artifact in enumerate(map(cost_performance, Quote(numbers).keys("routing")), start=1)
            if not re.fullmatch(r"[A-Za-z0-9_.+/-]+", artifact)}


def cost_performance(dataset: str) -> str:
    return f"routing/datasets/{dataset}/cost_performance.pdf"


#: file name (generated/<name>.tex, \input by main.tex) -> the function that writes it
SECTIONS = {"tokens": tokens_section, "optimization": optimization_section, "routing": routing_section}


def sections(numbers: Mapping, table_optimizer: str, artifacts: Collection[str] = ()) -> dict[str, str]:
    """The text of each section's fragment, from the numbers present; ``artifacts`` are the
    published files (paths relative to the output folder) that decide optional tables and figures."""
    q = Quote(numbers)
    header = "% Generated from numbers.json by scripts/llmcost/paper.py (the paper rule): do not edit.\n"
    return {name: header + write(q, table_optimizer, frozenset(artifacts)) for name, write in SECTIONS.items()}
