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
