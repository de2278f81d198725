# Token usage of prompt-optimization runs.
#
# Granularity: one token_steps job per dataset reads all of that dataset's
# runs. Starting a Python job that imports pandas costs ~0.5 s and reading one
# run ~2 ms, so a job per run (or per dataset x model x optimizer cell of a
# few seeds) would spend almost all its time starting up; one job for the
# whole stage would reread every run when one seed lands. A new seed reruns
# only its dataset's job and the small jobs that combine the datasets.
#
# Outputs are flagged update(): Snakemake then keeps an artifact while its job
# reruns and restores it if the job fails, so a bad new input never costs the
# artifacts of an earlier good run (the scripts write to a temporary file and
# rename it into place, so nothing half-written is left either).


rule token_steps:
    input:
        logs=step_logs,
        code=lib("discovery", "steplogs", "tokens", "latex"),
    output:
        steps=update("results/tokens/steps/{dataset}.csv"),
    params:
        root=TOKENS["runs"],
    log:
        "logs/tokens/steps_{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_steps.py"


rule token_summary:
    input:
        steps=expand("results/tokens/steps/{dataset}.csv", dataset=TOKEN_DATASETS),
        code=lib("discovery", "steplogs", "tokens", "latex"),
    output:
        runs=report(update("results/tokens/runs.csv"), caption="../report/token_runs.rst",
                    category="Token usage", subcategory="Data"),
        summary_csv=report(update("results/tokens/summary.csv"), caption="../report/token_summary.rst",
                           category="Token usage", subcategory="Data"),
        summary_json=update("results/tokens/summary.json"),
    log:
        "logs/tokens/summary.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_summary.py"


rule token_tables:
    input:
        summary="results/tokens/summary.csv",
        code=lib("discovery", "steplogs", "tokens", "latex"),
    output:
        fraction=report(update("results/tables/token_fraction.tex"),
                        caption="../report/token_fraction.rst",
                        category="Token usage", subcategory="Tables"),
        usage=report(update("results/tables/token_usage.tex"), caption="../report/token_usage_table.rst",
                     category="Token usage", subcategory="Tables"),
    params:
        optimizer=TOKENS["table_optimizer"],
    log:
        "logs/tokens/tables.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_tables.py"


rule token_usage_figure:
    input:
        summary="results/tokens/summary.csv",
        code=lib("discovery", "steplogs", "tokens", "latex", "plotting", "token_figures"),
    output:
        pdf=update("results/figures/token_usage.pdf"),
        png=report(update("results/figures/token_usage.png"), caption="../report/token_usage_figure.rst",
                   category="Token usage", subcategory="Figures"),
    params:
        optimizer=TOKENS["table_optimizer"],
    log:
        "logs/tokens/usage_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_usage_figure.py"


rule token_cumulative_figure:
    input:
        steps=expand("results/tokens/steps/{dataset}.csv", dataset=TOKEN_DATASETS),
        code=lib("discovery", "steplogs", "tokens", "latex", "plotting", "token_figures"),
    output:
        pdf=update("results/figures/token_cumulative.pdf"),
        png=report(update("results/figures/token_cumulative.png"),
                   caption="../report/token_cumulative.rst",
                   category="Token usage", subcategory="Figures"),
    params:
        optimizer=TOKENS["table_optimizer"],
    log:
        "logs/tokens/cumulative_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/token_cumulative_figure.py"
