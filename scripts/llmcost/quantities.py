"""Every quantity the paper publishes, each declared once.

A quantity is one record (``Quantity``): its name in the code, its label in
LaTeX and in HTML, its unit and the scale from the artifact it is read from
(``in_unit``), the decimals the paper's text prints it with, the table that shows it (with
that table's decimals and its interval's), its key path in ``numbers.json``
(hence its macro, ``macro_name``), the keys of its interval's bounds or its
spread beside it, its caption text, and whether a sentence of the paper quotes
it or numbers.json only exports it. Everything that prints a quantity reads it
from here:

- numbers.json and numbers.tex (numbers.py): the decimals of each macro, and
  the routing curve metrics quoted with their interval (``curve_metrics_quoted``);
- the intervals section (intervals.py): the bounds or spread beside each
  number, and which curve metrics take their interval from metrics.json;
- the tables (routing_tables.py, optimization_tables.py, tokens.py): each
  column's header, decimals and interval decimals, and the notes that say
  what a symbol means;
- the symbols of the tables' two markups (``latex.LATEX``, ``report_html.HTML``);
- ``make changes`` (changes.py): the decimals and whether a change is in percent.

The routing curve metrics (``routing_metrics.METRICS``) are each declared by
the name they have in metrics.json and metrics.csv; a test checks that every
metric and every key of numbers.json has its declaration. docs/development.md
shows, as a worked example, how a new metric is added.

**Naming rule.** A macro's name is its key path, each part split into words
at every character that is not a letter, every digit spelled out as a word
(``5`` -> ``Five``), each word's first letter capitalised, all joined:
``routing.cnli_short.logits.cpt_50_pct`` -> ``\\RoutingCnliShortLogitsCptFiveZeroPct``.
A part with characters outside ASCII (a name in another script, an accent)
keeps the ASCII letters of its Unicode decomposition (``café`` -> ``Cafe``,
``Новости`` -> none) and ends in a word of six letters a-p spelling the first
24 bits of the SHA-1 of the part (UTF-8), so such names get distinct macros,
and a name's macro does not change when other names are added.

Standard library only, and no other module of the package: every module that
prints a number may import this one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping

#: the units a quantity may have; "%" and "pp" are percentages (``make changes`` gives no relative change)
UNITS = ("%", "pp", "M tokens", "tokens", "hours", "count", "probability", "performance", "PGR", "cost",
         "p-value", "word")
PERCENT = ("%", "pp")

# the names that stand for a dataset, model, optimizer, router or pair (of optimizers or routers) in a key path
DATASET, MODEL, OPTIMIZER, ROUTER, PAIR = "{dataset}", "{model}", "{optimizer}", "{router}", "{pair}"

ROUTING_METRICS_TABLE = "tables/routing_metrics.tex"
ROUTING_IBC_TABLE = "tables/routing_ibc.tex"
AUTOMIX_TABLE = "tables/routing_automix.tex"
TOKEN_FRACTION_TABLE = "tables/token_fraction.tex"
TOKEN_USAGE_TABLE = "tables/token_usage.tex"
SCORES_TABLE = "tables/optimizer_scores.tex"
RACING_TABLE = "tables/racing_savings.tex"
COMPARISON_TABLE = "tables/optimizer_comparison.tex"


@dataclass(frozen=True)
class Quantity:
    """A published quantity. ``note`` names the tables' symbols in braces (``{pct}``,
    ``{delta_IBC}``): each markup fills in its own (``note_text``)."""

    name: str  # in the code: metrics.json's metric, a column, a symbol's name in the markups
    latex: str  # its label in LaTeX (a table's header, a note's symbol)
    html: str  # the same in the report's HTML
    unit: str
    decimals: int  # as the paper's text prints it (numbers.tex)
    path: tuple = ()  # its key path in numbers.json, names in braces; () if numbers.json has none
    scale: float = 1.0  # times this in its unit, from the artifact it is read from (100: a share in percent)
    per: float = 1.0  # and divided by this (1e6: tokens in millions)
    source: str = ""  # the artifact it is read from, where it is not numbers.json's own computation
    table: str = ""  # the table that shows it
    table_decimals: int | None = None  # the table's decimals, where they differ from the text's
    interval_decimals: int | None = None  # its interval's in the table, where they differ from the table's
    bounds: tuple = ()  # the numbers.json keys of its interval's bounds, beside it
    spread: str = ""  # the numbers.json key of its std, beside it (value ± std)
    caption: str = ""  # what it is, in words
    note: str = ""  # the line its table's notes give it, symbols in braces ("": none)
    quoted: bool = True  # False: exported only (numbers.json holds it; no sentence of the paper needs to quote it)

    @property
    def at(self) -> int | None:
        """Where its key is in its path: the last part that is not a name (None without a path)."""
        names = [part.startswith("{") for part in self.path]
        return len(names) - 1 - names[::-1].index(False) if False in names else None

    @property
    def key(self) -> str | None:
        """Its key in numbers.json (None if it has none)."""
        return None if self.at is None else self.path[self.at]

    def beside(self, path: tuple, key: str) -> tuple:
        """The key path of ``key`` beside the number at ``path`` (its interval's bound, its spread)."""
        return (*path[:self.at], key, *path[self.at + 1:])

    def paths(self) -> list[tuple]:
        """The key paths of its value, its interval's bounds and its spread in numbers.json."""
        if not self.path:
            return []
        return [self.beside(self.path, key) for key in (self.key, *self.bounds, *([self.spread] if self.spread else []))]

    @property
    def in_table(self) -> int:
        """The decimals its table prints it with."""
        return self.decimals if self.table_decimals is None else self.table_decimals

    @property
    def in_interval(self) -> int:
        """The decimals its table prints its interval with."""
        return self.in_table if self.interval_decimals is None else self.interval_decimals

    def in_unit(self, value):
        """A value of the artifact it is read from in its unit (``value * scale / per``: each step
        exact where it is 1); None stays None."""
        return None if value is None else value * self.scale / self.per

    def note_text(self, symbols: Mapping[str, str]) -> str:
        """Its table's note in a markup (``symbols``: the markup's symbols by name)."""
        return self.note.format_map(symbols)

    @property
    def macro(self) -> str:
        """Its macro, a name in braces standing for each dataset, router, ... (``macro_name``)."""
        return "".join(part if part.startswith("{") else macro_name((part,)) for part in self.path)


_ROUTER_PATH = ("routing", DATASET, ROUTER)

QUANTITIES = (
    # --- token usage (tokens/summary.json, tokens/runs.csv) -------------------------------------
    Quantity("input_tokens_meta_llm", "Meta in [M]", "Meta in [M]", "M tokens", 3, per=1e6,
             table=TOKEN_USAGE_TABLE, caption="the meta-LLM's input tokens per run, mean ± std over seeds"),
    Quantity("output_tokens_meta_llm", "Meta out [M]", "Meta out [M]", "M tokens", 3, per=1e6,
             table=TOKEN_USAGE_TABLE, caption="the meta-LLM's output tokens per run, mean ± std over seeds"),
    Quantity("input_tokens_downstream_llm", "Downstream in [M]", "Downstream in [M]", "M tokens", 3, per=1e6,
             table=TOKEN_USAGE_TABLE, caption="the downstream LLM's input tokens per run, mean ± std over seeds"),
    Quantity("output_tokens_downstream_llm", "Downstream out [M]", "Downstream out [M]", "M tokens", 3,
             per=1e6, table=TOKEN_USAGE_TABLE,
             caption="the downstream LLM's output tokens per run, mean ± std over seeds"),
    Quantity("frac_downstream_llm", "Downstream share", "Downstream share", "%", 1, scale=100,
             path=("tokens", "downstream_share_pct", OPTIMIZER), table=TOKEN_FRACTION_TABLE,
             caption="the downstream LLM's share of the input tokens, mean over the optimizer's cells"),
    Quantity("downstream_share_by_dataset", "Downstream share", "Downstream share", "%", 1, scale=100,
             path=("tokens", "downstream_share_by_dataset_pct", OPTIMIZER, DATASET),
             caption="the downstream LLM's share of the input tokens, mean over the dataset's models"),
    Quantity("mean_tokens_per_run", "Tokens per run [M]", "Tokens per run [M]", "M tokens", 2, per=1e6,
             path=("tokens", "mean_tokens_per_run_millions", OPTIMIZER),
             caption="the total tokens of a run (tokens.total_tokens), mean over the optimizer's runs"),
    Quantity("mean_input_tokens_per_run", "Input tokens per run [M]", "Input tokens per run [M]", "M tokens", 2,
             per=1e6, path=("tokens", "mean_input_tokens_per_run_millions", OPTIMIZER),
             caption="the input tokens of a run (tokens.input_tokens), mean over the optimizer's runs"),
    Quantity("runs_count", "Runs", "Runs", "count", 0, path=("tokens", "runs_count", OPTIMIZER),
             caption="the optimizer's runs"),
    Quantity("token_tasks_count", "Tasks", "Tasks", "count", 0, path=("tokens", "tasks_count", OPTIMIZER),
             caption="the datasets and models the optimizer ran on"),
    # --- what optimization buys (optimization/summary.json, scores.csv, comparison.csv) ----------
    Quantity("saved_ratio", "Saved", "Saved", "%", 1, scale=100, path=("optimization", "racing_saved_pct", OPTIMIZER),
             table=RACING_TABLE, caption="the evaluations racing saved, mean over the optimizer's cells"),
    Quantity("racing_tasks_count", "Tasks with racing", "Tasks with racing", "count", 0,
             path=("optimization", "racing_tasks_count", OPTIMIZER),
             caption="the datasets and models with a racing log"),
    Quantity("table_budget", "Budget [M]", "Budget [M]", "M tokens", 2, per=1e6,
             path=("optimization", "table_budget_millions"), caption="the token budget of the scores table"),
    Quantity("optimization_tasks_count", "Tasks", "Tasks", "count", 0, path=("optimization", "tasks_count"),
             caption="the datasets and models with a run"),
    Quantity("score_tasks_count", "Common tasks", "Common tasks", "count", 0,
             path=("optimization", "score_at_table_budget_tasks_count"),
             caption="the datasets and models where every optimizer has a score at the table budget"),
    Quantity("test_score", "Test score", "Test score", "%", 1, scale=100,
             path=("optimization", "score_at_table_budget_pct", OPTIMIZER), table=SCORES_TABLE, table_decimals=2,
             caption="the test score at the table budget, mean over the common tasks"),
    Quantity("test_score_by_model", "Test score", "Test score", "%", 1, scale=100,
             path=("optimization", "score_at_table_budget_by_model_pct", OPTIMIZER, MODEL),
             caption="the test score at the table budget, mean over the model's common tasks"),
    Quantity("wall_clock_hours", "Wall-clock [h]", "Wall-clock [h]", "hours", 1,
             path=("optimization", "wall_clock_hours"), caption="the wall-clock of the runs that have one, total"),
    Quantity("wall_clock_runs_count", "Timed runs", "Timed runs", "count", 0,
             path=("optimization", "wall_clock_runs_count"), caption="the runs with a wall-clock"),
    Quantity("comparison_tasks_count", "$n$", "n", "count", 0,
             path=("optimization", "comparison", PAIR, "tasks_count"), table=COMPARISON_TABLE,
             caption="the tasks both optimizers have a score on"),
    Quantity("P_improvement", "$P(X > Y)$", "P(X &gt; Y)", "probability", 3,
             path=("optimization", "comparison", PAIR, "p_improvement"), bounds=("p_ci_low", "p_ci_high"),
             table=COMPARISON_TABLE, table_decimals=2,
             caption="the probability that a run of X scores higher than a run of Y on the same task"),
    Quantity("delta_score", r"$\Delta$", "Δ", "pp", 1, path=("optimization", "comparison", PAIR, "delta_pct"),
             bounds=("delta_ci_low_pct", "delta_ci_high_pct"), table=COMPARISON_TABLE,
             caption="X's mean test score minus Y's, in percentage points"),
    Quantity("permutation_p_value", "$p$", "p", "p-value", 4,
             path=("optimization", "comparison", PAIR, "permutation_p_value"), table=COMPARISON_TABLE,
             caption="the stratified permutation test's p-value; four decimals, <0.0001 below"),
    Quantity("verdict", "Verdict", "Verdict", "word", 0, path=("optimization", "comparison", PAIR, "verdict"),
             table=COMPARISON_TABLE, caption="better, worse, not distinguishable, or too few runs"),
    # --- routing (routing/summary.json, datasets/{dataset}/metrics.json) -------------------------
    Quantity("P_SLM", r"$P_\mathrm{SLM}$", "P<sub>SLM</sub>", "performance", 3, path=("routing", DATASET, "P_slm"),
             table=ROUTING_IBC_TABLE, caption="the small model's mean performance"),
    Quantity("P_LLM", r"$P_\mathrm{LLM}$", "P<sub>LLM</sub>", "performance", 3, path=("routing", DATASET, "P_llm"),
             table=ROUTING_IBC_TABLE, caption="the large model's mean performance"),
    Quantity("bootstrap_resamples", "Resamples", "Resamples", "count", 0,
             path=("routing", DATASET, "bootstrap_resamples_count"), caption="the bootstrap's resamples"),
    Quantity("delta_IBC", r"$\Delta_\mathrm{IBC}$", "Δ<sub>IBC</sub>", "%", 1, source="the sweeps",
             caption="the notebook's incremental benefit per cost, the verifier cancels"),
    Quantity("delta_IBC_automix", r"$\Delta_\mathrm{IBC}^\mathrm{AutoMix}$", "Δ<sub>IBC</sub><sup>AutoMix</sup>",
             "%", 1, source="the sweeps", caption="AutoMix's incremental benefit per cost, the verifier charged"),
    Quantity("AIQ", "AIQ", "AIQ", "performance", 3, source="metrics.json", table=ROUTING_METRICS_TABLE,
             interval_decimals=2, caption="RouterBench's average improvement in quality"),
    Quantity("APGR", "APGR", "APGR", "PGR", 3, path=(*_ROUTER_PATH, "apgr"), source="metrics.json",
             table=ROUTING_METRICS_TABLE, interval_decimals=2, caption="RouteLLM's average performance gap recovered"),
    Quantity("CPT_20", r"CPT$_{20}$", "CPT<sub>20</sub>", "%", 1, scale=100, source="metrics.json",
             caption="the smallest routed share at which PGR reaches 20 %"),
    Quantity("CPT_50", r"CPT$_{50}$", "CPT<sub>50</sub>", "%", 1, path=(*_ROUTER_PATH, "cpt_50_pct"), scale=100,
             source="metrics.json", table=ROUTING_METRICS_TABLE,
             caption="the smallest routed share at which PGR reaches 50 %",
             note="{CPT_50}: routed share ({pct}) where PGR reaches 50{thin_pct}. {delta_IBC} in {pct}."),
    Quantity("CPT_80", r"CPT$_{80}$", "CPT<sub>80</sub>", "%", 1, scale=100, source="metrics.json",
             caption="the smallest routed share at which PGR reaches 80 %"),
    Quantity("delta_IBC_5", r"$\Delta_\mathrm{IBC,5}$", "Δ<sub>IBC,5</sub>", "%", 1, source="metrics.json",
             table=ROUTING_METRICS_TABLE,
             caption="the mean delta_IBC at 10, 30, 50, 70 and 90 % routed",
             note="{delta_IBC_5}: mean {delta_IBC} at 10, 30, 50, 70 and 90{thin_pct} routed."),
    Quantity("best_delta_IBC", r"Best $\Delta_\mathrm{IBC}$", "Best Δ<sub>IBC</sub>", "%", 1,
             path=(*_ROUTER_PATH, "best_delta_ibc_pct"), source="metrics.json", table=ROUTING_METRICS_TABLE,
             bounds=("best_delta_ibc_ci_low_pct", "best_delta_ibc_ci_high_pct"),
             caption="the largest delta_IBC over the curve's points routing the minimum share"),
    Quantity("best_delta_IBC_routed_share", "Routed", "Routed", "%", 1, scale=100,
             path=(*_ROUTER_PATH, "best_delta_ibc_routed_share_pct"), caption="the routed share of best delta_IBC"),
    Quantity("held_out_delta_IBC", "Held-out", "Held-out", "%", 1, path=(*_ROUTER_PATH, "heldout_delta_ibc_pct"),
             spread="heldout_delta_ibc_std_pct", table=ROUTING_METRICS_TABLE,
             caption="delta_IBC of a threshold chosen on calibration queries, on the others; mean ± std over splits"),
    Quantity("best_swept_delta_IBC", r"Best $\Delta_\mathrm{IBC}$", "Best Δ<sub>IBC</sub>", "%", 1,
             path=(*_ROUTER_PATH, "best_swept_delta_ibc_pct"), table=ROUTING_IBC_TABLE,
             caption="the largest delta_IBC among the swept thresholds"),
    Quantity("best_swept_routed_share", "Routed", "Routed", "%", 1, scale=100,
             path=(*_ROUTER_PATH, "best_swept_routed_share_pct"), table=ROUTING_IBC_TABLE,
             caption="the routed share of the best swept threshold"),
    Quantity("verifier_charge", "Verifier", "Verifier", "cost", 3, path=(*_ROUTER_PATH, "verifier_charge"),
             table=AUTOMIX_TABLE, table_decimals=2, caption="the verifier cost the router pays per query"),
    Quantity("best_delta_IBC_automix", r"Best $\Delta_\mathrm{IBC}^\mathrm{AutoMix}$",
             "Best Δ<sub>IBC</sub><sup>AutoMix</sup>", "%", 1, path=(*_ROUTER_PATH, "best_delta_ibc_automix_pct"),
             source="metrics.json", table=AUTOMIX_TABLE,
             bounds=("best_delta_ibc_automix_ci_low_pct", "best_delta_ibc_automix_ci_high_pct"),
             caption="the largest AutoMix delta_IBC over the curve's points routing the minimum share"),
    Quantity("best_delta_IBC_automix_routed_share", "Routed", "Routed", "%", 1, scale=100,
             path=(*_ROUTER_PATH, "best_delta_ibc_automix_routed_share_pct"), table=AUTOMIX_TABLE,
             caption="the routed share of the best AutoMix delta_IBC"),
    Quantity("held_out_delta_IBC_automix", "Held-out", "Held-out", "%", 1,
             path=(*_ROUTER_PATH, "heldout_delta_ibc_automix_pct"), spread="heldout_delta_ibc_automix_std_pct",
             table=AUTOMIX_TABLE, caption="the held-out AutoMix delta_IBC; mean ± std over splits"),
    Quantity("best_swept_delta_IBC_automix", r"Best $\Delta_\mathrm{IBC}^\mathrm{AutoMix}$",
             "Best Δ<sub>IBC</sub><sup>AutoMix</sup>", "%", 1,
             path=(*_ROUTER_PATH, "best_swept_delta_ibc_automix_pct"), table=ROUTING_IBC_TABLE,
             caption="the largest AutoMix delta_IBC among the swept thresholds"),
    Quantity("best_swept_automix_routed_share", "AutoMix routed", "AutoMix routed", "%", 1, scale=100,
             path=(*_ROUTER_PATH, "best_swept_automix_routed_share_pct"), table=ROUTING_IBC_TABLE,
             caption="the routed share of the best swept AutoMix threshold"),
    Quantity("verifier_break_even_cost", "Break-even", "Break-even", "cost", 3,
             path=(*_ROUTER_PATH, "verifier_break_even_cost"), source="metrics.json", table=AUTOMIX_TABLE,
             table_decimals=2, bounds=("verifier_break_even_cost_ci_low", "verifier_break_even_cost_ci_high"),
             caption="the largest verifier cost at which some threshold still has AutoMix delta_IBC >= 0"),
    # --- the routers compared pair by pair (numbers.json's routing_comparison: per dataset, and over
    # --- all datasets under "all"; a pair "A_vs_B", B a router or random routing)
    Quantity("apgr_difference", r"$\Delta$APGR", "ΔAPGR", "PGR", 3,
             path=("routing_comparison", DATASET, PAIR, "apgr_difference"),
             bounds=("apgr_difference_ci_low", "apgr_difference_ci_high"), quoted=False,
             caption="A's APGR minus B's (per dataset, or their mean over the datasets under all); the findings "
                     "quote the leading pair, the comparison's table shows every pair"),
    Quantity("aiq_difference", r"$\Delta$AIQ", "ΔAIQ", "performance", 3,
             path=("routing_comparison", DATASET, PAIR, "aiq_difference"),
             bounds=("aiq_difference_ci_low", "aiq_difference_ci_high"), quoted=False,
             caption="A's AIQ minus B's (per dataset, or their mean under all); no verdict"),
    Quantity("best_delta_ibc_automix_difference", r"$\Delta$ best $\Delta_\mathrm{IBC}^\mathrm{AutoMix}$",
             "Δ best Δ<sub>IBC</sub><sup>AutoMix</sup>", "pp", 1,
             path=("routing_comparison", DATASET, PAIR, "best_delta_ibc_automix_difference_pct"),
             bounds=("best_delta_ibc_automix_difference_ci_low_pct", "best_delta_ibc_automix_difference_ci_high_pct"),
             quoted=False,
             caption="A's best AutoMix delta_IBC minus B's, in percentage points (per dataset, or their mean under all)"),
    Quantity("best_delta_ibc_difference", r"$\Delta$ best $\Delta_\mathrm{IBC}$", "Δ best Δ<sub>IBC</sub>", "pp", 1,
             path=("routing_comparison", DATASET, PAIR, "best_delta_ibc_difference_pct"),
             bounds=("best_delta_ibc_difference_ci_low_pct", "best_delta_ibc_difference_ci_high_pct"), quoted=False,
             caption="A's best delta_IBC minus B's, in percentage points (per dataset, or their mean under all)"),
    *(Quantity(f"{metric}_{side}_count", f"{side.capitalize()}", f"{side.capitalize()}", "count", 0,
               path=("routing_comparison", "all", PAIR, f"{metric}_{side}_count"), quoted=False,
               caption=f"the datasets where the {metric} difference's interval lies {where} 0")
      for metric in ("apgr", "aiq", "best_delta_ibc_automix", "best_delta_ibc")
      for side, where in (("better", "above"), ("worse", "below"))),
    Quantity("comparison_datasets_count", "Datasets", "Datasets", "count", 0,
             path=("routing_comparison", "all", PAIR, "datasets_count"), quoted=False,
             caption="the datasets where the pair has an APGR difference"),
    # --- the routing settings the paper quotes (config routing.costs, routing.min_routed_share) --
    Quantity("slm_cost", "slm", "slm", "cost", 3, path=("routing_config", "slm_cost"),
             caption="the small model's cost per query"),
    Quantity("llm_cost", "llm", "llm", "cost", 3, path=("routing_config", "llm_cost"),
             caption="the large model's cost per query"),
    Quantity("verifier_cost", "verifier", "verifier", "cost", 3, path=("routing_config", "verifier_cost"),
             caption="the verifier's cost per query"),
    Quantity("min_routed_share", "Minimum routed", "Minimum routed", "%", 1, scale=100,
             path=("routing_config", "min_routed_share_pct"), caption="the smallest routed share of a best value"),
)

#: each quantity by its name
BY_NAME = {quantity.name: quantity for quantity in QUANTITIES}


def table_columns(table: str, source: str | None = None) -> list[Quantity]:
    """The quantities ``table`` shows, in their declared order (those read from ``source``, if given)."""
    return [q for q in QUANTITIES if q.table == table and (source is None or q.source == source)]


def curve_metrics_quoted() -> list[Quantity]:
    """The routing curve metrics (metrics.json) that numbers.json quotes per router with the value
    alone, their interval going to numbers.json's intervals section (APGR, CPT(50 %))."""
    return [q for q in QUANTITIES if q.source == "metrics.json" and q.path and not q.bounds]


def symbols(markup: str) -> dict[str, str]:
    """Each quantity's label by its name, in ``markup`` (``"latex"`` or ``"html"``): the tables'
    symbols."""
    return {q.name: getattr(q, markup) for q in QUANTITIES}


def _matches(pattern: tuple, path: tuple) -> bool:
    return len(pattern) == len(path) and all(
        part.startswith("{") or part == str(actual) for part, actual in zip(pattern, path))


def quantity_at(path) -> Quantity | None:
    """The quantity of numbers.json's leaf at ``path`` (its value, an interval bound or its
    spread), matched by the whole key path: a dataset or model named like a quantity's key
    cannot be taken for it. None if no quantity is declared there."""
    path = tuple(path)
    return next((q for q in QUANTITIES if any(_matches(pattern, path) for pattern in q.paths())), None)


def leaf_paths(tree: Mapping, path=()):
    """The key path of every leaf of a nested mapping, in order."""
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from leaf_paths(value, (*path, key))
        else:
            yield (*path, key)


def is_exported_only(path) -> bool:
    """Whether the number at ``path`` (a key path of numbers.json) is declared exported only."""
    quantity = quantity_at(path)
    return quantity is not None and not quantity.quoted


def exported_only(numbers: Mapping, unquoted_sections=("intervals", "statements")) -> list[tuple]:
    """The key paths of numbers.json's quoted sections whose quantity is declared exported only:
    numbers.json holds them for readers and ``make changes``, and no sentence needs to quote them."""
    quoted = {key: value for key, value in numbers.items() if key not in unquoted_sections}
    return [path for path in leaf_paths(quoted) if is_exported_only(path)]


def undeclared(numbers: Mapping, unquoted_sections=("intervals", "statements")) -> list[tuple]:
    """The key paths of numbers.json's quoted sections that no quantity declares (should be none)."""
    quoted = {key: value for key, value in numbers.items() if key not in unquoted_sections}
    return [path for path in leaf_paths(quoted) if quantity_at(path) is None]


# --- the macro of a key path -----------------------------------------------------------------------

DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def macro_name(path) -> str:
    """The macro name of a key path (see the module's naming rule)."""
    words = []
    for part in map(str, path):
        ascii_part = part if part.isascii() else \
            unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        spelled = re.sub(r"\d", lambda digit: f" {DIGITS[int(digit.group())]} ", ascii_part)
        words += [word[0].upper() + word[1:] for word in re.split(r"[^A-Za-z]+", spelled) if word]
        if not part.isascii():
            words.append(name_hash(part))
    return "".join(words)


def name_hash(name: str) -> str:
    """Six letters a-p (one per hex digit) of the name's SHA-1, the first capitalised: ``Kbfjao``."""
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]
    return "".join(chr(ord("a") + int(digit, 16)) for digit in digest).capitalize()
