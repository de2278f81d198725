"""Finding the inputs at parse time: prompt-optimization runs and router datasets.

Standard library only, and no file is opened: Snakemake imports this while
building the DAG, which must stay fast for thousands of runs.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

#: Step-log file names in order of preference: the evaluated CSV (plain or
#: gzipped: two spellings of one file, so both at once is an error), else the
#: optimizer's raw parquet log, which has the same token columns but no test_score.
EVAL_LOG_NAMES = ("step_results_eval.csv", "step_results_eval.csv.gz")
RAW_LOG_NAME = "step_results.parquet"
STEP_LOG_NAMES = (*EVAL_LOG_NAMES, RAW_LOG_NAME)
#: Racing log of an optimizer that races prompts (CAPO): one row per prompt,
#: one column per evaluation block.
RACING_LOG_NAME = "prompt_scores.parquet"
SEED_FOLDER = re.compile(r"seed(\d+)")
#: What stands for the '/' of a model id in its one folder (``meta-llama__Llama-3.1-8B-Instruct``),
#: as lm-evaluation-harness names its results folders.
MODEL_ID_SEPARATOR = "__"


#: The identifiers of a run (the fields of ``Run`` that tables carry), and of a cell.
RUN_KEYS = ["dataset", "model", "optimizer", "seed", "run"]
CELL_KEYS = ["dataset", "model", "optimizer"]


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


#: Characters Snakemake reads in any input or output path: {name} is a wildcard, <name> a
#: path variable; there is no escape, and it fails without naming the file.
SNAKEMAKE_MARKUP = re.compile(r"[{}<>]")


def no_wildcard_markup(path: str, what: str) -> None:
    """Stop, naming the outermost folder (or file) concerned, on a brace or angle bracket in a path."""
    if SNAKEMAKE_MARKUP.search(path):
        folder = path
        while SNAKEMAKE_MARKUP.search(os.path.dirname(folder)):
            folder = os.path.dirname(folder)
        raise InputError(
            f"{folder}: a brace or angle bracket in the name of {what}. Snakemake reads {{...}} in a "
            f"file path as a wildcard and <...> as a path variable, so the pipeline cannot take this "
            f"path. Rename it without them, or (for a folder you cannot rename) point the config at "
            f"a link to it: ln -s '{folder}' <new name>.")


def _subdirs(path: str) -> list[str]:
    with os.scandir(path) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))


def _step_log(run_dir: str) -> str | None:
    evaluated = [os.path.join(run_dir, name) for name in EVAL_LOG_NAMES
                 if os.path.isfile(os.path.join(run_dir, name))]
    if len(evaluated) > 1:
        raise InputError(
            f"{evaluated[0]} and {evaluated[1]}: two copies of one step log in a run folder; one "
            f"may be a stale or partial copy. Keep the right one and remove the other.")
    if evaluated:
        return evaluated[0]
    raw = os.path.join(run_dir, RAW_LOG_NAME)
    return raw if os.path.isfile(raw) else None


def racing_log(log_path: str) -> str | None:
    """The run's racing log (``prompt_scores.parquet`` beside its step log), if it has one."""
    path = os.path.join(os.path.dirname(log_path), RACING_LOG_NAME)
    return path if os.path.isfile(path) else None


def _check_filter(kind: str, wanted: list, found: set, root: str) -> None:
    missing = [w for w in wanted if w not in found]
    if missing:
        raise InputError(
            f"{root}: config tokens.{kind} lists {', '.join(map(str, missing))}, "
            f"which no run under this folder has; found: {', '.join(map(str, sorted(found))) or 'none'}. "
            f"Fix the list in your config (config.yaml, --configfile or --config; an empty list "
            f"takes every one found)."
        )


def discover_runs(root: str, datasets=(), models=(), optimizers=(), seeds=(),
                  run_choice: dict | None = None) -> list[Run]:
    """Every run under ``root``, in sorted order, filtered by the config's lists.

    A run lives at ``{root}/{dataset}/{model}/{optimizer}/seed{seed}/{experiment}/{run_id}/``.
    A seed folder with more than one run folder is an error unless
    ``run_choice`` maps the seed folder (relative to root) to the one to take.
    """
    run_choice = run_choice or {}
    root = os.path.normpath(root)  # ./runs, runs/ and runs//x name the same folders as runs, runs/x
    no_wildcard_markup(root, "the runs folder (config tokens.runs)")
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
                for seed, seed_name in _seed_folders(cell, root):
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
                         f"and the filters in your config.")
    return runs


