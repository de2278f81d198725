"""Incremental reruns: what Snakemake plans after a change (dry runs on a finished copy)."""

import shutil

from conftest import planned_jobs, snakemake

# each stage combines its datasets in two jobs (issue 29): its data and tables, and its figures (the
# optimization stage: its data, tables and comparison figure; the score figure)
TOKEN_DOWNSTREAM = {"token_summary", "token_figures"}
OPTIMIZATION_DOWNSTREAM = {"optimization_summary", "score_vs_tokens_figure"}
ROUTING_COMBINERS = {"routing_summary": 1, "routing_figures": 1}
# every change to a stage's data also remakes the paper's numbers, then publishes
AFTER = {"numbers": 1, "publish": 1, "all": 1}


def test_up_to_date_plans_nothing(rerun_copy):
    assert planned_jobs(rerun_copy) == {}


def test_a_new_seed_reruns_only_its_dataset_and_the_token_combiners(rerun_copy):
    cell = rerun_copy / "data/capo/main_results/gsm8k/qwen/CAPO"
    shutil.copytree(cell / "seed44", cell / "seed45")
    jobs = planned_jobs(rerun_copy)
    assert jobs.pop("read_runs") == 1  # gsm8k's only, of 5 datasets
    assert set(jobs) == TOKEN_DOWNSTREAM | OPTIMIZATION_DOWNSTREAM | set(AFTER)
    assert not any(rule.startswith("routing") for rule in jobs)


def test_editing_a_figure_script_reruns_only_its_stages_figures(rerun_copy):
    script = rerun_copy / "scripts/token_figures.py"
    script.write_text(script.read_text() + "\n# a comment\n")
    jobs = planned_jobs(rerun_copy)
    assert jobs == {"token_figures": 1, "publish": 1, "all": 1}


def test_editing_the_figure_module_reruns_only_the_figures_using_it(rerun_copy):
    module = rerun_copy / "scripts/llmcost/token_figures.py"
    module.write_text(module.read_text() + "\n# a comment\n")
    jobs = planned_jobs(rerun_copy)
    assert jobs == {"token_figures": 1, "publish": 1, "all": 1}


def test_editing_a_template_of_the_papers_words_reruns_the_paper_only(rerun_copy, pdflatex):
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf")
    assert planned_jobs(rerun_copy, "paper/main.pdf") == {}
    template = rerun_copy / "scripts/llmcost/templates/routing.tex.j2"
    template.write_text(template.read_text() + "<# a comment #>\n")
    assert planned_jobs(rerun_copy) == {}  # no artifact depends on the paper's words
    assert planned_jobs(rerun_copy, "paper/main.pdf") == {"paper": 1}


def test_a_new_router_dataset_reruns_only_its_sweep_and_the_routing_combiners(rerun_copy):
    automix = rerun_copy / "data/automix"
    shutil.copy(automix / "logits_entropy/coqa_short_answerlogits.jsonl.gz",
                automix / "logits_entropy/coqa_copy_answerlogits.jsonl.gz")
    shutil.copy(automix / "router_data/router_data_coqa_short.jsonl.gz",
                automix / "router_data/router_data_coqa_copy.jsonl.gz")
    jobs = planned_jobs(rerun_copy)
    assert jobs == {"routing_sweep": 1, **ROUTING_COMBINERS, **AFTER}


def test_a_routing_config_change_reruns_the_routing_stage_only(rerun_copy):
    (rerun_copy / "cheap_llm.yaml").write_text("routing:\n  costs:\n    llm: 10\n")
    jobs = planned_jobs(rerun_copy, "--configfile", "config.yaml", "cheap_llm.yaml")
    assert jobs == {"routing_sweep": 4, **ROUTING_COMBINERS, **AFTER}


def test_editing_the_routing_figure_module_reruns_the_routing_stage(rerun_copy):
    """Each routing_sweep draws its dataset's cost-performance figure (issue 29: one job fewer per
    dataset), so the module of that figure reruns the sweeps and what reads them."""
    module = rerun_copy / "scripts/llmcost/routing_figures.py"
    module.write_text(module.read_text() + "\n# a comment\n")
    assert planned_jobs(rerun_copy) == {"routing_sweep": 4, **ROUTING_COMBINERS, **AFTER}


def test_editing_the_pgr_figure_module_reruns_only_the_routing_figures(rerun_copy):
    module = rerun_copy / "scripts/llmcost/routing_metric_figures.py"
    module.write_text(module.read_text() + "\n# a comment\n")
    assert planned_jobs(rerun_copy) == {"routing_figures": 1, "publish": 1, "all": 1}


def rewrite_keeping_an_older_time(path, change):
    """What rsync -a, cp -p or tar x do: new content, the source's (older) modification time."""
    import os
    old = path.stat().st_mtime_ns - 3600 * 10**9
    path.write_bytes(change(path.read_bytes()))
    os.utime(path, ns=(old, old))


def test_a_step_log_changed_with_an_older_time_reruns_its_dataset(rerun_copy):
    import gzip
    log = next((rerun_copy / "data/capo/main_results/sst-5/llama/CAPO/seed43").glob("*/*/step_results_eval.csv.gz"))
    rewrite_keeping_an_older_time(log, lambda data: gzip.compress(gzip.decompress(data).replace(b",1551,", b",1552,")))
    jobs = planned_jobs(rerun_copy)
    assert jobs.pop("read_runs") == 1  # before: "Nothing to be done" with the old totals
    assert set(jobs) == TOKEN_DOWNSTREAM | OPTIMIZATION_DOWNSTREAM | set(AFTER)


def test_a_router_file_changed_with_an_older_time_reruns_its_sweep(rerun_copy):
    router = rerun_copy / "data/automix/router_data/router_data_qasper_short.jsonl.gz"
    rewrite_keeping_an_older_time(router, lambda data: data + b"\n")
    jobs = planned_jobs(rerun_copy)
    assert jobs == {"routing_sweep": 1, **ROUTING_COMBINERS, **AFTER}


def test_other_comparison_resamples_rerun_the_optimization_summary_not_the_score_figure(rerun_copy):
    """The comparison, its table and figure are made with the stage's data and tables (issue 29: one
    job, not three)."""
    jobs = planned_jobs(rerun_copy, "--config", "optimization={'comparison': {'resamples': 500}}")
    assert jobs == {"optimization_summary": 1, **AFTER}


def test_a_dry_run_with_other_runs_leaves_nothing_to_do_afterwards(rerun_copy):
    """read_runs' input is a run manifest named by the digest of its runs' files: a dry run with
    a filter writes other manifests beside the current ones, and the next plain run still finds
    nothing to do; a removed seed gives a new manifest, which reruns its dataset only."""
    assert planned_jobs(rerun_copy, "--config", "tokens={'seeds': [42]}")["read_runs"] == 5
    assert planned_jobs(rerun_copy) == {}
    shutil.rmtree(rerun_copy / "data/capo/main_results/subj/llama/CAPO/seed43")
    assert planned_jobs(rerun_copy)["read_runs"] == 1
