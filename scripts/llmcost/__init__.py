"""Pure functions behind the paper's artifacts: reading runs, token totals,
routing sweeps, LaTeX tables and figures. Nothing here knows about Snakemake;
the rule entry points in ``scripts/*.py`` wire ``snakemake.input/output`` to it."""
