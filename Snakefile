# Regenerates every table and figure of the paper on what LLM work costs.
# Stages: token usage of prompt-optimization runs; what the optimization buys for
# its tokens; cost-benefit of routing between a small and a large LLM.
# `snakemake --cores 8` runs all three; jobs build into .build/, and publish
# copies the complete set into the output folder.
from snakemake.utils import min_version

min_version("9.0")


# The config, the data and the outputs are the working directory's (snakemake -d);
# the workflow's own files are found from this folder (common.smk), also as a module.
configfile: "config.yaml"


report: "workflow/report/workflow.rst"


wildcard_constraints:
    dataset=r"[^/]+",


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/tokens.smk"
include: "workflow/rules/optimization.smk"
include: "workflow/rules/routing.smk"
include: "workflow/rules/paper.smk"


rule all:
    default_target: True
    input:
        expand("{output}/{artifact}", output=OUTPUT, artifact=ARTIFACTS),
        VIEWS,  # the report's readable copies of tables and data (never published)


# The only rule that writes the output folder: it runs once every artifact is
# built, and swaps in a folder holding exactly them (llmcost/publish.py). The
# outputs are update(): Snakemake keeps the published files while it runs and
# restores them if it fails. Its inputs are the whole build area; its record of
# having published it is removed where any of it is missing, so that a failed
# run is retried (PUBLISHED, common.smk).
# A shell: job, not run: (Snakemake runs a run: job in a second, complete
# Snakemake: about 3 s more on every run that changes anything).
rule publish:
    input:
        build_files(),
        script=PUBLISH_SCRIPT,
        code=PUBLISH_CODE,
    output:
        [update(f"{OUTPUT}/{artifact}") for artifact in ARTIFACTS],
        published=PUBLISHED,
    log:
        logged("publish.log"),
    localrule: True
    conda:
        "environment.yml"  # Python's standard library only
    params:
        python=sys.executable,
        # the folders the artifacts' paths are relative to: {BUILD}/artifacts and the output folder
        build=lambda wildcards, input: input[0][: -len(ARTIFACTS[0]) - 1],
        output=lambda wildcards, output: output[0][: -len(ARTIFACTS[0]) - 1],
        artifacts=ARTIFACTS,
    message:
        f"publish the artifacts into {OUTPUT}/"
    shell:
        "{params.python:q} {input.script:q} {params.build:q} {params.output:q} "
        "{params.artifacts:q} > {log:q} 2>&1 && touch {output.published:q}"


# Before any job runs: --forceall (make check) reads every run again, without
# the run cache (common.smk).
onstart:
    start_without_run_cache()


# Snakemake's job rate limiter (max-jobs-per-timespan, 100 jobs a second by
# default) leaves a 1 s timer thread that Python waits for before it exits, on
# every run that executes jobs. The run is over when these handlers run.
onsuccess:
    cancel_rate_limiter_timers()


onerror:
    cancel_rate_limiter_timers()
