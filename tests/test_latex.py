"""Every results/tables/*.tex compiles inside a minimal document with pdflatex.

.ci/run installs pdflatex (Debian's texlive packages), so CI always runs this;
on a machine without it the test fails with what to install, never skips.
"""

import shutil
import subprocess

import pytest
from conftest import REPO

TABLES = sorted((REPO / "results" / "tables").glob("*.tex"))
DOCUMENT = r"""\documentclass{article}
\usepackage{booktabs}
\usepackage{multirow}
\begin{document}
\input{%s}
\end{document}
"""


def test_there_are_tables():
    assert {path.name for path in TABLES} >= {"token_fraction.tex", "token_usage.tex", "routing_ibc.tex"}


@pytest.mark.parametrize("table", TABLES, ids=[path.name for path in TABLES])
def test_table_compiles_with_pdflatex(table, tmp_path):
    pdflatex = shutil.which("pdflatex")
    assert pdflatex, ("pdflatex is not installed: apt-get install --no-install-recommends "
                      "texlive-latex-base texlive-latex-recommended texlive-latex-extra")
    (tmp_path / "doc.tex").write_text(DOCUMENT % table.as_posix())
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
