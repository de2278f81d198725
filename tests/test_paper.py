"""The paper's numbers: one naming rule from keys to macros, every macro quoted by the sections generated
from the numbers present, a paper that builds."""

import json
import re
import subprocess

import pandas as pd
import pytest
from conftest import FEW_RESAMPLES, REPO, snakemake

from llmcost import quantities
from llmcost.errors import InputError
from llmcost.numbers import (comparison_numbers, leaves, macro_name, numbers_tex, optimization_numbers,
                             routing_numbers)
from llmcost.numbers import quoted as quoted_numbers
from llmcost.optimizer_comparison import optimizer_comparison
from llmcost.latex import escape
from llmcost.paper import (COMPARISON_FIGURE, COMPARISON_TABLE, NOTES, ROUTER_NAMES, SECTIONS, Quote, any_of, every,
                           exported_only, heldout_finding, leading_router, router_name, routing_tables, same_tasks,
                           scores_case, sections, tasks_words, undecided_pairs, verifier_findings, which)

MACRO = re.compile(r"\\newcommand\{\\([A-Za-z]+)\}")


def test_a_macro_name_is_the_key_path_with_digits_spelled_and_separators_stripped():
    assert macro_name(("routing", "cnli_short", "logits", "cpt_50_pct")) == "RoutingCnliShortLogitsCptFiveZeroPct"
    assert macro_name(("tokens", "downstream_share_by_dataset_pct", "CAPO", "sst-5")) == \
        "TokensDownstreamShareByDatasetPctCAPOSstFive"
    assert macro_name(("tokens", "x", "007")) == "TokensXZeroZeroSeven"


def test_names_in_other_scripts_get_distinct_macros_that_do_not_change_when_names_are_added():
    names = ["Новости", "Погода", "新闻", "体育", "ニュース", "スポーツ", "Ελληνικά", "Αθλητικά", "café", "cafe"]
    numbers = {"tokens": {"downstream_share_pct": {name: 1.0 for name in names}}}
    defined = MACRO.findall(numbers_tex(numbers))
    assert len(defined) == len(set(defined)) == len(names)
    assert all(name.isascii() and name.isalpha() for name in defined)
    assert macro_name(("tokens", "café")) == "TokensCafe" + macro_name(("café",))[4:]
    alone = macro_name(("tokens", "downstream_share_pct", "Новости"))
    assert alone in defined
    assert MACRO.findall(numbers_tex({"tokens": {"downstream_share_pct": {"Новости": 1.0}}})) == [alone]


def test_names_that_collide_are_an_error_naming_both_keys():
    with pytest.raises(InputError, match=r"keys tokens\.downstream_share_pct\.sst-5 and "
                       r"tokens\.downstream_share_pct\.sst_5 both give the macro \\TokensDownstreamSharePctSstFive"):
        numbers_tex({"tokens": {"downstream_share_pct": {"sst-5": 1.0, "sst_5": 2.0}}})


def test_values_are_formatted_by_their_unit_and_a_missing_one_is_a_visible_marker():
    text = numbers_tex({"tokens": {"downstream_share_pct": {"x": 96.61364}, "runs_count": {"x": 45},
                                   "mean_tokens_per_run_millions": {"x": 5.0}},
                        "optimization": {"wall_clock_hours": None},
                        "routing": {"d": {"logits": {"verifier_break_even_cost": -0.12345}}}})
    assert r"\newcommand{\TokensDownstreamSharePctX}{96.6}" in text
    assert r"\newcommand{\OptimizationWallClockHours}{\NumberMissing}" in text
    assert r"\providecommand{\NumberMissing}" in text
    assert r"\newcommand{\RoutingDLogitsVerifierBreakEvenCost}{\ensuremath{-}0.123}" in text
    assert r"\newcommand{\TokensRunsCountX}{45}" in text
    assert r"\newcommand{\TokensMeanTokensPerRunMillionsX}{5.00}" in text
    with pytest.raises(LookupError, match=r"numbers.json's tokens\.share_pct\.x is no declared quantity"):
        numbers_tex({"tokens": {"share_pct": {"x": 1.0}}})  # a number without a declaration (quantities.py)


def test_the_bundled_numbers_are_the_artifacts_and_every_macro_is_unique():
    numbers = json.loads((REPO / "results/numbers.json").read_text())
    assert numbers["tokens"]["downstream_share_pct"]["CAPO"] == pytest.approx(96.6136400759536, abs=1e-9)
    assert numbers["optimization"]["racing_saved_pct"]["CAPO"] == pytest.approx(43.97877, abs=1e-4)
    assert numbers["routing"]["cnli_short"]["logits"]["best_delta_ibc_pct"] == pytest.approx(65.807, abs=1e-3)
    names = MACRO.findall((REPO / "results/numbers.tex").read_text())
    assert len(names) == len(set(names)) > 150
    assert r"\newcommand{\TokensDownstreamSharePctCAPO}{96.6}" in (REPO / "results/numbers.tex").read_text()


def quoted(numbers: dict, table_optimizer: str = "CAPO") -> set[str]:
    """The macros the paper's generated sections quote for ``numbers``."""
    text = "".join(sections(numbers, table_optimizer).values())
    return set(re.findall(r"\\((?:Tokens|Optimization|Routing)[A-Za-z]+)", text))


def not_quoted(numbers: dict) -> set[str]:
    """The keys of numbers.json's quoted numbers that no section quotes and that are not declared
    exported only (paper.exported_only)."""
    used = quoted(numbers)
    return {".".join(map(str, path)) for path, _ in leaves(quoted_numbers(numbers))
            if macro_name(path) not in used and not exported_only(path)}


def test_the_paper_quotes_every_macro_and_only_defined_ones():
    """Every number of numbers.json is quoted by a template (in its text or in one of its tables)
    or declared exported only; every macro the templates use is defined by numbers.tex."""
    defined = set(MACRO.findall((REPO / "results/numbers.tex").read_text()))
    numbers = json.loads((REPO / "results/numbers.json").read_text())
    used = quoted(numbers)
    assert not_quoted(numbers) == set(), "numbers the paper never quotes, not declared exported only"
    assert used - defined == set(), "macros the paper quotes that numbers.tex does not define"
    for fixture in (with_comparison(numbers), twelve_datasets(numbers)):
        assert not_quoted(fixture) == set()
        assert quoted(fixture) - set(MACRO.findall(numbers_tex(fixture))) == set()
    assert re.findall(r"\\input\{generated/(\w+)\.tex\}", (REPO / "paper/main.tex").read_text()) == list(SECTIONS)


def filtered(numbers: dict, keep) -> dict:
    """``numbers`` without the leaves and branches whose key ``keep`` rejects."""
    return {key: filtered(value, keep) if isinstance(value, dict) else value
            for key, value in numbers.items() if keep(key)}


def test_the_sections_of_a_filtered_config_quote_only_its_macros():
    bundled = json.loads((REPO / "results/numbers.json").read_text())
    dropped = {"EvoPromptGA", "copa", "gsm8k", "qwen", "coqa_short"}
    # a pair of optimizers ("CAPO_vs_EvoPromptGA") goes with either of them
    numbers = filtered(bundled, lambda key: key not in dropped and not set(key.split("_vs_")) & dropped)
    defined = set(MACRO.findall(numbers_tex(numbers)))
    exported = {macro_name(path) for path in quantities.exported_only(numbers)}
    # exported-only numbers may still be quoted (the findings quote the leading pair of routers)
    assert quoted(numbers) - exported == defined - exported and quoted(numbers) <= defined
    text = "".join(sections(numbers, "CAPO").values())
    assert "EvoPromptGA" not in text and "coqa" not in text and r"\NumberMissing" not in text
    # one cost-performance figure per router dataset kept, and the text points to exactly those
    kept = len(numbers["routing"])
    assert kept == 3 and cost_performance_figures(text) == (list(range(1, kept + 1)), (1, kept))


