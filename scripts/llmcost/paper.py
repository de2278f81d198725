"""The paper's results text, generated from numbers.json: one LaTeX fragment per section.

``paper/main.tex`` holds the document's frame and its section headings and
``\\input``s one fragment per section, which the paper rule writes here from
the numbers present, so the paper builds for any config the pipeline accepts:
a sentence lists the optimizers, datasets, models and routers that numbers.json
has, and a number it quotes but does not have prints as ``\\NumberMissing``
(a bold ``[missing]``). Every number is quoted through its macro (numbers.py).

To add a table, figure or set of numbers to a section, add it to that section's
function below (``table(...)``, ``figure(...)``, ``q(...)`` for a number);
a new section is one more function in ``SECTIONS`` and one ``\\input`` in main.tex.
"""

from __future__ import annotations

import re
from typing import Mapping

from .latex import escape
from .numbers import MISSING, macro_name

#: The folder beside main.tex the fragments are written to (and \\input from).
GENERATED = "generated"
#: How the text names each router of routing_model.ROUTERS (another one: by its key).
ROUTER_NAMES = {"logits": "log-probability", "entropy": "entropy", "confidence": "self-verification"}


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

    def __call__(self, *path) -> str:
        # a key whose value is null has its macro too (numbers.tex defines it as \NumberMissing)
        present = path[-1] in self.keys(*path[:-1])
        return f"\\{macro_name(path)}{{}}" if present else f"{MISSING}{{}}"


def listed(items) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def article(name: str) -> str:
    return "an" if name[:1].upper() in "AEIOU" else "a"


def table(file: str, caption: str, label: str, wide: bool = False) -> str:
    """A table float around a published tabular (``tables/<file>``); ``wide`` scales it to the text."""
    body = rf"\widetable{{{file}}}" if wide else rf"\input{{\resultsdir/tables/{file}}}"
    return (f"\\begin{{table}}[H]\n\\centering\n\\caption{{{caption}}}\n\\label{{{label}}}\n{body}\n"
            f"\\end{{table}}\n")


def figure(path: str, caption: str, label: str | None = None, width: str = r"\linewidth") -> str:
    """A figure float around a published PDF (``path`` relative to the output folder, or a
    ``generated/`` link to one, see ``links``)."""
    where = path if path.startswith(f"{GENERATED}/") else f"\\resultsdir/{path}"
    return (f"\\begin{{figure}}[H]\n\\centering\n\\includegraphics[width={width},height=0.85\\textheight,"
            f"keepaspectratio]{{{where}}}\n\\caption{{{caption}}}\n"
            + (f"\\label{{{label}}}\n" if label else "") + "\\end{figure}\n")


def by_name(q: Quote, key: tuple, names: list, first: list, preposition: str) -> str:
    """The values under ``key`` per name ("x % on a and y % on b"); the names are left out
    ("x and y %") when they are ``first``, those of the sentence's first list."""
    if names == first:
        return listed(q(*key, name) for name in names) + r"\,\%"
    return listed(f"{q(*key, name)}\\,\\% {preposition} {escape(name)}" for name in names)


