# Cost-benefit of routing between a small and a large LLM.
#
# One routing_sweep job per dataset merges its two files, sweeps every router,
# computes the curve metrics with their bootstrap intervals and held-out
# threshold choice, and draws the dataset's cost-performance figure; a new
# dataset reruns only its own sweep plus the two jobs that combine the datasets
# (routing_summary: summary, tables and the routers compared across datasets;
# routing_figures: the delta_IBC, PGR and router comparison figures). The sweep
# also compares the routers pair by pair on its bootstrap resamples and passes
# the per-resample differences on (routing/comparison/{dataset}.json). The cost model, thresholds, held-out splits and bootstrap are
# params: changing them in the config reruns the sweeps. Jobs write into the
# build area, as in tokens.smk.


rule routing_sweep:
    input:
        logits=router_file("logits"),
        router=router_file("router"),
        code=code_of("routing_sweep.py"),
    output:
        logits=shown(
            "routing/datasets/{dataset}/logits_sweep.json",
            "../report/routing_sweep.rst",
            "Routing",
            "Data per dataset",
        ),
        logits_view=view(
            "routing/datasets/{dataset}/logits_sweep.json",
            "../report/routing_sweep.rst",
            "Routing",
            "Data per dataset",
        ),
        entropy=shown(
            "routing/datasets/{dataset}/entropy_sweep.json",
            "../report/routing_sweep.rst",
            "Routing",
            "Data per dataset",
        ),
        entropy_view=view(
            "routing/datasets/{dataset}/entropy_sweep.json",
            "../report/routing_sweep.rst",
            "Routing",
            "Data per dataset",
        ),
        confidence=shown(
            "routing/datasets/{dataset}/confidence_sweep.json",
            "../report/routing_sweep.rst",
            "Routing",
            "Data per dataset",
        ),
        confidence_view=view(
            "routing/datasets/{dataset}/confidence_sweep.json",
            "../report/routing_sweep.rst",
            "Routing",
            "Data per dataset",
        ),
        curve=shown(
            "routing/datasets/{dataset}/curve.csv",
            "../report/routing_curve.rst",
            "Routing",
            "Data per dataset",
        ),
        summary=intermediate("routing/{dataset}.json"),
        comparison=intermediate("routing/comparison/{dataset}.json"),
        metrics=shown(
            "routing/datasets/{dataset}/metrics.json",
            "../report/routing_metrics_dataset.rst",
            "Routing",
            "Data per dataset",
        ),
        metrics_view=view(
            "routing/datasets/{dataset}/metrics.json",
            "../report/routing_metrics_dataset.rst",
            "Routing",
            "Data per dataset",
        ),
        pdf=shown(
            "routing/datasets/{dataset}/cost_performance.pdf",
            "../report/routing_figure.rst",
            "Routing",
            "Figures",
        ),
        png=shown(
            "routing/datasets/{dataset}/cost_performance.png",
            "../report/routing_figure.rst",
            "Routing",
            "Figures",
        ),
    log:
        logged("routing/sweep_{dataset}.log"),
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["routing_sweep"],
    params:
        id_field=ROUTING["id_field"],
        costs=ROUTING["costs"],
        verifier_routers=ROUTING["verifier_routers"],
        thresholds=ROUTING["thresholds"],
        confidence_thresholds=ROUTING["confidence_thresholds"],
        min_routed_share=ROUTING["min_routed_share"],
        holdout=ROUTING["holdout"],
        bootstrap=ROUTING["bootstrap"],
        inputs=router_files_fingerprint,
    message:
        "threshold sweeps, exact curves, metrics with bootstrap intervals, the cost-performance figure"
    script:
        "../../scripts/routing_sweep.py"