def _seed_folders(cell: str, root: str) -> list[tuple[int, str]]:
    """(seed, folder name) of each seed folder of a cell; two spellings of one seed are an error."""
    seen: dict[int, str] = {}
    for seed_name in _subdirs(cell):
        match = SEED_FOLDER.fullmatch(seed_name)
        if match is None:
            raise InputError(_not_a_seed_folder(cell, seed_name, root))
        seed = int(match.group(1))
        if seed in seen:
            raise InputError(
                f"{os.path.join(cell, seen[seed])} and {os.path.join(cell, seed_name)}: two folders "
                f"for seed {seed}, which would count its run twice. Merge them into one folder "
                f"(seed{seed}) or remove the copy.")
        seen[seed] = seed_name
    return sorted(seen.items())


def _not_a_seed_folder(cell: str, name: str, root: str) -> str:
    """Why ``{cell}/{name}`` cannot be a seed folder, and what to do.

    A folder of seed folders one level down is a run laid out one level too deep: a model
    named by a Hugging Face id (``meta-llama/Llama-3.1-8B-Instruct``) saved as two folders,
    so that discovery reads the organisation as the model and the model as the optimizer.
    """
    folder = os.path.join(cell, name)
    if not any(SEED_FOLDER.fullmatch(sub) for sub in _subdirs(folder)):
        return (f"{folder}: a seed folder must be named seed<digits> (e.g. seed42). Rename it, "
                f"or move it out of {root}.")
    (dataset_dir, organisation), model = os.path.split(os.path.dirname(cell)), os.path.basename(cell)
    one_folder = f"{organisation}{MODEL_ID_SEPARATOR}{model}"
    return (f"{cell}: a model laid out as two folders ({organisation}/{model}/), as a model id with "
            f"'/' such as meta-llama/Llama-3.1-8B-Instruct would be: this folder holds optimizer "
            f"folders ({name}/), so {model} was taken for an optimizer. A model is one folder: "
            f"rename it {one_folder} (mv '{cell}' '{os.path.join(dataset_dir, one_folder)}', in "
            f"every dataset folder), as docs/own-data.md shows.")


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
            f"Say which to take in your config, e.g. tokens.run_choice: "
            f"{{'{seed_rel}': '{run_dirs[-1]}'}}, or remove the others.")
    run_dir = os.path.join(seed_dir, run_dirs[0])
    log_path = _step_log(run_dir)
    if log_path is None:
        raise InputError(f"{run_dir}: no step log; expected one of {', '.join(STEP_LOG_NAMES)}. "
                         f"Copy the run's step log there, or remove the run folder.")
    no_wildcard_markup(log_path, "a dataset, model, optimizer or run folder")
    return Run(dataset, model, optimizer, seed, f"{seed_rel}/{run_dirs[0]}", log_path)


def fingerprint(paths) -> str:
    """A short digest of the files' paths, sizes and modification times.

    As a rule's param it reruns the job whenever one of its input files changes
    size or time in either direction, which Snakemake's own rule (an input newer
    than the output) misses when a copy keeps an older time (rsync -a, cp -p, tar).
    """
    digest = hashlib.sha1()
    for path in paths:
        status = os.stat(path)
        digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def runs_by_dataset(runs: list[Run]) -> dict[str, list[Run]]:
    grouped = defaultdict(list)
    for run in runs:
        grouped[run.dataset].append(run)
    return dict(grouped)


def _pattern_regex(pattern: str) -> re.Pattern:
    """``pattern`` as a regex; ``{dataset}`` may appear more than once and must name one dataset."""
    literals = [re.escape(literal) for literal in pattern.split("{dataset}")]
    return re.compile(literals[0] + "".join(
        ("(?P<dataset>[^/]+)" if i == 0 else "(?P=dataset)") + literal for i, literal in enumerate(literals[1:])))


def spellings(pattern: str) -> tuple[str, ...]:
    """The file names a router pattern accepts: a ``.jsonl`` pattern also takes its ``.jsonl.gz``."""
    return (pattern,) if pattern.endswith(".gz") else (pattern, pattern + ".gz")


def fixed_prefix(pattern: str) -> tuple[str, int]:
    """The folder a pattern's datasets are listed in, its longest fixed prefix (the folders
    before the first path component holding ``{dataset}``), and that component's index."""
    parts = pattern.split("/")
    first = next(i for i, part in enumerate(parts) if "{dataset}" in part)
    return "/".join(parts[:first]) or ("/" if pattern.startswith("/") else "."), first


def _files_matching(pattern: str) -> dict[str, list[str]]:
    """dataset -> the files (every accepted spelling) that match ``pattern``.

    One folder is listed, and only it: the pattern's fixed prefix. The names in it that
    match the first component holding ``{dataset}`` give the datasets; the rest of the
    pattern is then fixed, and each dataset's files are only looked up. So a pattern
    below a shared folder never reads that folder's other trees (nor, for
    ``/scratch/{dataset}.jsonl``, the whole file system).
    """
    pattern = os.path.normpath(pattern)  # ./my, my//x and a trailing / name the same files
    folder, first = fixed_prefix(pattern)
    components = pattern.split("/")
    last = first == len(components) - 1  # {dataset} first in the file name: it may end in .gz
    regexes = [_pattern_regex(name) for name in (spellings(components[first]) if last else components[first:first + 1])]
    try:
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries)
    except (FileNotFoundError, NotADirectoryError):
        names = []
    except PermissionError:
        raise InputError(f"{folder}: this folder of the router pattern {pattern} cannot be listed (permission "
                         f"denied). Make it readable, or point the pattern at a folder you can read.") from None
    datasets = sorted({match.group("dataset") for name in names for regex in regexes
                       if (match := regex.fullmatch(name))})
    found = defaultdict(list)
    for dataset in datasets:
        for spelling in spellings(pattern):
            path = spelling.replace("{dataset}", dataset)
            if os.path.isfile(path):
                found[dataset].append(path)
    return found


