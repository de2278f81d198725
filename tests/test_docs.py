"""The user's manual: the README's first screen, its links into docs/, and the files
research software carries (a license, a citation)."""

import re
import subprocess

import yaml
from conftest import REPO

README = (REPO / "README.md").read_text()


def test_the_first_screen_gives_the_two_commands_and_where_the_results_are():
    first_screen = "\n".join(README.splitlines()[:40])
    assert "make        #" in first_screen and "make test   #" in first_screen
    assert "results/" in first_screen and "make report" in first_screen


def test_every_link_of_the_readme_and_the_docs_resolves():
    documents = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for document in documents:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", document.read_text()):
            if "://" in target:
                continue
            assert (document.parent / target).exists(), f"{document.name} links to missing {target}"
    linked = set(re.findall(r"\]\(docs/([^)]+)\)", README))
    assert linked == {path.name for path in (REPO / "docs").glob("*.md")}, "a docs/ page the README omits"


def test_examples_put_targets_before_config():
    """Snakemake's --config takes every word after it, a target included."""
    for document in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        for line in document.read_text().splitlines():
            if "--config" in line:
                after = line.split("--config", 1)[1]
                assert not re.search(r"\s(paper/main\.pdf|results/\S+|all)\b", after), \
                    f"{document.name}: a target after --config: {line}"


def test_no_example_recommends_list_changes_params():
    """In the pinned Snakemake, `--list-changes params` lists every job's output even right after a
    run with nothing to do (a bug in its params comparison): no example command offers it."""
    for document in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", document.read_text(), flags=re.S)
        for line in "\n".join(blocks).splitlines():
            if "--list-changes" in line:
                assert "params" not in line, f"{document.name}: {line}"


def test_license_and_citation():
    assert "MIT License" in (REPO / "LICENSE").read_text()
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "license"} <= set(citation)


def test_make_passes_the_same_config_to_the_pipeline_the_report_and_the_paper():
    config = "output=my_results"
    commands = {target: subprocess.run(["make", "-n", target, f"CONFIG={config}"], cwd=REPO,
                                       capture_output=True, text=True, check=True).stdout
                for target in ("all", "report", "paper")}
    for target, plan in commands.items():
        snakemake_lines = [line for line in plan.splitlines() if "bin/snakemake" in line]
        assert snakemake_lines and all(line.endswith(f"--config {config}") for line in snakemake_lines), target
    assert "The artifacts are in my_results/" in commands["all"]
