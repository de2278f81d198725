"""The workflow end to end on a copy of the repository: artifacts, config validation."""

import json
import shutil

import pandas as pd
from conftest import FEW_RESAMPLES, FEW_RESAMPLES_YAML, REPO, copy_workflow, planned_jobs, snakemake

TOKEN_ARTIFACTS = [
    "results/tokens/runs.csv",
    "results/tokens/summary.csv",
    "results/tokens/summary.json",
    "results/tables/token_fraction.tex",
    "results/tables/token_usage.tex",
    "results/figures/token_usage.pdf",
    "results/figures/token_usage.png",
    "results/figures/token_cumulative.pdf",
    "results/figures/token_cumulative.png",
]


def test_token_artifacts_appear(pipeline_run):
    for name in TOKEN_ARTIFACTS:
        path = pipeline_run / name
        assert path.is_file() and path.stat().st_size > 0, name
    runs = pd.read_csv(pipeline_run / "results/tokens/runs.csv")
    assert len(runs) == 90
    assert list(runs.columns[:6]) == ["dataset", "model", "optimizer", "seed", "run", "steps"]
    summary = json.loads((pipeline_run / "results/tokens/summary.json").read_text())
    assert abs(summary["frac_downstream_llm_overall_mean"]["CAPO"] - 0.966136400759536) < 1e-12
    assert len(summary["cells"]) == 30


def test_fraction_table_in_the_paper_layout(pipeline_run):
    text = (pipeline_run / "results/tables/token_fraction.tex").read_text()
    assert "copa & 98.4 & 73.4 & 89.5 & 87.1 \\\\" in text
    assert "Mean & 98.7 & 94.0 & 97.2 & 96.6 \\\\" in text


def test_after_a_run_nothing_is_left_to_do(dry_run_after_the_pipeline_run):
    assert "Nothing to be done" in dry_run_after_the_pipeline_run  # snakemake -n in the run's folder


# Snakemake run as `python -m snakemake`, with installed executor plugins hidden from its plugin
# search (so the check holds in a venv where `make slurm` added the SLURM one); prints what
# imported pandas, if anything did.
WITHOUT_EXECUTOR_PLUGINS = """
import atexit, pkgutil, runpy, sys
modules = pkgutil.iter_modules
pkgutil.iter_modules = lambda *a, **k: (m for m in modules(*a, **k)
                                       if not m.name.startswith("snakemake_executor_plugin_"))
atexit.register(lambda: print("pandas imported" if "pandas" in sys.modules else "pandas not imported"))
sys.argv = ["snakemake", *sys.argv[1:]]
runpy.run_module("snakemake", run_name="__main__", alter_sys=True)
"""


def test_a_run_with_nothing_to_do_never_imports_pandas(pipeline_run):
    """Issue 29: a no-op is Snakemake's own start. It imported pandas (0.2 to 0.3 s, a quarter of
    it) to compare the jobs' params with their last run's (common.smk:
    compare_params_without_pandas), besides the SLURM executor plugin's import of it (installed
    only for SLURM now: test_environment.py)."""
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", WITHOUT_EXECUTOR_PLUGINS, "--cores", "2"], cwd=pipeline_run,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "pandas not imported"


def test_a_new_seed_starts_the_jobs_others_wait_for_and_the_score_figure_first(rerun_copy):
    """Issue 29: a new seed leaves four combining jobs ready at once for two cores. Snakemake's
    greedy scheduler started those with the most input first, and the score figure, ready from the
    start, ran last; now token_summary (which its figures and numbers wait for) and the score figure
    start first, then optimization_summary (resources.smk: PRIORITIES)."""
    cell = rerun_copy / "data/capo/main_results/gsm8k/qwen/CAPO"
    shutil.copytree(cell / "seed44", cell / "seed45")
    result = snakemake(rerun_copy, "--cores", "2")
    started = [line.split("]")[1].split()[0].rstrip(":") for line in (result.stdout + result.stderr).splitlines()
               if line.startswith("[") and line[1].isdigit()]
    assert started[0] == "read_runs"
    assert set(started[1:3]) == {"token_summary", "score_vs_tokens_figure"}, started
    assert started[3] == "optimization_summary", started
    assert set(started[4:]) == {"token_figures", "numbers", "publish"}, started


