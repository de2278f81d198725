# What each job asks a cluster for: memory (mem_mb) and wall time (runtime, in
# minutes). Every rule is single-threaded (threads: 1, the default). Used by
# the SLURM profile (profiles/slurm); a local run only checks mem_mb against
# --resources if you give it.
#
# Measured from the peak memory and time every job writes at the end of its
# log ("done: peak memory ... MB, ... s"; the time excludes Python's start-up
# and imports, about 0.3 to 0.8 s), on the bundled data and on the 4000-run
# benchmark (benchmarks/synth_runs.py: 20 datasets x 5 models x 4 optimizers x
# 10 seeds, ~580 KB per run) on this project's 2-core machine, after merging the combining jobs
# merged the combining jobs (measured at a load of about 4 on the 2 cores: the
# times are about twice a quiet machine's; read_runs from an earlier measurement):
#
#   rule                        bundled          4000 runs
#   read_runs (per dataset)     227 MB  1.6 s    182 MB  3.5 s
#   routing_sweep (per dataset) 290 MB  2.9 s    295 MB  4.7 s   (bootstrap of 1000, and its figure)
#   token_summary               170 MB  0.5 s    288 MB  1.5 s   (data and tables)
#   token_figures               214 MB  1.5 s    368 MB  2.3 s   (both figures)
#   optimization_summary        220 MB  2.3 s    459 MB  6.2 s   (data, tables, comparison and its figure)
#   score_vs_tokens_figure      200 MB  1.8 s    287 MB  3.5 s
#   routing_summary             170 MB  0.5 s    172 MB  0.3 s
#   routing_figures             193 MB  2.5 s    191 MB  2.3 s   (delta_IBC and PGR)
#   numbers                     170 MB  0.5 s    173 MB  0.4 s
#
# Requests: about twice the larger peak, at least 500 MB (a job's memory grows
# with runs per dataset and panels per figure); 10 minutes, 30 times the
# slowest job, because a shared node can be much slower than ours and a job
# killed for time costs a resubmission. publish and paper run on the host
# that runs Snakemake (localrule), not as cluster jobs.
RESOURCES = {
    "read_runs": {"mem_mb": 1000, "runtime": 10},
    "routing_sweep": {"mem_mb": 1000, "runtime": 10},
    "token_summary": {"mem_mb": 1000, "runtime": 10},
    "token_figures": {"mem_mb": 1000, "runtime": 10},
    "optimization_summary": {"mem_mb": 1000, "runtime": 10},
    "score_vs_tokens_figure": {"mem_mb": 1000, "runtime": 10},
    "routing_summary": {"mem_mb": 500, "runtime": 10},
    "routing_figures": {"mem_mb": 500, "runtime": 10},
    "numbers": {"mem_mb": 500, "runtime": 10},
}

# On a cluster, each stage's two jobs that combine the datasets (its summary and
# tables; its figures) run as one job (group:), so a run pays the cluster's
# per-job cost (~12 s on the test cluster) once per stage instead of once per
# small job. The per-dataset jobs (read_runs, routing_sweep) stay separate jobs,
# side by side. The optimization group's figures also read the per-dataset
# score curves, and the routing group's two jobs are not connected in the DAG:
# profiles/slurm merges them with group-components.
GROUPS = {
    "token_summary": "tokens",
    "token_figures": "tokens",
    "optimization_summary": "optimization",
    "score_vs_tokens_figure": "optimization",
    "routing_summary": "routing",
    "routing_figures": "routing",
}


# Which of the jobs that are ready a local run starts first (priority:, highest first; 0 where not
# given). A new seed leaves five combining jobs ready at once for two cores, and Snakemake's greedy
# scheduler otherwise starts those with the most input first (optimization_summary and
# token_summary, then the token figures), so the score figure, ready from the start, ran last:
# 4.3 s of the 2-core run's 8.5 s after the summaries, where starting it first gives 7.3 s in all
# for the same CPU time (docs/performance.md). token_summary comes first because two jobs wait
# for it (its figures and numbers).
PRIORITIES = {
    "token_summary": 2,
    "score_vs_tokens_figure": 2,
    "optimization_summary": 1,
}
