"""The pip requirements and environment.yml carry the same pins."""

import re

import yaml
from conftest import REPO


def pins(lines):
    return {m.group(1).lower(): m.group(2) for line in lines
            if (m := re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)==([^\s#]+)\s*(#.*)?", line))}


def test_requirements_and_environment_pin_the_same_versions():
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert requirements, "requirements.txt pins nothing"
    assert pins(pip_section) == requirements
    assert "python=3.11" in environment["dependencies"]


def local_packages(lines):
    return {line.strip().lstrip("- ").strip() for line in lines if line.strip().lstrip("- ").startswith("./")}


def test_every_requirement_is_pinned_exactly_or_is_the_workflows_own_package():
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and not line.startswith("./"):
            assert "==" in line, f"unpinned requirement: {line}"
    own = local_packages((REPO / "requirements.txt").read_text().splitlines())
    assert own == {"./workflow/logger"} == local_packages((REPO / "environment.yml").read_text().splitlines())
    assert (REPO / "workflow/logger/pyproject.toml").is_file()


SLURM_PLUGINS = {"snakemake-executor-plugin-slurm", "snakemake-executor-plugin-slurm-jobstep"}


def test_the_slurm_executor_plugin_is_installed_only_where_slurm_needs_it():
    """Issue 29: Snakemake imports every installed executor plugin at each start, and the SLURM
    one imports pandas (0.3 to 0.5 s of every local run). It is pinned in requirements-slurm.txt,
    which `make slurm`, `make test-slurm` and CI's SLURM test (.ci/test-slurm.sh) install; the
    default install (requirements.txt, environment.yml) has no executor plugin."""
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    for default in ((REPO / "requirements.txt").read_text().splitlines(), pip_section):
        assert not any(name.startswith("snakemake-executor-plugin") for name in pins(default))
    slurm = pins((REPO / "requirements-slurm.txt").read_text().splitlines())
    assert set(slurm) == SLURM_PLUGINS
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test-slurm:.*\$\(VENV\)/\.slurm", makefile, flags=re.M)
    assert re.search(r"^\$\(VENV\)/\.slurm: requirements-slurm\.txt.*\n\t\$\(BIN\)/pip install --quiet -r "
                     r"requirements-slurm\.txt", makefile, flags=re.M)
    assert '"$PYTHON" -m pip install --quiet -r requirements-slurm.txt' in (REPO / ".ci/test-slurm.sh").read_text()
