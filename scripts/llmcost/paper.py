"""The paper's results text, generated from numbers.json: one LaTeX fragment per section.

``paper/main.tex`` holds the document's frame and its section headings and
``\\input``s one fragment per section, which the paper rule writes here from
the numbers present, so the paper builds for any config the pipeline accepts:
a sentence lists the optimizers, datasets, models and routers that numbers.json
has, and a number it quotes but does not have prints as ``\\NumberMissing``
(a bold ``[missing]``; only for a numbers.json made by an older pipeline).
Every number is quoted through its macro (numbers.py).

Every statement is true for the data (issue 26): a value that can be null gets
a sentence saying why instead of its macro (no score at the budget, no common
task, no racing log, no recorded time, no input tokens, the large model not
better, no bootstrap resamples, no split, one split); optimizers are compared
on the datasets and models they all have, with how many of all; a count takes
the singular for 1.

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


def plural(count, one: str, many: str | None = None) -> str:
    """The word for ``count`` things: ``one`` for exactly 1, else ``many`` (``one`` + "s")."""
    return one if count == 1 else many or one + "s"


def tasks_words(count) -> str:
    """"dataset and model" for 1, "datasets and models" otherwise."""
    return plural(count, "dataset and model", "datasets and models")


def table(file: str, caption: str, label: str) -> str:
    """A table float around a published tabular (``tables/<file>``), shrunk to the text width where
    it is wider (long names: ``\\fittable`` in main.tex)."""
    body = rf"\fittable{{{file}}}"
    return (f"\\begin{{table}}[H]\n\\centering\n\\caption{{{caption}}}\n\\label{{{label}}}\n{body}\n"
            f"\\end{{table}}\n")


def figure(path: str, caption: str, label: str | None = None, width: str = r"\linewidth") -> str:
    """A figure float around a published PDF (``path`` relative to the output folder, or a
    ``generated/`` link to one, see ``links``)."""
    where = path if path.startswith(f"{GENERATED}/") else f"\\resultsdir/{path}"
    return (f"\\begin{{figure}}[H]\n\\centering\n\\includegraphics[width={width},height=0.85\\textheight,"
            f"keepaspectratio]{{{where}}}\n\\caption{{{caption}}}\n"
            + (f"\\label{{{label}}}\n" if label else "") + "\\end{figure}\n")


def by_name(q: Quote, key: tuple, names: list, first: list, preposition: str,
            undefined: str = "undefined") -> str:
    """The values under ``key`` per name ("x % on a and y % on b"); the names are left out
    ("x and y %") when they are ``first``, those of the sentence's first list. A null value is
    ``undefined`` (a phrase saying why), with its name."""
    if names == first and all(q.get(*key, name) is not None for name in names):
        return listed(q(*key, name) for name in names) + r"\,\%"
    return listed(f"{q(*key, name)}\\,\\% {preposition} {escape(name)}" if q.get(*key, name) is not None
                  else f"{undefined} {preposition} {escape(name)}" for name in names)


def runs_and_tasks(q: Quote, optimizers: list) -> str:
    """Each optimizer's runs and the datasets and models it ran on: "45 CAPO runs on 15 datasets
    and models and the 45 EvoPromptGA runs on the same 15"; where they differ, out of how many
    in all, and that each optimizer's numbers are over its own."""
    counts = [q.get("tokens", "tasks_count", o) for o in optimizers]
    every = q.get("optimization", "tasks_count")
    same = every is not None and all(count == every for count in counts)
    parts = []
    for i, (o, count) in enumerate(zip(optimizers, counts)):
        runs = q.get("tokens", "runs_count", o)
        text = f"{q('tokens', 'runs_count', o)} {escape(o)} {plural(runs, 'run')}"
        if count is not None:
            tasks = q("tokens", "tasks_count", o)
            text += (f" on {tasks} {tasks_words(count)}" if i == 0 else
                     f" on the same {tasks}" if same else f" on {tasks}")
            if i == 0 and not same and every is not None:
                text += f" (of {q('optimization', 'tasks_count')})"
        parts.append(text if i == 0 else "the " + text)
    coverage = ("" if same or len(optimizers) < 2 or every is None else
                " (each optimizer's numbers below average over the datasets and models it ran on)")
    return listed(parts) + coverage