def cost_performance_figures(text: str) -> tuple[list[int], tuple[int, ...]]:
    """(the numbers of the cost-performance figures a section labels, the first and the last it
    references: a range ``1--n`` is referenced by its ends, one figure by itself)."""
    labelled = [int(n) for n in re.findall(r"\\label\{fig:routing-(\d+)\}", text)]
    referenced = [int(n) for n in re.findall(r"\\ref\{fig:routing-(\d+)\}", text)]
    return labelled, tuple(referenced)


def test_a_number_the_text_needs_but_numbers_json_lacks_prints_the_missing_marker():
    bundled = json.loads((REPO / "results/numbers.json").read_text())
    del bundled["tokens"]["runs_count"]["CAPO"]  # e.g. a numbers.json made by an older pipeline
    bundled["optimization"]["racing_saved_pct"] = {}  # no racing log at all
    bundled["optimization"]["wall_clock_hours"] = None
    texts = sections(bundled, "CAPO")
    text = "".join(texts.values())
    assert "\\NumberMissing{}" in findings(texts, "tokens")[0] and "\\TokensRunsCountCAPO" not in text
    optimization = findings(texts, "optimization")[0]
    # the no-racing-log case: the finding points to the racing table and quotes no saving
    assert "\\ref{tab:racing}" in optimization and "\\OptimizationRacingSaved" not in text
    assert "\\OptimizationWallClockHours{}" in optimization  # null: its macro prints [missing]


def test_datasets_of_other_optimizers_and_models_are_named_where_they_differ():
    numbers = {"tokens": {"downstream_share_pct": {"A": 90.0, "B": 80.0},
                          "downstream_share_by_dataset_pct": {"A": {"x": 1.0, "y": 2.0}, "B": {"y": 3.0}},
                          "runs_count": {"A": 2, "B": 1}},
               "optimization": {"score_at_table_budget_pct": {"A": 50.0},
                                "score_at_table_budget_by_model_pct": {"A": {"m": 50.0}}}}
    text = "".join(sections(numbers, "A").values())
    # B's datasets are not A's: its share is named with its dataset; so are A's own and A's model's score
    assert named_after(text, "\\TokensDownstreamShareByDatasetPctBY{}", "xy") == ["y"]
    assert [named_after(text, f"\\TokensDownstreamShareByDatasetPctA{d.upper()}{{}}", "xy") for d in "xy"] == [
        ["x"], ["y"]]
    assert named_after(text, "\\OptimizationScoreAtTableBudgetByModelPctAM{}", ["m"]) == ["m"]
    assert set(re.findall(r"\\((?:Tokens|Optimization)[A-Za-z]+)", text)) <= set(MACRO.findall(numbers_tex(numbers)))


def named_after(text: str, macro: str, names) -> list[str]:
    """Which of ``names`` a quoted number is given: those in the words after its macro, up to the
    next macro, comma, semicolon or full stop."""
    clause = re.split(r"\\(?:Tokens|Optimization|Routing)[A-Za-z]+\{\}|[;,]|\.(?=\s|$)",
                      text.split(macro, 1)[1].replace("\\,\\%", ""))[0]
    return [name for name in names if name in clause.split()]


def pdf_text(workdir, pdftotext):
    return subprocess.run([pdftotext, str(workdir / "paper/main.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def printed_value(workdir, macro: str, output: str = "results") -> str:
    """What the published numbers.tex prints for ``macro``."""
    tex = (workdir / output / "numbers.tex").read_text()
    return re.search(rf"\\newcommand\{{\\{macro}\}}\{{([^}}]*)\}}", tex).group(1)


def test_the_paper_builds_and_follows_a_changed_number(rerun_copy, pdflatex, pdftotext):
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf")
    text = " ".join(pdf_text(rerun_copy, pdftotext).split())
    assert printed_value(rerun_copy, "TokensDownstreamSharePctCAPO") == "96.6" and "96.6 %" in text
    score = "OptimizationScoreAtTableBudgetPctCAPO"
    assert printed_value(rerun_copy, score) == "79.7" and "79.7 %" in text
    # another table budget changes the quoted score; rerunning the target rebuilds the PDF
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf", "--config", "optimization={'table_budget': 3000000}")
    after = " ".join(pdf_text(rerun_copy, pdftotext).split())
    assert printed_value(rerun_copy, score) == "79.2"  # CAPO's mean over cells at 3e6 tokens (79.22), in scores.csv
    assert "79.2 %" in after
    log = (rerun_copy / "logs/results/paper.log").read_text()
    assert "built from results/" in log
    # the definitions are printed: the costs and the minimum routed share only they quote
    for cost in ("Slm", "Llm", "Verifier"):
        assert f"= {printed_value(rerun_copy, f'RoutingConfig{cost}Cost')}" in text, cost
    assert f"{printed_value(rerun_copy, 'RoutingConfigMinRoutedSharePct')} %" in text
    # the verifier's finding quotes qasper's break-even cost, the highest, as numbers.tex prints it
    highest = printed_value(rerun_copy, "RoutingQasperShortConfidenceVerifierBreakEvenCost")
    assert highest == "4.061" and highest in text
    assert "[missing]" not in text


def test_the_paper_of_a_filtered_config_builds(rerun_copy, pdflatex, pdftotext):
    """One token dataset, one router dataset (with few resamples: no assertion reads an interval)."""
    routing = dict(FEW_RESAMPLES, datasets=["cnli_short"])
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf", "--config", 'tokens={"datasets": ["agnews"]}',
              "output=agnews_only", f"routing={routing!r}")
    text = " ".join(pdf_text(rerun_copy, pdftotext).split())
    numbers = json.loads((rerun_copy / "agnews_only/numbers.json").read_text())
    share = printed_value(rerun_copy, "TokensDownstreamSharePctCAPO", "agnews_only")
    assert share == f'{numbers["tokens"]["downstream_share_pct"]["CAPO"]:.1f}' and f"{share} %" in text
    assert "agnews" in text and "copa" not in text and "[missing]" not in text
    assert "built from agnews_only/" in (rerun_copy / "logs/agnews_only/paper.log").read_text()


# --- every figure's text at least 6 points as printed -----------------------------------------

MIN_PRINTED_PT = 6.0
INCH = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72.27, "bp": 1 / 72}
PAPERS = {"letterpaper": (8.5, 11.0), "a4paper": (210 / 25.4, 297 / 25.4), "a5paper": (148 / 25.4, 210 / 25.4),
          "legalpaper": (8.5, 14.0), "executivepaper": (7.25, 10.5), "b5paper": (176 / 25.4, 250 / 25.4)}


def inches(length: str) -> float:
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*(in|cm|mm|pt|bp)\s*", length).groups()
    return float(number) * INCH[unit]


def text_block(tex: str) -> tuple[float, float]:
    """(\\textwidth, \\textheight) in inches from the class options and geometry's margins
    (the paper size and margin options used here; any other geometry option fails the test)."""
    options = re.search(r"\\documentclass(?:\[([^]]*)\])?\{article\}", tex)
    assert options, "main.tex is not an article: teach text_block its text width"
    geometry = re.search(r"\\usepackage\[([^]]*)\]\{geometry\}", tex)
    assert geometry, "main.tex sets no geometry: teach text_block the class's default text width"
    chosen = [o.strip() for o in f"{options.group(1) or ''},{geometry.group(1)}".split(",") if o.strip()]
    width, height = PAPERS["letterpaper"]
    margins = {}
    for option in chosen:
        key, _, value = option.partition("=")
        if key in PAPERS:
            width, height = PAPERS[key]
        elif key in ("margin", "hmargin", "vmargin", "left", "right", "top", "bottom"):
            sides = {"margin": "lrtb", "hmargin": "lr", "vmargin": "tb"}.get(key, key[0])
            margins.update(dict.fromkeys(sides, inches(value)))
        else:
            assert re.fullmatch(r"\d+pt", key), f"text_block does not know the option {option}"
    assert set(margins) == set("lrtb"), f"margins not all given: {chosen}"
    return width - margins["l"] - margins["r"], height - margins["t"] - margins["b"]


def includes() -> list[tuple[str, str]]:
    """(options, path) of every \\includegraphics in the paper's sources: main.tex and the .tex
    files beside it or among the artifacts (parts of the paper may be generated there)."""
    sources = [REPO / "paper/main.tex", *sorted((REPO / "paper").rglob("*.tex")),
               *sorted((REPO / "results").rglob("*.tex"))]
    texts = [source.read_text() for source in dict.fromkeys(sources)]
    # the sections make paper writes into paper/generated/, made here from the bundled numbers
    texts += sections(json.loads((REPO / "results/numbers.json").read_text()), "CAPO").values()
    found = []
    for text in texts:
        found += re.findall(r"\\includegraphics\s*(?:\[([^]]*)\])?\s*\{([^}]*)\}", text)
    return found


def printed_size(options: str, text: tuple[float, float]) -> tuple[float | None, float | None]:
    """(width, height) in inches that \\includegraphics' options ask for (None: not given)."""
    lengths = {"linewidth": text[0], "textwidth": text[0], "columnwidth": text[0], "textheight": text[1]}
    size = {"width": None, "height": None}
    for option in filter(None, (o.strip() for o in options.split(","))):
        key, _, value = (part.strip() for part in option.partition("="))
        if key in size:
            relative = re.fullmatch(r"([\d.]*)\s*\\(\w+)", value)
            size[key] = float(relative.group(1) or 1) * lengths[relative.group(2)] if relative else inches(value)
        else:
            assert key == "keepaspectratio", f"printed_size does not know \\includegraphics option {key}"
    return size["width"], size["height"]


def pdf_size_and_font_sizes(path) -> tuple[float, float, list[float]]:
    """A matplotlib PDF's page size (inches) and the size of every text it sets (points: its
    ``Tf`` operators; matplotlib places texts with rotations and translations only)."""
    import zlib
    data = path.read_bytes()
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data).group(1).split()]
    sizes = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        sizes += [float(size) for size in re.findall(rb"/[A-Za-z][\w.-]* ([\d.]+) Tf\b", content)]
    return (box[2] - box[0]) / 72, (box[3] - box[1]) / 72, sizes


