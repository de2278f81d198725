"""The paper's numbers: one naming rule from keys to macros, every macro quoted, a paper that builds."""

import json
import re
import subprocess

import pytest
from conftest import REPO, snakemake

from llmcost.errors import InputError
from llmcost.numbers import macro_name, numbers_tex

MACRO = re.compile(r"\\newcommand\{\\([A-Za-z]+)\}")


def test_a_macro_name_is_the_key_path_with_digits_spelled_and_separators_stripped():
    assert macro_name(("routing", "cnli_short", "logits", "cpt_50_pct")) == "RoutingCnliShortLogitsCptFiveZeroPct"
    assert macro_name(("tokens", "downstream_share_by_dataset_pct", "CAPO", "sst-5")) == \
        "TokensDownstreamShareByDatasetPctCAPOSstFive"
    assert macro_name(("tokens", "x", "007")) == "TokensXZeroZeroSeven"


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


def test_the_paper_quotes_every_macro_and_only_defined_ones():
    defined = set(MACRO.findall((REPO / "results/numbers.tex").read_text()))
    tex = (REPO / "paper/main.tex").read_text()
    used = set(re.findall(r"\\((?:Tokens|Optimization|Routing)[A-Za-z]+)", tex))
    assert defined - used == set(), "macros the paper never quotes"
    assert used - defined == set(), "macros the paper quotes that numbers.tex does not define"


def pdf_text(workdir, pdftotext):
    return subprocess.run([pdftotext, str(workdir / "paper/main.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_paper_builds_and_follows_a_changed_number(rerun_copy, pdflatex, pdftotext):
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf")
    text = pdf_text(rerun_copy, pdftotext)
    assert "consumes 96.6 % of the input tokens under CAPO" in text
    before = re.search(r"reach a test score of ([\d.]+) %", text).group(1)
    assert before == "79.7"
    # another table budget changes the quoted score; rerunning the target rebuilds the PDF
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf", "--config", "optimization={'table_budget': 3000000}")
    after = re.search(r"reach a test score of ([\d.]+) %", pdf_text(rerun_copy, pdftotext)).group(1)
    assert after == "79.2"  # CAPO's mean over cells at 3e6 tokens (79.22), in scores.csv
    log = (rerun_copy / "logs/results/paper.log").read_text()
    assert "built from results/" in log