def tokens_section(q: Quote, table_optimizer: str) -> str:
    """Runs (and the datasets and models each optimizer ran on), downstream share of input tokens
    and tokens per run, per optimizer and dataset."""
    optimizers = q.keys("tokens", "downstream_share_pct")
    names = [escape(o) for o in optimizers]
    shares = []
    for i, (o, n) in enumerate(zip(optimizers, names)):
        share = (f"{q('tokens', 'downstream_share_pct', o)}\\,\\%" if q.get("tokens", "downstream_share_pct", o)
                 is not None else "an undefined share (its runs record no input tokens)")
        shares.append(f"{share} of the input tokens under {n}" if i == 0 else f"{share} under {n}")
    per_run = []
    for i, (o, n) in enumerate(zip(optimizers, names)):
        total, inputs = (q("tokens", key, o) for key in ("mean_tokens_per_run_millions",
                                                          "mean_input_tokens_per_run_millions"))
        per_run.append(f"{article(n).capitalize()} {n} run uses {total} million\ntokens on average "
                       f"({inputs} million of them input)" if i == 0 else
                       f"{article(n)} {n} run {total} million\n({inputs} million input)")
    key = ("tokens", "downstream_share_by_dataset_pct")
    first = q.keys(*key, optimizers[0]) if optimizers else []
    undefined = "undefined (no input tokens)"
    by_dataset = [f"the downstream share under {n} is {by_name(q, (*key, o), q.keys(*key, o), [], 'on', undefined)}"
                  if i == 0 else f"under {n} it is {by_name(q, (*key, o), q.keys(*key, o), first, 'on', undefined)}"
                  for i, (o, n) in enumerate(zip(optimizers, names))]
    text = (f"Across the {runs_and_tasks(q, optimizers)}"
            f", the downstream LLM, which evaluates the candidate prompts,\nconsumes {listed(shares)}\n"
            f"on average over datasets and models (Table~\\ref{{tab:token-fraction}}); the meta-LLM that writes the prompts spends the rest.\n"
            f"{', '.join(per_run)}.\nBy dataset, {'; '.join(by_dataset)}.\n"
            f"Table~\\ref{{tab:token-usage}} and Figures~\\ref{{fig:token-usage}}\n"
            f"and~\\ref{{fig:token-cumulative}} break the totals down.\n\n")
    shown = escape(table_optimizer)
    return text + "\n".join([
        table("token_fraction.tex", f"Share of input tokens spent by the downstream LLM (\\%), {shown}.",
              "tab:token-fraction"),
        table("token_usage.tex", f"Tokens per {shown} run, millions, mean $\\pm$ std over seeds.",
              "tab:token-usage"),
        figure("figures/token_usage.pdf", f"Tokens per {shown} run by dataset and model.", "fig:token-usage"),
        figure("figures/token_cumulative.pdf", f"Cumulative input tokens over {shown}'s optimizer steps.",
               "fig:token-cumulative"),
    ])


def optimization_section(q: Quote, table_optimizer: str) -> str:
    """Test scores at the table budget (per optimizer, per model) on the datasets and models they
    all have, racing savings, wall-clock, the pairs of optimizers compared."""
    text = scores_paragraph(q) + " " + racing_sentence(q) + " " + wall_clock_sentence(q) + "\n\n"
    text += comparison_paragraph(q, list(dict.fromkeys([*q.keys("tokens", "runs_count"),
                                                       *q.keys("optimization", "score_at_table_budget_pct")])))
    return text + "\n".join([
        table("optimizer_scores.tex", "Test score (\\%) at the table budget, mean $\\pm$ std over seeds.",
              "tab:optimizer-scores"),
        table("racing_savings.tex", "Evaluation blocks saved by racing (\\%).", "tab:racing"),
        figure("figures/score_vs_tokens.pdf", "Test score against cumulative input tokens.",
               "fig:score-vs-tokens"),
        table("optimizer_comparison.tex", "Optimizers compared pair by pair: probability of improvement "
              "and score difference.", "tab:optimizer-comparison"),
        figure("figures/optimizer_comparison.pdf", "Probability of improvement per pair of optimizers, "
               "with 95\\,\\% stratified bootstrap intervals.", "fig:optimizer-comparison"),
    ])