def test_every_figure_of_the_paper_sets_its_text_at_6_points_or_more_as_printed():
    tex = (REPO / "paper/main.tex").read_text()
    text = text_block(tex)
    assert abs(text[0] - 489.1 / 72.27) < 0.01  # what pdflatex reports for main.tex's \textwidth
    figures = sorted(str(p.relative_to(REPO)) for p in (REPO / "results").rglob("*.pdf"))
    checked = {}
    for options, path in includes():
        # \resultsdir and any other macro (a generated part may loop over datasets) stand for a name
        pattern = re.sub(r"\\\\[A-Za-z]+|#\d", ".+", re.escape(path).replace(r"\#", "#")) + r"(\.pdf)?"
        for figure in [f for f in figures if re.fullmatch(pattern, f)]:
            width, height = printed_size(options, text)
            fig_width, fig_height, sizes = pdf_size_and_font_sizes(REPO / figure)
            # with keepaspectratio the tighter of the two; without, a figure given both is distorted
            # and its text is as small as the smaller scale makes it
            scale = min((s for s in (width and width / fig_width, height and height / fig_height) if s),
                        default=1.0)
            assert sizes, f"{figure}: no text found"
            checked[figure] = min(sizes) * scale
    assert {"results/figures/token_usage.pdf", "results/figures/token_cumulative.pdf"} <= set(checked)
    assert len(checked) >= 5, checked
    small = {figure: round(size, 2) for figure, size in checked.items() if size < MIN_PRINTED_PT}
    assert not small, f"text printed under {MIN_PRINTED_PT} pt: {small}"


# --- issue 26: comparisons on common ground, no placeholders ------------------------------------

#: the words of the paper that take a count, singular and plural
COUNTED = {"run": "runs", "dataset and model": "datasets and models", "resample": "resamples",
           "dataset": "datasets", "model": "models", "task": "tasks", "seed": "seeds", "split": "splits",
           "permutation": "permutations", "hour": "hours"}


def wrong_plurals(text: str) -> list[str]:
    """Counts printed with the wrong number: "1 runs", "1 datasets and models", "2 run", "0 dataset"."""
    text = " ".join(text.split())
    many = "|".join(re.escape(word) for word in sorted(COUNTED.values(), key=len, reverse=True))
    one = "|".join(re.escape(word) for word in sorted(COUNTED, key=len, reverse=True))
    name = r"(?:(?!no |of |the )[A-Za-z-]+ )?"  # "1 CAPO runs"; "89 no run" is a tick label and a figure's text
    return (re.findall(rf"(?<![\w.,])1 {name}(?:{many})\b", text)
            + re.findall(rf"(?<![\w.,])(?:0|[2-9]|\d{{2,}}) {name}(?:{one})\b(?!s)", text))


def printed(numbers: dict, *names: str) -> str:
    """The generated sections ``names`` (default: those of ``numbers``' top keys) as plain words: every
    macro replaced by what numbers.tex prints for it, thin spaces and escaped % and _ as text."""
    values = dict(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}\{(.*)\}% ", numbers_tex(numbers)))
    texts = sections(numbers, "CAPO")
    text = "".join(texts[name] for name in names or [name for name in texts if name in numbers])
    text = re.sub(r"\\((?:Tokens|Optimization|Routing)[A-Za-z]+)\{\}", lambda m: values[m.group(1)], text)
    return " ".join(text.replace("\\,\\%", " %").replace("\\%", "%").replace("\\_", "_").replace("~", " ").split())


def placeholders(text: str) -> list[str]:
    """What the issue forbids in the paper: the missing marker, nan, None, ?? and wrong plurals."""
    found = re.findall(r"NumberMissing|\[missing\]|\bnan\b|\bNaN\b|\bNone\b|\?\?", text)
    return found + wrong_plurals(text)


def test_the_plural_check_finds_what_it_should():
    assert wrong_plurals("Across the 1 CAPO runs on 1 datasets and models, 2 run, 3 CAPO run") == [
        "1 CAPO runs", "1 datasets and models", "2 run", "3 CAPO run"]
    assert wrong_plurals("over 2 dataset and model, 0 resample") == ["2 dataset and model", "0 resample"]
    assert wrong_plurals("Across the 1 CAPO run on 1 dataset and model; 2 runs; 0.1 points; 15 datasets") == []
    assert wrong_plurals("Λάμα_1 no runs; 89 no run with a test score; 2 of 3 datasets") == []