def test_unknown_config_key_stops_with_its_name(tmp_path):
    workdir = copy_workflow(tmp_path)
    result = snakemake(workdir, "-n", "--config", "tokens={'runz': 'x'}", check=False)
    assert result.returncode != 0
    assert "runz" in result.stdout + result.stderr


def test_wrong_type_stops_with_the_key(tmp_path):
    workdir = copy_workflow(tmp_path)
    result = snakemake(workdir, "-n", "--config", "tokens={'seeds': 'all'}", check=False)
    assert result.returncode != 0
    assert "seeds" in result.stdout + result.stderr


def test_a_repeated_budget_stops_at_start_naming_the_key(tmp_path):
    workdir = copy_workflow(tmp_path)
    (workdir / "budgets.yaml").write_text("optimization:\n  budgets: [1000000, 1e6, 5000000]\n")
    result = snakemake(workdir, "-n", "--configfile", "budgets.yaml", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "Error: config optimization.budgets: [1000000, 1000000.0, 5000000] has non-unique elements" in output


def test_a_table_optimizer_the_runs_lack_stops_at_start_naming_those_found(tmp_path):
    workdir = copy_workflow(tmp_path)
    result = snakemake(workdir, "-n", "--config", "tokens={'optimizers': ['EvoPromptGA']}", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert ("Error: config tokens.table_optimizer is 'CAPO', but the runs under data/capo/main_results have "
            "no such optimizer (found: EvoPromptGA).") in output
    assert "jobs to run" not in output and "Job stats" not in output


def test_verifier_routers_names_routers_and_reruns_only_the_routing_jobs(rerun_copy):
    """routing.verifier_routers: who pays the verifier in AutoMix's cost model; an unknown router
    stops at start naming the key, another list reruns the sweeps (their params)."""
    result = snakemake(rerun_copy, "-n", "--config", "routing={'verifier_routers': ['confidence', 'nope']}",
                       check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "verifier_routers" in output and "nope" in output
    jobs = planned_jobs(rerun_copy, "--config", "routing={'verifier_routers': []}")
    assert jobs["routing_sweep"] == 4 and "read_runs" not in jobs


def test_user_runs_folder_with_config(tmp_path):
    """A user points tokens.runs at their own results: a subset of the bundled runs (the routing
    stage, which the test does not read, on one dataset with few resamples)."""
    workdir = copy_workflow(tmp_path / "repo")
    own = tmp_path / "my_results"
    source = workdir / "data/capo/main_results/gsm8k"
    shutil.copytree(source, own / "gsm8k")
    routing = dict(FEW_RESAMPLES, datasets=["cnli_short"])
    snakemake(workdir, "results/tokens/summary.csv", "--cores", "2",
              "--config", f"tokens={{'runs': '{own}'}}", f"routing={routing!r}")
    summary = pd.read_csv(workdir / "results/tokens/summary.csv")
    assert sorted(summary["dataset"].unique()) == ["gsm8k"]
    assert len(summary) == 6


ROUTING_DATASETS = ["cnli_short", "coqa_short", "narrative_qa_short", "qasper_short"]


def test_routing_artifacts_appear(pipeline_run):
    names = ["results/routing/summary.json", "results/tables/routing_ibc.tex",
             "results/figures/routing_delta_ibc.pdf", "results/figures/routing_delta_ibc.png"]
    for dataset in ROUTING_DATASETS:
        names += [f"results/routing/datasets/{dataset}/{name}" for name in
                  ("logits_sweep.json", "entropy_sweep.json", "confidence_sweep.json", "curve.csv",
                   "cost_performance.pdf", "cost_performance.png")]
    for name in names:
        path = pipeline_run / name
        assert path.is_file() and path.stat().st_size > 0, name
    table = (pipeline_run / "results/tables/routing_ibc.tex").read_text()
    assert table.count("Log-prob.") == 4 and r"qasper\_short, log-prob.: 760.8" in table


def test_user_router_files_with_config(tmp_path):
    """A user points routing.logits and routing.router at their own plain .jsonl files (with few
    resamples, and the token stage, which the test does not read, on one dataset)."""
    import gzip
    workdir = copy_workflow(tmp_path / "repo")
    own = tmp_path / "my_router"
    own.mkdir()
    data = workdir / "data/automix"
    (own / "mine.logits.jsonl").write_bytes(
        gzip.decompress((data / "logits_entropy/cnli_short_answerlogits.jsonl.gz").read_bytes()))
    (own / "mine.router.jsonl").write_bytes(
        gzip.decompress((data / "router_data/router_data_cnli_short.jsonl.gz").read_bytes()))
    routing = {"logits": f"{own}/{{dataset}}.logits.jsonl", "router": f"{own}/{{dataset}}.router.jsonl",
               **FEW_RESAMPLES}
    snakemake(workdir, "results/routing/summary.json", "--cores", "2", "--config", f"routing={routing!r}",
              "tokens={'datasets': ['gsm8k']}")
    summary = json.loads((workdir / "results/routing/summary.json").read_text())
    assert list(summary) == ["mine"]
    assert summary["mine"]["merge"]["generated_text_equals_slm_pred"] == 2
    assert summary["mine"]["P_slm"] == 0.579 and summary["mine"]["P_llm"] == 0.763  # cnli_short's


def test_numbers_given_through_config_are_numbers(rerun_copy):
    """Nested --config values arrive as text ('42'); where the schema says number they are numbers."""
    jobs = planned_jobs(rerun_copy, "--config", "tokens={'seeds': [42]}", "routing={'costs': {'llm': 10}}",
                        "optimization={'budgets': [1e6, 5e6], 'table_budget': 5e6}")
    assert jobs["read_runs"] == 5 and jobs["routing_sweep"] == 4  # seeds changed the runs; costs the sweeps


def test_a_run_prints_one_line_per_job(rerun_copy):
    (rerun_copy / "cheap_llm.yaml").write_text("routing:\n  costs:\n    llm: 10\n" + FEW_RESAMPLES_YAML)
    result = snakemake(rerun_copy, "--cores", "2", "--configfile", "config.yaml", "cheap_llm.yaml")
    lines = (result.stdout + result.stderr).splitlines()
    jobs = [line for line in lines if line.startswith("[")]
    assert len(jobs) == 8  # 4 sweeps (each draws its figure), 2 combining jobs, numbers, publish (no line for `all`)
    assert jobs[0].startswith("[1/9] routing_sweep ") and "(settings or input files changed)" in jobs[0]
    # each line numbers the job it starts: 1, 2, ... in order, none repeated (`all` has no line)
    assert [line.split("]")[0] for line in jobs] == [f"[{k}/9" for k in range(1, 9)]
    assert "publish: publish the artifacts into results/" in jobs[-1]
    assert len(lines) <= len(jobs) + 6, "\n".join(lines)
    assert not any(line.lstrip().startswith(("input:", "output:", "Shell command")) for line in lines)


def test_a_failed_cluster_job_shows_the_error_not_the_job_step_output(tmp_path):
    """On SLURM the executor adds its job log (the whole inner Snakemake output) to the
    failed job's logs: the block shows the rule log's ERROR line, not that log's tail."""
    from types import SimpleNamespace

    from snakemake_logger_plugin_brief import error_lines

    rule_log, slurm_log = tmp_path / "rule.log", tmp_path / "22.log"
    rule_log.write_text("reading 18 runs\nERROR: runs/a.csv: missing column(s) step\n")
    slurm_log.write_text("\n".join(f"    input: run{i}.csv" for i in range(40)) + "\n")
    record = SimpleNamespace(rule_name="read_runs", log=[str(rule_log), str(slurm_log)], aux={})
    assert error_lines(record) == [f"Error in rule read_runs (log: {rule_log}, {slurm_log}):",
                                   "    ERROR: runs/a.csv: missing column(s) step"]
    rule_log.write_text("Traceback (most recent call last):\nKeyError: 'step'\n")  # a crash: the tails
    shown = error_lines(record)
    assert shown[1:3] == ["    Traceback (most recent call last):", "    KeyError: 'step'"]
    assert len(shown) == 1 + 2 + 15


def test_a_threshold_count_far_above_the_queries_is_capped(rerun_copy):
    """routing.thresholds.count of 10^12 on 1000 queries: each sweep has at most 999 points (the
    distinct cuts), and the run says so once per router."""
    result = snakemake(rerun_copy, "--cores", "2", "--config", "output=capped", "tokens={'datasets': ['gsm8k']}",
                       "routing={'datasets': ['cnli_short'], 'thresholds': {'count': 1000000000000}, "
                       "'bootstrap': {'resamples': 10}, 'holdout': {'splits': 3}}")
    output = result.stdout + result.stderr
    for router in ("logits", "entropy"):
        sweep = json.loads((rerun_copy / f"capped/routing/datasets/cnli_short/{router}_sweep.json").read_text())
        assert 9 < len(sweep) < 1000
        assert len({point["lm2_count"] for point in sweep}) == len(sweep)
        assert (f"cnli_short: routing.thresholds.count is 1000000000000, but the {router} router's scores make "
                f"only {len(sweep)} distinct cuts") in output


def test_an_interrupt_after_publishing_says_the_output_folder_holds_the_new_artifacts():
    """Ctrl-C while Snakemake winds down after publish: the last line says what the folder holds
    (the interrupt before publishing: tests/test_faults.py, with a real SIGINT)."""
    import logging
    from types import SimpleNamespace

    from snakemake_interface_logger_plugins.common import LogEvent
    from snakemake_logger_plugin_brief import NOT_PUBLISHED, PUBLISHED, LogHandler

    def record(message="", **extra):
        entry = logging.LogRecord("snakemake", logging.INFO, "", 0, message, None, None)
        entry.__dict__.update(extra)
        return entry

    settings = SimpleNamespace(quiet=None, debug_dag=False, verbose=False, dryrun=False, printshellcmds=False,
                               show_failed_logs=True, stdout=True, nocolor=True)
    for finished, last in ((None, NOT_PUBLISHED), (7, PUBLISHED)):
        handler = LogHandler(settings, None)
        info = dict(event=LogEvent.JOB_INFO, rule_name="publish", jobid=7, reason="", wildcards={},
                    rule_msg="publish the artifacts into results/")
        lines = [handler.line(record(**info)),
                 handler.line(record(event=LogEvent.JOB_FINISHED, job_id=finished)),
                 handler.line(record("Terminating processes on user request, this might take some time.")),
                 handler.line(record("Complete log(s): .snakemake/log/x.log"))]
        assert lines[2] == "Interrupted (Ctrl-C): stopping the running jobs."
        # the jobs Ctrl-C cut off did not fail: no error block for them
        assert handler.line(record(event=LogEvent.JOB_ERROR, rule_name="routing_sweep", jobid=3)) is None
        assert lines[3].splitlines() == ["Complete log(s): .snakemake/log/x.log", last]


def test_the_slurm_account_guess_is_one_line_naming_where_to_set_the_account():
    """Without slurm_account, plugin 2.8.0 warns three times per run, one of them its own bug
    (``sacct: invalid option -- '1'``, it passes a shell pipe to sacct as arguments)."""
    import logging
    from types import SimpleNamespace

    from snakemake_logger_plugin_brief import LogHandler

    settings = SimpleNamespace(quiet=None, debug_dag=False, verbose=False, dryrun=False, printshellcmds=False,
                               show_failed_logs=True, stdout=True, nocolor=True)
    handler = LogHandler(settings, None)

    def shown(message):
        return handler.line(logging.LogRecord("snakemake", logging.WARNING, "", 0, message, None, None))

    assert shown("No SLURM account given, trying to guess.") is None
    assert shown("No account was given, not able to get a SLURM account via sacct: sacct: invalid option "
                 "-- '1'\nTry \"sacct --help\" for more information\n") is None
    assert shown("Unable to guess SLURM account. Trying to proceed without.") == (
        "SLURM: no account set, submitting without one (set one: default-resources: slurm_account in "
        "profiles/slurm/config.yaml, docs/slurm.md).")
    assert shown("Unable to guess SLURM account. Trying to proceed without.") is None  # once per run
    handler = LogHandler(settings, None)
    assert "with the guessed account proj7 (set one:" in shown("Guessed SLURM account: proj7")
    assert "other warning" in shown("some other warning")


def test_progress_counts_the_jobs_this_run_executes_with_until_and_a_single_target(rerun_copy):
    """--until and a target other than `all` run fewer jobs than the DAG holds: the progress
    counts out of the jobs announced and ends with its closing line. Before: "2 jobs to run",
    then [1/11], and no "2 of 2 jobs done" (Snakemake's progress total is the whole DAG)."""
    until = snakemake(rerun_copy, "--cores", "2", "--forcerun", "token_summary", "--until", "token_figures")
    target = snakemake(rerun_copy, "--cores", "2", ".build/results/artifacts/figures/token_usage.pdf",
                       "--forcerun", "token_summary")
    for result in (until, target):
        lines = (result.stdout + result.stderr).splitlines()
        assert "2 jobs to run (snakemake -n lists them with their reasons)" in lines, lines
        jobs = [line for line in lines if line.startswith("[")]
        assert [line.split(" ")[:2] for line in jobs] == [["[1/2]", "token_summary:"], ["[2/2]", "token_figures:"]]
        assert lines[-2:][0] == "2 of 2 jobs done" and lines[-1].startswith("Complete log(s): "), lines


def test_confidence_thresholds_repeated_or_outside_the_confidence_range_stop_at_start(tmp_path):
    """A self-verification confidence is a fraction (llmcost/ranges.py), so is each threshold,
    once: a threshold of 2 would route everything and pass for the router's best point."""
    from llmcost.config import load_schema
    from llmcost.ranges import RANGES
    from llmcost.routing_model import ROUTERS

    items = load_schema(REPO / "workflow/schemas/config.schema.yaml")["properties"]["routing"]["properties"][
        "confidence_thresholds"]["items"]
    score = RANGES[ROUTERS["confidence"][0]]
    assert (items["minimum"], items["maximum"]) == (score.low, score.high)
    workdir = copy_workflow(tmp_path)
    for thresholds, error in (
            ("[0.25, 2]", "config routing.confidence_thresholds.1: 2 is greater than the maximum of 1"),
            ("[-0.5, 0.5]", "config routing.confidence_thresholds.0: -0.5 is less than the minimum of 0"),
            ("[0.5, 0.25, 0.50]", "config routing.confidence_thresholds: [0.5, 0.25, 0.5] has non-unique elements")):
        result = snakemake(workdir, "-n", "--config", f"routing={{'confidence_thresholds': {thresholds}}}",
                           check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and "Traceback" not in output, output
        assert [line for line in output.splitlines() if "confidence_thresholds" in line] == [
            f"Error: {error}. See the comments in config.yaml and workflow/schemas/config.schema.yaml for the allowed "
            f"keys and values."], output