def scores_paragraph(q: Quote) -> str:
    """The test score at the table budget of each optimizer that has one there, averaged over the
    datasets and models where every such optimizer has one (with how many of all), then by model;
    an optimizer without a score is named as such."""
    key = ("optimization", "score_at_table_budget_pct")
    scored = q.keys(*key)
    unscored = [o for o in q.keys("tokens", "runs_count") if o not in scored]
    text = f"At a budget of {q('optimization', 'table_budget_millions')} million input tokens, "
    figures = "(Table~\\ref{tab:optimizer-scores},\nFigure~\\ref{fig:score-vs-tokens})"
    if not scored:
        return text + f"no run has a test score from a step below the budget {figures}."
    common = q.get("optimization", "score_at_table_budget_tasks_count")
    every = q.get("optimization", "tasks_count")
    who = "it has" if len(scored) == 1 else "both have" if len(scored) == 2 else "all of them have"
    missing = (f" {listed(escape(o) for o in unscored)} {plural(len(unscored), 'has', 'have')} no test score "
               f"from a step below the budget." if unscored else "")
    if common == 0:
        return text + (f"no dataset and model has a test score from each of {listed(escape(o) for o in scored)},\n"
                       f"so their scores are not averaged side by side; Table~\\ref{{tab:optimizer-scores}} "
                       f"gives each one's\n(Figure~\\ref{{fig:score-vs-tokens}}).{missing}")
    refs = "Table~\\ref{tab:optimizer-scores}, Figure~\\ref{fig:score-vs-tokens}"
    over = f"averaged over datasets and models ({refs})"  # a numbers.json without the counts
    if common is not None and every is not None:
        over = (f"averaged over the {q('optimization', 'score_at_table_budget_tasks_count')} {tasks_words(common)} "
                f"where {who} a score\n("
                + ("the only one" if common == every == 1 else f"all {q('optimization', 'tasks_count')}"
                   if common == every else f"of {q('optimization', 'tasks_count')}") + f";\n{refs})")
    first, *others = scored
    text += (f"{escape(first)}'s\nbest-train prompts reach a test score of {q(*key, first)}\\,\\%"
             + "".join(f", {escape(o)}'s\n{q(*key, o)}\\,\\%" for o in others) + f", {over}.{missing}")
    by_model_key = ("optimization", "score_at_table_budget_by_model_pct")
    models = q.keys(*by_model_key, first)
    by_model = [f"{escape(first)} averages\n{by_name(q, (*by_model_key, first), models, [], 'with')}"]
    by_model += [f"{escape(o)}\n{by_name(q, (*by_model_key, o), q.keys(*by_model_key, o), models, 'with')}"
                 for o in others]
    return text + f" By model, on the same datasets and models, {'; '.join(by_model)}."


def racing_sentence(q: Quote) -> str:
    """Racing's saved share of evaluation blocks per optimizer with racing logs, over how many
    datasets and models; or that no run has a racing log."""
    raced = q.keys("optimization", "racing_saved_pct")
    if not raced:
        return ("No run has a racing log (prompt\\_scores.parquet), so racing savings are not reported\n"
                "(Table~\\ref{tab:racing}).")
    saves = []
    for o in raced:
        count = q.get("optimization", "racing_tasks_count", o)
        over = ("" if count is None else
                f" over the {q('optimization', 'racing_tasks_count', o)} {tasks_words(count)} with racing logs")
        saves.append(f"{escape(o)}'s racing\nsaves {q('optimization', 'racing_saved_pct', o)}\\,\\% "
                     f"of the evaluation blocks{over}")
    return "; ".join(saves) + "\n(Table~\\ref{tab:racing})."


def wall_clock_sentence(q: Quote) -> str:
    """The wall-clock hours of the runs that record their time, and how many of all they are."""
    timed = q.get("optimization", "wall_clock_runs_count")
    runs = sum(count for count in (q.get("tokens", "runs_count") or {}).values() if isinstance(count, int))
    if timed is None:  # a numbers.json without the count
        return f"All runs together took\n{q('optimization', 'wall_clock_hours')} hours of wall-clock time."
    if timed == 0:
        return ("No run records its steps' time (time\\_elapsed), so no wall-clock time is reported.")
    if timed == runs:
        return (f"All {q('optimization', 'wall_clock_runs_count')} {plural(timed, 'run')} together took\n"
                f"{q('optimization', 'wall_clock_hours')} hours of wall-clock time.")
    return (f"The {q('optimization', 'wall_clock_runs_count')} of {runs} runs that record their steps' time "
            f"(time\\_elapsed) took\n{q('optimization', 'wall_clock_hours')} hours of wall-clock time together.")


def pair_names(pair: str, optimizers: list) -> tuple[str, str]:
    """The two optimizers of a comparison key ``X_vs_Y`` (numbers.comparison_numbers), read
    with the optimizers' names where they are known, so that a name holding ``_vs_`` stays whole."""
    for x in optimizers:
        for y in optimizers:
            if f"{x}_vs_{y}" == pair:
                return x, y
    x, _, y = pair.partition("_vs_")
    return x, y


#: why a pair's verdict is what it is, after "The verdict for X against Y is ``...''" (the paragraph's
#: last sentence gives the rule of the others)
VERDICT_REASONS = {
    "too few runs": (": with these run counts, even runs completely separated on every task could not\n"
                     "give a p-value of at most 0.05"),
}


