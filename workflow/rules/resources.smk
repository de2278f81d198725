# What each job asks a cluster for: memory (mem_mb) and wall time (runtime, in
# minutes). Every rule is single-threaded (threads: 1, the default). Used by
# the SLURM profile (profiles/slurm); a local run only checks mem_mb against
# --resources if you give it.
#
# Measured from the peak memory and time every job writes at the end of its
# log ("done: peak memory ... MB, ... s"; the time excludes Python's start-up,
# about 0.7 s), on the bundled data and on the 4000-run benchmark
# (benchmarks/synth_runs.py: 40 datasets x 5 models x 2 optimizers x 10
# seeds, ~580 KB per run) on this project's 2-core machine:
#
#   rule                        bundled          4000 runs
#   read_runs (per dataset)     227 MB  1.6 s    182 MB  3.5 s
#   routing_sweep (per dataset) 231 MB  1.7 s    231 MB  0.8 s   (bootstrap of 1000)
#   token_summary               163 MB  0.1 s    282 MB  0.3 s
#   token_tables                164 MB  0.1 s    182 MB  0.1 s
#   token_usage_figure          176 MB  0.6 s    222 MB  2.6 s
#   token_cumulative_figure     210 MB  1.8 s    405 MB  5.3 s
#   optimization_summary        163 MB  0.4 s    643 MB  3.0 s
#   optimization_tables         164 MB  0.2 s    182 MB  0.2 s   (before the comparison, which adds
#                                                0.1 s bundled, 1.6 s and 209 MB at 4000 runs of 4
#                                                optimizers: benchmarks/bench_optimizer_comparison.py)
#   score_vs_tokens_figure      199 MB  1.4 s    468 MB 18.3 s
#   optimizer_comparison_figure 170 MB  0.5 s    (not measured: its size grows with pairs, not runs)
#   routing_summary             163 MB  0.1 s    182 MB  0.1 s
#   routing_figure (per ds.)    170 MB  1.6 s    182 MB  0.9 s
#   routing_delta_ibc_figure    177 MB  1.0 s    182 MB  1.1 s
#   routing_pgr_figure          163 MB  0.7 s    182 MB  0.7 s
#   numbers                     163 MB  0.0 s    182 MB  0.0 s
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
    "optimization_summary": {"mem_mb": 1500, "runtime": 10},
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
