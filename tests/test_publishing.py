"""The output folder is all-or-nothing: a failed run changes nothing, a good run leaves
exactly the current config's artifacts, and the output folder is a config key."""

import gzip
import os
import shutil
import subprocess

import pytest
from check_results import compare_trees
from conftest import FEW_RESAMPLES, FEW_RESAMPLES_YAML, snakemake
from test_bad_input import digest

from llmcost.outputs import read_csv
from llmcost.errors import InputError
from llmcost.publish import MANIFEST, publish, published_files

ROUTER = "data/automix/router_data/router_data_coqa_short.jsonl.gz"


def break_line_7(workdir):
    path = workdir / ROUTER
    original = path.read_bytes()
    lines = gzip.decompress(original).decode().splitlines()
    lines[6] = '{"id": 7,'
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return original


def test_a_run_that_fails_changes_nothing_and_the_next_good_run_publishes_everything(rerun_copy):
    # a new cost (every routing job; few resamples: no assertion reads an interval), a new seed
    # (token jobs) and one bad router line
    (rerun_copy / "cheap_llm.yaml").write_text("routing:\n  costs:\n    llm: 10\n" + FEW_RESAMPLES_YAML)
    cell = rerun_copy / "data/capo/main_results/gsm8k/qwen/CAPO"
    shutil.copytree(cell / "seed44", cell / "seed45")
    original = break_line_7(rerun_copy)
    before = digest(rerun_copy / "results")
    failed = snakemake(rerun_copy, "--cores", "2", "--configfile", "config.yaml", "cheap_llm.yaml",
                       check=False)
    assert failed.returncode != 0
    assert "router_data_coqa_short.jsonl.gz, line 7, column 10: not valid JSON" in failed.stdout + failed.stderr
    # before: the good datasets' figures were already redrawn with the new cost
    assert digest(rerun_copy / "results") == before
    (rerun_copy / ROUTER).write_bytes(original)
    snakemake(rerun_copy, "--cores", "2", "--configfile", "config.yaml", "cheap_llm.yaml")
    after = digest(rerun_copy / "results")
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert "routing/summary.json" in changed and "tokens/runs.csv" in changed
    assert "routing/datasets/cnli_short/cost_performance.png" in changed


def test_repointed_inputs_leave_no_orphans(rerun_copy, tmp_path):
    own = tmp_path / "my_runs"
    shutil.copytree(rerun_copy / "data/capo/main_results/gsm8k", own / "gsm8k")
    snakemake(rerun_copy, "--cores", "2", "--config", f"tokens={{'runs': '{own}'}}",
              f"routing={dict(FEW_RESAMPLES, datasets=['cnli_short'])!r}")
    results = rerun_copy / "results"
    assert set(read_csv(results / "tokens/runs.csv")["dataset"]) == {"gsm8k"}
    # before: the other datasets' sweeps, figures and step tables stayed next to the new ones
    assert [p.name for p in (results / "routing/datasets").iterdir()] == ["cnli_short"]
    assert not (results / "tokens/steps").exists()
    assert not [p for p in results.rglob("*") if p.name.startswith(".") and p.name != MANIFEST]
    # the manifest lists exactly what the folder holds: the next check allows nothing else
    assert published_files(results) == {p.relative_to(results).as_posix() for p in results.rglob("*")
                                        if p.is_file() and p.name != MANIFEST}


