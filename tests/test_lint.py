"""`snakemake --lint` reports nothing, and `snakefmt --check` would change nothing."""

import subprocess
import sys

from conftest import REPO, snakemake


def test_snakemake_lint_is_clean():
    result = snakemake(REPO, "--lint", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Lints for" not in output, output


def test_snakefmt_leaves_the_snakefile_and_every_rule_file_as_they_are():
    files = ["Snakefile", *sorted(path.relative_to(REPO).as_posix() for path in (REPO / "workflow").rglob("*.smk"))]
    assert "workflow/rules/common.smk" in files, files
    result = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "--compact-diff", *files], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"All {len(files)} file(s) would be left unchanged" in result.stderr, result.stderr
