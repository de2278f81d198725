"""The paper's numbers: one naming rule from keys to macros, every macro quoted by the sections generated
from the numbers present, a paper that builds."""

import json
import re
import subprocess

import pandas as pd
import pytest
from conftest import FEW_RESAMPLES, REPO, snakemake

from llmcost.errors import InputError
from llmcost.numbers import (comparison_numbers, leaves, macro_name, numbers_tex, optimization_numbers,
                             routing_numbers)
from llmcost.optimizer_comparison import optimizer_comparison
from llmcost.paper import SECTIONS, sections

MACRO = re.compile(r"\\newcommand\{\\([A-Za-z]+)\}")


def test_a_macro_name_is_the_key_path_with_digits_spelled_and_separators_stripped():
    assert macro_name(("routing", "cnli_short", "logits", "cpt_50_pct")) == "RoutingCnliShortLogitsCptFiveZeroPct"
    assert macro_name(("tokens", "downstream_share_by_dataset_pct", "CAPO", "sst-5")) == \
        "TokensDownstreamShareByDatasetPctCAPOSstFive"
    assert macro_name(("tokens", "x", "007")) == "TokensXZeroZeroSeven"


def test_names_in_other_scripts_get_distinct_macros_that_do_not_change_when_names_are_added():
    names = ["Новости", "Погода", "新闻", "体育", "ニュース", "スポーツ", "Ελληνικά", "Αθλητικά", "café", "cafe"]
    numbers = {"tokens": {"share_pct": {name: 1.0 for name in names}}}
    defined = MACRO.findall(numbers_tex(numbers))
    assert len(defined) == len(set(defined)) == len(names)
    assert all(name.isascii() and name.isalpha() for name in defined)
    assert macro_name(("tokens", "café")) == "TokensCafe" + macro_name(("café",))[4:]
    alone = macro_name(("tokens", "share_pct", "Новости"))
    assert alone in defined and MACRO.findall(numbers_tex({"tokens": {"share_pct": {"Новости": 1.0}}})) == [alone]


def test_names_that_collide_are_an_error_naming_both_keys():
    with pytest.raises(InputError, match=r"keys tokens\.share_pct\.sst-5 and tokens\.share_pct\.sst_5 both give "
                                         r"the macro \\TokensSharePctSstFive"):
        numbers_tex({"tokens": {"share_pct": {"sst-5": 1.0, "sst_5": 2.0}}})


def test_values_are_formatted_by_their_unit_and_a_missing_one_is_a_visible_marker():
    text = numbers_tex({"a": {"share_pct": {"x": 96.61364}, "hours": None, "gap": -0.12345,
                              "runs_count": 45, "size_millions": 5.0}})
    assert r"\newcommand{\ASharePctX}{96.6}" in text
    assert r"\newcommand{\AHours}{\NumberMissing}" in text and r"\providecommand{\NumberMissing}" in text
    assert r"\newcommand{\AGap}{\ensuremath{-}0.123}" in text
    assert r"\newcommand{\ARunsCount}{45}" in text and r"\newcommand{\ASizeMillions}{5.00}" in text


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


def not_yet_quoted(numbers: dict) -> set[str]:
    """The macros of numbers.json's ``routing_comparison`` section: the paper's routing section will
    quote them (its findings); until it does, they are left out of the checks that it quotes every macro."""
    return {macro_name(("routing_comparison", *path))
            for path, _ in leaves(numbers.get("routing_comparison", {}))}


def test_the_paper_quotes_every_macro_and_only_defined_ones():
    defined = set(MACRO.findall((REPO / "results/numbers.tex").read_text()))
    defined -= not_yet_quoted(json.loads((REPO / "results/numbers.json").read_text()))
    used = quoted(json.loads((REPO / "results/numbers.json").read_text()))
    assert defined - used == set(), "macros the paper never quotes"
    assert used - defined == set(), "macros the paper quotes that numbers.tex does not define"
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
    defined = set(MACRO.findall(numbers_tex(numbers))) - not_yet_quoted(numbers)
    assert quoted(numbers) == defined
    text = "".join(sections(numbers, "CAPO").values())
    assert "EvoPromptGA" not in text and "coqa" not in text and r"\NumberMissing" not in text
    assert "Figures~\\ref{fig:routing-1}--\\ref{fig:routing-3} show" in text


