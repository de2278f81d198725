# What prompt optimization buys for its tokens: test score against cumulative
# input tokens, optimizers compared at token budgets (scores, and pair by pair
# with bootstrap intervals), racing savings, wall-clock.
#
# Reads the same per-dataset tables as the token stage (read_runs, tokens.smk:
# each run's files are read once for every stage), so a new seed reruns its
# dataset's read_runs job and these three small combining jobs. read_runs also
# computes its dataset's score curve, so the score figure starts right after it,
# beside optimization_summary instead of after it.


rule optimization_summary:
    input:
        steps=expand(intermediate("steps/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        racing=expand(intermediate("racing/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=lib("discovery", "optimization", "latex", "report_html"),
    output:
        runs=shown(
            "optimization/runs.csv",
            "../report/optimization_runs.rst",
            "Optimization",
            "Data",
        ),
        runs_view=view(
            "optimization/runs.csv",
            "../report/optimization_runs.rst",
            "Optimization",
            "Data",
        ),
        scores=shown(
            "optimization/scores.csv",
            "../report/optimization_scores.rst",
            "Optimization",
            "Data",
        ),
        scores_view=view(
            "optimization/scores.csv",
            "../report/optimization_scores.rst",
            "Optimization",
            "Data",
        ),
        summary=shown(
            "optimization/summary.json",
            "../report/optimization_summary.rst",
            "Optimization",
            "Data",
        ),
        summary_view=view(
            "optimization/summary.json",
            "../report/optimization_summary.rst",
            "Optimization",
            "Data",
        ),
    log:
        logged("optimization/summary.log"),
    group:
        GROUPS["optimization_summary"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["optimization_summary"],
    params:
        budgets=OPTIMIZATION["budgets"],
        found=RUNS_FOUND,
        root=TOKENS["runs"],
    message:
        "test scores at the token budgets, racing savings, wall-clock"
    script:
        "../../scripts/optimization_summary.py"


# The pair-by-pair comparison (a bootstrap over runs.csv, about 0.1 s on the
# bundled runs, 2 s at 4000) is made here beside the tables that read the same
# runs.csv: no job of its own, and a change of its resamples or seed reruns
# this job (and the figure, numbers) but not the optimization summary.
rule optimization_tables:
    input:
        runs=built("optimization/runs.csv"),
        scores=built("optimization/scores.csv"),
        code=lib(
            "discovery",
            "optimization",
            "optimization_tables",
            "optimizer_comparison",
            "latex",
            "report_html",
        ),
    output:
        scores=shown(
            "tables/optimizer_scores.tex",
            "../report/optimizer_scores_table.rst",
            "Optimization",
            "Tables",
        ),
        scores_view=view(
            "tables/optimizer_scores.tex",
            "../report/optimizer_scores_table.rst",
            "Optimization",
            "Tables",
        ),
        racing=shown(
            "tables/racing_savings.tex",
            "../report/racing_savings_table.rst",
            "Optimization",
            "Tables",
        ),
        racing_view=view(
            "tables/racing_savings.tex",
            "../report/racing_savings_table.rst",
            "Optimization",
            "Tables",
        ),
        comparison=shown(
            "optimization/comparison.csv",
            "../report/optimizer_comparison_csv.rst",
            "Optimization",
            "Data",
        ),
        comparison_view=view(
            "optimization/comparison.csv",
            "../report/optimizer_comparison_csv.rst",
            "Optimization",
            "Data",
        ),
        comparison_table=shown(
            "tables/optimizer_comparison.tex",
            "../report/optimizer_comparison_table.rst",
            "Optimization",
            "Tables",
        ),
        comparison_table_view=view(
            "tables/optimizer_comparison.tex",
            "../report/optimizer_comparison_table.rst",
            "Optimization",
            "Tables",
        ),
    log:
        logged("optimization/tables.log"),
    group:
        GROUPS["optimization_tables"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["optimization_tables"],
    params:
        table_budget=OPTIMIZATION["table_budget"],
        budgets=OPTIMIZATION["budgets"],
        comparison=OPTIMIZATION["comparison"],
        found=RUNS_FOUND,
    message:
        "the optimizer-scores, racing-savings and optimizer-comparison tables"
    script:
        "../../scripts/optimization_tables.py"


rule score_vs_tokens_figure:
    input:
        curves=expand(intermediate("curve/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=lib("fonts", "plotting", "optimization_figures"),
    output:
        pdf=shown(
            "figures/score_vs_tokens.pdf",
            "../report/score_vs_tokens.rst",
            "Optimization",
            "Figures",
        ),
        png=shown(
            "figures/score_vs_tokens.png",
            "../report/score_vs_tokens.rst",
            "Optimization",
            "Figures",
        ),
    log:
        logged("optimization/score_vs_tokens.log"),
    group:
        GROUPS["score_vs_tokens_figure"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["score_vs_tokens_figure"],
    params:
        budgets=OPTIMIZATION["budgets"],
        found=RUNS_FOUND,
    message:
        "the score-against-tokens figure"
    script:
        "../../scripts/score_vs_tokens_figure.py"


rule optimizer_comparison_figure:
    input:
        comparison=built("optimization/comparison.csv"),
        code=lib("fonts", "plotting", "optimization_figures"),
    output:
        pdf=shown(
            "figures/optimizer_comparison.pdf",
            "../report/optimizer_comparison_figure.rst",
            "Optimization",
            "Figures",
        ),
        png=shown(
            "figures/optimizer_comparison.png",
            "../report/optimizer_comparison_figure.rst",
            "Optimization",
            "Figures",
        ),
    log:
        logged("optimization/optimizer_comparison.log"),
    group:
        GROUPS["optimizer_comparison_figure"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["optimizer_comparison_figure"],
    params:
        comparison=OPTIMIZATION["comparison"],
        found=RUNS_FOUND,
    message:
        "the optimizer-comparison figure"
    script:
        "../../scripts/optimizer_comparison_figure.py"