def scores_rows(rows) -> pd.DataFrame:
    """scores.csv at 5e6 tokens from (dataset, model, optimizer, mean %) of three-seed cells."""
    return pd.DataFrame([{"dataset": d, "model": m, "optimizer": o, "budget_tokens": 5e6, "n_seeds": 3,
                          "n_seeds_with_test_score": 3, "n_runs": 3 if score == score else 0,
                          "test_score_mean_pct": score, "test_score_std_pct": 1.0} for d, m, o, score in rows])


SUMMARY = {"racing_saved_ratio_overall_mean": {}, "cells": [], "wall_clock_hours_total": 0.0, "wall_clock_runs": 0}


def test_scores_of_optimizers_on_different_datasets_are_compared_on_the_common_ones():
    """Issue 26: CAPO on two datasets, EvoPromptGA on one. The paper said CAPO's 70.1 % against
    EvoPromptGA's 83.2 % (means over different datasets) while on the dataset both ran CAPO is 11.6 points
    ahead; the headline numbers are now over the datasets and models both have, and say how many of all."""
    scores = scores_rows([("agnews", "llama", "CAPO", 94.8), ("copa", "llama", "CAPO", 45.4),
                          ("agnews", "llama", "EvoPromptGA", 83.2)])
    numbers = optimization_numbers(SUMMARY, scores, 5e6)
    assert numbers["score_at_table_budget_pct"] == {"CAPO": 94.8, "EvoPromptGA": 83.2}
    assert numbers["score_at_table_budget_by_model_pct"] == {"CAPO": {"llama": 94.8}, "EvoPromptGA": {"llama": 83.2}}
    assert (numbers["score_at_table_budget_tasks_count"], numbers["tasks_count"]) == (1, 2)
    tokens = {"downstream_share_pct": {"CAPO": 90.0, "EvoPromptGA": 80.0}, "runs_count": {"CAPO": 2, "EvoPromptGA": 1},
              "tasks_count": {"CAPO": 2, "EvoPromptGA": 1},
              "mean_tokens_per_run_millions": {"CAPO": 5.0, "EvoPromptGA": 6.0},
              "mean_input_tokens_per_run_millions": {"CAPO": 4.0, "EvoPromptGA": 5.0}}
    both = {"tokens": tokens, "optimization": numbers}
    q = Quote(both)
    assert (scores_case(q), same_tasks(q)) == ("averaged", False)
    texts = sections(both, "CAPO")
    # the scores, in the optimizers' order, averaged over the common datasets and models, and of how many
    first = findings(texts, "optimization")[0]
    assert macros_in_order(first, "OptimizationScoreAtTableBudgetPct") == ["CAPO", "EvoPromptGA"]
    assert "\\OptimizationScoreAtTableBudgetTasksCount{}" in first and "\\OptimizationTasksCount{}" in first
    # each optimizer's runs and its datasets and models, of how many, since they differ
    runs = findings(texts, "tokens")[0]
    for quoted_ in ("TokensRunsCountCAPO", "TokensTasksCountCAPO", "TokensRunsCountEvoPromptGA",
                    "TokensTasksCountEvoPromptGA", "OptimizationTasksCount"):
        assert f"\\{quoted_}{{}}" in runs, quoted_
    assert "WallClock" not in first and numbers["wall_clock_runs_count"] == 0  # no run records its time
    text = printed(both)
    assert "94.8 %" in text and "83.2 %" in text and f"1 {tasks_words(1)}" in text
    assert placeholders(text) == [] and not null_macros_quoted(both)


def macros_in_order(text: str, prefix: str) -> list[str]:
    """The names of the macros ``\\<prefix><name>{}`` a text quotes, in its order."""
    return re.findall(rf"\\{prefix}([A-Za-z]+)\{{\}}", text)


def test_optimizers_without_a_common_dataset_or_without_scores_are_not_averaged_side_by_side():
    apart = optimization_numbers(SUMMARY, scores_rows([("a", "m", "CAPO", 90.0), ("b", "m", "EvoPromptGA", 80.0)]), 5e6)
    assert apart["score_at_table_budget_pct"] == {"CAPO": None, "EvoPromptGA": None}
    assert scores_case(Quote({"optimization": apart})) == "no common task"
    first = findings(sections({"optimization": apart}, "CAPO"), "optimization")[0]
    # both named, no score quoted: the table gives each one's
    assert "CAPO" in first and "EvoPromptGA" in first and "\\ref{tab:optimizer-scores}" in first
    assert "ScoreAtTableBudget" not in first
    unscored = optimization_numbers(SUMMARY, scores_rows([("a", "m", "CAPO", 90.0), ("a", "m", "EvoPromptGA",
                                                                                   float("nan"))]), 5e6)
    assert unscored["score_at_table_budget_pct"] == {"CAPO": 90.0}
    assert (unscored["score_at_table_budget_tasks_count"], unscored["tasks_count"]) == (1, 1)
    numbers = {"tokens": {"runs_count": {"CAPO": 3, "EvoPromptGA": 3}}, "optimization": unscored}
    assert scores_case(Quote(numbers)) == "averaged"
    first = findings(sections(numbers, "CAPO"), "optimization")[0]
    # CAPO's score over its one dataset and model (the only one: no total quoted); EvoPromptGA named, without one
    assert macros_in_order(first, "OptimizationScoreAtTableBudgetPct") == ["CAPO"]
    assert "\\OptimizationScoreAtTableBudgetTasksCount{}" in first and "\\OptimizationTasksCount{}" not in first
    assert "EvoPromptGA" in first.split("\\ref{fig:score-vs-tokens}")[1]
    assert f"1 {tasks_words(1)}" in printed(numbers, "optimization")
    none = optimization_numbers(SUMMARY, scores_rows([("a", "m", "CAPO", float("nan"))]), 5e6)
    assert scores_case(Quote({"optimization": none})) == "no score"
    first = findings(sections({"optimization": none}, "CAPO"), "optimization")[0]
    assert "CAPO" not in first and "ScoreAtTableBudget" not in first and "\\ref{tab:optimizer-scores}" in first
    for numbers in (apart, unscored, none):
        assert placeholders(printed({"optimization": numbers})) == []
        assert not null_macros_quoted({"optimization": numbers})


#: what the optimization section needs besides a comparison of optimizers
NO_SCORES = {"table_budget_millions": 5.0, "wall_clock_runs_count": 0, "racing_saved_pct": {}}


