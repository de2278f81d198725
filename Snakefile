# Regenerates every table and figure of the paper on what LLM work costs.
# Stages: token usage of prompt-optimization runs; cost-benefit of routing
# between a small and a large LLM. `snakemake --cores 8` runs both.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


wildcard_constraints:
    dataset=r"[^/]+",


include: "workflow/rules/common.smk"
include: "workflow/rules/tokens.smk"
include: "workflow/rules/routing.smk"


rule all:
    input:
        all_artifacts(),
    default_target: True
