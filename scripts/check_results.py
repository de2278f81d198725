"""`make check`: regenerate every artifact from scratch and compare with the committed results/.

Copies the workflow and its data (not results/) to a temporary folder, runs
``snakemake --cores N --forceall`` there, and compares every file with the
``results/`` committed at HEAD (read with ``git archive``; outside a git
checkout, the working tree's ``results/``). Exits 1 naming each file that
differs, is missing or is extra, and the first causes to look for: the venv against the lock
(``check_venv.py``), then the platform.

    python scripts/check_results.py [--cores 8] [--keep]
    python scripts/check_results.py --causes     # that advice alone (scripts/ci.sh)
"""

from __future__ import annotations

import argparse
import filecmp
import io
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from check_venv import differences, installed_versions  # noqa: E402
from llmcost.publish import MANIFEST  # noqa: E402

#: The platform the committed results/ were made on: the same lock elsewhere may draw other bytes.
COMMITTED_PLATFORM = "Linux on x86_64 with Python 3.11"
#: What a copy of the repository needs to run the workflow (results/ excluded).
WORKFLOW_FILES = ["Snakefile", "config.yaml", "environment.yml", "profiles", "workflow", "scripts", "data",
                  "paper/main.tex"]


def copy_workflow(target: Path, source: Path = REPO) -> Path:
    """Copy the workflow and its bundled data (not results/) to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        path = source / name
        if path.is_symlink():
            (target / name).symlink_to(path.readlink())
        elif path.is_dir():
            shutil.copytree(path, target / name, ignore=shutil.ignore_patterns("__pycache__", "build",
                                                                               "*.egg-info"))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name)
    return target


def committed_results(target: Path, repo: Path = REPO) -> Path:
    """Extract results/ as committed at HEAD into ``target``; the working tree's if not in git."""
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD", "results"], cwd=repo,
                             capture_output=True)
    if archive.returncode != 0:
        return repo / "results"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target / "results"


def venv_lock() -> Path:
    """The lock this interpreter's venv is to hold: requirements-slurm.txt after `make slurm`."""
    return REPO / ("requirements-slurm.txt" if (Path(sys.prefix) / ".slurm").exists() else "requirements.txt")


def causes() -> str:
    """What to look at first when a regeneration differs from the committed bytes: this venv against
    the lock, then the platform; committing new results/ only after both."""
    lock = venv_lock()
    drift = differences(lock, installed_versions())
    here = f"{platform.system()} on {platform.machine()} with Python {platform.python_version()}"
    if drift:
        return (f"Look first at the environment: this venv differs from the lock {lock.name} ("
                + "; ".join(drift) + "): run `make`, which installs the lock, and check again.")
    return (f"Look first at the environment: this venv holds exactly the lock {lock.name}, so look at the "
            f"platform (here {here}; results/ were made on {COMMITTED_PLATFORM}). Commit a regenerated "
            f"results/ only if the code, the data or the lock changed on purpose (docs/reruns.md).")


def compare_trees(made: Path, expected: Path) -> list[str]:
    """Lines naming each file that differs between two results/ folders (empty: identical)."""
    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*")
                if p.is_file() and (p.name == MANIFEST or not p.name.startswith("."))}
    made_files, expected_files = files(made), files(expected)
    problems = [f"differs: results/{name}" for name in sorted(made_files & expected_files)
                if not filecmp.cmp(made / name, expected / name, shallow=False)]
    problems += [f"not made by the pipeline: results/{name}"
                 for name in sorted(expected_files - made_files)]
    problems += [f"made but not committed: results/{name}"
                 for name in sorted(made_files - expected_files)]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", default="8")
    parser.add_argument("--profile", help="run through this profile (e.g. profiles/slurm) instead of --cores")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--causes", action="store_true",
                        help="print what to look at first when the bytes differ, and exit")
    args = parser.parse_args()
    if args.causes:
        print(causes())
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="llmcost-check-"))
    how = ["--profile", args.profile] if args.profile else ["--cores", args.cores]
    try:
        workdir = copy_workflow(scratch / "repo")
        print(f"Regenerating every artifact in {workdir} ({' '.join(how)}) ...", flush=True)
        run = subprocess.run([sys.executable, "-m", "snakemake", *how, "--forceall", "all"], cwd=workdir)
        if run.returncode != 0:
            print("check: the pipeline failed in the clean copy (see above).", file=sys.stderr)
            return 1
        problems = compare_trees(workdir / "results", committed_results(scratch / "committed"))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    if problems:
        print("check: the results/ committed at HEAD are not what the pipeline makes here from the "
              "committed code and data:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        print(causes(), file=sys.stderr)
        return 1
    print("check: every artifact in results/ is byte-identical to a clean regeneration.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
