# Cost-benefit of routing between a small and a large LLM.
#
# One routing_sweep job per dataset merges its two files and sweeps every
# router; a new dataset reruns only its own sweep and figure plus the small
# jobs that combine the datasets (summary, table, delta_IBC figure). The cost
# model and thresholds are params: changing them in the config reruns the
# sweeps. Outputs are update() for the same reason as in tokens.smk.


rule routing_sweep:
    input:
        logits=lambda wildcards: ROUTING["logits"].format(dataset=wildcards.dataset),
        router=lambda wildcards: ROUTING["router"].format(dataset=wildcards.dataset),
        code=lib("latex", "routing_model", "routing"),
    output:
        logits=update("results/routing/{dataset}/logits_sweep.json"),
        entropy=update("results/routing/{dataset}/entropy_sweep.json"),
        confidence=update("results/routing/{dataset}/confidence_sweep.json"),
        curve=update("results/routing/{dataset}/curve.csv"),
        summary=update("results/routing/{dataset}/summary.json"),
    params:
        costs=ROUTING["costs"],
        thresholds=ROUTING["thresholds"],
        confidence_thresholds=ROUTING["confidence_thresholds"],
        min_routed_share=ROUTING["min_routed_share"],
    log:
        "logs/routing/sweep_{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_sweep.py"


rule routing_summary:
    input:
        summaries=expand("results/routing/{dataset}/summary.json", dataset=ROUTING_DATASETS),
        code=lib("latex", "routing_model", "routing"),
    output:
        summary=report(update("results/routing/summary.json"), caption="../report/routing_summary.rst",
                       category="Routing", subcategory="Data"),
        table=report(update("results/tables/routing_ibc.tex"), caption="../report/routing_table.rst",
                     category="Routing", subcategory="Tables"),
    log:
        "logs/routing/summary.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_summary.py"


rule routing_figure:
    input:
        sweeps=expand("results/routing/{{dataset}}/{router}_sweep.json", router=ROUTERS),
        curve="results/routing/{dataset}/curve.csv",
        summary="results/routing/{dataset}/summary.json",
        code=lib("latex", "routing_model", "routing", "plotting", "routing_figures"),
    output:
        pdf=update("results/figures/routing_{dataset}.pdf"),
        png=report(update("results/figures/routing_{dataset}.png"), caption="../report/routing_figure.rst",
                   category="Routing", subcategory="Figures"),
    log:
        "logs/routing/figure_{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_figure.py"


rule routing_delta_ibc_figure:
    input:
        sweeps=expand("results/routing/{dataset}/{router}_sweep.json", dataset=ROUTING_DATASETS,
                      router=ROUTERS),
        curves=expand("results/routing/{dataset}/curve.csv", dataset=ROUTING_DATASETS),
        summaries=expand("results/routing/{dataset}/summary.json", dataset=ROUTING_DATASETS),
        code=lib("latex", "routing_model", "routing", "plotting", "routing_figures"),
    output:
        pdf=update("results/figures/routing_delta_ibc.pdf"),
        png=report(update("results/figures/routing_delta_ibc.png"),
                   caption="../report/routing_delta_ibc.rst",
                   category="Routing", subcategory="Figures"),
    log:
        "logs/routing/delta_ibc_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_delta_ibc_figure.py"
