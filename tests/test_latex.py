"""Every table compiles inside a minimal document with pdflatex, whatever the names in it.

Without pdflatex these tests are skipped with the command to install it,
except under CI (CI=true), where a missing pdflatex fails them.
"""

import subprocess

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from llmcost import routing, routing_tables, tokens
from llmcost.steplogs import TOKEN_COLUMNS

TABLES = sorted((REPO / "results" / "tables").glob("*.tex"))
DOCUMENT = r"""\documentclass{article}
\usepackage{booktabs}
\usepackage{multirow}
\begin{document}
\input{%s}
\end{document}
"""


def compile_table(pdflatex, table_path, workdir) -> None:
    (workdir / "doc.tex").write_text(DOCUMENT % table_path.as_posix())
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                            cwd=workdir, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (workdir / "doc.pdf").stat().st_size > 0


def test_there_are_tables():
    assert {path.name for path in TABLES} >= {"token_fraction.tex", "token_usage.tex", "routing_ibc.tex"}


@pytest.mark.parametrize("table", TABLES, ids=[path.name for path in TABLES])
def test_table_compiles_with_pdflatex(pdflatex, table, tmp_path):
    compile_table(pdflatex, table, tmp_path)


#: Names that LaTeX would read as markup, or pandas as something other than text.
NASTY_NAMES = ["a^b", "x~y", "50%_#&$", "{b}", "c\\d", "007", "None", "<i>|"]


def nasty_token_summary() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"dataset": dataset, "model": model, "optimizer": "CAPO", "seed": seed, "run": "r",
             "steps": 3, **{column: int(rng.integers(1, 10**6)) for column in TOKEN_COLUMNS}}
            for dataset in NASTY_NAMES[:4] for model in NASTY_NAMES[4:] for seed in (1, 2)]
    summary = tokens.summarize(pd.DataFrame(rows))
    summary.loc[0, "frac_downstream_llm"] = np.nan  # a missing value: an en dash in text mode
    return summary


def test_token_tables_compile_for_any_name(pdflatex, tmp_path):
    summary = nasty_token_summary()
    for make in (tokens.token_fraction_table, tokens.token_usage_table):
        text = make(summary, "CAPO")
        assert r"a\textasciicircum{}b" in text and r"x\textasciitilde{}y" in text and "$--$" not in text
        (tmp_path / "table.tex").write_text(text)
        compile_table(pdflatex, tmp_path / "table.tex", tmp_path)


def test_routing_table_compiles_for_any_name_and_a_missing_baseline(pdflatex, tmp_path):
    from test_routing import random_queries, summary_of
    summaries = []
    for i, name in enumerate(NASTY_NAMES):
        frame = random_queries(i)
        if name == "None":  # the large model worse: a dash with a footnote
            frame[["perf_slm", "perf_llm"]] = frame[["perf_llm", "perf_slm"]].to_numpy()
        summaries.append(summary_of(frame, name)[0])
    text = routing_tables.routing_table(routing.combine_summaries(summaries))
    assert "$--$" not in text and r"50\%\_\#\&\$" in text
    (tmp_path / "table.tex").write_text(text)
    compile_table(pdflatex, tmp_path / "table.tex", tmp_path)


# --- footnotes of the token tables on hand-made summaries --------------------------------------

def hand_made_summary() -> pd.DataFrame:
    """Three datasets x two models of optimizer o: (e, n) has no run, (f, m) one seed, (f, n)
    two seeds, the others three; a run of another optimizer on (e, n) keeps that cell in the grid."""
    rows = []
    for dataset, model, seeds in [("d", "m", 3), ("d", "n", 3), ("e", "m", 3), ("f", "m", 1), ("f", "n", 2)]:
        rows += [{"dataset": dataset, "model": model, "optimizer": "o", "seed": seed, "run": "r", "steps": 1,
                  "input_tokens_meta_llm": 1_000_000 * seed, "output_tokens_meta_llm": 0,
                  "input_tokens_downstream_llm": 3_000_000, "output_tokens_downstream_llm": 0}
                 for seed in range(1, seeds + 1)]
    rows.append({**rows[0], "dataset": "e", "model": "n", "optimizer": "other"})
    return tokens.summarize(pd.DataFrame(rows))


def test_fraction_table_footnotes_a_missing_cell_and_partial_means(pdflatex, tmp_path):
    text = tokens.token_fraction_table(hand_made_summary(), "o")
    assert r"e & 60.0 & --\textsuperscript{a} & 60.0 (1/2) \\" in text
    assert r"Mean & 65.0 & 63.3 (2/3) & 64.3 (5/6) \\" in text
    assert "$^{a}$ no run of o on this dataset and model" in text
    assert "(k/N): the mean over the k of N cells that have a value" in text
    (tmp_path / "table.tex").write_text(text)
    compile_table(pdflatex, tmp_path / "table.tex", tmp_path)


def test_usage_table_footnotes_missing_single_seed_and_fewer_seed_cells(pdflatex, tmp_path):
    text = tokens.token_usage_table(hand_made_summary(), "o")
    assert r" & n & --\textsuperscript{a} & --\textsuperscript{a}" in text  # (e, n): no run of o
    assert r" & m & $1.000$\textsuperscript{b} & $0.000$\textsuperscript{b}" in text  # (f, m): one seed
    assert r" & n & $1.500 \pm 0.707$\textsuperscript{c}" in text  # (f, n): two of three seeds
    assert r"\multirow[t]{2}{*}{d} & m & $2.000 \pm 1.000$ & " in text  # three seeds: no mark
    for note in ("$^{a}$ no run of o on this dataset and model", "$^{b}$ one seed: no standard deviation",
                 "$^{c}$ over fewer seeds (2) than the table's other cells (up to 3)"):
        assert note in text
    (tmp_path / "table.tex").write_text(text)
    compile_table(pdflatex, tmp_path / "table.tex", tmp_path)


def test_token_tables_without_such_cells_have_no_notes():
    summary = hand_made_summary().query("dataset == 'd' and optimizer == 'o'")
    for make in (tokens.token_fraction_table, tokens.token_usage_table):
        assert r"\multicolumn" not in make(summary, "o") and "(k/N)" not in make(summary, "o")


def test_html_copies_show_the_same_cells_and_notes():
    from llmcost.report_html import HTML, table_page
    fraction = table_page("t", *tokens.token_fraction_cells(hand_made_summary(), "o", HTML))
    usage = table_page("t", *tokens.token_usage_cells(hand_made_summary(), "o", HTML))
    assert "–<sup>a</sup>" in fraction and "64.3 (5/6)" in fraction and "(k/N)" in fraction
    assert "1.000<sup>b</sup>" in usage and "1.500 ± 0.707<sup>c</sup>" in usage
    assert "\\" not in fraction + usage and "$" not in fraction + usage
