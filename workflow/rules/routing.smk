# Cost-benefit of routing between a small and a large LLM.
#
# One routing_sweep job per dataset merges its two files, sweeps every router
# and computes the curve metrics with their bootstrap intervals and held-out
# threshold choice; a new dataset reruns only its own sweep and figure plus the
# small jobs that combine the datasets (summary and tables, the delta_IBC and
# PGR figures). The cost model, thresholds, held-out splits and bootstrap are
# params: changing them in the config reruns the sweeps. Jobs write into the
# build area, as in tokens.smk.


rule routing_sweep:
    message:
        "threshold sweeps, exact curves, metrics with bootstrap intervals"
    input:
        logits=router_file("logits"),
        router=router_file("router"),
        code=lib("routing_model", "routing_data", "routing", "routing_metrics", "routing_resampling"),
    output:
        logits=built("routing/datasets/{dataset}/logits_sweep.json"),
        entropy=built("routing/datasets/{dataset}/entropy_sweep.json"),
        confidence=built("routing/datasets/{dataset}/confidence_sweep.json"),
        curve=built("routing/datasets/{dataset}/curve.csv"),
        summary=intermediate("routing/{dataset}.json"),
        metrics=report(built("routing/datasets/{dataset}/metrics.json"),
                       caption="../report/routing_metrics_dataset.rst", category="Routing",
                       subcategory="Data"),
    params:
        costs=ROUTING["costs"],
        thresholds=ROUTING["thresholds"],
        confidence_thresholds=ROUTING["confidence_thresholds"],
        min_routed_share=ROUTING["min_routed_share"],
        holdout=ROUTING["holdout"],
        bootstrap=ROUTING["bootstrap"],
        inputs=router_files_fingerprint,
    resources:
        **RESOURCES["routing_sweep"],
    log:
        "logs/routing/sweep_{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_sweep.py"


rule routing_summary:
    message:
        "the routing summary, metrics table and LaTeX tables"
    input:
        summaries=expand(intermediate("routing/{dataset}.json"), dataset=ROUTING_DATASETS),
        metrics=expand(built("routing/datasets/{dataset}/metrics.json"), dataset=ROUTING_DATASETS),
        code=lib("latex", "routing_model", "routing", "routing_metrics", "routing_resampling",
                 "routing_tables"),
    output:
        summary=report(built("routing/summary.json"), caption="../report/routing_summary.rst",
                       category="Routing", subcategory="Data"),
        table=report(built("tables/routing_ibc.tex"), caption="../report/routing_table.rst",
                     category="Routing", subcategory="Tables"),
        metrics=report(built("routing/metrics.csv"), caption="../report/routing_metrics_csv.rst",
                       category="Routing", subcategory="Data"),
        metrics_table=report(built("tables/routing_metrics.tex"), caption="../report/routing_metrics_table.rst",
                             category="Routing", subcategory="Tables"),
    resources:
        **RESOURCES["routing_summary"],
    group:
        GROUPS["routing_summary"]
    log:
        "logs/routing/summary.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_summary.py"


rule routing_figure:
    message:
        "the cost-performance figure"
    input:
        sweeps=expand(built("routing/datasets/{{dataset}}/{router}_sweep.json"), router=ROUTERS),
        curve=built("routing/datasets/{dataset}/curve.csv"),
        summary=intermediate("routing/{dataset}.json"),
        code=lib("latex", "routing_model", "routing", "routing_metrics", "plotting", "routing_figures"),
    output:
        pdf=built("routing/datasets/{dataset}/cost_performance.pdf"),
        png=report(built("routing/datasets/{dataset}/cost_performance.png"),
                   caption="../report/routing_figure.rst", category="Routing", subcategory="Figures"),
    resources:
        **RESOURCES["routing_figure"],
    group:
        GROUPS["routing_figure"]
    log:
        "logs/routing/figure_{dataset}.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_figure.py"


rule routing_delta_ibc_figure:
    message:
        "the delta_IBC figure"
    input:
        sweeps=expand(built("routing/datasets/{dataset}/{router}_sweep.json"), dataset=ROUTING_DATASETS,
                      router=ROUTERS),
        curves=expand(built("routing/datasets/{dataset}/curve.csv"), dataset=ROUTING_DATASETS),
        summaries=expand(intermediate("routing/{dataset}.json"), dataset=ROUTING_DATASETS),
        code=lib("latex", "routing_model", "routing", "routing_metrics", "plotting", "routing_figures"),
    output:
        pdf=built("figures/routing_delta_ibc.pdf"),
        png=report(built("figures/routing_delta_ibc.png"), caption="../report/routing_delta_ibc.rst",
                   category="Routing", subcategory="Figures"),
    resources:
        **RESOURCES["routing_delta_ibc_figure"],
    group:
        GROUPS["routing_delta_ibc_figure"]
    log:
        "logs/routing/delta_ibc_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_delta_ibc_figure.py"


rule routing_pgr_figure:
    message:
        "the PGR figure"
    input:
        metrics=expand(built("routing/datasets/{dataset}/metrics.json"), dataset=ROUTING_DATASETS),
        code=lib("routing_model", "routing", "plotting", "routing_metric_figures"),
    output:
        pdf=built("figures/routing_pgr.pdf"),
        png=report(built("figures/routing_pgr.png"), caption="../report/routing_pgr.rst",
                   category="Routing", subcategory="Figures"),
    params:
        bootstrap=ROUTING["bootstrap"],
    resources:
        **RESOURCES["routing_pgr_figure"],
    group:
        GROUPS["routing_pgr_figure"]
    log:
        "logs/routing/pgr_figure.log",
    conda:
        "../../environment.yml"
    script:
        "../../scripts/routing_pgr_figure.py"
