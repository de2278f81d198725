"""Golden test: the bundled real runs reproduce the paper's token-fraction table."""

import pytest
from conftest import REPO

from llmcost.discovery import discover_runs
from llmcost.runs import steps_of_runs
from llmcost.tokens import overall_frac, run_totals, summarize

# The paper's table: frac_downstream_llm in percent for CAPO (llama / mistral / qwen),
# as printed by the CAPO repository's token-usage notebook.
PAPER_TABLE = {
    "agnews": (97.9, 98.8, 99.0),
    "copa": (98.4, 73.4, 89.5),
    "gsm8k": (99.6, 99.7, 99.6),
    "sst-5": (98.9, 99.1, 99.1),
    "subj": (98.6, 99.0, 98.8),
}
PAPER_OVERALL_MEAN = 0.966136400759536


@pytest.fixture(scope="module")
def summary():
    runs = discover_runs(str(REPO / "data" / "capo" / "main_results"))
    return summarize(run_totals(steps_of_runs(runs)))


def test_capo_cells_equal_the_paper_table(summary):
    capo = summary[summary["optimizer"] == "CAPO"]
    assert len(capo) == 15 and (capo["n_seeds"] == 3).all()
    pct = (capo.set_index(["dataset", "model"])["frac_downstream_llm"] * 100).round(1)
    for dataset, values in PAPER_TABLE.items():
        for model, expected in zip(("llama", "mistral", "qwen"), values):
            assert pct[(dataset, model)] == pytest.approx(expected, abs=1e-9), (dataset, model)


def test_overall_mean_equals_the_notebook(summary):
    assert overall_frac(summary)["CAPO"] == pytest.approx(PAPER_OVERALL_MEAN, abs=1e-12)


def test_parquet_fallback_run_matches_the_notebook_totals(summary):
    """copa/mistral/CAPO seed 42 has no CSV; its parquet gives the notebook's totals."""
    cell = summary.set_index(["dataset", "model", "optimizer"]).loc[("copa", "mistral", "CAPO")]
    # the notebook's printed means for this cell
    assert cell["input_tokens_downstream_llm_mean"] == pytest.approx(3513026.0, abs=1.0)
    assert cell["input_tokens_meta_llm_mean"] == pytest.approx(1271295.0, abs=1.0)
