"""A dataset's run manifest: the one input file of its ``read_runs`` job.

Written at parse time (``workflow/rules/common.smk``) into the build area, one
per dataset: each step log discovered for the dataset, with its size and
modification time, and the same for its racing log if the run has one. The
file is named by a digest of that content, so a run added, removed or changed
(also when a changed file keeps an older time: rsync -a, cp -p, tar x) gives
the job another input file, and Snakemake reruns it; a dry run with another
config writes its own file and leaves the current one alone. The job removes
the dataset's earlier manifests when it has read its own.

Why not the step logs themselves as inputs: at 4000 runs Snakemake would match
thousands of paths while building the DAG, and after each ``read_runs`` job it
hashes every input under 1 MB once per output file (``max-checksum-file-size``),
reading ~250 MB to learn what the sizes and times already say.

Standard library only: Snakemake imports this at parse time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .discovery import Run, racing_log


def _stat(path: str | None) -> list:
    if path is None:
        return [None, None, None]
    status = os.stat(path)
    return [path, status.st_size, status.st_mtime_ns]


def manifest_text(runs: list[Run]) -> str:
    """One JSON line per run: ``[step log, size, mtime_ns, racing log or null, size, mtime_ns]``."""
    return "".join(json.dumps([*_stat(run.log_path), *_stat(racing_log(run.log_path))]) + "\n"
                   for run in runs)


def write_manifest(folder: str, runs: list[Run]) -> str:
    """The path of ``runs``' manifest in ``folder`` (``<digest>.jsonl``), written if it is not there."""
    text = manifest_text(runs)
    target = Path(folder) / f"{hashlib.sha1(text.encode()).hexdigest()[:16]}.jsonl"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    return str(target)


def remove_earlier_manifests(path: str) -> None:
    """Delete the other manifests beside ``path`` (the dataset's earlier ones)."""
    for other in Path(path).parent.glob("*.jsonl"):
        if other.name != Path(path).name:
            other.unlink(missing_ok=True)


def step_log_paths(path: str) -> list[str]:
    """The step logs a manifest lists, in its order (discovery's sorted order)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)[0] for line in handle if line.strip()]
