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