def comparison_paragraph(q: Quote, optimizers: list) -> str:
    """Per pair of optimizers at the table budget: P(X > Y), its interval, Δ, the permutation test's
    p-value and the verdict; a pair without a common task says so."""
    pairs = q.keys("optimization", "comparison")
    if not pairs:
        return ("With fewer than two optimizers there is no pair to compare\n"
                "(Table~\\ref{tab:optimizer-comparison}).\n\n")
    sentences = []
    for pair in pairs:
        x, y = (escape(name) for name in pair_names(pair, optimizers))
        v = lambda key: q("optimization", "comparison", pair, key)  # noqa: E731
        tasks = q.get("optimization", "comparison", pair, "tasks_count")
        verdict = q.get("optimization", "comparison", pair, "verdict")
        if not tasks:
            sentences.append(f"{x} and {y} have no dataset and model where both have a run with a test score "
                             f"below\nthe table budget, so they are not compared there.")
            continue
        where = (f"Across the {v('tasks_count')} datasets and\nmodels both have" if tasks != 1 else
                 f"On the {v('tasks_count')} dataset and model both have")
        test = ""
        if q.get("optimization", "comparison", pair, "permutation_p_value") is not None:
            test = (f"A stratified permutation test of no difference (their runs' labels\nshuffled within each "
                    f"dataset and model) gives a p-value of {v('permutation_p_value')}.\n")
        sentences.append(
            f"{where}, {article(x)} {x} run scores above "
            f"{article(y)} {y} run on the same task with\nprobability {v('p_improvement')} at the table budget "
            f"(95\\,\\% stratified bootstrap interval\n{v('p_ci_low')}--{v('p_ci_high')}), and {x}'s mean "
            f"test score minus {y}'s averages\n{v('delta_pct')} percentage points ({v('delta_ci_low_pct')} to "
            f"{v('delta_ci_high_pct')}).\n{test}The verdict for {x} against {y} is ``{v('verdict')}''"
            f"{VERDICT_REASONS.get(verdict, '')}.")
    return (" ".join(sentences) + "\nA pair is better where that p-value is at most 0.05 and the interval of "
            "the probability\nlies above 0.5, worse where it is and the interval lies below, not distinguishable "
            "otherwise,\nand has too few runs for a verdict where no data could give such a p-value\n"
            "(Table~\\ref{tab:optimizer-comparison}, Figure~\\ref{fig:optimizer-comparison}).\n\n")


def interval(q: Quote, key: tuple, name: str, lead: str = "95\\,\\% interval ") -> str:
    """``lead`` "low to high %" of ``name``'s bootstrap interval, or why there is none ("" without
    resamples: the dataset's sentence says so once)."""
    low, high = f"{name}_ci_low_pct", f"{name}_ci_high_pct"
    if q.get(*key, low) is not None and q.get(*key, high) is not None:
        return f"{lead}{q(*key, low)} to {q(*key, high)}\\,\\%"
    if q.get(*key[:2], "bootstrap_resamples_count") == 0:
        return ""
    return "no bootstrap interval: no resample of the queries gives a value"


def has_no_baseline(q: Quote, dataset: str) -> bool:
    """Whether no router of the dataset has an APGR: then the large model is not better than the small
    one by more than one query's swing (routing_model.no_baseline_reason), and nothing divided by
    P_LLM - P_SLM is defined (with a baseline APGR always is: every curve ends at all routed)."""
    routers = [r for r in q.keys("routing", dataset) if isinstance(q.get("routing", dataset, r), Mapping)]
    return bool(routers) and all(q.get("routing", dataset, r, "apgr") is None for r in routers)


def router_paragraph(q: Quote, dataset: str, router: str) -> str:
    key = ("routing", dataset, router)
    if router == "oracle":
        spread = interval(q, key, "best_delta_ibc", "interval ")
        return (f"The oracle's best $\\Delta_\\mathrm{{IBC}}$ is {q(*key, 'best_delta_ibc_pct')}\\,\\%\n"
                f"at {q(*key, 'best_delta_ibc_routed_share_pct')}\\,\\% routed"
                + (f"\n({spread})" if spread else "") + ",\n"
                f"its APGR {q(*key, 'apgr')} and its CPT$_{{50}}$ {q(*key, 'cpt_50_pct')}\\,\\%.\n")
    name = ROUTER_NAMES.get(router, escape(router))
    if q.get(*key, "best_swept_delta_ibc_pct") is None:
        swept = "no swept threshold routes at least the minimum share of queries (routing.min\\_routed\\_share)"
    else:
        swept = (f"among the swept thresholds {q(*key, 'best_swept_delta_ibc_pct')}\\,\\% at "
                 f"{q(*key, 'best_swept_routed_share_pct')}\\,\\%")
    held = "chosen on calibration queries and scored on the others it"
    if q.get(*key, "heldout_delta_ibc_pct") is None:
        held += " has\nno value: no split of the queries into the two halves gives one.\n"
    elif q.get(*key, "heldout_delta_ibc_std_pct") is None:
        held += (f" is\n{q(*key, 'heldout_delta_ibc_pct')}\\,\\% (only one split gives a value, so there is "
                 f"no spread).\n")
    else:
        held += (f" is\n{q(*key, 'heldout_delta_ibc_pct')}\\,$\\pm$\\,"
                 f"{q(*key, 'heldout_delta_ibc_std_pct')}\\,\\%.\n")
    return (f"The {name} router's best $\\Delta_\\mathrm{{IBC}}$ over all thresholds is "
            f"{q(*key, 'best_delta_ibc_pct')}\\,\\%\nat {q(*key, 'best_delta_ibc_routed_share_pct')}\\,\\% "
            f"of queries routed\n({'; '.join(filter(None, [interval(q, key, 'best_delta_ibc'), swept]))});\n{held}"
            f"It recovers {q(*key, 'apgr')} of the gap on average over routed shares (APGR)\n"
            f"and half of it at {q(*key, 'cpt_50_pct')}\\,\\% routed (CPT$_{{50}}$).\n")