def test_a_pair_on_one_task_with_one_run_a_side_reads_too_few_runs_in_the_singular():
    """Issue 26: "Across the 1 datasets and models" and the verdict "worse" from one run a side."""
    runs = pd.DataFrame({"dataset": "agnews", "model": "llama", "optimizer": ["CAPO", "EvoPromptGA"], "seed": 42,
                         "test_score_pct_at_5000000": [88.5, 88.6]})
    comparison = comparison_numbers(optimizer_comparison(runs, [5e6], 200, 0, 200), 5e6)
    row = comparison["CAPO_vs_EvoPromptGA"]
    assert (row["tasks_count"], row["permutation_p_value"], row["verdict"]) == (1, 1.0, "too few runs")
    numbers = {"optimization": NO_SCORES | {"comparison": comparison}}
    text = sections(numbers, "CAPO")["optimization"]
    pair = "OptimizationComparisonCAPOVsEvoPromptGA"
    for leaf in ("TasksCount", "PImprovement", "PCiLow", "PCiHigh", "DeltaPct", "DeltaCiLowPct", "DeltaCiHighPct",
                 "PermutationPValue", "Verdict"):
        assert f"\\{pair}{leaf}{{}}" in text, leaf
    # "too few runs" is the one verdict said with why: its sentence is longer than another verdict's
    other = json.loads(json.dumps(numbers))
    other["optimization"]["comparison"]["CAPO_vs_EvoPromptGA"]["verdict"] = "not distinguishable"
    verdict = (sentence_with(sections(n, "CAPO")["optimization"], f"\\{pair}Verdict{{}}") for n in (numbers, other))
    assert len(next(verdict).split()) > len(next(verdict).split()) + 5
    text = printed(numbers, "optimization")
    assert f"1 {tasks_words(1)}" in text and placeholders(text) == []
    apart = comparison_numbers(optimizer_comparison(runs.assign(dataset=["a", "b"]), [5e6], 200, 0, 200), 5e6)
    numbers = {"optimization": NO_SCORES | {"comparison": apart}}
    pairs = paragraphs(sections(numbers, "CAPO")["optimization"])[1]
    # not compared: both named, nothing of the pair quoted
    assert "CAPO" in pairs and "EvoPromptGA" in pairs and "OptimizationComparison" not in pairs
    assert placeholders(printed(numbers, "optimization")) == [] and not null_macros_quoted(numbers)


def sentence_with(text: str, macro: str) -> str:
    """The sentence of ``text`` that quotes ``macro``."""
    return next(s for s in re.split(r"(?<=\.)\s+", " ".join(text.split())) if macro in s)


def routing_case(frame: pd.DataFrame, name: str, resamples: int) -> dict:
    """numbers.json's routing part for one dataset, made as the pipeline makes it."""
    from test_routing import summary_of

    from llmcost.outputs import to_jsonable
    from llmcost.routing_resampling import dataset_metrics
    summary, _ = summary_of(frame, name)
    metrics = to_jsonable(dataset_metrics(frame, 0.05, {"splits": 3}, {"resamples": resamples, "seed": 0}))
    return routing_numbers({name: summary}, {name: metrics})


# --- the routing section: findings first, per-dataset numbers in tables of macros ---------------

def bundled_numbers() -> dict:
    return json.loads((REPO / "results/numbers.json").read_text())


NUMBER = re.compile(r"\\(?:Tokens|Optimization|Routing)[A-Za-z]+\{\}")
PAIRS = ("logits_vs_entropy", "logits_vs_confidence", "entropy_vs_confidence",
         "logits_vs_random", "entropy_vs_random", "confidence_vs_random")
METRICS = {"apgr": ("apgr_difference", "apgr_difference_ci_low", "apgr_difference_ci_high"),
           "best_delta_ibc": ("best_delta_ibc_difference_pct", "best_delta_ibc_difference_ci_low_pct",
                              "best_delta_ibc_difference_ci_high_pct")}


def with_comparison(numbers: dict, half_width: float | None = 0.05) -> dict:
    """``numbers`` with a hand-made ``routing_comparison`` section in the agreed interface: per
    dataset and pair A - B of the routers' APGR and best delta_IBC (the random router's APGR is 0.5,
    its best delta_IBC 0), an interval of ``half_width`` either side (None: no interval), and over
    all datasets their mean with the datasets where A, or B, is better."""
    numbers = json.loads(json.dumps(numbers))
    random = {"apgr": 0.5, "best_delta_ibc_pct": 0.0}
    section = {}
    for dataset, entry in numbers["routing"].items():
        section[dataset] = {}
        for pair in PAIRS:
            a, b = pair.split("_vs_")
            if a not in entry or (b != "random" and b not in entry):
                continue
            row = {}
            for metric, (name, low, high) in METRICS.items():
                leaf = "apgr" if metric == "apgr" else "best_delta_ibc_pct"
                x, y = entry[a].get(leaf), random[leaf] if b == "random" else entry[b].get(leaf)
                value = None if x is None or y is None else x - y
                spread = None if value is None or half_width is None else half_width
                row |= {name: value, low: None if spread is None else value - spread,
                        high: None if spread is None else value + spread}
            section[dataset][pair] = row
    every = {}
    for pair in PAIRS:
        rows = [section[d][pair] for d in section if pair in section[d]]
        if not rows:
            continue
        every[pair] = {}
        for metric, (name, low, high) in METRICS.items():
            defined = [row for row in rows if row[name] is not None]
            mean = sum(row[name] for row in defined) / len(defined) if defined else None
            every[pair] |= {name: mean, low: None, high: None,
                            f"{metric}_better_count": sum(row[low] is not None and row[low] > 0 for row in defined),
                            f"{metric}_worse_count": sum(row[high] is not None and row[high] < 0 for row in defined)}
            if mean is not None and half_width is not None:
                every[pair] |= {low: mean - half_width, high: mean + half_width}
        every[pair]["datasets_count"] = len([row for row in rows if row["apgr_difference"] is not None])
    numbers["routing_comparison"] = {**section, "all": every} if every else {}
    return numbers


def twelve_datasets(numbers: dict) -> dict:
    """``numbers`` with each of the bundled four router datasets three times, under new names."""
    numbers = json.loads(json.dumps(numbers))
    numbers["routing"] = {f"{dataset}{suffix}": entry for suffix in ("", "_b", "_c")
                          for dataset, entry in numbers["routing"].items()}
    return numbers


def prose(tex: str) -> str:
    """A section's text without its tables, figures and comments."""
    tex = re.sub(r"\\begin\{(table|figure)\}.*?\\end\{\1\}", "", tex, flags=re.S)
    return re.sub(r"(?m)(?<!\\)%.*$", "", tex)


def prose_words(tex: str) -> int:
    """Words of a section's prose, a number's macro counted as one word."""
    return len([word for word in NUMBER.sub(" N ", prose(tex)).split() if re.search(r"[A-Za-z0-9]", word)])


def paragraphs(tex: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", prose(tex)) if p.strip()]


def findings(sections_: dict, name: str) -> list[str]:
    """The findings a section opens with: the routing section's first list's items, the first
    paragraph of the others."""
    if name != "routing":
        return [paragraphs(sections_[name])[0]]
    text = prose(sections_["routing"])
    first = text[text.index("\\begin{itemize}") + len("\\begin{itemize}"):text.index("\\end{itemize}")]
    return [item.strip() for item in first.split("\\item")[1:]]


def sentence_count(text: str) -> int:
    return len(re.findall(r"\.(?=\s|$)", text.strip()))


FIXTURES = {"bundled": bundled_numbers, "bundled, compared": lambda: with_comparison(bundled_numbers()),
            "twelve datasets": lambda: twelve_datasets(bundled_numbers()),
            "twelve datasets, compared": lambda: with_comparison(twelve_datasets(bundled_numbers()))}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_each_section_opens_with_its_findings_each_with_a_pointer_to_its_detail(fixture):
    texts = sections(FIXTURES[fixture](), "CAPO")
    for name in ("tokens", "optimization"):
        assert sentence_count(findings(texts, name)[0]) <= 3, name
    items = findings(texts, "routing")
    assert 1 <= len(items) <= 5
    for item in items:
        assert sentence_count(item) == 1 and item[0].isupper() and item.endswith("."), item
        assert "\\ref{" in item, item
    assert texts["routing"].index("\\end{itemize}") < texts["routing"].index("\\paragraph{")  # then the definitions


@pytest.mark.parametrize("fixture, most", [("bundled", 600), ("bundled, compared", 600),
                                           ("twelve datasets", 700), ("twelve datasets, compared", 700)])
def test_the_routing_prose_is_short_and_no_paragraph_quotes_more_than_12_numbers(fixture, most):
    numbers = FIXTURES[fixture]()
    text = sections(numbers, "CAPO")["routing"]
    assert prose_words(text) <= most
    assert max(len(NUMBER.findall(p)) for p in paragraphs(text)) <= 12
    # every per-dataset number is still a macro: in the generated tables
    tables = re.findall(r"\\begin\{table\}.*?\\end\{table\}", text, flags=re.S)
    for dataset in numbers["routing"]:
        for leaf in ("best_delta_ibc_pct", "heldout_delta_ibc_pct", "apgr", "verifier_break_even_cost"):
            assert f"\\{macro_name(('routing', dataset, 'entropy', leaf))}{{}}" in "".join(tables)
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers, "routing")) == []


