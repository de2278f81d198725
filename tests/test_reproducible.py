"""Determinism: a clean regeneration equals the results/ committed at HEAD byte for byte.

Compared with the committed bytes (git), not with the working tree: `make` overwrites the working
tree's results/, so `make && make test` would otherwise pass on whatever `make` just wrote.
"""

import subprocess

import check_results
from check_results import causes, committed_results, compare_trees
from check_venv import locked_versions
from conftest import REPO


def test_clean_regeneration_equals_the_committed_results(pipeline_run, tmp_path):
    committed = committed_results(tmp_path / "committed")
    assert committed != REPO / "results", "not a git checkout: nothing committed to compare with"
    problems = compare_trees(pipeline_run / "results", committed)
    assert problems == [], "\n".join(["results/ committed at HEAD differ from a clean regeneration:",
                                      *problems, causes()])


def test_the_committed_results_are_read_from_git_not_the_working_tree(tmp_path):
    """A figure that `make` rewrote in the working tree (as under another fontTools) is compared as
    committed, so the difference shows."""
    repo = tmp_path / "clone"
    (repo / "results" / "figures").mkdir(parents=True)
    figure = repo / "results" / "figures" / "score.pdf"
    figure.write_bytes(b"%PDF as committed")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "results"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "results"], check=True)
    figure.write_bytes(b"%PDF rewritten by make")
    committed = committed_results(tmp_path / "committed", repo=repo)
    assert (committed / "figures" / "score.pdf").read_bytes() == b"%PDF as committed"
    assert compare_trees(repo / "results", committed) == ["differs: results/figures/score.pdf"]


def test_a_difference_names_the_lock_first_and_each_drifted_package(monkeypatch):
    lock = check_results.venv_lock()
    locked = locked_versions(lock)
    drifted = {**locked, "snakemake-logger-plugin-brief": "1.0.0", "fonttools": "4.69.1"}
    monkeypatch.setattr(check_results, "installed_versions", lambda: drifted)
    message = causes()
    assert message.startswith(f"Look first at the environment: this venv differs from the lock {lock.name} ")
    assert f"fonttools 4.69.1 is installed, {lock.name} has {locked['fonttools']}" in message
    assert "run `make`, which installs the lock" in message
    assert "commit" not in message.lower()


def test_without_drift_the_platform_is_next_and_committing_comes_last(monkeypatch):
    lock = check_results.venv_lock()
    exact = {**locked_versions(lock), "snakemake-logger-plugin-brief": "1.0.0"}
    monkeypatch.setattr(check_results, "installed_versions", lambda: exact)
    message = causes()
    assert f"this venv holds exactly the lock {lock.name}, so look at the platform" in message
    assert "results/ were made on Linux on x86_64 with Python 3.11" in message
    assert message.index("platform") < message.index("Commit a regenerated results/ only if")