def _one_file(dataset: str, files: list[str], key: str) -> str:
    if len(files) > 1:
        raise InputError(
            f"{' and '.join(files)}: two files for dataset '{dataset}' (config routing.{key}); one "
            f"may be a stale copy. Keep one of them (plain or gzipped) and remove the other.")
    return files[0]


#: the router comparison's key for its mean over the datasets (routing_comparison.ALL)
MEAN_OVER_DATASETS = "all"


def discover_routing_datasets(logits_pattern: str, router_pattern: str, datasets=()
                              ) -> dict[str, tuple[str, str]]:
    """dataset -> (logits file, router file): those listed, or every dataset that has both.

    A pattern names a file with ``{dataset}`` (possibly more than once); a
    ``.jsonl`` pattern accepts the plain and the gzipped file, not both.
    """
    for key, pattern in (("logits", logits_pattern), ("router", router_pattern)):
        no_wildcard_markup(os.path.dirname(pattern.replace("{dataset}", "")) or ".",
                  f"a folder in config routing.{key} ({pattern})")
    with_logits, with_router = _files_matching(logits_pattern), _files_matching(router_pattern)
    if datasets:
        for dataset in datasets:
            missing = [spelling.format(dataset=dataset) for pattern, found in
                       ((logits_pattern, with_logits), (router_pattern, with_router))
                       if dataset not in found for spelling in spellings(pattern)[:1]]
            if missing:
                raise InputError(
                    f"{' and '.join(missing)}: not found, but config routing.datasets lists "
                    f"'{dataset}'. Each dataset needs both its logits file ({logits_pattern}) and its "
                    f"router file ({router_pattern}), plain or gzipped; datasets with both: "
                    f"{', '.join(sorted(with_logits.keys() & with_router.keys())) or 'none'}.")
        chosen = sorted(datasets)
    else:
        for key, pattern, found in (("logits", logits_pattern, with_logits),
                                    ("router", router_pattern, with_router)):
            if not found:
                raise InputError(
                    f"{pattern}: no file matches this pattern (config routing.{key}), so there is no "
                    f"router dataset to analyse. Point routing.logits and routing.router at your "
                    f"files; {{dataset}} stands for the dataset's name.")
        for dataset in sorted(with_logits.keys() ^ with_router.keys()):
            has, lacks = ((with_logits[dataset][0], router_pattern) if dataset in with_logits
                          else (with_router[dataset][0], logits_pattern))
            raise InputError(
                f"{has}: dataset '{dataset}' has this file but not {lacks.format(dataset=dataset)}"
                f"(.gz). Add the missing file, remove this one, or list the datasets to analyse in "
                f"config routing.datasets.")
        chosen = sorted(with_logits.keys() & with_router.keys())
    files = {dataset: (_one_file(dataset, with_logits[dataset], "logits"),
                       _one_file(dataset, with_router[dataset], "router")) for dataset in chosen}
    if MEAN_OVER_DATASETS in files:
        raise InputError(
            f"{files[MEAN_OVER_DATASETS][0]}: a router dataset named '{MEAN_OVER_DATASETS}' would share its "
            f"key with the mean over the datasets in the router comparison (comparison.csv, numbers.json). "
            f"Rename its two files (e.g. {MEAN_OVER_DATASETS}_queries), or leave it out of config routing.datasets.")
    for paths in files.values():
        for path in paths:
            no_wildcard_markup(path, "a router dataset's file")
    return files


def runs_found(runs: list[Run], optimizer: str | None = None) -> dict:
    """What discovery found, for the report's captions: the number of runs (of ``optimizer``
    if given), the names of their datasets, models, optimizers and seeds, and the fewest
    and most seeds of a (dataset, model, optimizer) cell."""
    chosen = [run for run in runs if optimizer is None or run.optimizer == optimizer]
    per_cell = Counter((run.dataset, run.model, run.optimizer) for run in chosen).values()
    return {
        "runs": len(chosen),
        **{f"{key}s": sorted({getattr(run, key) for run in chosen})
           for key in ("dataset", "model", "optimizer", "seed")},
        "seeds_per_cell": [min(per_cell, default=0), max(per_cell, default=0)],
    }