rule routing_summary:
    input:
        summaries=expand(
            intermediate("routing/{dataset}.json"), dataset=ROUTING_DATASETS
        ),
        metrics=expand(
            built("routing/datasets/{dataset}/metrics.json"), dataset=ROUTING_DATASETS
        ),
        comparisons=expand(
            intermediate("routing/comparison/{dataset}.json"), dataset=ROUTING_DATASETS
        ),
        code=code_of("routing_summary.py"),
    output:
        summary=shown(
            "routing/summary.json", "../report/routing_summary.rst", "Routing", "Data"
        ),
        summary_view=view(
            "routing/summary.json", "../report/routing_summary.rst", "Routing", "Data"
        ),
        table=shown(
            "tables/routing_ibc.tex",
            "../report/routing_table.rst",
            "Routing",
            "Tables",
        ),
        table_view=view(
            "tables/routing_ibc.tex",
            "../report/routing_table.rst",
            "Routing",
            "Tables",
        ),
        metrics=shown(
            "routing/metrics.csv",
            "../report/routing_metrics_csv.rst",
            "Routing",
            "Data",
        ),
        metrics_view=view(
            "routing/metrics.csv",
            "../report/routing_metrics_csv.rst",
            "Routing",
            "Data",
        ),
        metrics_table=shown(
            "tables/routing_metrics.tex",
            "../report/routing_metrics_table.rst",
            "Routing",
            "Tables",
        ),
        metrics_table_view=view(
            "tables/routing_metrics.tex",
            "../report/routing_metrics_table.rst",
            "Routing",
            "Tables",
        ),
        automix_table=shown(
            "tables/routing_automix.tex",
            "../report/routing_automix_table.rst",
            "Routing",
            "Tables",
        ),
        automix_table_view=view(
            "tables/routing_automix.tex",
            "../report/routing_automix_table.rst",
            "Routing",
            "Tables",
        ),
        comparison=shown(
            "routing/comparison.csv",
            "../report/routing_comparison_csv.rst",
            "Routing",
            "Data",
        ),
        comparison_view=view(
            "routing/comparison.csv",
            "../report/routing_comparison_csv.rst",
            "Routing",
            "Data",
        ),
        comparison_table=shown(
            "tables/routing_comparison.tex",
            "../report/routing_comparison_table.rst",
            "Routing",
            "Tables",
        ),
        comparison_table_view=view(
            "tables/routing_comparison.tex",
            "../report/routing_comparison_table.rst",
            "Routing",
            "Tables",
        ),
    log:
        logged("routing/summary.log"),
    group:
        GROUPS["routing_summary"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["routing_summary"],
    params:
        datasets=ROUTING_DATASETS,
        costs=ROUTING["costs"],
        verifier_routers=ROUTING["verifier_routers"],
        thresholds=ROUTING["thresholds"],
        confidence_thresholds=ROUTING["confidence_thresholds"],
        min_routed_share=ROUTING["min_routed_share"],
        holdout=ROUTING["holdout"],
        bootstrap=ROUTING["bootstrap"],
    message:
        "the routing summary, metrics table, paired router comparison and LaTeX tables"
    script:
        "../../scripts/routing_summary.py"


rule routing_figures:
    input:
        sweeps=expand(
            built("routing/datasets/{dataset}/{router}_sweep.json"),
            dataset=ROUTING_DATASETS,
            router=ROUTERS,
        ),
        curves=expand(
            built("routing/datasets/{dataset}/curve.csv"), dataset=ROUTING_DATASETS
        ),
        summaries=expand(
            intermediate("routing/{dataset}.json"), dataset=ROUTING_DATASETS
        ),
        metrics=expand(
            built("routing/datasets/{dataset}/metrics.json"), dataset=ROUTING_DATASETS
        ),
        comparisons=expand(
            intermediate("routing/comparison/{dataset}.json"), dataset=ROUTING_DATASETS
        ),
        code=code_of("routing_figures.py"),
    output:
        delta_ibc_pdf=shown(
            "figures/routing_delta_ibc.pdf",
            "../report/routing_delta_ibc.rst",
            "Routing",
            "Figures",
        ),
        delta_ibc_png=shown(
            "figures/routing_delta_ibc.png",
            "../report/routing_delta_ibc.rst",
            "Routing",
            "Figures",
        ),
        pgr_pdf=shown(
            "figures/routing_pgr.pdf",
            "../report/routing_pgr.rst",
            "Routing",
            "Figures",
        ),
        pgr_png=shown(
            "figures/routing_pgr.png",
            "../report/routing_pgr.rst",
            "Routing",
            "Figures",
        ),
        comparison_pdf=shown(
            "figures/routing_comparison.pdf",
            "../report/routing_comparison_figure.rst",
            "Routing",
            "Figures",
        ),
        comparison_png=shown(
            "figures/routing_comparison.png",
            "../report/routing_comparison_figure.rst",
            "Routing",
            "Figures",
        ),
    log:
        logged("routing/figures.log"),
    group:
        GROUPS["routing_figures"]
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["routing_figures"],
    params:
        bootstrap=ROUTING["bootstrap"],
    message:
        "the delta_IBC, PGR and router comparison figures"
    script:
        "../../scripts/routing_figures.py"
