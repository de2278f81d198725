"""Token aggregation: run totals, seed means and sample std, frac_downstream_llm."""

import math

import pandas as pd
import pytest

from llmcost.tokens import cumulative_input, overall_frac, run_totals, summarize, token_fraction_table


def steps_table():
    rows = []
    # two seeds of one cell; seed 2 has one step fewer
    for seed, per_step in ((1, [(10, 1, 90, 9), (20, 2, 180, 18)]), (2, [(30, 3, 270, 27)])):
        for step, (mi, mo, di, do) in enumerate(per_step, start=1):
            rows.append({"dataset": "d", "model": "m", "optimizer": "CAPO", "seed": seed,
                         "run": f"r{seed}", "step": step, "input_tokens_meta_llm": mi,
                         "output_tokens_meta_llm": mo, "input_tokens_downstream_llm": di,
                         "output_tokens_downstream_llm": do})
    return pd.DataFrame(rows)


def test_run_totals_sum_over_steps():
    totals = run_totals(steps_table())
    assert totals["steps"].tolist() == [2, 1]
    assert totals["input_tokens_meta_llm"].tolist() == [30, 30]
    assert totals["input_tokens_downstream_llm"].tolist() == [270, 270]
    assert totals["output_tokens_downstream_llm"].tolist() == [27, 27]


def test_summary_means_sample_std_and_fraction():
    runs = pd.DataFrame({"dataset": "d", "model": "m", "optimizer": "o", "seed": [1, 2, 3],
                         "run": ["a", "b", "c"], "steps": 1,
                         "input_tokens_meta_llm": [10, 20, 30], "output_tokens_meta_llm": [1, 1, 1],
                         "input_tokens_downstream_llm": [100, 200, 600],
                         "output_tokens_downstream_llm": [5, 5, 5]})
    row = summarize(runs).iloc[0]
    assert row["n_seeds"] == 3
    assert row["input_tokens_meta_llm_mean"] == 20
    assert row["input_tokens_meta_llm_std"] == pytest.approx(10.0)  # ddof=1
    assert row["output_tokens_meta_llm_std"] == 0
    assert row["frac_downstream_llm"] == pytest.approx(300 / (20 + 300))


def test_one_seed_has_undefined_std_and_overall_mean_is_per_optimizer():
    runs = pd.DataFrame({"dataset": ["d", "e"], "model": "m", "optimizer": "o", "seed": 1,
                         "run": ["a", "b"], "steps": 1, "input_tokens_meta_llm": [1, 3],
                         "output_tokens_meta_llm": 0, "input_tokens_downstream_llm": [3, 1],
                         "output_tokens_downstream_llm": 0})
    summary = summarize(runs)
    assert math.isnan(summary["input_tokens_meta_llm_std"].iloc[0])
    assert overall_frac(summary) == {"o": pytest.approx((0.75 + 0.25) / 2)}


def test_cumulative_input_carries_a_finished_run_forward():
    cumulative = cumulative_input(steps_table(), "CAPO")
    assert cumulative["step"].tolist() == [1, 2]
    # step 1: seeds at 10 and 30; step 2: seed 1 at 30, seed 2 finished at 30
    assert cumulative["meta_mean"].tolist() == [20, 30]
    assert cumulative["meta_min"].tolist() == [10, 30]
    assert cumulative["downstream_max"].tolist() == [270, 270]


def test_fraction_table_has_percent_cells_and_means():
    runs = pd.DataFrame({"dataset": ["d", "d", "e", "e"], "model": ["m", "n", "m", "n"],
                         "optimizer": "o", "seed": 1, "run": list("abcd"), "steps": 1,
                         "input_tokens_meta_llm": [1, 1, 1, 3], "output_tokens_meta_llm": 0,
                         "input_tokens_downstream_llm": [3, 1, 1, 1],
                         "output_tokens_downstream_llm": 0})
    text = token_fraction_table(summarize(runs), "o")
    assert r"\toprule" in text and r"\bottomrule" in text
    assert "d & 75.0 & 50.0 & 62.5 \\\\" in text
    assert "Mean & 62.5 & 37.5 & 50.0 \\\\" in text


def test_total_and_input_tokens_have_one_definition_that_the_quoted_numbers_use():
    from llmcost.numbers import token_numbers
    from llmcost.steplogs import input_tokens, total_tokens
    from llmcost.tokens import summary_document

    runs = run_totals(steps_table())
    assert total_tokens(runs).tolist() == [330, 330]  # seed 1: 10+1+90+9 + 20+2+180+18; seed 2: 30+3+270+27
    assert input_tokens(runs).tolist() == [300, 300]
    numbers = token_numbers(summary_document(summarize(runs)), runs)
    assert numbers["mean_tokens_per_run_millions"] == {"CAPO": 330 / 1e6}
    assert numbers["mean_input_tokens_per_run_millions"] == {"CAPO": 300 / 1e6}
