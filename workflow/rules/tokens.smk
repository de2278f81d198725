# Token usage of prompt-optimization runs.
#
# Granularity: one read_runs job per dataset reads each of that dataset's runs
# once, for every stage. Starting a Python job that imports pandas costs ~0.5 s
# and reading one run ~2 ms, so a job per run (or per dataset x model x
# optimizer cell of a few seeds) would spend almost all its time starting up;
# one job for the whole stage would reread every run when one seed lands. A new
# seed reruns only its dataset's job and the small jobs that combine the datasets.
#
# Jobs write into the build area (built(), intermediate()); the publish rule
# (Snakefile) copies the artifacts into the output folder when all succeeded.


rule read_runs:
    input:
        runs=lambda wildcards: RUN_MANIFESTS[wildcards.dataset],
        code=code_of("read_runs.py"),
    output:
        steps=intermediate("steps/{dataset}.parquet"),
        racing=intermediate("racing/{dataset}.parquet"),
        curve=intermediate("curve/{dataset}.parquet"),  # the score figure's (optimization.smk)
    log:
        logged("read_runs/{dataset}.log"),
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["read_runs"],
    params:
        root=TOKENS["runs"],
    message:
        "each run read once: per-step tokens and scores, racing counts, score curve"
    script:
        "../../scripts/read_runs.py"


# The stage's data and its tables in one job, its figures in another: a Python job
# costs 0.3 to 0.5 s to start and import pandas (matplotlib another 0.2 to 0.3 s), more
# than the work of each table or figure, and a stage's tables, like its figures,
# change together. The figures stay apart from the data so that numbers (paper.smk)
# does not wait for them, and only jobs that draw import matplotlib.
rule token_summary:
    input:
        steps=expand(intermediate("steps/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=code_of("token_summary.py"),
    output:
        runs=shown("tokens/runs.csv", "../report/token_runs.rst", "Token usage", "Data"),
        runs_view=view(
            "tokens/runs.csv", "../report/token_runs.rst", "Token usage", "Data"
        ),
        summary_csv=shown(
            "tokens/summary.csv", "../report/token_summary.rst", "Token usage", "Data"
        ),
        summary_csv_view=view(
            "tokens/summary.csv", "../report/token_summary.rst", "Token usage", "Data"
        ),
        summary_json=shown(
            "tokens/summary.json",
            "../report/token_summary_json.rst",
            "Token usage",
            "Data",
        ),
        summary_json_view=view(
            "tokens/summary.json",
            "../report/token_summary_json.rst",
            "Token usage",
            "Data",
        ),
        fraction=shown(
            "tables/token_fraction.tex",
            "../report/token_fraction.rst",
            "Token usage",
            "Tables",
        ),
        fraction_view=view(
            "tables/token_fraction.tex",
            "../report/token_fraction.rst",
            "Token usage",
            "Tables",
        ),
        usage=shown(
            "tables/token_usage.tex",
            "../report/token_usage_table.rst",
            "Token usage",
            "Tables",
        ),
        usage_view=view(
            "tables/token_usage.tex",
            "../report/token_usage_table.rst",
            "Token usage",
            "Tables",
        ),
    log:
        logged("tokens/summary.log"),
    priority: PRIORITIES["token_summary"]
    group:
        GROUPS["token_summary"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["token_summary"],
    params:
        found=RUNS_FOUND,
        root=TOKENS["runs"],
        optimizer=TOKENS["table_optimizer"],
        optimizer_found=runs_found(RUNS, TOKENS["table_optimizer"]),
    message:
        "token totals per run, their means over seeds, the token-usage LaTeX tables"
    script:
        "../../scripts/token_summary.py"


rule token_figures:
    input:
        runs=built("tokens/runs.csv"),
        steps=expand(intermediate("steps/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=code_of("token_figures.py"),
    output:
        usage_pdf=shown(
            "figures/token_usage.pdf",
            "../report/token_usage_figure.rst",
            "Token usage",
            "Figures",
        ),
        usage_png=shown(
            "figures/token_usage.png",
            "../report/token_usage_figure.rst",
            "Token usage",
            "Figures",
        ),
        cumulative_pdf=shown(
            "figures/token_cumulative.pdf",
            "../report/token_cumulative.rst",
            "Token usage",
            "Figures",
        ),
        cumulative_png=shown(
            "figures/token_cumulative.png",
            "../report/token_cumulative.rst",
            "Token usage",
            "Figures",
        ),
    log:
        logged("tokens/figures.log"),
    group:
        GROUPS["token_figures"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["token_figures"],
    params:
        optimizer=TOKENS["table_optimizer"],
        found=runs_found(RUNS, TOKENS["table_optimizer"]),
    message:
        "the token-usage and cumulative-token figures"
    script:
        "../../scripts/token_figures.py"
