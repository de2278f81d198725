"""Finding the inputs at parse time: prompt-optimization runs and router datasets.

Standard library only, and no file is opened: Snakemake imports this while
building the DAG, which must stay fast for thousands of runs.
"""

from __future__ import annotations

import os
import re
import string
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

#: Step-log file names in order of preference: the evaluated CSV (plain or
#: gzipped), else the optimizer's raw parquet log, which has the same token columns.
STEP_LOG_NAMES = ("step_results_eval.csv", "step_results_eval.csv.gz", "step_results.parquet")
SEED_FOLDER = re.compile(r"seed(\d+)")


@dataclass(frozen=True, order=True)
class Run:
    """One prompt-optimization run: a (dataset, model, optimizer, seed) and its files."""

    dataset: str
    model: str
    optimizer: str
    seed: int
    run: str  # the run folder, relative to the runs root
    log_path: str  # its step log

    @classmethod
    def from_log_path(cls, root: str, log_path: str) -> "Run":
        """The run whose step log is ``log_path`` (as discovered under ``root``).

        The rule passes only the step logs' paths, which name the run: a new or
        removed run changes the job's input set, which is what reruns it.
        """
        relative = Path(os.path.relpath(log_path, root)).parts
        dataset, model, optimizer, seed_name, experiment, run_id, _ = relative
        seed = int(SEED_FOLDER.fullmatch(seed_name).group(1))
        return cls(dataset, model, optimizer, seed, "/".join(relative[:-1]), log_path)


def _subdirs(path: str) -> list[str]:
    with os.scandir(path) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))


