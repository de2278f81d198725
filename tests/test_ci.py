"""CI is defined once (scripts/ci.sh): .ci/run runs every part, the GitHub workflow runs the same
parts as jobs, and the workflow is valid against GitHub's workflow schema (check-jsonschema's
vendored copy, offline)."""

import re
import subprocess
import sys

import pytest
import yaml
from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
CI = REPO / "scripts" / "ci.sh"


def ci_parts() -> list[str]:
    return re.search(r"^PARTS=\(([^)]*)\)", CI.read_text(), flags=re.M).group(1).split()


def validate(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True)


def test_the_workflow_is_valid_against_githubs_workflow_schema():
    result = validate(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


@pytest.mark.parametrize("break_it", [
    lambda jobs: jobs["test"].pop("runs-on"),
    lambda jobs: jobs["lint"]["steps"].append({"run": "true", "uses": "actions/checkout@v4"}),
    lambda jobs: jobs["changes"].update({"timeout-minutes": "soon"}),
], ids=["no runs-on", "run and uses in one step", "timeout not a number"])
def test_the_schema_check_catches_a_broken_workflow(tmp_path, break_it):
    workflow = yaml.safe_load(WORKFLOW.read_text())
    break_it(workflow["jobs"])
    broken = tmp_path / "ci.yml"
    broken.write_text(yaml.safe_dump(workflow, sort_keys=False))
    assert validate(broken).returncode == 1


def test_ci_run_and_the_workflow_run_the_same_parts_of_one_script():
    run = (REPO / ".ci" / "run").read_text()
    assert re.search(r'^exec "\$\(dirname "\$0"\)/\.\./scripts/ci\.sh"$', run, flags=re.M), run
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    ran = []
    for name, job in jobs.items():
        commands = [step["run"] for step in job["steps"] if "run" in step]
        work = [command for command in commands if "safe.directory" not in command]
        assert len(work) == 1 and work[0].startswith("scripts/ci.sh "), (name, commands)
        ran += work[0].split()[1:]
    assert sorted(ran) == sorted(ci_parts()), "a part of scripts/ci.sh that no job runs, or twice"
    assert set(ci_parts()) >= {"lint", "regenerate", "test", "changes", "paper", "slurm", "system"}


def test_every_job_runs_in_ci_runs_system_and_caches_the_venv_on_the_lock():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    for name, job in jobs.items():
        image = job["container"]["image"] if isinstance(job["container"], dict) else job["container"]
        assert image == "python:3.11-bookworm", name  # Debian with Python 3.11, as root, as .ci/run runs
        cache = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/cache@"))
        assert cache["with"]["path"] == ".venv"
        assert "hashFiles('requirements.txt', 'requirements-slurm.txt')" in cache["with"]["key"], name
    assert "--privileged" in jobs["test"]["container"]["options"]  # tmpfs mounts and the SLURM daemons


def test_make_changes_runs_on_pull_requests_against_their_base_into_the_job_summary():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "pull_request" in workflow[True]  # YAML reads the key `on` as True
    changes = workflow["jobs"]["changes"]
    assert changes["if"] == "github.event_name == 'pull_request'"
    checkout = next(step for step in changes["steps"] if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    step = next(step for step in changes["steps"] if "run" in step and "ci.sh" in step["run"])
    assert step["env"]["CHANGES_BASE"] == "${{ github.event.pull_request.base.sha }}"
    script = CI.read_text()
    assert 'make changes BASE="${CHANGES_BASE:-HEAD}" FAIL_ON=flipped' in script
    assert 'cat changes.md >>"$GITHUB_STEP_SUMMARY"' in script


def test_the_regeneration_part_fails_when_make_changes_the_committed_results():
    body = re.search(r"^part_regenerate\(\) \{\n(.*?)^\}", CI.read_text(), flags=re.M | re.S).group(1)
    assert body.lstrip().startswith("make\n")
    assert "git status --porcelain results/" in body and "return 1" in body
    assert "scripts/check_results.py --causes" in body  # the lock and the platform before committing


def test_an_unknown_part_stops_before_anything_runs():
    result = subprocess.run(["bash", str(CI), "lnit"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2
    assert result.stdout.strip() == f"CI: no part 'lnit' (the parts: {' '.join(ci_parts())})"
