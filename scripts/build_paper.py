"""Build the paper from the published artifacts: its sections' text, pdflatex twice, its log checked.

    python scripts/build_paper.py paper/main.tex results CAPO paper/main.pdf .build/results/paper

The third argument is the config's tokens.table_optimizer (the token tables'
optimizer, named in their captions); the fourth, the PDF (the rule's one
output); the fifth, the paper's build area. Everything but the PDF is made in
the build area, which this script empties first: a copy of the document, each
section's text in ``generated/`` from ``numbers.json`` (llmcost/paper.py), the
links to figures, LaTeX's own files. The PDF is then copied to its place, and
nothing else is written there: a user's own ``paper/main.tex`` or
``paper/generated/`` beside it is never read or touched.

The PDF replaces only a file this script made. It records the SHA-256 of each
PDF it writes (``RECORD``, in the build areas' folder), and a PDF at that path
that is not recorded (a user's own, or one changed since) stops the build with
one line naming it, before anything is written: the manifest rule publishing
follows. The document reads the artifacts through ``\\resultsdir`` (defined
here as the output folder, relative to the build area). Exits 1 naming the
problem when pdflatex is missing (with the command to install it), on a LaTeX
error, an undefined reference or an undefined control sequence: a paper that
quotes a number the pipeline no longer makes does not build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from llmcost.outputs import atomic_path
from llmcost.paper import GENERATED, links, sections
from llmcost.publish import BUILD_ROOT

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


#: The PDFs the paper build wrote, one line each: SHA-256, two spaces, path from the working directory
#: (as sha256sum prints them). One record for every output folder's build: they share the PDF's path.
RECORD = Path(BUILD_ROOT) / "papers-made"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def made_here(pdf: Path) -> bool:
    """Whether ``pdf`` is absent or is, byte for byte, a PDF this script wrote there."""
    if not pdf.exists():
        return True
    try:
        lines = RECORD.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    return f"{digest(pdf)}  {os.path.normpath(pdf)}" in lines


def refusal(pdf: Path) -> str | None:
    """The one line that stops the build when ``pdf`` exists and this script did not make it."""
    if made_here(pdf):
        return None
    return (f"{pdf} exists and the paper build did not make it (it has no record of that file in {RECORD}), so it "
            f"is not replaced: move it away (or delete it, if it is an earlier build of this paper whose record "
            f"went with {BUILD_ROOT}/), then build again.")


def record(pdf: Path) -> None:
    """Add ``pdf``'s digest to ``RECORD`` (earlier lines for that path dropped)."""
    path = os.path.normpath(pdf)
    try:
        kept = [line for line in RECORD.read_text(encoding="utf-8").splitlines() if not line.endswith(f"  {path}")]
    except OSError:
        kept = []
    with atomic_path(RECORD) as tmp:
        tmp.write_text("".join(f"{line}\n" for line in [*kept, f"{digest(pdf)}  {path}"]), encoding="utf-8")


def fresh_area(template: Path, area: Path) -> Path:
    """The build area emptied, with a copy of the document in it: the document to build."""
    shutil.rmtree(area, ignore_errors=True)
    area.mkdir(parents=True)
    document = area / template.name
    shutil.copyfile(template, document)
    return document


def refuse(message: str) -> int:
    """Stop with ``message``: the log's ERROR line (stdout), and the terminal's (stderr)."""
    print(f"ERROR: {message}")
    print(f"[paper] ERROR: {message}", file=sys.stderr)
    return 1


def main() -> int:
    template, results, table_optimizer = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    pdf, area = Path(sys.argv[4]), Path(sys.argv[5])
    stop = refusal(pdf)
    if stop:
        return refuse(stop)
    document = fresh_area(template, area)
    write_sections(document, results, table_optimizer)
    problems = build(document, results)
    if problems:
        print(f"paper: {template} does not build cleanly from {results}/ (in {area}/):")
        for line in problems:
            print(f"  {line}")
        return 1
    with atomic_path(pdf) as tmp:
        shutil.copyfile(document.with_suffix(".pdf"), tmp)
    record(pdf)
    unset = no_font_count(document)
    if unset:
        print(f"paper: WARNING: characters of names that pdflatex's Latin-script setup has no font for "
              f"print as a boxed ? in {unset} places (the artifacts keep the names verbatim).")
    print(f"paper: {pdf} built from {results}/ (in {area}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
