# The paper's numbers as LaTeX macros (part of `all`), and the paper built from
# the published artifacts (`paper`, outside `all`: TeX is a system dependency);
# its sections' text is generated from numbers.json (scripts/llmcost/paper.py)
# through the templates of its words, one per section.

# the sections' templates (scripts/llmcost/templates/): editing one rebuilds the paper
PAPER_TEMPLATES = sorted(
    workflow_file(f"scripts/llmcost/templates/{path.name}")
    for path in (WORKFLOW_DIR / "scripts/llmcost/templates").glob("*.tex.j2")
)


rule numbers:
    input:
        token_summary=built("tokens/summary.json"),
        token_runs=built("tokens/runs.csv"),
        optimization_summary=built("optimization/summary.json"),
        optimization_scores=built("optimization/scores.csv"),
        optimization_comparison=built("optimization/comparison.csv"),
        routing_summary=built("routing/summary.json") if ROUTING_ON else [],
        routing_comparison=built("routing/comparison.csv") if ROUTING_ON else [],
        routing_metrics=expand(
            built("routing/datasets/{dataset}/metrics.json"), dataset=ROUTING_DATASETS
        ),
        code=code_of("paper_numbers.py"),
    output:
        json=shown("numbers.json", "../report/numbers_json.rst", "Paper", "Numbers"),
        json_view=view("numbers.json", "../report/numbers_json.rst", "Paper", "Numbers"),
        tex=shown("numbers.tex", "../report/numbers_tex.rst", "Paper", "Numbers"),
        tex_view=view("numbers.tex", "../report/numbers_tex.rst", "Paper", "Numbers"),
    log:
        logged("numbers.log"),
    conda:
        "../../environment.yml"
    resources:
        **RESOURCES["numbers"],
    params:
        table_budget=OPTIMIZATION["table_budget"],
        routing_costs=ROUTING["costs"],
        min_routed_share=ROUTING["min_routed_share"],
    message:
        "the paper's numbers as LaTeX macros"
    script:
        "../../scripts/paper_numbers.py"


# The paper is built in its own build area, and only the PDF, its one output, is
# written outside it; an existing PDF that the build did not make stops it
# (scripts/build_paper.py), with its one line on the terminal too (stderr is not
# redirected). update(): Snakemake leaves an existing PDF in place for that check
# instead of deleting it before the job.
rule paper:
    input:
        tex=workflow_file("paper/main.tex"),
        numbers=f"{OUTPUT}/numbers.tex",
        artifacts=expand("{output}/{artifact}", output=OUTPUT, artifact=ARTIFACTS),
        script=workflow_file("scripts/build_paper.py"),
        code=code_of("build_paper.py"),
        templates=PAPER_TEMPLATES,
    output:
        update("paper/main.pdf"),
    log:
        logged("paper.log"),
    localrule: True
    conda:
        "../../environment.yml"  # Python for the build script; pdflatex comes from the system (TeX Live)
    params:
        results=lambda wildcards, input: os.path.dirname(input.numbers),  # the output folder
        table_optimizer=TOKENS["table_optimizer"],
        area=f"{BUILD}/paper",
        python=sys.executable,
    message:
        "the paper (paper/main.pdf) from the published artifacts"
    shell:
        "{params.python:q} {input.script:q} {input.tex:q} {params.results:q} {params.table_optimizer:q} "
        "{output:q} {params.area:q} > {log:q}"
