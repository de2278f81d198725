"""Each rule's code inputs: the ``llmcost`` modules its entry script imports, transitively.

A rule lists, among its inputs, every module of ``scripts/llmcost/`` that its
script runs, so that editing one reruns exactly the jobs that use it. That list
is derived here from the code, never kept by hand: ``imported_modules`` reads
the script's import lines, then those of each module they name, until no new
module appears. Snakemake calls it while it reads the workflow (common.smk's
``code_of``), so it reads the import lines as text (about 1 ms for every rule
together) instead of parsing Python with ``ast`` (tens of ms, on every start).

It counts every import line of the package, also one inside a function (a
module imported only where it is needed is still code the job may run), in
each form the code uses: ``from llmcost.X import ...``, ``from .X import ...``,
``from . import X, Y as Z``, ``from llmcost import X`` and ``import llmcost.X``.
``tests/test_dependencies.py`` checks the result against Python's own parser
for every script. Standard library only: Snakemake imports this at parse time.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

#: the start of a line that may import one of the package's modules (stripped of indentation)
_STARTS = ("from .", "from llmcost", "import llmcost.")
#: ``from llmcost.X import ...`` or ``from .X import ...``: X; ``from llmcost import ...`` or
#: ``from . import ...``: the names after ``import``; ``import llmcost.X``: X
_LINE = re.compile(r"from\s+(?:llmcost)?\.(\w+)\s+import\b|from\s+(?:llmcost|\.)\s+import\s+\(?([^)#]*)"
                   r"|import\s+llmcost\.(\w+)")

#: the package's own module, run by every import of one of its modules
PACKAGE = "__init__"


def _import_statements(text: str):
    """Each import line of the package in ``text``, with the lines up to its ``)`` if it opens one."""
    lines = iter(text.splitlines())
    for line in lines:
        line = line.strip()
        if line.startswith(_STARTS):
            while "(" in line and ")" not in line:
                line += " " + next(lines, ")").strip()
            yield line


def direct_imports(text: str) -> set[str]:
    """The names of the package's modules that a file's text imports (each import line)."""
    names = set()
    for statement in _import_statements(text):
        found = _LINE.match(statement)
        if found is None:
            continue
        module, listed, imported = found.groups()
        if listed is not None:  # "X, Y as Z": X and Y
            names.update(item.split()[0] for item in listed.split(",") if item.split())
        else:
            names.add(module or imported)
    return names


@functools.lru_cache(maxsize=None)
def _imports_of(path: Path) -> frozenset[str]:
    return frozenset(direct_imports(path.read_text(encoding="utf-8")))


def imported_modules(script: str | Path, package: str | Path) -> list[str]:
    """The modules of ``package`` (the ``llmcost`` folder) that ``script`` imports, directly or
    through each other, with the package's ``__init__``, sorted; none if it imports none. A name
    with no file in the package (a function imported by ``from . import``) is not a module."""
    package = Path(package)
    found: set[str] = set()
    pending = [Path(script)]
    while pending:
        for name in _imports_of(pending.pop()):
            path = package / f"{name}.py"
            if name not in found and path.is_file():
                found.add(name)
                pending.append(path)
    return sorted(found | {PACKAGE}) if found else []