def test_the_output_folder_is_a_config_key_and_the_committed_results_stay(rerun_copy):
    before = digest(rerun_copy / "results")
    logs = digest(rerun_copy / "logs/results")
    snakemake(rerun_copy, "--cores", "2", "--config", "output=my_analysis")
    assert digest(rerun_copy / "results") == before
    # each output folder has its own logs: before, both runs wrote logs/read_runs/gsm8k.log
    assert digest(rerun_copy / "logs/results") == logs
    assert "done: peak memory" in (rerun_copy / "logs/my_analysis/read_runs/gsm8k.log").read_text()
    assert compare_trees(rerun_copy / "my_analysis", rerun_copy / "results") == []
    dry = snakemake(rerun_copy, "-n", "--config", "output=my_analysis")
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_an_output_folder_holding_other_files_is_refused(rerun_copy):
    inputs = digest(rerun_copy / "data")
    for folder, named in (("data", "automix/, capo/"), (".", "Snakefile")):
        result = snakemake(rerun_copy, "-n", "--config", f"output={folder}", check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0
        assert f"{folder}: the output folder (config output) holds" in output and named in output
        assert "Traceback" not in output
    assert digest(rerun_copy / "data") == inputs


def refused(workdir, output, *expected):
    """A real run (not a dry run) into ``output`` stops before any job with one error line."""
    result = snakemake(workdir, "--cores", "2", "--config", f"output={output}", check=False)
    text = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in text and "jobs to run" not in text, text
    errors = [line for line in text.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and all(part in errors[0] for part in expected), text
    assert not (workdir / "logs").exists() or not list((workdir / "logs").rglob("*.log"))
    return errors[0]


def test_a_file_the_pipeline_did_not_make_is_refused_at_any_depth(rerun_copy):
    # before: only top-level names were checked, and both files were deleted by publishing
    paper = rerun_copy / "my_paper"
    shutil.copytree(rerun_copy / "results", paper)
    (paper / "figures/my_figure.png").write_bytes(b"mine")
    (paper / "tables/my_table.tex").write_text("mine")
    (paper / "drafts").mkdir()
    before = digest(paper)
    shutil.rmtree(rerun_copy / "logs")
    refused(rerun_copy, "my_paper", "my_paper: the output folder (config output) holds",
            "figures/my_figure.png", "tables/my_table.tex", "drafts/")
    assert digest(paper) == before and (paper / "drafts").is_dir()
    # the same in a folder publishing made: a file put beside its artifacts is not its own
    (rerun_copy / "results/routing/my_notes.txt").write_text("mine")
    before = digest(rerun_copy / "results")
    refused(rerun_copy, "results", "holds routing/my_notes.txt")
    assert digest(rerun_copy / "results") == before


def test_an_output_folder_inside_another_or_in_the_build_area_is_refused(rerun_copy):
    shutil.rmtree(rerun_copy / "logs")
    before = digest(rerun_copy / "results")
    # before: accepted, and afterwards plain `make` refused results/ because it held mine/
    refused(rerun_copy, "results/mine", "results/mine: the output folder (config output) is inside results,")
    refused(rerun_copy, ".build/mine", "is inside the build area .build/")
    assert not (rerun_copy / "results/mine").exists() and not (rerun_copy / ".build/mine").exists()
    assert digest(rerun_copy / "results") == before
    # and a folder holding an output folder
    shutil.copytree(rerun_copy / "results", rerun_copy / "outer/results")
    refused(rerun_copy, "outer", "holds results/ (another output folder)")


#: mount and umount as root: directly, or through passwordless sudo (as .ci/run does)
AS_ROOT = [] if os.geteuid() == 0 else ["sudo", "-n"]


@pytest.fixture
def mount_point(tmp_path):
    """A tmpfs mounted on a temporary folder (needs root or passwordless sudo); skipped where
    mounting is impossible, except under CI (CI=true), where that is a failure."""
    folder = tmp_path / "mounts" / "volume"
    folder.mkdir(parents=True)
    mounted = subprocess.run([*AS_ROOT, "mount", "-t", "tmpfs", "-o", "size=64m,mode=0777", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        message = f"cannot mount a tmpfs (needs root or passwordless sudo): {mounted.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield folder
    subprocess.run([*AS_ROOT, "umount", "-l", str(folder)], check=True)


def test_a_mount_point_as_output_folder_is_refused_in_one_line(rerun_copy, mount_point):
    # before: EBUSY from rename, a traceback, 33 "Cannot restore" lines, .volume.publishing left
    shutil.copytree(rerun_copy / "results", mount_point, dirs_exist_ok=True)
    before = digest(mount_point)
    shutil.rmtree(rerun_copy / "logs")
    line = refused(rerun_copy, mount_point, "is a mount point", "Mount the volume one folder up")
    assert digest(mount_point) == before
    assert sorted(p.name for p in mount_point.parent.iterdir()) == ["volume"], line
    # a bind mount of a folder on the same file system too (os.path.ismount misses it)
    source, bound = mount_point / "source", mount_point.parent / "bound"
    source.mkdir()
    bound.mkdir()
    subprocess.run([*AS_ROOT, "mount", "--bind", str(source), str(bound)], check=True)
    try:
        refused(rerun_copy, bound, "is a mount point")
        # a folder in a mounted volume is published as usual (renamed within the volume)
        dry = snakemake(rerun_copy, "-n", "--config", f"output={bound}/results")
        assert "publish" in dry.stdout + dry.stderr
    finally:
        subprocess.run([*AS_ROOT, "umount", "-l", str(bound)], check=True)


def test_publish_itself_keeps_a_file_put_in_the_folder_while_the_jobs_ran(tmp_path):
    build, output = tmp_path / "build", tmp_path / "out"
    for artifact, text in (("tables/a.tex", "a"), ("numbers.json", "{}")):
        (build / artifact).parent.mkdir(parents=True, exist_ok=True)
        (build / artifact).write_text(text)
    publish(str(build), str(output), ["numbers.json", "tables/a.tex"])
    assert published_files(output) == {"numbers.json", "tables/a.tex"}
    assert (output / "tables/a.tex").read_text() == "a"
    (output / "tables/mine.tex").write_text("mine")  # after the parse-time check, before publish
    with pytest.raises(InputError, match=r"out: the output folder \(config output\) holds tables/mine.tex"):
        publish(str(build), str(output), ["numbers.json", "tables/a.tex"])
    assert (output / "tables/mine.tex").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "out"]
    # a file it published once but no longer makes is its own, and goes
    (output / "tables/mine.tex").unlink()
    publish(str(build), str(output), ["numbers.json"])
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*")) == [MANIFEST, "numbers.json"]