def tokens_section(q: Quote, table_optimizer: str) -> str:
    """Runs, downstream share of input tokens and tokens per run, per optimizer and dataset."""
    optimizers = q.keys("tokens", "downstream_share_pct")
    names = [escape(o) for o in optimizers]
    shares = [f"{q('tokens', 'downstream_share_pct', o)}\\,\\% of the input tokens under {names[0]}"
              if i == 0 else f"{q('tokens', 'downstream_share_pct', o)}\\,\\% under {n}"
              for i, (o, n) in enumerate(zip(optimizers, names))]
    per_run = []
    for i, (o, n) in enumerate(zip(optimizers, names)):
        total, inputs = (q("tokens", key, o) for key in ("mean_tokens_per_run_millions",
                                                          "mean_input_tokens_per_run_millions"))
        per_run.append(f"{article(n).capitalize()} {n} run uses {total} million\ntokens on average "
                       f"({inputs} million of them input)" if i == 0 else
                       f"{article(n)} {n} run {total} million\n({inputs} million input)")
    key = ("tokens", "downstream_share_by_dataset_pct")
    first = q.keys(*key, optimizers[0]) if optimizers else []
    by_dataset = [f"the downstream share under {n} is {by_name(q, (*key, o), q.keys(*key, o), [], 'on')}"
                  if i == 0 else f"under {n} it is {by_name(q, (*key, o), q.keys(*key, o), first, 'on')}"
                  for i, (o, n) in enumerate(zip(optimizers, names))]
    runs = [f"{q('tokens', 'runs_count', o)} {n} run{'' if q.get('tokens', 'runs_count', o) == 1 else 's'}"
            for o, n in zip(optimizers, names)]
    text = (f"Across the {listed(runs)}"
            f", the downstream LLM, which evaluates the candidate prompts,\nconsumes {listed(shares)}\n"
            f"(Table~\\ref{{tab:token-fraction}}); the meta-LLM that writes the prompts spends the rest.\n"
            f"{', '.join(per_run)}.\nBy dataset, {'; '.join(by_dataset)}.\n"
            f"Table~\\ref{{tab:token-usage}} and Figures~\\ref{{fig:token-usage}}\n"
            f"and~\\ref{{fig:token-cumulative}} break the totals down.\n\n")
    shown = escape(table_optimizer)
    return text + "\n".join([
        table("token_fraction.tex", f"Share of input tokens spent by the downstream LLM (\\%), {shown}.",
              "tab:token-fraction"),
        table("token_usage.tex", f"Tokens per {shown} run, millions, mean $\\pm$ std over seeds.",
              "tab:token-usage", wide=True),
        figure("figures/token_usage.pdf", f"Tokens per {shown} run by dataset and model.", "fig:token-usage"),
        figure("figures/token_cumulative.pdf", f"Cumulative input tokens over {shown}'s optimizer steps.",
               "fig:token-cumulative"),
    ])


def optimization_section(q: Quote, table_optimizer: str) -> str:
    """Test scores at the table budget (per optimizer, per model), racing savings, wall-clock."""
    scored = q.keys("optimization", "score_at_table_budget_pct")
    budget = f"At a budget of {q('optimization', 'table_budget_millions')} million input tokens, "
    if scored:
        first, *others = scored
        text = (budget + f"{escape(first)}'s\nbest-train prompts reach a test score of "
                f"{q('optimization', 'score_at_table_budget_pct', first)}\\,\\%\naveraged over datasets and "
                "models" + "".join(f", {escape(o)}'s\n{q('optimization', 'score_at_table_budget_pct', o)}\\,\\%"
                                   for o in others)
                + " (Table~\\ref{tab:optimizer-scores},\nFigure~\\ref{fig:score-vs-tokens}).")
        key = ("optimization", "score_at_table_budget_by_model_pct")
        models = q.keys(*key, first)
        by_model = [f"{escape(first)} averages\n{by_name(q, (*key, first), models, [], 'with')}"]
        by_model += [f"{escape(o)}\n{by_name(q, (*key, o), q.keys(*key, o), models, 'with')}" for o in others]
        text += f" By model, {'; '.join(by_model)}."
    else:
        text = budget + ("no run has a test score (Table~\\ref{tab:optimizer-scores}, "
                         "Figure~\\ref{fig:score-vs-tokens}).")
    raced = q.keys("optimization", "racing_saved_pct")
    if raced:
        text += " " + "; ".join(f"{escape(o)}'s racing\nsaves {q('optimization', 'racing_saved_pct', o)}\\,\\% "
                                f"of the evaluation blocks" for o in raced) + "\n(Table~\\ref{tab:racing})."
    else:
        text += (" No run has a racing log (prompt\\_scores.parquet), so racing savings are not reported\n"
                 "(Table~\\ref{tab:racing}).")
    text += (f" All runs together took\n{q('optimization', 'wall_clock_hours')} hours of wall-clock time.\n\n")
    text += comparison_paragraph(q, scored)
    return text + "\n".join([
        table("optimizer_scores.tex", "Test score (\\%) at the table budget, mean $\\pm$ std over seeds.",
              "tab:optimizer-scores", wide=True),
        table("racing_savings.tex", "Evaluation blocks saved by racing (\\%).", "tab:racing"),
        figure("figures/score_vs_tokens.pdf", "Test score against cumulative input tokens.",
               "fig:score-vs-tokens"),
        table("optimizer_comparison.tex", "Optimizers compared pair by pair: probability of improvement "
              "and score difference.", "tab:optimizer-comparison", wide=True),
        figure("figures/optimizer_comparison.pdf", "Probability of improvement per pair of optimizers, "
               "with 95\\,\\% stratified bootstrap intervals.", "fig:optimizer-comparison"),
    ])


