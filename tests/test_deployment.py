"""The workflow as Snakemake users deploy it: from another working directory (-s, -d), as a
module of their own Snakefile, and with any spelling of the config's paths."""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from check_results import compare_trees
from conftest import REPO, copy_workflow, planned_jobs, shared_folder, snakemake
from test_machine_independent import DEPLOYMENT_MACHINES

from llmcost.config import canonical_path, load_schema, with_canonical_paths, with_numbers


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clone of the workflow that the deployments below run (its own code, not the tests')."""
    return copy_workflow(tmp_path_factory.mktemp("deployment") / "clone")


def assert_results_equal_committed(folder: Path) -> None:
    problems = compare_trees(folder, REPO / "results")
    assert problems == [], "\n".join(problems)


def test_run_with_the_snakefile_elsewhere_and_an_empty_working_directory(clone, tmp_path):
    """snakemake -s <clone>/Snakefile -d <empty folder> --configfile <its config>: the workflow's
    code, schema, captions and publish script come from the clone; the data (here given by
    absolute paths), logs, build area and results are in the working directory. Before: a
    MissingInputException for scripts/llmcost/*.py (code inputs relative to the working directory).
    Run under OpenBLAS's Haswell kernel: also one of the machine-independence regenerations."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.yaml").write_text(
        f"tokens:\n  runs: {clone}/data/capo/main_results\n"
        f"routing:\n  logits: {clone}/data/automix/logits_entropy/{{dataset}}_answerlogits.jsonl\n"
        f"  router: {clone}/data/automix/router_data/router_data_{{dataset}}.jsonl\n")
    result = snakemake(tmp_path, "-s", str(clone / "Snakefile"), "-d", str(project), "--cores", "2",
                       "--configfile", str(project / "config.yaml"), env=DEPLOYMENT_MACHINES["elsewhere"])
    lines = (result.stdout + result.stderr).splitlines()
    assert "18 of 18 jobs done" in lines  # the clone's workflow profile: the brief logger
    assert_results_equal_committed(project / "results")
    assert sorted(path.name for path in project.iterdir()) == [".build", ".snakemake", "config.yaml", "logs",
                                                               "results"]
    assert not (clone / "results").exists() and not (clone / "logs").exists()


def module_example() -> str:
    """The Snakefile docs/own-data.md shows for deploying the workflow as a module."""
    text = (REPO / "docs/own-data.md").read_text()
    return next(block for block in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "module llmcost" in block)


#: a user's own paper beside the module: the paper build must neither read nor touch it
USERS_PAPER = {"paper/main.tex": "\\documentclass{article}\\begin{document}My own paper.\\end{document}\n",
               "paper/generated/intro.tex": "My own generated text.\n"}


def module_deployment(folder: Path) -> None:
    """A project of the user's, ``my-project``, beside a clone, ``llm-cost``, pulling the workflow in
    with the docs' module example (a relative `snakefile:`), with a paper/ of its own, after a run
    without the clone's profile; the schema's default data paths are a link to the bundled data.
    Run under OpenBLAS's SkylakeX kernel: also one of the machine-independence regenerations."""
    copy_workflow(folder / "llm-cost")
    project = folder / "my-project"
    project.mkdir()
    (project / "data").symlink_to("../llm-cost/data")
    (project / "Snakefile").write_text(module_example())
    for name, text in USERS_PAPER.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    snakemake(project, "--cores", "2", env=DEPLOYMENT_MACHINES["module"])


@pytest.fixture(scope="session")
def module_run(tmp_path_factory) -> Path:
    """The module deployment after its run (shared: copy it to change it)."""
    return shared_folder(tmp_path_factory, "module", module_deployment)[0]


@pytest.fixture
def module_copy(module_run, tmp_path) -> Path:
    """A copy of the module deployment after its run; the user's project folder in it."""
    shutil.copytree(module_run, tmp_path / "deployment", symlinks=True)
    return tmp_path / "deployment/my-project"


def assert_users_paper_untouched(project: Path) -> None:
    for name, text in USERS_PAPER.items():
        assert (project / name).read_text() == text, name
    assert sorted(path.name for path in (project / "paper/generated").iterdir()) == ["intro.tex"]


def test_run_as_a_module_of_another_snakefile(module_run):
    """A Snakefile in the user's folder pulls the workflow in with `module` and `use rule *`
    (as snakedeploy writes it); with no config of its own, the schema's defaults apply and
    their data paths are the user's folder's. Before: the schema was looked up beside the user's
    Snakefile (workflow.basedir)."""
    project = module_run / "my-project"
    assert_results_equal_committed(project / "results")
    assert_users_paper_untouched(project)
    clone = module_run / "llm-cost"
    assert not (clone / "results").exists() and not (clone / "logs").exists()


def test_the_docs_module_example_lints_clean(module_run):
    """docs/own-data.md's module example passes `snakemake --lint` (the user's Snakefile and the
    workflow it pulls in). Before: its absolute `snakefile:` path was a lint."""
    result = snakemake(module_run / "my-project", "--lint", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Lints for" not in output, output


@pytest.mark.parametrize("profile", [(), ("--workflow-profile", "../llm-cost/profiles/default")],
                         ids=["no profile", "the clone's profile"])
def test_a_module_deployment_has_nothing_to_do_after_a_run_whatever_the_profile(module_copy, profile):
    """After a run that rebuilt part of the build area (here one file of it deleted), the next run
    has nothing to do, with or without the clone's profile. Before: publish ran again ("Params have
    changed ... before: False now: True": whether the build area was complete, recorded before the
    run rebuilt it), which the clone's profile hid."""
    view = module_copy / ".build/results/intermediate/report/numbers.json.html"
    view.unlink()
    snakemake(module_copy, "--cores", "2", *profile)
    for flags in ((), ("--workflow-profile", "../llm-cost/profiles/default")):
        dry = snakemake(module_copy, "-n", *flags)
        assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout + dry.stderr


def test_the_paper_of_a_module_deployment_leaves_the_users_paper_folder(module_copy, pdflatex):
    """`snakemake paper/main.pdf` in a project with its own paper/main.tex and paper/generated/
    writes paper/main.pdf and nothing else there; a paper/main.pdf it did not make stops it with
    one line naming the file, which stays as it was. Before: the user's main.tex was overwritten
    by the workflow's and paper/generated/ deleted, with exit status 0."""
    mine = b"%PDF-1.5 the user's own paper"
    (module_copy / "paper/main.pdf").write_bytes(mine)
    os.utime(module_copy / "paper/main.pdf", (1e9, 1e9))  # older than the artifacts: the rule runs
    result = snakemake(module_copy, "--cores", "2", "paper/main.pdf", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output, output
    assert re.search(r"^\[paper\] ERROR: paper/main\.pdf exists and the paper build did not make it .*, so it is "
                     r"not replaced: move it away .*then build again\.$", output, flags=re.M), output
    assert (module_copy / "paper/main.pdf").read_bytes() == mine
    assert_users_paper_untouched(module_copy)
    (module_copy / "paper/main.pdf").unlink()
    snakemake(module_copy, "--cores", "2", "paper/main.pdf")
    assert_users_paper_untouched(module_copy)
    assert sorted(path.name for path in (module_copy / "paper").iterdir()) == ["generated", "main.pdf", "main.tex"]
    assert (module_copy / "paper/main.pdf").read_bytes().startswith(b"%PDF")
    assert planned_jobs(module_copy, "paper/main.pdf") == {}


def test_make_changes_from_a_module_project_writes_into_it(module_copy):
    """docs/own-data.md's `make changes` command for a module project, run in the project (a git
    repository with its results committed): its changes.md is the project's, none in the clone."""
    command = next(line for line in (REPO / "docs/own-data.md").read_text().splitlines()
                   if "scripts/changes.py" in line and line.startswith("~/"))
    clone = module_copy.parent / "llm-cost"
    words = [word.replace("~/llm-cost", str(clone)) for word in command.split()]
    words[0] = sys.executable  # the clone's .venv/bin/python
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "results"], [*identity, "commit", "-qm", "results"]):
        subprocess.run(["git", *args], cwd=module_copy, check=True, capture_output=True)
    result = subprocess.run(words, cwd=module_copy, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Nothing changed: results/ has the same quoted numbers"), result.stdout
    assert (module_copy / "changes.md").read_text() == result.stdout
    assert not (clone / "changes.md").exists()


@pytest.mark.parametrize("spelling", [
    "data/runs", "./data/runs", "data//runs", "data/runs/", "./data//runs/", "~/project/data/runs",
    "../project/data/runs", "{project}/data/runs", "{project}//data/./runs/"])
def test_every_spelling_of_a_path_is_one_path(spelling, tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert canonical_path(spelling.format(project=project)) == "data/runs"
    pattern = spelling.format(project=project).replace("runs", "{dataset}.jsonl")
    assert canonical_path(pattern) == "data/{dataset}.jsonl"


def test_a_path_outside_the_working_directory_is_absolute(tmp_path, monkeypatch):
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert canonical_path("../shared/runs/") == canonical_path("~/shared//runs") == f"{tmp_path}/shared/runs"
    assert canonical_path("//scratch//{dataset}.jsonl") == "/scratch/{dataset}.jsonl"
    assert canonical_path(".") == "."


def test_every_path_setting_of_the_config_gets_one_spelling(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = {"output": "./mine/", "tokens": {"runs": f"{tmp_path}//runs/", "datasets": ["./x"],
                                              "run_choice": {"./agnews//llama/CAPO/seed42/": "./exp//352A/"}},
              "routing": {"logits": "./r//{dataset}.jsonl", "router": "r/./{dataset}.router.jsonl"}}
    assert with_canonical_paths(config) == {
        "output": "mine", "tokens": {"runs": "runs", "datasets": ["./x"],  # a name, not a path
                                     "run_choice": {"agnews/llama/CAPO/seed42": "exp/352A"}},
        "routing": {"logits": "r/{dataset}.jsonl", "router": "r/{dataset}.router.jsonl"}}
    assert config["output"] == "./mine/"  # the config given is left as it was


def test_router_patterns_null_from_a_config_file_or_the_command_line_stay_null():
    """A project without routing data sets both patterns to null; --config hands 'null' as text."""
    schema = load_schema(REPO / "workflow/schemas/config.schema.yaml")
    given = {"routing": {"logits": "null", "router": "my/{dataset}.jsonl", "costs": {"llm": "20"}}}
    assert with_numbers(given, schema)["routing"] == {"logits": None, "router": "my/{dataset}.jsonl",
                                                      "costs": {"llm": 20}}
    config = {"output": "out", "tokens": {"runs": "runs", "run_choice": {}},
              "routing": {"logits": None, "router": None}}
    assert with_canonical_paths(config)["routing"] == {"logits": None, "router": None}


def test_the_same_paths_spelled_otherwise_rerun_nothing(rerun_copy, monkeypatch):
    """After a run, the same runs folder, router patterns and output folder spelled with ./, //,
    a trailing /, ~, absolute or relative: the same files, settings and build area, so nothing
    to do. Before: the runs' paths changed (a rerun) and a pattern with ~ or ./ matched nothing."""
    monkeypatch.setenv("HOME", str(rerun_copy.parent))
    name = rerun_copy.name
    result = snakemake(
        rerun_copy, "-n", "--config", f"output=~/{name}/results/",
        f"tokens={{'runs': '{rerun_copy}/data//capo/main_results/'}}",
        f"routing={{'logits': './data/automix/logits_entropy//{{dataset}}_answerlogits.jsonl', "
        f"'router': '../{name}/data/./automix/router_data/router_data_{{dataset}}.jsonl'}}")
    assert "Nothing to be done" in result.stdout + result.stderr, result.stdout + result.stderr


def test_a_remote_snakefile_is_refused_with_what_to_do_instead(clone, tmp_path):
    """The workflow imports its own modules while Snakemake reads it, so it runs from a clone:
    a module whose Snakefile is a URL (here served on this machine) stops with one line."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(clone))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        (tmp_path / "Snakefile").write_text(
            f'module llmcost:\n    snakefile: "http://127.0.0.1:{server.server_port}/Snakefile"\n'
            f"    config: config\n\n\nuse rule * from llmcost\n")
        result = snakemake(tmp_path, "-n", check=False)
    finally:
        server.shutdown()
        server.server_close()
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output, output
    assert output.strip().splitlines()[-1].startswith(
        "Error: this workflow imports its own Python modules while Snakemake reads it, so it runs from a "
        "clone on this machine: git clone it and point `snakefile:` (or -s) at the clone's Snakefile"), output
