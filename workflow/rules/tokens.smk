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
    message:
        "each run read once: per-step tokens and scores, racing counts"
    input:
        logs=step_logs,
        racing=racing_logs,
        code=lib("discovery", "steplogs", "optimization_logs", "runs"),
    output:
        steps=intermediate("steps/{dataset}.parquet"),
        racing=intermediate("racing/{dataset}.parquet"),
    params:
        root=TOKENS["runs"],
        inputs=run_files_fingerprint,
    resources:
        **RESOURCES["read_runs"],
    log:
        "logs/read_runs/{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/read_runs.py"


rule token_summary:
    message:
        "token totals per run and their means over seeds"
    input:
        steps=expand(intermediate("steps/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=lib("discovery", "steplogs", "tokens", "latex"),
    output:
        runs=report(built("tokens/runs.csv"), caption="../report/token_runs.rst",
                    category="Token usage", subcategory="Data"),
        summary_csv=report(built("tokens/summary.csv"), caption="../report/token_summary.rst",
                           category="Token usage", subcategory="Data"),
        summary_json=built("tokens/summary.json"),
    resources:
        **RESOURCES["token_summary"],
    group:
        GROUPS["token_summary"]
    log:
        "logs/tokens/summary.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_summary.py"


rule token_tables:
    message:
        "the token-usage LaTeX tables"
    input:
        summary=built("tokens/summary.csv"),
        code=lib("discovery", "steplogs", "tokens", "latex"),
    output:
        fraction=report(built("tables/token_fraction.tex"), caption="../report/token_fraction.rst",
                        category="Token usage", subcategory="Tables"),
        usage=report(built("tables/token_usage.tex"), caption="../report/token_usage_table.rst",
                     category="Token usage", subcategory="Tables"),
    params:
        optimizer=TOKENS["table_optimizer"],
    resources:
        **RESOURCES["token_tables"],
    group:
        GROUPS["token_tables"]
    log:
        "logs/tokens/tables.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_tables.py"


rule token_usage_figure:
    message:
        "the token-usage figure"
    input:
        summary=built("tokens/summary.csv"),
        code=lib("discovery", "steplogs", "tokens", "latex", "plotting", "token_figures"),
    output:
        pdf=built("figures/token_usage.pdf"),
        png=report(built("figures/token_usage.png"), caption="../report/token_usage_figure.rst",
                   category="Token usage", subcategory="Figures"),
    params:
        optimizer=TOKENS["table_optimizer"],
    resources:
        **RESOURCES["token_usage_figure"],
    group:
        GROUPS["token_usage_figure"]
    log:
        "logs/tokens/usage_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_usage_figure.py"


rule token_cumulative_figure:
    message:
        "the cumulative-token figure"
    input:
        steps=expand(intermediate("steps/{dataset}.parquet"), dataset=TOKEN_DATASETS),
        code=lib("discovery", "steplogs", "tokens", "latex", "plotting", "token_figures"),
    output:
        pdf=built("figures/token_cumulative.pdf"),
        png=report(built("figures/token_cumulative.png"), caption="../report/token_cumulative.rst",
                   category="Token usage", subcategory="Figures"),
    params:
        optimizer=TOKENS["table_optimizer"],
    resources:
        **RESOURCES["token_cumulative_figure"],
    group:
        GROUPS["token_cumulative_figure"]
    log:
        "logs/tokens/cumulative_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_cumulative_figure.py"