def _step_log(run_dir: str) -> str | None:
    for name in STEP_LOG_NAMES:
        candidate = os.path.join(run_dir, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def _check_filter(kind: str, wanted: list, found: set, root: str) -> None:
    missing = [w for w in wanted if w not in found]
    if missing:
        raise InputError(
            f"{root}: config tokens.{kind} lists {', '.join(map(str, missing))}, "
            f"which no run under this folder has; found: {', '.join(map(str, sorted(found))) or 'none'}. "
            f"Fix the list in config.yaml (an empty list takes every one found)."
        )


def discover_runs(root: str, datasets=(), models=(), optimizers=(), seeds=(),
                  run_choice: dict | None = None) -> list[Run]:
    """Every run under ``root``, in sorted order, filtered by the config's lists.

    A run lives at ``{root}/{dataset}/{model}/{optimizer}/seed{seed}/{experiment}/{run_id}/``.
    A seed folder with more than one run folder is an error unless
    ``run_choice`` maps the seed folder (relative to root) to the one to take.
    """
    run_choice = run_choice or {}
    if not os.path.isdir(root):
        raise InputError(f"{root}: the runs folder (config tokens.runs) does not exist. "
                         f"Point tokens.runs at the folder that holds {{dataset}}/{{model}}/... .")
    found = {"datasets": set(), "models": set(), "optimizers": set(), "seeds": set()}
    runs = []
    for dataset in _subdirs(root):
        found["datasets"].add(dataset)
        if datasets and dataset not in datasets:
            continue
        for model in _subdirs(os.path.join(root, dataset)):
            found["models"].add(model)
            if models and model not in models:
                continue
            for optimizer in _subdirs(os.path.join(root, dataset, model)):
                found["optimizers"].add(optimizer)
                if optimizers and optimizer not in optimizers:
                    continue
                cell = os.path.join(root, dataset, model, optimizer)
                for seed_name in _subdirs(cell):
                    match = SEED_FOLDER.fullmatch(seed_name)
                    if match is None:
                        raise InputError(
                            f"{os.path.join(cell, seed_name)}: a seed folder must be named "
                            f"seed<digits> (e.g. seed42). Rename it, or move it out of {root}.")
                    seed = int(match.group(1))
                    found["seeds"].add(seed)
                    if seeds and seed not in seeds:
                        continue
                    runs.append(_the_run(root, dataset, model, optimizer, seed_name, seed, run_choice))
    for kind, wanted in (("datasets", datasets), ("models", models),
                         ("optimizers", optimizers), ("seeds", seeds)):
        _check_filter(kind, list(wanted), found[kind], root)
    if not runs:
        raise InputError(f"{root}: no runs found (expected {{dataset}}/{{model}}/{{optimizer}}/"
                         f"seed<N>/{{experiment}}/{{run_id}}/ with a step log). Check tokens.runs "
                         f"and the filters in config.yaml.")
    return runs


def _the_run(root, dataset, model, optimizer, seed_name, seed, run_choice) -> Run:
    seed_rel = "/".join((dataset, model, optimizer, seed_name))
    seed_dir = os.path.join(root, seed_rel)
    run_dirs = [f"{experiment}/{run_id}"
                for experiment in _subdirs(seed_dir)
                for run_id in _subdirs(os.path.join(seed_dir, experiment))]
    if seed_rel in run_choice:
        chosen = run_choice[seed_rel].strip("/")
        if chosen not in run_dirs:
            raise InputError(
                f"{seed_dir}: config tokens.run_choice names run folder '{chosen}', which is not "
                f"there; it holds: {', '.join(run_dirs) or 'no run folders'}.")
        run_dirs = [chosen]
    if not run_dirs:
        raise InputError(f"{seed_dir}: no run folder ({{experiment}}/{{run_id}}/) in this seed folder. "
                         f"Remove the empty seed folder or add its run.")
    if len(run_dirs) > 1:
        raise InputError(
            f"{seed_dir}: {len(run_dirs)} run folders for one seed: {', '.join(run_dirs)}. "
            f"Say which to take in config.yaml, e.g. tokens.run_choice: "
            f"{{'{seed_rel}': '{run_dirs[-1]}'}}, or remove the others.")
    run_dir = os.path.join(seed_dir, run_dirs[0])
    log_path = _step_log(run_dir)
    if log_path is None:
        raise InputError(f"{run_dir}: no step log; expected one of {', '.join(STEP_LOG_NAMES)}. "
                         f"Copy the run's step log there, or remove the run folder.")
    return Run(dataset, model, optimizer, seed, f"{seed_rel}/{run_dirs[0]}", log_path)


def runs_by_dataset(runs: list[Run]) -> dict[str, list[Run]]:
    grouped = defaultdict(list)
    for run in runs:
        grouped[run.dataset].append(run)
    return dict(grouped)


def _pattern_regex(pattern: str) -> re.Pattern:
    parts = [(re.escape(literal), field) for literal, field, _, _ in string.Formatter().parse(pattern)]
    return re.compile("".join(lit + ("(?P<dataset>[^/]+)" if field == "dataset" else "")
                              for lit, field in parts))


def _datasets_matching(pattern: str) -> set[str]:
    regex = _pattern_regex(pattern)
    folder = Path(pattern.split("{dataset}")[0]).parent if "/" in pattern.split("{dataset}")[0] else Path(".")
    if not folder.is_dir():
        return set()
    names = set()
    for path in folder.rglob("*"):
        match = regex.fullmatch(path.as_posix()) if path.is_file() else None
        if match:
            names.add(match.group("dataset"))
    return names


def discover_routing_datasets(logits_pattern: str, router_pattern: str, datasets=()) -> list[str]:
    """The router datasets to analyse: those listed, or every one that has both files."""
    with_logits = _datasets_matching(logits_pattern)
    with_router = _datasets_matching(router_pattern)
    if datasets:
        for dataset in datasets:
            logits, router = (p.format(dataset=dataset) for p in (logits_pattern, router_pattern))
            missing = [p for p in (logits, router) if not os.path.isfile(p)]
            if missing:
                raise InputError(
                    f"{' and '.join(missing)}: not found, but config routing.datasets lists "
                    f"'{dataset}'. Each dataset needs both its logits file ({logits_pattern}) and its "
                    f"router file ({router_pattern}); datasets with both: "
                    f"{', '.join(sorted(with_logits & with_router)) or 'none'}.")
        return sorted(datasets)
    for key, pattern, found in (("logits", logits_pattern, with_logits), ("router", router_pattern, with_router)):
        if not found:
            raise InputError(
                f"{pattern}: no file matches this pattern (config routing.{key}), so there is no "
                f"router dataset to analyse. Point routing.logits and routing.router at your files; "
                f"{{dataset}} stands for the dataset's name.")
    for dataset in sorted(with_logits ^ with_router):
        has, lacks = ((logits_pattern, router_pattern) if dataset in with_logits
                      else (router_pattern, logits_pattern))
        raise InputError(
            f"{has.format(dataset=dataset)}: dataset '{dataset}' has this file but not "
            f"{lacks.format(dataset=dataset)}. Add the missing file, remove this one, or list the "
            f"datasets to analyse in config routing.datasets.")
    return sorted(with_logits & with_router)
