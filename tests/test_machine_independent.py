"""The same bytes on every machine: every artifact is regenerated under other BLAS kernels and
SIMD levels and compared with the normal run (the shared ``pipeline_run``), byte for byte.

Each regeneration costs about 20 s of the suite, so the two deployment runs of
``test_deployment.py``, which compare every artifact with the committed ``results/`` anyway, run
under two of these machines (``DEPLOYMENT_MACHINES``): OpenBLAS's Haswell kernel when run from
another directory, its SkylakeX kernel as a module; the oldest machine runs here.

OpenBLAS picks its kernel by CPU model; ``OPENBLAS_CORETYPE`` forces one, as
some machines do. NumPy dispatches to the best SIMD level the CPU has;
``NPY_DISABLE_CPU_FEATURES`` switches levels off (naming one the CPU lacks is
an error, so the list comes from what this CPU has).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from check_results import compare_trees, copy_workflow


def avx512_targets() -> list[str]:
    """NumPy's AVX-512 dispatch targets that this CPU has (empty on a CPU without AVX-512)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    return [target for target in __cpu_dispatch__ if __cpu_features__.get(target)
            and (target.startswith("AVX512") or target == "X86_V4")]


#: the machines the deployment tests regenerate on (test_deployment.py)
DEPLOYMENT_MACHINES = {"elsewhere": {"OPENBLAS_CORETYPE": "Haswell"},
                       "module": {"OPENBLAS_CORETYPE": "SkylakeX"}}
#: the oldest machine in one run: OpenBLAS's SSE3 kernel and, where the CPU has them, NumPy
#: without its AVX-512 loops
ENVIRONMENTS = {"OPENBLAS_CORETYPE=Prescott": {"OPENBLAS_CORETYPE": "Prescott"}}
if avx512_targets():
    ENVIRONMENTS = {"OPENBLAS_CORETYPE=Prescott, numpy without AVX-512": {
        "OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": " ".join(avx512_targets())}}


def test_avx512_switch_is_accepted():
    """The NumPy switch names only levels this CPU has, so NumPy honours it (and does not stop)."""
    targets = avx512_targets()
    if not targets:
        pytest.skip("this CPU has no AVX-512: there is nothing to switch off")
    check = "import numpy; print(numpy._core._multiarray_umath.__cpu_features__[%r])" % targets[0]
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                            env={**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(targets)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_artifact_is_byte_identical(pipeline_run, tmp_path, environment):
    workdir = copy_workflow(tmp_path / "copy")
    result = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=workdir,
                            capture_output=True, text=True, env={**os.environ, **ENVIRONMENTS[environment]})
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    problems = compare_trees(workdir / "results", pipeline_run / "results")
    assert problems == [], f"under {environment}:\n" + "\n".join(problems)