def dataset_paragraph(q: Quote, dataset: str) -> str:
    """P_SLM and P_LLM, the bootstrap's resamples, then each router's and the oracle's numbers (both
    delta_IBCs); where
    the large model is not better, why the routers' numbers are undefined instead."""
    text = (f"\\paragraph{{{escape(dataset)}.}} The small model scores $P_\\mathrm{{SLM}} = "
            f"{q('routing', dataset, 'P_slm')}$ and the large model $P_\\mathrm{{LLM}} = "
            f"{q('routing', dataset, 'P_llm')}$.\n")
    if has_no_baseline(q, dataset):
        return text + ("The large model is not better by more than one query's swing, so the benefit per cost "
                       "of always\nrouting (the IBC baseline) is undefined, and so are $\\Delta_\\mathrm{IBC}$, "
                       "APGR, CPT and\nAutoMix's $\\Delta_\\mathrm{IBC}$, which divide by "
                       "$P_\\mathrm{LLM} - P_\\mathrm{SLM}$, for every router and the oracle.\n\n")
    resamples = q.get("routing", dataset, "bootstrap_resamples_count")
    if resamples:
        text += (f"Its intervals are 95\\,\\% bootstrap intervals over "
                 f"{q('routing', dataset, 'bootstrap_resamples_count')} {plural(resamples, 'resample')} "
                 f"of the queries.\n")
    elif resamples == 0:
        text += (f"With {q('routing', dataset, 'bootstrap_resamples_count')} bootstrap resamples "
                 f"(routing.bootstrap.resamples) it has no intervals.\n")
    return text + "".join(router_paragraph(q, dataset, router) + automix_sentences(q, dataset, router)
                          for router in q.keys("routing", dataset)
                          if isinstance(q.get("routing", dataset, router), Mapping)) + "\n"


# --- AutoMix's delta_IBC, which charges the verifier --------------------------------------------

AUTOMIX = r"$\Delta_\mathrm{IBC}^\mathrm{AutoMix}$"
PCT = r"\,\%"


