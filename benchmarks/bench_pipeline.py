"""The pipeline's targets (issues 22, 29 and 37): one new seed, a full regeneration, a no-op, peak
memory; and a new seed as the work grows (``bench_new_seed.py``: 400, 4,000 and 20,000 runs).

On the bundled data and on a synthetic tree of 4000 runs (20 datasets x 5 models
x 4 optimizers x 10 seeds, ``synth_runs.py``), each measured in the same session
for this checkout and for a baseline checkout (``--baseline``, default the commit
before issue 37's work), interleaved, best of ``--repeat``; beside them the
one-process floor: one Python process that reads every run (the columns the
stages use, and the racing logs) and computes the token and optimization
aggregates (no figures, no files written). The machine's load average is
printed with each size: the machine may be shared, and only the comparison
within one run means much.

Each checkout runs in the environment its own pins make: this one with the
interpreter running the benchmark (the project's .venv), the baseline with a
venv built once from the baseline's requirements.txt under ``benchmarks/work/``
(issue 29 moved the SLURM executor plugin out of the default install, which
changes Snakemake's start).

    python benchmarks/bench_pipeline.py [--sizes bundled 4000] [--scale bundled 400 4000 20000] [--repeat 3]
                                        [--baseline 737c973]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(HERE))

from check_results import copy_workflow  # noqa: E402
from synth_runs import generate_linked, write_run  # noqa: E402

import numpy as np  # noqa: E402

WORK = HERE / "work"
#: the synthetic trees: 20 datasets x 5 models x 4 optimizers x this many seeds
SEEDS = {"400": 1, "4000": 10, "20000": 50}
#: the commit before issue 37's work
BASELINE = "737c973"
#: issue 37's targets: seconds, or relative to a measured yardstick
TARGETS = {"new_seed_4000_minus_bundled": 1.5, "new_seed_20000_minus_bundled": 2.0, "full_bundled": 8.0,
           "full_4000_floors": 1.6, "new_seed_bundled_engines": 3.0, "suite": 180.0}
#: issue 37's "now" column (its fresh clone, quiet machine)
ISSUE_NOW = {"new_seed_4000_minus_bundled": "4.6 s", "new_seed_20000_minus_bundled": "not measured (about 25 s expected)",
             "full_bundled": "11.3 s", "full_4000_floors": "2.2 × the floor", "new_seed_bundled_engines": "4.9 s = 4.5 engine starts",
             "suite": "238 to 364 s"}
PEAK_MB = 1024.0
#: where a missed target's time goes, as profiled (docs/performance.md, "Where the time goes now",
#: says how it was measured and what would meet each)
CAUSES = {
    "new_seed_4000_minus_bundled": "no longer reading (the new seed's read_runs: 0.2 s at 200 runs a dataset): the "
                                   "jobs that combine every dataset, rerun whole: 20 datasets' figures (4 times the "
                                   "bundled panels) and tables, optimization_summary's comparison over every run. "
                                   "Would meet it: combining incrementally (per-dataset partial aggregates and "
                                   "figure panels, kept like the run cache)",
    "new_seed_20000_minus_bundled": "no longer reading (the new seed's read_runs: 0.5 s at 1,000 runs a dataset): "
                                    "the combining jobs over 20,000 runs (optimization_summary 20 s and 1 GB, the "
                                    "token figures 9 s, under load). Would meet it: combining incrementally",
    "full_bundled": "17 Python jobs' imports (pandas in all, matplotlib in 8: about 0.4 s each); each routing_sweep "
                    "job is 61 % imports, 13 % metrics, 12 % its figure (py-spy). Would meet it: fewer processes",
    "full_4000_floors": "every job's start and imports, and the combining jobs' figures and comparison, which the "
                        "floor does not make. Would meet it: fewer processes",
    "new_seed_bundled_engines": "7 jobs, each a Python process importing pandas, NumPy (figures: matplotlib): more "
                                "than half of their CPU. Would meet it: one process for a new seed's path",
    "suite": "its CPU (605 s on 2 cores): ~35 whole-pipeline runs and ~150 short Snakemake runs, each paying "
             "the workflow's reading and the jobs' imports",
}


def synthetic_tree(name: str) -> Path:
    """The synthetic tree of ``name`` runs under WORK (``synth_runs.generate_linked``), made once;
    a larger tree links the runs of the next smaller one."""
    root = WORK / f"synthetic_{name}"
    if not (root / ".complete").exists():
        smaller = [other for other in SEEDS if SEEDS[other] < SEEDS[name]]
        reuse = synthetic_tree(smaller[-1]) if smaller else None
        print(f"  generating {name} runs in {root} (once) ...", flush=True)
        generate_linked(root, 20, 5, 4, SEEDS[name], reuse=reuse)
        (root / ".complete").touch()
    return root


# Runs a command and reports its wall time and the largest resident set of any
# process it started (getrusage of the waited-for children: the biggest one).
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "rc": done.returncode,
                  "cpu": usage.ru_utime + usage.ru_stime,
                  "output": done.stdout + done.stderr}))
"""

