# The paper's numbers as LaTeX macros (part of `all`), and the paper built from
# the published artifacts (`paper`, outside `all`: TeX is a system dependency);
# its sections' text is generated from numbers.json (scripts/llmcost/paper.py).


rule numbers:
    message:
        "the paper's numbers as LaTeX macros"
    input:
        token_summary=built("tokens/summary.json"),
        token_runs=built("tokens/runs.csv"),
        optimization_summary=built("optimization/summary.json"),
        optimization_scores=built("optimization/scores.csv"),
        optimization_comparison=built("optimization/comparison.csv"),
        routing_summary=built("routing/summary.json"),
        routing_metrics=expand(built("routing/datasets/{dataset}/metrics.json"), dataset=ROUTING_DATASETS),
        code=lib("numbers", "latex", "report_html"),
    output:
        json=shown("numbers.json", "../report/numbers_json.rst", "Paper", "Numbers"),
        json_view=view("numbers.json", "../report/numbers_json.rst", "Paper", "Numbers"),
        tex=shown("numbers.tex", "../report/numbers_tex.rst", "Paper", "Numbers"),
        tex_view=view("numbers.tex", "../report/numbers_tex.rst", "Paper", "Numbers"),
    params:
        table_budget=OPTIMIZATION["table_budget"],
        routing_costs=ROUTING["costs"],
        min_routed_share=ROUTING["min_routed_share"],
    resources:
        **RESOURCES["numbers"],
    log:
        logged("numbers.log"),
    conda:
        "../../environment.yml"
    script:
        "../../scripts/paper_numbers.py"


rule paper:
    message:
        "the paper (paper/main.pdf) from the published artifacts"
    input:
        tex="paper/main.tex",
        numbers=f"{OUTPUT}/numbers.tex",
        artifacts=expand("{output}/{artifact}", output=OUTPUT, artifact=ARTIFACTS),
        code=["scripts/build_paper.py", *lib("paper", "numbers", "latex")],
    output:
        "paper/main.pdf",
    params:
        results=lambda wildcards, input: os.path.dirname(input.numbers),  # the output folder
        table_optimizer=TOKENS["table_optimizer"],
        python=sys.executable,
    log:
        logged("paper.log"),
    localrule: True
    conda:
        "../../environment.yml"  # Python for the build script; pdflatex comes from the system (TeX Live)
    shell:
        "{params.python:q} scripts/build_paper.py {input.tex:q} {params.results:q} {params.table_optimizer:q} "
        "> {log:q} 2>&1"
