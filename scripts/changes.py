"""`make changes`: which quoted numbers changed against a base, by how much, and whether it matters.

    python scripts/changes.py [--output results] [--base HEAD] [--fail-on flipped|outside]
                              [--markdown changes.md]

Prints, most important first, the conclusions that flipped, the numbers that
left the base's interval, every other quoted number that changed, numbers
added or removed, and the files and paper sections concerned
(llmcost/changes.py), and writes the same to the Markdown file. The base is a
git revision (default HEAD: its committed ``{output}/numbers.json``) or the
path to a numbers.json (or to a folder holding one). Exits 1 when
``--fail-on`` names a kind of change that occurred (``flipped``, ``outside``,
or both comma-separated), 2 with one line on a problem with the input.
"""

from __future__ import annotations

import argparse
import sys

from llmcost.changes import FAIL_ON, fails, report
from llmcost.errors import InputError
from llmcost.outputs import write_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="results", help="the output folder (default: results)")
    parser.add_argument("--base", default="HEAD", help="a git revision or a numbers.json (default: HEAD)")
    parser.add_argument("--fail-on", default="", help=f"exit 1 on: {' or '.join(FAIL_ON)} (comma-separated)")
    parser.add_argument("--markdown", default="changes.md", help="where to write the Markdown (default: changes.md)")
    args = parser.parse_args(argv)
    unknown = {part.strip() for part in args.fail_on.split(",") if part.strip()} - set(FAIL_ON)
    try:
        if unknown:
            raise InputError(f"FAIL_ON={args.fail_on}: {', '.join(sorted(unknown))} is not one of "
                             f"{', '.join(FAIL_ON)}.")
        changes, text = report(args.output, args.base)
        write_text(args.markdown, text)
    except InputError as error:
        print(f"make changes: {error}", file=sys.stderr)
        return 2
    print(text, end="")
    if text.count("\n") > 1:
        print(f"\n(written to {args.markdown}, ready to paste into a pull request)")
    return 1 if fails(changes, args.fail_on) else 0


if __name__ == "__main__":
    sys.exit(main())