def test_the_twelve_dataset_prose_is_not_much_longer_than_the_four_dataset_one():
    four, twelve = (prose_words(sections(FIXTURES[f](), "CAPO")["routing"]) for f in ("bundled", "twelve datasets"))
    assert twelve - four <= 30


def null_macros_quoted(numbers: dict) -> set[str]:
    """The macros the sections quote whose value is null (they would print [missing])."""
    null = {macro_name(path) for path, value in leaves(quoted_numbers(numbers)) if value is None}
    return null & quoted(numbers)


def first_finding(numbers: dict, artifacts=()) -> str:
    return findings(sections(numbers, "CAPO", artifacts), "routing")[0]


def comparison_macros(text: str) -> set[str]:
    return set(re.findall(r"\\(RoutingComparison[A-Za-z]+)\{\}", text))


def test_without_the_paired_comparison_the_leading_router_is_not_stated():
    numbers = bundled_numbers()
    del numbers["routing_comparison"]  # a numbers.json made before the routers were compared pair by pair
    q = Quote(numbers)
    assert leading_router(q, q.keys("routing"), ["logits", "entropy", "confidence"])["case"] == "unavailable"
    text = first_finding(numbers)
    assert not comparison_macros(text) and "tab:routing-comparison" not in text
    numbers["routing_comparison"] = {}  # the section present but empty: no routing data compared
    assert first_finding(numbers) == text


@pytest.mark.parametrize("half_width, case", [(0.001, "ahead"), (0.5, "tied"), (None, "no interval")])
def test_the_leading_router_and_its_paired_lead_over_the_next(half_width, case):
    numbers = with_comparison(bundled_numbers(), half_width)
    q = Quote(numbers)
    lead = leading_router(q, q.keys("routing"), ["logits", "entropy", "confidence"])
    # entropy has the highest mean APGR of the bundled routers, log-probability the next
    apgr = {r: sum(numbers["routing"][d][r]["apgr"] for d in numbers["routing"]) for r in ("logits", "entropy")}
    assert apgr["entropy"] > apgr["logits"]
    assert (lead["case"], lead["router"], lead["next"], lead["pair"]) == \
        (case, "entropy", "logits", "logits_vs_entropy")
    text = first_finding(numbers)
    pair = "\\RoutingComparisonAllLogitsVsEntropy"
    assert f"{pair}ApgrDifference{{}}" in text
    assert (f"{pair}ApgrDifferenceCiLow{{}}" in text) == (half_width is not None)
    # entropy is the pair's B: the datasets where it is better are the pair's "worse" count (without
    # intervals no dataset's verdict says better)
    assert (f"{pair}ApgrWorseCount{{}}" in text) == (half_width is not None)
    assert f"{pair}ApgrBetterCount{{}}" not in text
    # the three cases quote the same macros; each says its own verdict
    others = {first_finding(with_comparison(bundled_numbers(), width)) for width in (0.001, 0.5, None)} - {text}
    assert len(others) == 2
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers, "routing")) == []


def test_a_null_paired_difference_says_the_data_cannot_tell_without_a_placeholder():
    numbers = with_comparison(bundled_numbers())
    for row in numbers["routing_comparison"]["all"].values():
        row.update({key: None for key in row if key.startswith("apgr_difference")})
    q = Quote(numbers)
    assert leading_router(q, q.keys("routing"), ["logits", "entropy", "confidence"])["case"] == "undefined"
    text = first_finding(numbers)
    assert not comparison_macros(text) and "\\ref{tab:routing-datasets}" in text
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers, "routing")) == []


def test_one_router_has_no_pair_to_compare():
    numbers = with_comparison(filtered(bundled_numbers(), lambda key: key not in ("entropy", "confidence")))
    q = Quote(numbers)
    assert leading_router(q, q.keys("routing"), ["logits"])["case"] == "one router"
    assert not comparison_macros(first_finding(numbers)) and placeholders(printed(numbers, "routing")) == []


def test_the_comparisons_table_and_figure_are_shown_only_where_they_are_among_the_artifacts():
    numbers = with_comparison(bundled_numbers(), 0.001)
    absent, present = (sections(numbers, "CAPO", artifacts)["routing"]
                       for artifacts in ((), (COMPARISON_TABLE, COMPARISON_FIGURE)))
    assert "routing-comparison" not in absent  # no reference to a float that is not there
    assert "\\fittable{routing_comparison.tex}" in present and "\\label{tab:routing-comparison}" in present
    assert f"\\resultsdir/{COMPARISON_FIGURE}" in present and "\\label{fig:routing-comparison}" in present
    assert "\\ref{tab:routing-comparison}" in first_finding(numbers, (COMPARISON_TABLE, COMPARISON_FIGURE))


#: the routing findings, in their order (the held-out one only where a router has a baseline)
FINDINGS = ("leader", "verifier", "gap", "held-out")


def routing_finding(numbers: dict, which: str) -> str:
    return findings(sections(numbers, "CAPO"), "routing")[FINDINGS.index(which)]


def verifier_item(numbers: dict) -> str:
    return routing_finding(numbers, "verifier")


def break_even(dataset: str) -> str:
    return f"\\{macro_name(('routing', dataset, 'confidence', 'verifier_break_even_cost'))}{{}}"


@pytest.mark.parametrize("cost, case, paying, quoted", [
    (100.0, "none", [], "qasper_short"),  # none pays: the highest break-even cost
    (4.0, "some", ["qasper_short"], "qasper_short"),  # one pays (bundled: break-even 4.061)
    (2.0, "some", ["cnli_short", "coqa_short", "qasper_short"], "qasper_short"),  # several pay
])
def test_whether_self_verification_pays_for_its_verifier_on_none_one_or_several_datasets(cost, case, paying, quoted):
    """When it paid on no dataset the paper printed "it does not on X", the second half of a sentence
    without its first: each case now names the router as the subject of its verdict."""
    numbers = bundled_numbers()
    numbers["routing_config"]["verifier_cost"] = cost
    found = verifier_findings(Quote(numbers), list(numbers["routing"]))
    assert [(v["router"], v["case"], v["pays"], v["quoted"]) for v in found] == [("confidence", case, paying, quoted)]
    item = verifier_item(numbers)
    # the router is the subject of its verdict: named before any dataset; the datasets where it pays named
    named = [item.index(escape(d)) for d in numbers["routing"] if escape(d) in item]
    assert router_name("confidence") in item and item.index(router_name("confidence")) < min(named), item
    assert all(escape(d) in item for d in paying)
    assert break_even(quoted) in item and "\\RoutingConfigVerifierCost{}" in item
    assert placeholders(printed(numbers, "routing")) == []


