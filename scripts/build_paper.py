"""Build the paper from the published artifacts: its sections' text, pdflatex twice, its log checked.

    python scripts/build_paper.py paper/main.tex results CAPO [paper/main.pdf]

The third argument is the config's tokens.table_optimizer (the token tables'
optimizer, named in their captions); the fourth, where the PDF goes (default:
beside the document). The paper is built in the PDF's folder: a document
elsewhere (the workflow's own paper/main.tex, run from another working
directory) is copied there first. Each section's text is written into
``generated/`` beside the document from ``numbers.json`` (llmcost/paper.py).
The document reads the artifacts through ``\\resultsdir`` (defined here as the
output folder, relative to the document). Exits 1 naming the problem when
pdflatex is missing (with the command to install it), on a LaTeX error, an
undefined reference or an undefined control sequence: a paper that quotes a
number the pipeline no longer makes does not build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from llmcost.paper import GENERATED, links, sections

INSTALL = ("sudo apt-get install --no-install-recommends texlive-latex-base "
           "texlive-latex-recommended texlive-latex-extra")
#: Lines of a LaTeX log that mean the PDF is not what the source says.
PROBLEMS = re.compile(r"^!|Undefined control sequence|Reference `[^']*' on page \d+ undefined|"
                      r"There were undefined references|Citation `[^']*' .*undefined")


def write_sections(document: Path, results: Path, table_optimizer: str) -> None:
    """Each section's text from the numbers present, and links to figures whose paths TeX cannot take."""
    numbers = json.loads((results / "numbers.json").read_text(encoding="utf-8"))
    folder = document.parent / GENERATED
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    artifacts = [path.relative_to(results).as_posix() for path in results.rglob("*") if path.is_file()]
    for name, text in sections(numbers, table_optimizer, artifacts).items():
        (folder / f"{name}.tex").write_text(text, encoding="utf-8")
    for link, artifact in links(numbers).items():
        (document.parent / link).symlink_to((results / artifact).resolve())


def build(document: Path, results: Path) -> list[str]:
    """Run pdflatex twice (references settle on the second pass); the log's problems."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        return [f"pdflatex is not installed, so the paper cannot be built. Install TeX: {INSTALL}"]
    folder = document.parent
    relative = Path(os.path.relpath(results, folder)).as_posix()
    for _ in range(2):
        run = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", f"-jobname={document.stem}",
             rf"\def\resultsdir{{{relative}}}\input{{{document.name}}}"],
            cwd=folder, capture_output=True, text=True, errors="replace")
        if run.returncode != 0:
            break
    log = (folder / f"{document.stem}.log").read_text(errors="replace").splitlines()
    problems = [line for line in log if PROBLEMS.search(line)]
    if run.returncode != 0 and not problems:
        problems = [f"pdflatex exited with {run.returncode}; the end of its log:", *log[-15:]]
    return problems


def no_font_count(document: Path) -> int:
    """How many characters the last pass printed as a boxed ? (main.tex's fallback)."""
    log = document.with_suffix(".log").read_text(errors="replace")
    return log.count("paper: a character without a font")


def build_copy(document: Path, pdf: Path) -> Path:
    """The document to build for ``pdf``: itself when beside it, else its copy there."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    target = pdf.with_suffix(".tex")
    if not (target.exists() and target.samefile(document)):
        shutil.copyfile(document, target)
    return target


def main() -> int:
    document, results, table_optimizer = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    if len(sys.argv) > 4:
        document = build_copy(document, Path(sys.argv[4]))
    write_sections(document, results, table_optimizer)
    problems = build(document, results)
    if problems:
        print(f"paper: {document} does not build cleanly from {results}/:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    unset = no_font_count(document)
    if unset:
        print(f"paper: WARNING: characters of names that pdflatex's Latin-script setup has no font for "
              f"print as a boxed ? in {unset} places (the artifacts keep the names verbatim).",
              file=sys.stderr)
    print(f"paper: {document.with_suffix('.pdf')} built from {results}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