def _value(q: Quote, *key):
    """The number under ``key`` (None when numbers.json lacks it or holds null)."""
    value = q.get(*key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _router_order(routers) -> list:
    known = list(ROUTER_NAMES)
    return sorted(set(routers), key=lambda router: (known.index(router) if router in known else len(known), router))


def _paying(q: Quote, dataset: str) -> list[str]:
    """The routers of a dataset that pay a verifier (a verifier charge above 0)."""
    return [router for router in q.keys("routing", dataset) if router != "oracle"
            and isinstance(q.get("routing", dataset, router), Mapping)
            and (_value(q, "routing", dataset, router, "verifier_charge") or 0) > 0]


def _why_no_automix(q: Quote) -> str:
    """Why a dataset's AutoMix numbers are null: the costs, or no baseline."""
    slm, llm = _value(q, "routing_config", "slm_cost"), _value(q, "routing_config", "llm_cost")
    if slm is not None and llm is not None and llm <= slm:
        return ("the large model costs no more than the small one here, so AutoMix's baseline (the slope\n"
                "from the small model alone to the large model alone) is undefined")
    return ("the large model is not better than the small one by more than one query's swing, so there\n"
            "is no gap to recover and AutoMix's baseline is undefined")


def _interval(q: Quote, key: tuple, low: str, high: str, unit: str = "") -> str:
    """"95 % interval a to b" of the leaves ``low`` and ``high`` under ``key``, or why there is none
    ("" without resamples: the dataset's sentence says so once)."""
    if _value(q, *key, low) is None or _value(q, *key, high) is None:
        if q.get(*key[:2], "bootstrap_resamples_count") == 0:
            return ""
        return "no bootstrap interval: no resample gave a value"
    return f"95\\,\\% interval {q(*key, low)} to {q(*key, high)}{unit}"


def pays_for_verifier(q: Quote, dataset: str, router: str) -> bool | None:
    """Whether ``router`` pays for its verifier at the configured cost: its break-even cost is at
    least the verifier's cost, i.e. its best delta_IBC_automix is at least 0 (None: undefined)."""
    break_even = _value(q, "routing", dataset, router, "verifier_break_even_cost")
    verifier = _value(q, "routing_config", "verifier_cost")
    return None if break_even is None or verifier is None else break_even >= verifier


def break_even_interval_contains_cost(q: Quote, dataset: str, router: str) -> bool:
    """Whether the break-even cost's interval contains the configured verifier cost."""
    low, high = (_value(q, "routing", dataset, router, f"verifier_break_even_cost_ci_{end}") for end in ("low", "high"))
    cost = _value(q, "routing_config", "verifier_cost")
    return None not in (low, high, cost) and low <= cost <= high


def _of_verifier_cost(q: Quote) -> str:
    """" of <the verifier's cost>", or "" where numbers.json has no routing_config."""
    return "" if _value(q, "routing_config", "verifier_cost") is None else f" of {q('routing_config', 'verifier_cost')}"


def definitions_paragraph(q: Quote, datasets: list) -> str:
    """The cost model, both IBC definitions (what each charges), AIQ, APGR and CPT with their sources."""
    cost = {part: f" = {q('routing_config', f'{part}_cost')}" if _value(q, "routing_config", f"{part}_cost") is not None
            else "" for part in ("slm", "llm", "verifier")}
    paying = _router_order(router for dataset in datasets for router in _paying(q, dataset))
    who = (f"here the {listed(ROUTER_NAMES.get(r, escape(r)) for r in paying)} router{'s' if len(paying) > 1 else ''}"
           if paying else "here no router: none is charged a verifier")
    minimum = (f"Best values are over the thresholds routing at least\n"
               f"{q('routing_config', 'min_routed_share_pct')}{PCT} of the queries, a rule of this paper "
               "(AutoMix's code has none).\n" if _value(q, "routing_config", "min_routed_share_pct") is not None
               else "Best values are over the thresholds routing at least the configured minimum share of the\n"
               "queries, a rule of this paper (AutoMix's code has none).\n")
    return (
        "\\paragraph{Definitions.} A router keeps the small model's answer or sends the query to the large\n"
        "model; $s$ is the share of queries routed, $p$ the mean performance, $P_\\mathrm{SLM}$ and\n"
        "$P_\\mathrm{LLM}$ those of the small and the large model alone, and\n"
        "$\\mathrm{PGR} = (p - P_\\mathrm{SLM}) / (P_\\mathrm{LLM} - P_\\mathrm{SLM})$ the performance gap recovered.\n"
        f"Costs per query: small model $c_S{cost['slm']}$, large model $c_L{cost['llm']}$,\n"
        f"verifier $c_V{cost['verifier']}$.\n"
        "\\begin{itemize}\n"
        "\\item The notebook's $\\Delta_\\mathrm{IBC} = 100\\,(\\mathrm{PGR} / s - 1)$: keeping an answer costs\n"
        "$c_S + c_V$ and routing it $c_S + c_V + c_L$ for every router, measured against mixing the two at\n"
        "random. The verifier is on both ends and cancels: no router is charged for it.\n"
        f"\\item AutoMix's {AUTOMIX} $= 100\\,(\\mathrm{{IBC}} / \\mathrm{{IBC}}_0 - 1)$ with\n"
        "$\\mathrm{IBC} = (p - P_\\mathrm{SLM}) / (v_r + s\\,c_L)$ and\n"
        "$\\mathrm{IBC}_0 = (P_\\mathrm{LLM} - P_\\mathrm{SLM}) / (c_L - c_S)$ (AutoMix's \\texttt{automix/main.py}):\n"
        "a query costs $c_S + v_r + s\\,c_L$, measured against the large model alone. A router that asks\n"
        f"the verifier on every query pays $v_r = c_V$ ({who}); one that reads the small model's own\n"
        "output, and the oracle, pay $v_r = 0$. The verifier break-even cost is the largest $c_V$ at\n"
        f"which some threshold still has {AUTOMIX} $\\geq 0$.\n"
        "\\item APGR (RouteLLM): PGR averaged over $s \\in [0, 1]$; CPT$_{50}$ (RouteLLM): the smallest $s$\n"
        "at which PGR reaches 50\\,\\%; AIQ (RouterBench): the area under the non-decreasing upper\n"
        "convex hull of $(s, p)$.\n"
        "\\end{itemize}\n" + minimum + "\n")


def verifier_summary(q: Quote, datasets: list) -> str:
    """For each router that pays a verifier: both best delta_IBCs per dataset, and on which
    datasets it pays for its verifier at the configured cost (with the break-even costs)."""
    text = ""
    for router in _router_order(router for dataset in datasets for router in _paying(q, dataset)):
        name = ROUTER_NAMES.get(router, escape(router))
        on = [dataset for dataset in datasets if router in _paying(q, dataset)]
        defined = [d for d in on if _value(q, "routing", d, router, "best_delta_ibc_automix_pct") is not None
                   and _value(q, "routing", d, router, "best_delta_ibc_pct") is not None]
        verdicts = {True: [], False: [], None: []}
        for dataset in on:
            verdicts[pays_for_verifier(q, dataset, router)].append(dataset)
        text += f"\\paragraph{{What {name} buys for its verifier.}} "
        if defined:
            text += (f"The notebook's $\\Delta_\\mathrm{{IBC}}$, in which the verifier cancels, puts the {name} "
                     f"router's best at\n"
                     + listed(f"{q('routing', d, router, 'best_delta_ibc_pct')}{PCT} on {escape(d)}" for d in defined)
                     + f";\ncharged its verifier as AutoMix charges it, its best {AUTOMIX} is\n"
                     + listed(f"{q('routing', d, router, 'best_delta_ibc_automix_pct')}{PCT} on {escape(d)}"
                              for d in defined) + ".\n")
        parts = [phrase + listed(f"{escape(d)} (break-even cost {q('routing', d, router, 'verifier_break_even_cost')})"
                                 for d in verdicts[pays])
                 for pays, phrase in ((True, "it pays for its verifier on "), (False, "it does not on "))
                 if verdicts[pays]]
        if verdicts[None]:
            parts.append(f"on {listed(escape(d) for d in verdicts[None])} it has no break-even cost: "
                         + _why_no_automix(q))
        unsure = [d for d in on if break_even_interval_contains_cost(q, d, router)]
        if unsure:
            parts.append(f"on {listed(escape(d) for d in unsure)} the break-even cost's 95\\,\\% interval "
                         "contains the configured cost, so the data cannot tell")
        text += (f"At the configured verifier cost{_of_verifier_cost(q)} per query, "
                 + ";\n".join(parts) + ".\n\n")
    return text


def automix_sentences(q: Quote, dataset: str, router: str) -> str:
    """A router's (or the oracle's) AutoMix numbers: its verifier charge, best delta_IBC_automix
    (routed share, interval; among the swept thresholds and held-out for a router), the verifier
    break-even cost and, for a router that pays a verifier, whether it pays for it at the
    configured cost. An undefined value gets a sentence saying why."""
    key = ("routing", dataset, router)
    if _value(q, *key, "best_delta_ibc_automix_pct") is None:
        return f"{AUTOMIX} is undefined: {_why_no_automix(q)}.\n"
    paying = (_value(q, *key, "verifier_charge") or 0) > 0
    charged = (f"Charged {q(*key, 'verifier_charge')} per query for its verifier" if paying
               else f"Charged no verifier ({q(*key, 'verifier_charge')})")
    whose = "the oracle's" if router == "oracle" else "its"
    details = [_interval(q, key, "best_delta_ibc_automix_ci_low_pct", "best_delta_ibc_automix_ci_high_pct", PCT)]
    if router != "oracle":
        details.append(f"among the swept thresholds {q(*key, 'best_swept_delta_ibc_automix_pct')}{PCT} at "
                       f"{q(*key, 'best_swept_automix_routed_share_pct')}{PCT}"
                       if _value(q, *key, "best_swept_delta_ibc_automix_pct") is not None
                       else "no swept threshold routes enough queries for one")
        held, spread = (_value(q, *key, f"heldout_delta_ibc_automix{part}_pct") for part in ("", "_std"))
        details.append("no held-out value: no split gave one" if held is None else
                       f"held-out {q(*key, 'heldout_delta_ibc_automix_pct')}{PCT} from a single split"
                       if spread is None else
                       f"held-out {q(*key, 'heldout_delta_ibc_automix_pct')}\\,$\\pm$\\,"
                       f"{q(*key, 'heldout_delta_ibc_automix_std_pct')}{PCT}")
    details = "; ".join(filter(None, details))
    break_even = _interval(q, key, "verifier_break_even_cost_ci_low", "verifier_break_even_cost_ci_high")
    text = (f"{charged}, {whose} best {AUTOMIX} is {q(*key, 'best_delta_ibc_automix_pct')}{PCT}\n"
            f"at {q(*key, 'best_delta_ibc_automix_routed_share_pct')}{PCT} routed"
            + (f" ({details})" if details else "") + ",\n"
            f"and {'it' if router != 'oracle' else 'the oracle'} breaks even with a verifier costing up to "
            f"{q(*key, 'verifier_break_even_cost')} per query"
            + (f"\n({break_even})" if break_even else "") + ".\n")
    return text + (_verdict(q, dataset, router) if paying else "")


def _verdict(q: Quote, dataset: str, router: str) -> str:
    """For a router that pays a verifier: whether it pays for it at the configured cost, and
    whether the break-even cost's interval can tell."""
    key = ("routing", dataset, router)
    name = ROUTER_NAMES.get(router, escape(router))
    pays = pays_for_verifier(q, dataset, router)
    text = (f"So at the configured verifier cost{_of_verifier_cost(q)} the {name} router "
            f"{'pays' if pays else 'does not pay'} for its verifier")
    if (_value(q, *key, "verifier_break_even_cost") or 0) < 0:
        high = _value(q, *key, "verifier_break_even_cost_ci_high")
        text += (", and not even a free verifier would make it pay" if high is not None and high < 0 else
                 ", and at its estimate not even a free verifier would" + (
                     " (though its interval reaches above 0)" if high is not None else ""))
    low = _value(q, *key, "verifier_break_even_cost_ci_low")
    if break_even_interval_contains_cost(q, dataset, router):
        text += ";\nthe break-even cost's 95\\,\\% interval contains that cost, so the data cannot tell"
    elif low is not None and _value(q, *key, "verifier_break_even_cost_ci_high") is not None:
        above = low > _value(q, "routing_config", "verifier_cost")
        text += f";\nthe break-even cost's whole 95\\,\\% interval lies {'above' if above else 'below'} it"
    return text + ".\n"


def routing_section(q: Quote, table_optimizer: str) -> str:
    """Per router dataset P_SLM, P_LLM and each router's and the oracle's numbers; tables, figures."""
    datasets = q.keys("routing")
    if not datasets:
        return ("This project has no routing data (config \\texttt{routing.logits} and "
                "\\texttt{routing.router} are null), so no router is measured.\n")
    linked = {artifact: link for link, artifact in links(q.numbers).items()}
    per_dataset = ("Figure~\\ref{fig:routing-1} shows" if len(datasets) == 1 else
                   f"Figures~\\ref{{fig:routing-1}}--\\ref{{fig:routing-{len(datasets)}}} show")
    resampled = any(q.get("routing", dataset, "bootstrap_resamples_count") != 0 for dataset in datasets)
    with_intervals = "with bootstrap intervals " if resampled else ""
    text = definitions_paragraph(q, datasets)
    text += ("Table~\\ref{tab:routing-ibc} gives each router's best $\\Delta_\\mathrm{IBC}$\n"
             f"and {AUTOMIX} among the swept thresholds, Table~\\ref{{tab:routing-metrics}} the metrics of\n"
             f"the routing literature {with_intervals}and the held-out choice,\n"
             f"Table~\\ref{{tab:routing-automix}} {AUTOMIX} and the verifier break-even cost,\n"
             "Figure~\\ref{fig:routing-pgr} the performance gap recovered and\n"
             "Figure~\\ref{fig:routing-delta-ibc} both $\\Delta_\\mathrm{IBC}$ against the routed\n"
             f"share; {per_dataset} cost\nagainst performance per dataset.\n\n")
    text += verifier_summary(q, datasets)
    for dataset in datasets:
        text += dataset_paragraph(q, dataset)
    intervals = "with 95\\,\\% bootstrap intervals" if resampled else "(no bootstrap resamples)"
    return text + "\n".join([
        table("routing_ibc.tex", f"Best $\\Delta_\\mathrm{{IBC}}$ (the notebook's: the verifier cancels) and {AUTOMIX} "
              "(the verifier charged) among the swept thresholds.", "tab:routing-ibc"),
        table("routing_metrics.tex", f"Routing metrics {intervals} and held-out "
              "$\\Delta_\\mathrm{IBC}$.", "tab:routing-metrics"),
        table("routing_automix.tex", f"AutoMix's {AUTOMIX}, which charges the verifier, and the verifier "
              f"break-even cost {intervals}.", "tab:routing-automix"),
        figure("figures/routing_pgr.pdf", "Performance gap recovered against the routed share.",
               "fig:routing-pgr"),
        figure("figures/routing_delta_ibc.pdf", "$\\Delta_\\mathrm{IBC}$ against the routed share: the notebook's "
               f"(left; the verifier cancels) and AutoMix's {AUTOMIX} (right; the verifier charged).",
               "fig:routing-delta-ibc"),
        *(figure(linked.get(cost_performance(dataset), cost_performance(dataset)),
                 f"Cost against performance, {escape(dataset)}, in the notebook's cost model (keeping an "
                 f"answer costs $c_S + c_V$, routing it $c_S + c_V + c_L$).", f"fig:routing-{i}",
                 width=r"0.85\linewidth")
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
