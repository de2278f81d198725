"""`snakemake --lint` reports nothing."""

from conftest import REPO, snakemake


def test_snakemake_lint_is_clean():
    result = snakemake(REPO, "--lint", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Lints for" not in output, output