# The floor: everything the token and optimization stages compute, in one process.
FLOOR = """
import sys
sys.path.insert(0, "scripts")
from llmcost.discovery import discover_runs
from llmcost.optimization import optimization_results, score_curve
from llmcost.runs import racing_of_runs, steps_of_runs
from llmcost.tokens import run_totals, summarize
runs = discover_runs(sys.argv[1])
steps, racing = steps_of_runs(runs), racing_of_runs(runs)
summarize(run_totals(steps))
optimization_results(steps, racing, [1e6, 3e6, 5e6])
score_curve(steps[steps["has_test_score"]])
"""


def measure(command: list[str], cwd: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd,
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed in {cwd}:\n{result['output'][-3000:]}")
    return result


def jobs_run(output: str) -> int:
    """Jobs Snakemake ran: the brief logger's job lines ("[3/26] rule ..."; none for `all`)."""
    return len(re.findall(r"^\[\d+/\d+\] \w+", output, flags=re.M))


def checkout(commit: str, target: Path) -> Path:
    """The workflow and data of ``commit`` (git archive) in ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=REPO, capture_output=True,
                             check=True)
    source = target.with_name(target.name + "-source")
    shutil.rmtree(source, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    copy_workflow(target, source)
    shutil.rmtree(source)
    return target


class Size:
    """One data size: where its runs are, how to add and remove one seed."""

    def __init__(self, name: str):
        self.name = name
        if name == "bundled":
            self.runs, self.config = None, []
        else:
            self.runs = synthetic_tree(name)
            self.config = ["--config", "output=out", f"tokens={{'runs': '{self.runs}'}}"]

    def add_seed(self, repos: list[Path]) -> None:
        if self.runs is None:  # a copy of a bundled seed, in each checkout's own data
            for repo in repos:
                cell = repo / "data/capo/main_results/gsm8k/qwen/CAPO"
                shutil.copytree(cell / "seed44", cell / "seed45")
        else:
            write_run(self.runs, "dataset00", "model0", "CAPO", 99, np.random.default_rng(99))

    def remove_seed(self, repos: list[Path]) -> None:
        if self.runs is None:
            for repo in repos:
                shutil.rmtree(repo / "data/capo/main_results/gsm8k/qwen/CAPO/seed45")
        else:
            shutil.rmtree(self.runs / "dataset00/model0/CAPO/seed99")

    def floor_root(self, repo: Path) -> str:
        return str(self.runs) if self.runs else str(repo / "data/capo/main_results")


def snakemake(size: Size, python: str, *args: str) -> list[str]:
    return [python, "-m", "snakemake", "--cores", "2", *size.config, *args]


def environment(repo: Path, commit: str) -> str:
    """The interpreter of a venv made from ``repo``'s requirements.txt (the checkout of ``commit``),
    built once under WORK; this checkout's own is the interpreter running the benchmark, also for a
    baseline whose pins are this checkout's."""
    pins = subprocess.run(["git", "show", f"{commit}:requirements.txt"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout
    if pins == (REPO / "requirements.txt").read_text():
        return sys.executable
    venv = WORK / f"venv-{commit}"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        print(f"  building {venv} from {commit}'s requirements.txt (once) ...", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pins = subprocess.run(["git", "show", f"{commit}:requirements.txt"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout
        (repo / "requirements.txt").write_text(pins)  # ./workflow/logger: the checkout's own
        for args in (["--upgrade", "pip"], ["-r", "requirements.txt"]):
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args], cwd=repo, check=True)
        (venv / ".complete").touch()
    return str(python)


def executor_plugins(python: str) -> list[str]:
    """The Snakemake executor plugins installed in ``python``'s environment (imported at every start)."""
    code = ("import pkgutil; print(' '.join(sorted(m.name for m in pkgutil.iter_modules() "
            "if m.name.startswith('snakemake_executor_plugin_'))))")
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def bench_size(name: str, baseline: str, repeat: int) -> dict:
    size = Size(name)
    WORK.mkdir(exist_ok=True)
    shutil.rmtree(WORK / f"this_{name}", ignore_errors=True)
    repos = {"this": copy_workflow(WORK / f"this_{name}"),
             "baseline": checkout(baseline, WORK / f"baseline_{name}")}
    pythons = {"this": sys.executable, "baseline": environment(repos["baseline"], baseline)}
    if size.runs is not None:  # left by an interrupted benchmark
        shutil.rmtree(size.runs / "dataset00/model0/CAPO/seed99", ignore_errors=True)
    load = [os.getloadavg()[0]]
    found: dict = {kind: {key: [] for key in ("full", "noop", "new_seed", "peak_mb", "full_jobs",
                                               "new_seed_jobs", "full_cpu", "noop_cpu", "new_seed_cpu")}
                   for kind in repos}
    found["floor"] = []
    for _ in range(repeat):
        found["floor"].append(measure([sys.executable, "-c", FLOOR, size.floor_root(repos["this"])],
                                      repos["this"])["seconds"])
        for kind, repo in repos.items():
            full = measure(snakemake(size, pythons[kind], "--forceall"), repo)
            found[kind]["full"].append(full["seconds"])
            found[kind]["full_cpu"].append(full["cpu"])
            found[kind]["peak_mb"].append(full["peak_mb"])
            found[kind]["full_jobs"].append(jobs_run(full["output"]))
        for kind, repo in repos.items():
            noop = measure(snakemake(size, pythons[kind]), repo)
            found[kind]["noop"].append(noop["seconds"])
            found[kind]["noop_cpu"].append(noop["cpu"])
        size.add_seed(list(repos.values()))
        try:
            for kind, repo in repos.items():
                new_seed = measure(snakemake(size, pythons[kind]), repo)
                found[kind]["new_seed"].append(new_seed["seconds"])
                found[kind]["new_seed_cpu"].append(new_seed["cpu"])
                found[kind]["new_seed_jobs"].append(jobs_run(new_seed["output"]))
        finally:
            size.remove_seed(list(repos.values()))
    load.append(os.getloadavg()[0])
    row = {"size": name, "floor": min(found["floor"]), "load": load, "repeat": repeat,
           "plugins": {kind: executor_plugins(python) for kind, python in pythons.items()}}
    floor_cpu = [measure([sys.executable, "-c", FLOOR, size.floor_root(repos["this"])], repos["this"])["cpu"]]
    row["floor_cpu"] = min(floor_cpu)
    for kind in repos:
        row[kind] = {key: (min(values) if key != "peak_mb" else max(values)) for key, values in found[kind].items()}
    return row


def table(rows: list[dict], baseline: str) -> str:
    """The detail per data size: each measurement of this checkout and of the baseline."""
    header = "| | " + " | ".join(f"{row['size']} data" if row["size"] == "bundled" else f"{row['size']} runs"
                                 for row in rows) + " |"
    lines = [header, "|---|" + "---|" * len(rows)]

    def cells(key: str, label: str) -> str:
        out = []
        for row in rows:
            this, base = row["this"], row["baseline"]
            jobs = f", {this[key + '_jobs']} jobs" if key + "_jobs" in this else ""
            out.append(f"{this[key]:.1f} s{jobs}; baseline {base[key]:.1f} s "
                       f"(CPU {this[key + '_cpu']:.1f} s; baseline {base[key + '_cpu']:.1f} s)")
        return f"| {label} | " + " | ".join(out) + " |"

    lines.append(cells("new_seed", "one new seed"))
    lines.append(cells("full", "full regeneration (`--forceall`)"))
    lines.append(cells("noop", "no-op"))
    lines.append("| peak memory (largest process) | " + " | ".join(
        f"{row['this']['peak_mb']:.0f} MB: {'met' if row['this']['peak_mb'] < PEAK_MB else 'MISSED'} (< 1 GB); "
        f"baseline {row['baseline']['peak_mb']:.0f} MB" for row in rows) + " |")
    lines.append("| floor: one process computing the token and optimization aggregates | " + " | ".join(
        f"{row['floor']:.1f} s, CPU {row['floor_cpu']:.1f} s (full / floor: x{row['this']['full'] / row['floor']:.2f}; "
        f"baseline x{row['baseline']['full'] / row['floor']:.2f})" for row in rows) + " |")
    lines.append("")
    lines.append(f"Best of {rows[0]['repeat']} (peak memory: the largest), this checkout and the baseline "
                 f"({baseline}) interleaved; load average (2 cores) " + "; ".join(
                     f"{row['size']}: {row['load'][0]:.1f} before, {row['load'][1]:.1f} after" for row in rows)
                 + ". Other work on the machine slows both sides alike; the targets assume a quiet machine. "
                 "CPU: user + system seconds of Snakemake and every job it ran (the least sensitive to load; "
                 "on 2 cores a run takes at least half of it). Executor plugins installed: " + "; ".join(
                     f"{kind}: {', '.join(plugins) or 'none'}" for kind, plugins in rows[0]["plugins"].items())
                 + " (Snakemake imports each at every start).")
    return "\n".join(lines)


def targets(rows: list[dict], scale: list[dict], engine: float) -> dict:
    """Each of issue 37's targets this run measured: {name: (this, baseline, limit, how shown)}."""
    by_size = {row["size"]: row for row in rows}
    seeds = {row["size"]: row for row in scale}
    found = {}
    for size in ("4000", "20000"):
        if "bundled" in seeds and size in seeds:
            this, base = (seeds[size][kind]["seconds"] - seeds["bundled"][kind]["seconds"] for kind in ("this", "baseline"))
            found[f"new_seed_{size}_minus_bundled"] = (this, base, TARGETS[f"new_seed_{size}_minus_bundled"], "{:+.1f} s")
    if "bundled" in by_size:
        row = by_size["bundled"]
        found["full_bundled"] = (row["this"]["full"], row["baseline"]["full"], TARGETS["full_bundled"], "{:.1f} s")
    if "4000" in by_size:
        row = by_size["4000"]
        found["full_4000_floors"] = (row["this"]["full"] / row["floor"], row["baseline"]["full"] / row["floor"],
                                     TARGETS["full_4000_floors"], "{:.2f} × the floor")
    if "bundled" in seeds:
        found["new_seed_bundled_engines"] = (seeds["bundled"]["this"]["seconds"] / engine,
                                             seeds["bundled"]["baseline"]["seconds"] / engine,
                                             TARGETS["new_seed_bundled_engines"], "{:.1f} engine starts")
    return found


LABELS = {"new_seed_4000_minus_bundled": "new seed at 4000 runs minus new seed bundled",
          "new_seed_20000_minus_bundled": "new seed at 20,000 runs minus new seed bundled",
          "full_bundled": "full regeneration, bundled", "full_4000_floors": "full regeneration, 4000 runs",
          "new_seed_bundled_engines": "new seed, bundled", "suite": "`make test` on a quiet machine"}
LIMITS = {"new_seed_4000_minus_bundled": "≤ 1.5 s", "new_seed_20000_minus_bundled": "≤ 2 s (new seed bundled + 2 s)",
          "full_bundled": "≤ 8 s", "full_4000_floors": "≤ 1.6 × the floor",
          "new_seed_bundled_engines": "≤ 3 engine starts", "suite": "≤ 180 s, nothing it checks dropped"}


def issue_table(rows: list[dict], scale: list[dict], engine: float, baseline: str) -> str:
    """Issue 37's table: its "now", the baseline measured in this run, this checkout, the target, and
    for each target met or missed, the measured cause."""
    found = targets(rows, scale, engine)
    lines = [f"| | first measured | baseline ({baseline}), this run | this checkout | target | "
             "met, or where the time goes (docs/performance.md) |", "|---|---|---|---|---|---|"]
    for name, label in LABELS.items():
        if name == "suite":
            lines.append(f"| {label} | {ISSUE_NOW[name]} | | not run by `make bench` (`make test` prints the "
                         f"suite's time) | {LIMITS[name]} | {CAUSES[name]} |")
            continue
        if name not in found:
            lines.append(f"| {label} | {ISSUE_NOW[name]} | not measured | not measured | {LIMITS[name]} | |")
            continue
        this, base, limit, shown = found[name]
        verdict = "**met**" if this <= limit else f"**missed**: {CAUSES[name]}"
        lines.append(f"| {label} | {ISSUE_NOW[name]} | {shown.format(base)} | {shown.format(this)} | "
                     f"{LIMITS[name]} | {verdict} |")
    return "\n".join(lines)


def run(sizes: list[str], repeat: int, baseline: str = BASELINE, scale_sizes=("bundled", "400", "4000", "20000")
        ) -> str:
    import bench_new_seed

    scale, engine, scale_table = bench_new_seed.run(list(scale_sizes), repeat, baseline)
    print(scale_table, flush=True)
    rows = []
    for name in sizes:
        print(f"pipeline, {name}: this checkout and {baseline}, best of {repeat} ...", flush=True)
        rows.append(bench_size(name, baseline, repeat))
    return "\n\n".join([issue_table(rows, scale, engine, baseline), table(rows, baseline) if rows else "",
                        "A new seed as the work grows (`benchmarks/bench_new_seed.py`):", scale_table])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", default=["bundled", "4000"], choices=["bundled", "4000"])
    parser.add_argument("--scale", nargs="*", default=["bundled", *SEEDS], choices=["bundled", *SEEDS])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    start = time.perf_counter()
    print(run(args.sizes, args.repeat, args.baseline, args.scale))
    print(f"({time.perf_counter() - start:.0f} s in all)")


if __name__ == "__main__":
    main()
