# What prompt optimization buys for its tokens: test score against cumulative
# input tokens, optimizers compared at token budgets, racing savings, wall-clock.
#
# Reads the same per-dataset tables as the token stage (read_runs, tokens.smk:
# each run's files are read once for every stage), so a new seed reruns its
# dataset's read_runs job and these three small combining jobs.


rule optimization_summary:
    message:
        "test scores at the token budgets, racing savings, wall-clock"
    input:
        steps=expand(intermediate("steps/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        racing=expand(intermediate("racing/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=lib("discovery", "optimization"),
    output:
        runs=report(built("optimization/runs.csv"), caption="../report/optimization_runs.rst",
                    category="Optimization", subcategory="Data"),
        scores=report(built("optimization/scores.csv"), caption="../report/optimization_scores.rst",
                      category="Optimization", subcategory="Data"),
        summary=report(built("optimization/summary.json"), caption="../report/optimization_summary.rst",
                       category="Optimization", subcategory="Data"),
        curve=intermediate("optimization/score_curve.parquet"),
    params:
        budgets=OPTIMIZATION["budgets"],
    resources:
        **RESOURCES["optimization_summary"],
    group:
        GROUPS["optimization_summary"]
    log:
        "logs/optimization/summary.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/optimization_summary.py"


rule optimization_tables:
    message:
        "the optimizer-scores and racing-savings LaTeX tables"
    input:
        runs=built("optimization/runs.csv"),
        scores=built("optimization/scores.csv"),
        code=lib("discovery", "optimization", "optimization_tables", "latex"),
    output:
        scores=report(built("tables/optimizer_scores.tex"), caption="../report/optimizer_scores_table.rst",
                      category="Optimization", subcategory="Tables"),
        racing=report(built("tables/racing_savings.tex"), caption="../report/racing_savings_table.rst",
                      category="Optimization", subcategory="Tables"),
    params:
        table_budget=OPTIMIZATION["table_budget"],
    resources:
        **RESOURCES["optimization_tables"],
    group:
        GROUPS["optimization_tables"]
    log:
        "logs/optimization/tables.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/optimization_tables.py"


rule score_vs_tokens_figure:
    message:
        "the score-against-tokens figure"
    input:
        curve=intermediate("optimization/score_curve.parquet"),
        code=lib("plotting", "optimization_figures"),
    output:
        pdf=built("figures/score_vs_tokens.pdf"),
        png=report(built("figures/score_vs_tokens.png"), caption="../report/score_vs_tokens.rst",
                   category="Optimization", subcategory="Figures"),
    params:
        budgets=OPTIMIZATION["budgets"],
    resources:
        **RESOURCES["score_vs_tokens_figure"],
    group:
        GROUPS["score_vs_tokens_figure"]
    log:
        "logs/optimization/score_vs_tokens.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/score_vs_tokens_figure.py"