def pair_names(pair: str, optimizers: list) -> tuple[str, str]:
    """The two optimizers of a comparison key ``X_vs_Y`` (numbers.comparison_numbers), read
    with the optimizers' names where they are known, so that a name holding ``_vs_`` stays whole."""
    for x in optimizers:
        for y in optimizers:
            if f"{x}_vs_{y}" == pair:
                return x, y
    x, _, y = pair.partition("_vs_")
    return x, y


def comparison_paragraph(q: Quote, optimizers: list) -> str:
    """Per pair of optimizers at the table budget: P(X > Y), its interval, Δ and the verdict."""
    pairs = q.keys("optimization", "comparison")
    if not pairs:
        return ("With fewer than two optimizers there is no pair to compare\n"
                "(Table~\\ref{tab:optimizer-comparison}).\n\n")
    sentences = []
    for pair in pairs:
        x, y = (escape(name) for name in pair_names(pair, optimizers))
        v = lambda key: q("optimization", "comparison", pair, key)  # noqa: E731
        sentences.append(
            f"Across the {v('tasks_count')} datasets and\nmodels both have, {article(x)} {x} run scores above "
            f"{article(y)} {y} run on the same task with\nprobability {v('p_improvement')} at the table budget "
            f"(95\\,\\% stratified bootstrap interval\n{v('p_ci_low')}--{v('p_ci_high')}), and {x}'s mean "
            f"test score minus {y}'s averages\n{v('delta_pct')} percentage points ({v('delta_ci_low_pct')} to "
            f"{v('delta_ci_high_pct')}).\nThe verdict for {x} against {y} is ``{v('verdict')}''.")
    return (" ".join(sentences) + "\nA pair is better where the interval of the probability lies above 0.5, "
            "worse where below,\nnot distinguishable where it contains 0.5 (Table~\\ref{tab:optimizer-comparison}, "
            "Figure~\\ref{fig:optimizer-comparison}).\n\n")


def router_paragraph(q: Quote, dataset: str, router: str) -> str:
    key = ("routing", dataset, router)
    if router == "oracle":
        return (f"The oracle's best $\\Delta_\\mathrm{{IBC}}$ is {q(*key, 'best_delta_ibc_pct')}\\,\\%\n"
                f"at {q(*key, 'best_delta_ibc_routed_share_pct')}\\,\\% routed\n"
                f"(interval {q(*key, 'best_delta_ibc_ci_low_pct')} to {q(*key, 'best_delta_ibc_ci_high_pct')}"
                f"\\,\\%),\nits APGR {q(*key, 'apgr')} and its CPT$_{{50}}$ {q(*key, 'cpt_50_pct')}\\,\\%.\n")
    name = ROUTER_NAMES.get(router, escape(router))
    return (f"The {name} router's best $\\Delta_\\mathrm{{IBC}}$ over all thresholds is "
            f"{q(*key, 'best_delta_ibc_pct')}\\,\\%\nat {q(*key, 'best_delta_ibc_routed_share_pct')}\\,\\% "
            f"of queries routed\n(95\\,\\% interval {q(*key, 'best_delta_ibc_ci_low_pct')} to "
            f"{q(*key, 'best_delta_ibc_ci_high_pct')}\\,\\%;\namong the swept thresholds "
            f"{q(*key, 'best_swept_delta_ibc_pct')}\\,\\% at {q(*key, 'best_swept_routed_share_pct')}\\,\\%);\n"
            f"chosen on calibration queries and scored on the others it is\n"
            f"{q(*key, 'heldout_delta_ibc_pct')}\\,$\\pm$\\,{q(*key, 'heldout_delta_ibc_std_pct')}\\,\\%.\n"
            f"It recovers {q(*key, 'apgr')} of the gap on average over routed shares (APGR)\n"
            f"and half of it at {q(*key, 'cpt_50_pct')}\\,\\% routed (CPT$_{{50}}$).\n")


