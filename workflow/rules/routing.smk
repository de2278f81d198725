# Cost-benefit of routing between a small and a large LLM.
#
# One routing_sweep job per dataset merges its two files and sweeps every
# router; a new dataset reruns only its own sweep and figure plus the small
# jobs that combine the datasets (summary, table, delta_IBC figure). The cost
# model and thresholds are params: changing them in the config reruns the
# sweeps. Jobs write into the build area, as in tokens.smk.


rule routing_sweep:
    input:
        logits=router_file("logits"),
        router=router_file("router"),
        code=lib("latex", "routing_model", "routing"),
    output:
        logits=built("routing/datasets/{dataset}/logits_sweep.json"),
        entropy=built("routing/datasets/{dataset}/entropy_sweep.json"),
        confidence=built("routing/datasets/{dataset}/confidence_sweep.json"),
        curve=built("routing/datasets/{dataset}/curve.csv"),
        summary=intermediate("routing/{dataset}.json"),
    params:
        costs=ROUTING["costs"],
        thresholds=ROUTING["thresholds"],
        confidence_thresholds=ROUTING["confidence_thresholds"],
        min_routed_share=ROUTING["min_routed_share"],
        inputs=router_files_fingerprint,
    log:
        "logs/routing/sweep_{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_sweep.py"


rule routing_summary:
    input:
        summaries=expand(intermediate("routing/{dataset}.json"), dataset=ROUTING_DATASETS),
        code=lib("latex", "routing_model", "routing"),
    output:
        summary=report(built("routing/summary.json"), caption="../report/routing_summary.rst",
                       category="Routing", subcategory="Data"),
        table=report(built("tables/routing_ibc.tex"), caption="../report/routing_table.rst",
                     category="Routing", subcategory="Tables"),
    log:
        "logs/routing/summary.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_summary.py"


rule routing_figure:
    input:
        sweeps=expand(built("routing/datasets/{{dataset}}/{router}_sweep.json"), router=ROUTERS),
        curve=built("routing/datasets/{dataset}/curve.csv"),
        summary=intermediate("routing/{dataset}.json"),
        code=lib("latex", "routing_model", "routing", "plotting", "routing_figures"),
    output:
        pdf=built("routing/datasets/{dataset}/cost_performance.pdf"),
        png=report(built("routing/datasets/{dataset}/cost_performance.png"),
                   caption="../report/routing_figure.rst", category="Routing", subcategory="Figures"),
    log:
        "logs/routing/figure_{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_figure.py"


rule routing_delta_ibc_figure:
    input:
        sweeps=expand(built("routing/datasets/{dataset}/{router}_sweep.json"), dataset=ROUTING_DATASETS,
                      router=ROUTERS),
        curves=expand(built("routing/datasets/{dataset}/curve.csv"), dataset=ROUTING_DATASETS),
        summaries=expand(intermediate("routing/{dataset}.json"), dataset=ROUTING_DATASETS),
        code=lib("latex", "routing_model", "routing", "plotting", "routing_figures"),
    output:
        pdf=built("figures/routing_delta_ibc.pdf"),
        png=report(built("figures/routing_delta_ibc.png"), caption="../report/routing_delta_ibc.rst",
                   category="Routing", subcategory="Figures"),
    log:
        "logs/routing/delta_ibc_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_delta_ibc_figure.py"
