"""Rule publish: swap a folder holding exactly the built artifacts in for the output folder.

    python scripts/publish_artifacts.py BUILD OUTPUT ARTIFACT...

A plain process (standard library only) started by a ``shell:`` rule. A
``run:`` rule would cost about 3 s more on every run that changes anything:
Snakemake runs a ``run:`` job by starting a second, complete Snakemake (parse,
discovery, DAG) in a subprocess. The copying and the two renames are
``llmcost.publish.publish``; its log ends with the job's peak memory and time,
like every job's.
"""

from __future__ import annotations

import resource
import sys
import time
import traceback

from llmcost.errors import InputError
from llmcost.publish import publish


def main(argv: list[str]) -> None:
    started = time.perf_counter()
    build, output, *artifacts = argv
    try:
        publish(build, output, artifacts)
    except InputError as error:  # e.g. a file put into the output folder while the jobs ran
        print(f"ERROR: {error}")
        sys.exit(1)
    except Exception as error:  # noqa: BLE001 (a bug: its traceback goes to the log, as run_rule does)
        print(f"ERROR: unexpected {type(error).__name__}: {error} (a bug, not bad input; the traceback "
              f"follows)\n{traceback.format_exc()}", end="")
        sys.exit(1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"INFO: published {len(artifacts)} artifacts from {build} into {output}")
    print(f"INFO: done: peak memory {peak_mb:.0f} MB, {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