@pytest.mark.parametrize("cost, case", [(100.0, "none"), (0.5, "all")])
def test_one_dataset_is_named_not_counted(cost, case):
    numbers = filtered(bundled_numbers(), lambda key: key not in ("cnli_short", "coqa_short", "narrative_qa_short"))
    numbers["routing_config"]["verifier_cost"] = cost
    assert verifier_findings(Quote(numbers), ["qasper_short"])[0]["case"] == case
    item = verifier_item(numbers)
    assert "qasper\\_short" in item and break_even("qasper_short") in item
    assert not [count for count in (every(1), any_of(1), which(["a", "b", "c", "d"], 1)) if count in item]
    text = printed(numbers, "routing")
    assert placeholders(text) == [] and "1 datasets" not in text


def test_all_datasets_paying_quote_the_lowest_break_even_cost():
    numbers = filtered(bundled_numbers(), lambda key: key != "narrative_qa_short")
    numbers["routing_config"]["verifier_cost"] = 0.5
    (found,) = verifier_findings(Quote(numbers), list(numbers["routing"]))
    costs = {d: numbers["routing"][d]["confidence"]["verifier_break_even_cost"] for d in numbers["routing"]}
    assert found["case"] == "all" and found["quoted"] == min(costs, key=costs.get)
    assert break_even(found["quoted"]) in verifier_item(numbers)


def test_without_a_router_that_pays_a_verifier_the_finding_says_so():
    numbers = bundled_numbers()
    for entry in numbers["routing"].values():
        entry["confidence"]["verifier_charge"] = 0.0
    assert verifier_findings(Quote(numbers), list(numbers["routing"])) == []
    item = verifier_item(numbers)
    assert not NUMBER.findall(item) and "routing.verifier\\_routers" in item


def test_undefined_break_even_costs_get_their_reason():
    numbers = bundled_numbers()
    numbers["routing_config"] |= {"slm_cost": 2.0, "llm_cost": 1.0}  # AutoMix's baseline is undefined
    for entry in numbers["routing"].values():
        for router in entry.values():
            if isinstance(router, dict):
                router.update({key: None for key in router if "automix" in key or "break_even" in key})
    (found,) = verifier_findings(Quote(numbers), list(numbers["routing"]))
    assert found["case"] == "undefined" and found["why"] == "costs"
    item = verifier_item(numbers)
    assert NUMBER.findall(item) == ["\\RoutingConfigVerifierCost{}"]  # no break-even cost: only the configured cost
    # the reason said is the costs, not the missing baseline of a large model no better than the small one
    baseline = json.loads(json.dumps(numbers))
    baseline["routing_config"] |= {"slm_cost": 1.0, "llm_cost": 2.0}
    assert verifier_findings(Quote(baseline), list(numbers["routing"]))[0]["why"] == "baseline"
    assert verifier_item(baseline) != item
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers, "routing")) == []
    table = sections(numbers, "CAPO")["routing"]
    assert f"$^{{a}}$ {NOTES['costs']}" in table


@pytest.mark.parametrize("values, case, quoted_", [
    ((20.0, 10.0), "all", "qasper_short"),  # where it holds somewhere: the weakest dataset
    ((-10.0, 20.0), "some", "cnli_short"),
    ((-20.0, -10.0), "none", "qasper_short"),  # where it holds nowhere: the strongest
    ((20.0, None), "all", "cnli_short"),  # and the other dataset without a held-out value, named
    ((None, None), "undefined", None)])
def test_whether_the_threshold_chosen_on_calibration_queries_holds_on_the_others(values, case, quoted_):
    numbers = filtered(bundled_numbers(), lambda key: key not in ("coqa_short", "narrative_qa_short"))
    for dataset, value in zip(("cnli_short", "qasper_short"), values):
        numbers["routing"][dataset]["entropy"]["heldout_delta_ibc_pct"] = value
        if value is None:
            numbers["routing"][dataset]["entropy"]["heldout_delta_ibc_std_pct"] = None
    found = heldout_finding(Quote(numbers), ["cnli_short", "qasper_short"], "entropy")
    assert found["case"] == case
    item = routing_finding(numbers, "held-out")
    assert router_name("entropy") in item
    if case == "undefined":
        assert not NUMBER.findall(item)
    else:
        assert found["quoted"] == quoted_
        assert ("qasper\\_short" in item) == (quoted_ == "qasper_short" or None in values or case == "some")
        held = macro_name(("routing", found["quoted"], "entropy", "heldout_delta_ibc_pct"))
        assert f"\\{held}{{}}" in item and f"\\{held.replace('Pct', 'StdPct')}{{}}" in item
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers, "routing")) == []


def test_a_held_out_value_from_a_single_split_has_no_spread():
    numbers = bundled_numbers()
    for entry in numbers["routing"].values():
        entry["entropy"]["heldout_delta_ibc_std_pct"] = None
    item = routing_finding(numbers, "held-out")
    assert "HeldoutDeltaIbcPct" in item and "StdPct" not in item and "\\pm" not in item  # a value without a spread
    assert not null_macros_quoted(numbers)


def named_in(text: str, datasets) -> list[str]:
    """The datasets a text names."""
    return [d for d in datasets if re.search(rf"(?<![\w\\]){re.escape(escape(d))}(?!\w)", text)]


def test_the_data_cannot_tell_where_intervals_contain_the_verdicts_boundary():
    numbers = with_comparison(bundled_numbers(), 0.5)
    last = findings(sections(numbers, "CAPO"), "routing")[-1]
    # every per-dataset APGR difference's interval contains 0; three break-even intervals contain the cost
    q = Quote(numbers)
    datasets = list(numbers["routing"])
    assert undecided_pairs(q, datasets, ["logits", "entropy", "confidence"]) == (12, 12)
    # the undecided comparisons of all, then the 95 % interval's level
    assert re.findall(r"\b\d+\b", NUMBER.sub("", last)) == ["12", "12", "95"]
    (verifier,) = verifier_findings(q, datasets)
    assert verifier["unsure"] == ["cnli_short", "coqa_short", "qasper_short"]
    assert named_in(last, datasets) == verifier["unsure"]
    numbers = bundled_numbers()
    for entry in numbers["routing"].values():
        entry["bootstrap_resamples_count"] = 0
        for router in entry.values():
            if isinstance(router, dict):
                router.update({key: None for key in router if "_ci_" in key})
    last = findings(sections(numbers, "CAPO"), "routing")[-1]
    assert "routing.bootstrap.resamples" in last and not NUMBER.findall(last)  # the setting that gives intervals
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers, "routing")) == []