def test_a_number_the_text_needs_but_numbers_json_lacks_prints_the_missing_marker():
    bundled = json.loads((REPO / "results/numbers.json").read_text())
    del bundled["tokens"]["runs_count"]["CAPO"]  # e.g. a numbers.json made by an older pipeline
    bundled["optimization"]["racing_saved_pct"] = {}  # no racing log at all
    bundled["optimization"]["wall_clock_hours"] = None
    text = "".join(sections(bundled, "CAPO").values())
    assert "Across the \\NumberMissing{} CAPO runs" in text
    assert "No run has a racing log" in text and "\\OptimizationRacingSaved" not in text
    assert "took\n\\OptimizationWallClockHours{} hours" in text  # null: its macro prints [missing]


def test_datasets_of_other_optimizers_and_models_are_named_where_they_differ():
    numbers = {"tokens": {"downstream_share_pct": {"A": 90.0, "B": 80.0},
                          "downstream_share_by_dataset_pct": {"A": {"x": 1.0, "y": 2.0}, "B": {"y": 3.0}},
                          "runs_count": {"A": 2, "B": 1}},
               "optimization": {"score_at_table_budget_pct": {"A": 50.0},
                                "score_at_table_budget_by_model_pct": {"A": {"m": 50.0}}}}
    text = "".join(sections(numbers, "A").values())
    assert "under B it is \\TokensDownstreamShareByDatasetPctBY{}\\,\\% on y" in text
    assert "A averages\n\\OptimizationScoreAtTableBudgetByModelPctAM{}\\,\\% with m" in text
    assert set(re.findall(r"\\((?:Tokens|Optimization)[A-Za-z]+)", text)) <= set(MACRO.findall(numbers_tex(numbers)))