def routing_section(q: Quote, table_optimizer: str) -> str:
    """Per router dataset P_SLM, P_LLM and each router's and the oracle's numbers; tables, figures."""
    datasets = q.keys("routing")
    linked = {artifact: link for link, artifact in links(q.numbers).items()}
    per_dataset = ("Figure~\\ref{fig:routing-1} shows" if len(datasets) == 1 else
                   f"Figures~\\ref{{fig:routing-1}}--\\ref{{fig:routing-{len(datasets)}}} show")
    text = ("Table~\\ref{tab:routing-ibc} gives each router's best $\\Delta_\\mathrm{IBC}$\n"
            "among the swept thresholds, Table~\\ref{tab:routing-metrics} the metrics of\n"
            "the routing literature with bootstrap intervals and the held-out choice,\n"
            "Figure~\\ref{fig:routing-pgr} the performance gap recovered and\n"
            "Figure~\\ref{fig:routing-delta-ibc} $\\Delta_\\mathrm{IBC}$ against the routed\n"
            f"share; {per_dataset} cost\nagainst performance per dataset.\n\n")
    for dataset in datasets:
        text += (f"\\paragraph{{{escape(dataset)}.}} The small model scores $P_\\mathrm{{SLM}} = "
                 f"{q('routing', dataset, 'P_slm')}$ and the large model $P_\\mathrm{{LLM}} = "
                 f"{q('routing', dataset, 'P_llm')}$.\n"
                 + "".join(router_paragraph(q, dataset, router) for router in q.keys("routing", dataset)
                           if isinstance(q.get("routing", dataset, router), Mapping)) + "\n")
    return text + "\n".join([
        table("routing_ibc.tex", "Best $\\Delta_\\mathrm{IBC}$ among the swept thresholds.", "tab:routing-ibc",
              wide=True),
        table("routing_metrics.tex", "Routing metrics with 95\\,\\% bootstrap intervals and held-out "
              "$\\Delta_\\mathrm{IBC}$.", "tab:routing-metrics"),
        figure("figures/routing_pgr.pdf", "Performance gap recovered against the routed share.",
               "fig:routing-pgr"),
        figure("figures/routing_delta_ibc.pdf", "$\\Delta_\\mathrm{IBC}$ against the routed share.",
               "fig:routing-delta-ibc"),
        *(figure(linked.get(cost_performance(dataset), cost_performance(dataset)),
                 f"Cost against performance, {escape(dataset)}.", f"fig:routing-{i}", width=r"0.85\linewidth")
          for i, dataset in enumerate(datasets, start=1)),
    ])


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


def sections(numbers: Mapping, table_optimizer: str) -> dict[str, str]:
    """The text of each section's fragment, from the numbers present."""
    q = Quote(numbers)
    header = "% Generated from numbers.json by scripts/llmcost/paper.py (the paper rule): do not edit.\n"
    return {name: header + write(q, table_optimizer) for name, write in SECTIONS.items()}