def test_routing_without_a_baseline_or_without_resamples_says_why_instead_of_missing_markers():
    """A router dataset whose large model is no better filled its paragraph with 36 bold "[missing]";
    routing.bootstrap.resamples 0 did the same for every interval."""
    from test_routing import random_queries
    worse = random_queries(6)
    worse[["perf_slm", "perf_llm"]] = worse[["perf_llm", "perf_slm"]].to_numpy()
    numbers = {"routing": routing_case(worse, "worse", 20) | routing_case(random_queries(1), "plain", 0)}
    assert numbers["routing"]["worse"]["logits"]["apgr"] is None
    assert numbers["routing"]["plain"]["logits"]["best_delta_ibc_ci_low_pct"] is None
    text = sections(numbers, "CAPO")["routing"]
    used = quoted(numbers)
    assert {m for m in used if m.startswith("RoutingWorse")} == {"RoutingWorsePSlm", "RoutingWorsePLlm",
                                                                 "RoutingWorseBootstrapResamplesCount"}
    assert not {m for m in used if m.startswith("RoutingPlain") and "Ci" in m}
    tables = routing_tables(Quote(numbers), ["worse", "plain"])
    assert [(b["dataset"], b["no_baseline"], bool(b["rows"])) for b in tables[0]["blocks"]] == [
        ("worse", True, False), ("plain", False, True)]
    # the dataset without a baseline has its header (saying why) and no rows in both tables
    for table in re.findall(r"\\begin\{table\}.*?\\end\{table\}", text, flags=re.S)[:2]:
        header = next(line for line in table.splitlines() if "\\textit{worse}" in line)
        assert table.splitlines()[table.splitlines().index(header) + 1] == "\\addlinespace"
    # the other dataset has resamples: the metrics table is captioned as the bundled one, with intervals
    assert caption(text, "tab:routing-metrics") == caption(sections(bundled_numbers(), "CAPO")["routing"],
                                                           "tab:routing-metrics")
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers)) == []


def caption(text: str, label: str) -> str:
    """The caption of the float labelled ``label``."""
    return re.search(rf"\\caption\{{(.*)\}}\n\\label\{{{label}\}}", text).group(1)


def test_the_routing_section_defines_both_ibcs_after_its_findings():
    numbers = bundled_numbers()
    text = " ".join(sections(numbers, "CAPO")["routing"].split())
    definitions = text[text.index("\\end{itemize}"):]
    definitions = definitions[:definitions.index("\\begin{table}")]
    for quoted_ in ("\\RoutingConfigSlmCost{}", "\\RoutingConfigLlmCost{}", "\\RoutingConfigVerifierCost{}",
                    "\\RoutingConfigMinRoutedSharePct{}"):
        assert quoted_ in definitions
    # who pays a verifier, from the numbers: the self-verification router alone
    assert [name for name in ROUTER_NAMES.values() if name in definitions] == [router_name("confidence")]
    assert not null_macros_quoted(numbers)


def test_undefined_table_cells_get_a_note_saying_why_not_a_missing_marker():
    numbers = bundled_numbers()
    cnli = numbers["routing"]["cnli_short"]["confidence"]
    cnli["verifier_break_even_cost_ci_low"] = cnli["verifier_break_even_cost_ci_high"] = None
    cnli["heldout_delta_ibc_automix_pct"] = cnli["heldout_delta_ibc_automix_std_pct"] = None  # no split
    cnli["best_swept_delta_ibc_automix_pct"] = cnli["best_swept_automix_routed_share_pct"] = None
    numbers["routing"]["coqa_short"]["logits"]["heldout_delta_ibc_automix_std_pct"] = None  # one split
    text = sections(numbers, "CAPO")["routing"]
    assert not null_macros_quoted(numbers)
    for note in ("no bootstrap interval: no resample of the queries gave a value",
                 "no held-out value: no split of the queries gave one", "no swept threshold routes at least",
                 "not applicable: the oracle knows"):
        assert note in text, note
    assert "\\RoutingCoqaShortLogitsHeldoutDeltaIbcAutomixPct{} (one split)" in text


# --- the other sections' sentences: none, one and several, singular and plural ----------------

@pytest.mark.parametrize("timed, runs", [(0, 3), (1, 1), (2, 3), (3, 3)])
@pytest.mark.parametrize("raced", [0, 1, 2])
def test_wall_clock_and_racing_sentences_for_none_one_and_several(timed, runs, raced):
    optimizers = ["A", "B"][:max(raced, 1)]
    numbers = {"tokens": {"runs_count": {"A": runs}},
               "optimization": {"table_budget_millions": 5.0, "wall_clock_runs_count": timed,
                                "wall_clock_hours": 1.5 if timed else None,
                                "racing_saved_pct": {o: 40.0 for o in optimizers[:raced]},
                                "racing_tasks_count": {o: i + 1 for i, o in enumerate(optimizers[:raced])}}}
    text = sections(numbers, "A")["optimization"]
    assert ("\\OptimizationWallClockHours{}" in text) == (timed > 0)
    assert ("\\OptimizationWallClockRunsCount{}" in text) == (timed > 0)
    assert [o for o in "AB" if f"\\OptimizationRacingSavedPct{o}{{}}" in text] == optimizers[:raced]
    assert sentence_count(findings(sections(numbers, "A"), "optimization")[0]) <= 3
    assert placeholders(printed(numbers, "optimization")) == [] and not null_macros_quoted(numbers)


@pytest.mark.parametrize("scored", [1, 2, 3])
@pytest.mark.parametrize("common", [1, 2])
def test_the_scores_sentence_for_one_two_and_three_optimizers(scored, common):
    optimizers = ["A", "B", "C"][:scored]
    numbers = {"tokens": {"runs_count": {o: 3 for o in ["A", "B", "C"]}},
               "optimization": {"table_budget_millions": 5.0, "tasks_count": 2, "wall_clock_runs_count": 0,
                                "score_at_table_budget_tasks_count": common, "wall_clock_hours": None,
                                "score_at_table_budget_pct": {o: 50.0 + i for i, o in enumerate(optimizers)},
                                "score_at_table_budget_by_model_pct": {o: {"m": 50.0} for o in optimizers}}}
    first = findings(sections(numbers, "A"), "optimization")[0]
    assert all(f"\\OptimizationScoreAtTableBudgetPct{o}{{}}" in first for o in optimizers)
    assert ("\\OptimizationScoreAtTableBudgetTasksCount{}" in first) and sentence_count(first) <= 3
    unscored = [o for o in "ABC" if o not in optimizers]
    assert all(f" {o} " in " ".join(first.split()) + " " for o in unscored)  # named as without a score
    assert placeholders(printed(numbers, "optimization")) == [] and not null_macros_quoted(numbers)


def test_a_dataset_without_a_break_even_cost_is_not_counted_among_those_that_pay():
    numbers = filtered(bundled_numbers(), lambda key: key not in ("coqa_short", "narrative_qa_short"))
    numbers["routing_config"]["verifier_cost"] = 0.5
    cnli = numbers["routing"]["cnli_short"]["confidence"]
    cnli.update({key: None for key in cnli if "break_even" in key or "automix" in key})
    (found,) = verifier_findings(Quote(numbers), ["cnli_short", "qasper_short"])
    assert (found["case"], found["pays"], found["undefined"]) == ("all", ["qasper_short"], ["cnli_short"])
    item = verifier_item(numbers)
    assert "both" not in item and "all 2" not in item  # it pays on one of the two
    assert break_even("qasper_short") in item and "cnli\\_short" in item
    assert not null_macros_quoted(numbers) and placeholders(printed(numbers, "routing")) == []


def test_without_a_dataset_that_has_a_gap_no_finding_quotes_a_number_it_cannot_have():
    from test_routing import random_queries
    worse = random_queries(6)
    worse[["perf_slm", "perf_llm"]] = worse[["perf_llm", "perf_slm"]].to_numpy()
    numbers = {"routing": routing_case(worse, "worse", 20)}
    items = findings(sections(numbers, "CAPO"), "routing")
    assert 1 <= len(items) <= 5 and all(sentence_count(item) == 1 for item in items)
    assert not NUMBER.findall(" ".join(items))
    text = printed(numbers, "routing")
    assert "is the large model not better" not in text  # "on no dataset is the large model better"
    assert not null_macros_quoted(numbers) and placeholders(text) == []
