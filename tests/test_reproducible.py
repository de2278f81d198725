"""Determinism: a clean regeneration equals the committed results/ byte for byte."""

from check_results import compare_trees
from conftest import REPO


def test_clean_regeneration_equals_committed_results(pipeline_run):
    problems = compare_trees(pipeline_run / "results", REPO / "results")
    assert problems == [], "\n".join(problems)
