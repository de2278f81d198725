"""Each rule's code inputs are the modules its script imports, transitively (llmcost/dependencies.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import REPO
from llmcost.dependencies import direct_imports, imported_modules

SCRIPTS = REPO / "scripts"
PACKAGE = SCRIPTS / "llmcost"


def _parsed_imports(path: Path) -> set[str]:
    """The package's modules a file imports, as Python's parser reads it (the oracle)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            inside = node.level == 1 or (node.level == 0 and (node.module or "").split(".")[0] == "llmcost")
            if not inside:
                continue
            module = node.module if node.level else (node.module or "").partition(".")[2]
            names |= {module} if module else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("llmcost.")}
    return {name for name in names if (PACKAGE / f"{name}.py").is_file()}


def _parsed_closure(script: Path) -> list[str]:
    found, pending = set(), [script]
    while pending:
        for name in _parsed_imports(pending.pop()) - found:
            found.add(name)
            pending.append(PACKAGE / f"{name}.py")
    return sorted(found | {"__init__"}) if found else []


@pytest.mark.parametrize("path", sorted([*SCRIPTS.glob("*.py"), *PACKAGE.glob("*.py")]), ids=lambda p: p.name)
def test_each_file_imports_what_pythons_parser_says(path):
    assert direct_imports(path.read_text(encoding="utf-8")) & {p.stem for p in PACKAGE.glob("*.py")} \
        == _parsed_imports(path)


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.py")), ids=lambda p: p.name)
def test_each_scripts_modules_are_its_imports_closed_over_the_package(script):
    assert imported_modules(script, PACKAGE) == _parsed_closure(script)


def _rules():
    """(rule name, its entry script, the script its code inputs are derived from) for every rule
    of the workflow that runs a script of scripts/."""
    rules = []
    for path in [REPO / "Snakefile", *sorted((REPO / "workflow/rules").glob("*.smk"))]:
        text = path.read_text(encoding="utf-8")
        for block in re.split(r"\n(?=rule )", text)[1:]:
            name = block.split()[1].rstrip(":")
            scripts = set(re.findall(r"scripts/(\w+\.py)", block))
            code = re.findall(r'code=code_of\("(\w+\.py)"\)', block) or \
                (["publish_artifacts.py"] if "code=PUBLISH_CODE" in block else [])
            rules.append((name, scripts, code))
    return rules


def test_every_rule_that_runs_a_script_takes_that_scripts_modules_as_inputs():
    rules = _rules()
    assert {"read_runs", "numbers", "token_summary", "token_figures", "publish", "paper"} <= {r[0] for r in rules}
    common = (REPO / "workflow/rules/common.smk").read_text(encoding="utf-8")
    assert 'PUBLISH_CODE = code_of("publish_artifacts.py")' in common
    for name, scripts, code in rules:
        if scripts:  # a rule without a script of its own (all) has no code inputs
            assert code == sorted(scripts), f"rule {name} runs {scripts} but derives its code inputs from {code}"


def test_the_modules_once_missing_from_the_hand_kept_lists_are_inputs():
    def modules(script):
        return imported_modules(SCRIPTS / script, PACKAGE)

    assert "ranges" in modules("token_summary.py") and "ranges" in modules("token_figures.py")
    assert {"discovery", "optimization", "optimizer_comparison"} <= set(modules("paper_numbers.py"))


def test_every_form_of_import_counts_and_a_name_that_is_no_module_does_not(tmp_path):
    package = tmp_path / "llmcost"
    package.mkdir()
    for name in ("__init__", "a", "b", "c", "d", "e", "f", "g", "unused"):
        (package / f"{name}.py").write_text("")
    (package / "a.py").write_text("from .b import thing\n\n\ndef later():\n    from .c import other\n")
    (package / "b.py").write_text("from . import (\n    d,\n    e as alias,  # a comment\n)\nfrom .a import x\n")
    (package / "d.py").write_text("from . import a_function_not_a_module\n")
    (package / "e.py").write_text("import llmcost.f as f\n# from .unused import nothing (a comment)\n")
    script = tmp_path / "entry.py"
    script.write_text('"""A rule\'s script."""\nfrom llmcost.a import run\nfrom llmcost import g\n')
    assert imported_modules(script, package) == ["__init__", "a", "b", "c", "d", "e", "f", "g"]
    (tmp_path / "plain.py").write_text("import os\nimport pandas\n")
    assert imported_modules(tmp_path / "plain.py", package) == []


def test_the_package_has_no_import_cycle():
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    imports = {name: direct_imports((PACKAGE / f"{name}.py").read_text(encoding="utf-8")) & modules
               for name in modules}
    done: set[str] = set()

    def visit(name: str, path: tuple) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path[path.index(name):], name))}"
        if name not in done:
            for imported in sorted(imports[name]):
                visit(imported, (*path, name))
            done.add(name)

    for name in sorted(modules):
        visit(name, ())
    assert imports["quantities"] == set()  # every module that prints a number may import it
