# What prompt optimization buys for its tokens: test score against cumulative
# input tokens, optimizers compared at token budgets (scores, and pair by pair
# with bootstrap intervals), racing savings, wall-clock.
#
# Reads the same per-dataset tables as the token stage (read_runs, tokens.smk:
# each run's files are read once for every stage), so a new seed reruns its
# dataset's read_runs job and the stage's two jobs: its data, tables and the
# comparison; and the score figure, which reads the per-dataset score curves
# that read_runs computes, so it starts beside the summary, not after it.


# The stage's data and tables in one job (a job costs 0.3 to 0.5 s to start and import
# pandas, more than the tables' work): runs.csv, scores.csv and summary.json, then the
# tables made from those files as published, and the pair-by-pair comparison (a
# bootstrap over runs.csv, about 0.1 s on the bundled runs, 2 s at 4000) with its
# table and its figure: drawn here, that small figure costs matplotlib's import
# (0.2 to 0.3 s), where a job of its own would cost a start and wait for this one.
rule optimization_summary:
    input:
        steps=expand(intermediate("steps/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        racing=expand(intermediate("racing/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=code_of("optimization_summary.py"),
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
        scores_table=shown(
            "tables/optimizer_scores.tex",
            "../report/optimizer_scores_table.rst",
            "Optimization",
            "Tables",
        ),
        scores_table_view=view(
            "tables/optimizer_scores.tex",
            "../report/optimizer_scores_table.rst",
            "Optimization",
            "Tables",
        ),
        racing_table=shown(
            "tables/racing_savings.tex",
            "../report/racing_savings_table.rst",
            "Optimization",
            "Tables",
        ),
        racing_table_view=view(
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
        comparison_pdf=shown(
            "figures/optimizer_comparison.pdf",
            "../report/optimizer_comparison_figure.rst",
            "Optimization",
            "Figures",
        ),
        comparison_png=shown(
            "figures/optimizer_comparison.png",
            "../report/optimizer_comparison_figure.rst",
            "Optimization",
            "Figures",
        ),
    log:
        logged("optimization/summary.log"),
    priority: PRIORITIES["optimization_summary"]
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
        table_budget=OPTIMIZATION["table_budget"],
        comparison=OPTIMIZATION["comparison"],
    message:
        "test scores at the token budgets, racing savings, wall-clock, the optimizers compared; tables, figure"
    script:
        "../../scripts/optimization_summary.py"


rule score_vs_tokens_figure:
    input:
        curves=expand(intermediate("curve/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=code_of("score_vs_tokens_figure.py"),
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
    priority: PRIORITIES["score_vs_tokens_figure"]
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