def pdf_text(workdir, pdftotext):
    return subprocess.run([pdftotext, str(workdir / "paper/main.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_paper_builds_and_follows_a_changed_number(rerun_copy, pdflatex, pdftotext):
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf")
    text = " ".join(pdf_text(rerun_copy, pdftotext).split())
    assert "consumes 96.6 % of the input tokens under CAPO" in text
    before = re.search(r"reach a test score of ([\d.]+) %", text).group(1)
    assert before == "79.7"
    # another table budget changes the quoted score; rerunning the target rebuilds the PDF
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf", "--config", "optimization={'table_budget': 3000000}")
    after = re.search(r"reach a test score of ([\d.]+) %", " ".join(pdf_text(rerun_copy, pdftotext).split())).group(1)
    assert after == "79.2"  # CAPO's mean over cells at 3e6 tokens (79.22), in scores.csv
    log = (rerun_copy / "logs/results/paper.log").read_text()
    assert "built from results/" in log
    routing = " ".join(text.split())
    assert "Definitions. A router keeps the small model's answer" in routing.replace("’", "'")
    assert "it pays for its verifier on qasper short (break-even cost 4.061)" in routing
    assert "[missing]" not in routing


def test_the_paper_of_a_filtered_config_builds(rerun_copy, pdflatex, pdftotext):
    """One token dataset, one router dataset (with few resamples: no assertion reads an interval)."""
    routing = dict(FEW_RESAMPLES, datasets=["cnli_short"])
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf", "--config", 'tokens={"datasets": ["agnews"]}',
              "output=agnews_only", f"routing={routing!r}")
    text = " ".join(pdf_text(rerun_copy, pdftotext).split())
    numbers = json.loads((rerun_copy / "agnews_only/numbers.json").read_text())
    share = numbers["tokens"]["downstream_share_pct"]["CAPO"]
    assert f"consumes {share:.1f} % of the input tokens under CAPO" in text
    assert "on agnews" in text and "on copa" not in text and "[missing]" not in text
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
              "tasks_count": {"CAPO": 2, "EvoPromptGA": 1}}
    text = printed({"tokens": tokens, "optimization": numbers})
    text = text[:text.index("A CAPO run uses")] + text[text.index("At a budget"):]  # the tokens per run: not given
    assert ("CAPO's best-train prompts reach a test score of 94.8 %, EvoPromptGA's 83.2 %, averaged over the 1 "
            "dataset and model where both have a score (of 2; Table \\ref{tab:optimizer-scores}, Figure") in text
    assert ("Across the 2 CAPO runs on 2 datasets and models (of 2) and the 1 EvoPromptGA run on 1 (each "
            "optimizer's numbers below average over the datasets and models it ran on)") in text
    assert "No run records its steps' time" in text
    assert placeholders(text) == []


def test_optimizers_without_a_common_dataset_or_without_scores_are_not_averaged_side_by_side():
    apart = optimization_numbers(SUMMARY, scores_rows([("a", "m", "CAPO", 90.0), ("b", "m", "EvoPromptGA", 80.0)]), 5e6)
    assert apart["score_at_table_budget_pct"] == {"CAPO": None, "EvoPromptGA": None}
    text = printed({"optimization": apart})
    assert "no dataset and model has a test score from each of CAPO and EvoPromptGA" in text
    unscored = optimization_numbers(SUMMARY, scores_rows([("a", "m", "CAPO", 90.0), ("a", "m", "EvoPromptGA",
                                                                                   float("nan"))]), 5e6)
    assert unscored["score_at_table_budget_pct"] == {"CAPO": 90.0}
    text = printed({"tokens": {"runs_count": {"CAPO": 3, "EvoPromptGA": 3}}, "optimization": unscored}, "optimization")
    assert "averaged over the 1 dataset and model where it has a score (the only one;" in text
    assert "Figure \\ref{fig:score-vs-tokens}). EvoPromptGA has no test score from a step below the budget." in text
    none = optimization_numbers(SUMMARY, scores_rows([("a", "m", "CAPO", float("nan"))]), 5e6)
    assert "no run has a test score from a step below the budget" in printed({"optimization": none})
    for numbers in (apart, unscored, none):
        assert placeholders(printed({"optimization": numbers})) == []


def test_a_pair_on_one_task_with_one_run_a_side_reads_too_few_runs_in_the_singular():
    """Issue 26: "Across the 1 datasets and models" and the verdict "worse" from one run a side."""
    runs = pd.DataFrame({"dataset": "agnews", "model": "llama", "optimizer": ["CAPO", "EvoPromptGA"], "seed": 42,
                         "test_score_pct_at_5000000": [88.5, 88.6]})
    comparison = comparison_numbers(optimizer_comparison(runs, [5e6], 200, 0, 200), 5e6)
    text = printed({"optimization": {"comparison": comparison}})
    text = text[text.index("On the"):]
    assert "On the 1 dataset and model both have, a CAPO run scores above an EvoPromptGA run" in text
    assert "gives a p-value of 1.0000" in text
    assert ("The verdict for CAPO against EvoPromptGA is ``too few runs'': with these run counts, even runs "
            "completely separated on every task could not give a p-value of at most 0.05") in text
    assert placeholders(text) == []
    apart = comparison_numbers(optimizer_comparison(runs.assign(dataset=["a", "b"]), [5e6], 200, 0, 200), 5e6)
    text = printed({"optimization": {"comparison": apart}})
    text = text[text.index("CAPO and"):]
    assert "CAPO and EvoPromptGA have no dataset and model where both have a run with a test score" in text
    assert placeholders(text) == []


def routing_case(frame: pd.DataFrame, name: str, resamples: int) -> dict:
    """numbers.json's routing part for one dataset, made as the pipeline makes it."""
    from test_routing import summary_of

    from llmcost.outputs import to_jsonable
    from llmcost.routing_resampling import dataset_metrics
    summary, _ = summary_of(frame, name)
    metrics = to_jsonable(dataset_metrics(frame, 0.05, {"splits": 3}, {"resamples": resamples, "seed": 0}))
    return routing_numbers({name: summary}, {name: metrics})


def test_routing_without_a_baseline_or_without_resamples_says_why_instead_of_missing_markers():
    """Issue 26: a router dataset whose large model is no better filled its paragraph with 36 bold
    "[missing]"; routing.bootstrap.resamples 0 did the same for every interval."""
    from test_routing import random_queries
    worse = random_queries(6)
    worse[["perf_slm", "perf_llm"]] = worse[["perf_llm", "perf_slm"]].to_numpy()
    numbers = {"routing": routing_case(worse, "worse", 20) | routing_case(random_queries(1), "plain", 0)}
    assert numbers["routing"]["worse"]["logits"]["apgr"] is None
    assert numbers["routing"]["plain"]["logits"]["best_delta_ibc_ci_low_pct"] is None
    text = printed(numbers)
    assert "The large model is not better by more than one query's swing, so the benefit per cost" in text
    assert "With 0 bootstrap resamples (routing.bootstrap.resamples) it has no intervals." in text
    assert "at 5.0 % routed, its APGR" in text  # the oracle: no interval, said once for the dataset
    assert "Routing metrics (no bootstrap resamples) and held-out" not in text  # the other dataset has them
    assert placeholders(text) == []


# --- the routing section: both IBC definitions, and whether self-verification pays -------------

def bundled_numbers() -> dict:
    return json.loads((REPO / "results/numbers.json").read_text())


def null_macros_quoted(numbers: dict) -> set[str]:
    """The macros the sections quote whose value is null (they would print [missing])."""
    null = {macro_name(path) for path, value in leaves(numbers) if value is None}
    return null & quoted(numbers)


def test_the_routing_section_defines_both_ibcs_and_says_from_the_data_whether_self_verification_pays():
    numbers = bundled_numbers()
    text = " ".join(sections(numbers, "CAPO")["routing"].split())
    assert text.index("\\paragraph{Definitions.}") < text.index("\\paragraph{cnli\\_short.}")
    for phrase in ("The notebook's $\\Delta_\\mathrm{IBC} = 100\\,(\\mathrm{PGR} / s - 1)$",
                   "The verifier is on both ends and cancels: no router is charged for it.",
                   "pays $v_r = c_V$ (here the self-verification router)",
                   "APGR (RouteLLM)", "CPT$_{50}$ (RouteLLM)", "AIQ (RouterBench)",
                   "verifier $c_V = \\RoutingConfigVerifierCost{}$"):
        assert phrase in text, phrase
    # at the configured cost (4) self-verification breaks even only on qasper (4.061 >= 4)
    assert ("it pays for its verifier on qasper\\_short (break-even cost "
            "\\RoutingQasperShortConfidenceVerifierBreakEvenCost{})") in text
    assert "it does not on cnli\\_short (break-even cost" in text
    # each dataset paragraph states both best delta_IBCs
    for dataset in ("CnliShort", "CoqaShort", "NarrativeQaShort", "QasperShort"):
        assert f"\\Routing{dataset}ConfidenceBestDeltaIbcPct{{}}" in text
        assert f"\\Routing{dataset}ConfidenceBestDeltaIbcAutomixPct{{}}" in text
    # narrative_qa: break-even below 0, but its interval reaches above 0: said as the estimate only
    assert ("and at its estimate not even a free verifier would (though its interval reaches above 0)"
            in " ".join(text.split()))
    assert "not even a free verifier would make it pay" not in text
    assert text.count("the break-even cost's 95\\,\\% interval contains that cost, so the data cannot tell") == 3
    assert not null_macros_quoted(numbers)


def test_the_verdict_follows_the_configured_verifier_cost():
    numbers = bundled_numbers()
    numbers["routing_config"]["verifier_cost"] = 2.0  # below the break-even costs of cnli, coqa, qasper
    text = " ".join(sections(numbers, "CAPO")["routing"].split())
    assert "it pays for its verifier on cnli\\_short (break-even cost" in text
    assert "coqa\\_short (break-even cost \\RoutingCoqaShortConfidenceVerifierBreakEvenCost{}) and qasper" in text
    assert "it does not on narrative\\_qa\\_short" in text


def test_undefined_automix_numbers_get_a_sentence_saying_why_not_a_missing_marker():
    numbers = bundled_numbers()
    cnli = numbers["routing"]["cnli_short"]["confidence"]
    cnli["verifier_break_even_cost_ci_low"] = cnli["verifier_break_even_cost_ci_high"] = None  # no resamples
    cnli["best_delta_ibc_automix_ci_low_pct"] = cnli["best_delta_ibc_automix_ci_high_pct"] = None
    cnli["heldout_delta_ibc_automix_pct"] = cnli["heldout_delta_ibc_automix_std_pct"] = None  # no split
    cnli["best_swept_delta_ibc_automix_pct"] = cnli["best_swept_automix_routed_share_pct"] = None
    coqa = numbers["routing"]["coqa_short"]["logits"]
    coqa["heldout_delta_ibc_automix_std_pct"] = None  # a single split gave a value
    numbers["routing_config"] |= {"slm_cost": 2.0, "llm_cost": 1.0}  # AutoMix's baseline is undefined
    for router, entry in numbers["routing"]["qasper_short"].items():
        if isinstance(entry, dict):
            entry.update({key: None for key in entry if "automix" in key or "break_even" in key})
    text = " ".join(sections(numbers, "CAPO")["routing"].split())
    assert not null_macros_quoted(numbers)
    assert "no bootstrap interval: no resample gave a value" in text
    assert "no held-out value: no split gave one" in text
    assert "no swept threshold routes enough queries for one" in text
    assert "\\RoutingCoqaShortLogitsHeldoutDeltaIbcAutomixPct{}\\,\\% from a single split" in text
    assert "is undefined: the large model costs no more than the small one here" in text
    assert "on qasper\\_short it has no break-even cost: the large model costs no more" in text
