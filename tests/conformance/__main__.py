"""``python -m tests.conformance``: run the shared corpora and print the scoreboard.

Exit 0 when the corpora ran (failures are in the table, not the exit status),
2 when the shared directory is missing or an option is wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.conformance import expressions, realworld, schema_tests, workflows
from tests.conformance.table import Scoreboard, render_markdown, render_text

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared"
CORPORA = ("peer-expressions", "peer-workflows", "real-world", "schema-tests")
FOLDERS = {
    "peer-expressions": Path("conformance/peer-expressions"),
    "peer-workflows": Path("conformance/peer-workflows"),
    "real-world": Path("conformance/real-world"),
    "schema-tests": Path("spec/1.1/schema-tests"),
}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.conformance",
        description="Run the engine on the shared conformance corpora and print one table.",
    )
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared directory holding conformance/ and spec/ (default: ../shared "
        "next to the repository)",
    )
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the page (docs/conformance.md)"
    )
    parser.add_argument(
        "--corpus",
        action="append",
        choices=CORPORA,
        help="run only this corpus (repeatable; default: all)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds a real-world or schema-test document may take to load (default 10)",
    )
    return parser.parse_args(argv)


def run(shared: Path, corpora: Sequence[str], timeout: float) -> Scoreboard:
    board = Scoreboard(timeout=timeout)
    for corpus in corpora:
        folder = shared / FOLDERS[corpus]
        if not folder.is_dir():
            board.absent.append(corpus)
            continue
        if corpus == "peer-expressions":
            board.outcomes += expressions.run(folder)
        elif corpus == "peer-workflows":
            board.outcomes += workflows.run(folder)
        elif corpus == "real-world":
            board.real_world = realworld.run(folder, timeout=timeout)
        else:
            board.outcomes += schema_tests.run(folder, timeout=timeout)
    return board


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    shared: Path = args.shared
    if not shared.is_dir():
        print(
            f"conformance: the shared directory {shared} does not exist; the corpora live "
            f"outside the repository. Pass --shared DIR (the folder holding conformance/ "
            f"and spec/), or run `make conformance SHARED=DIR`.",
            file=sys.stderr,
        )
        return 2
    board = run(shared, args.corpus or CORPORA, args.timeout)
    print(render_text(board))
    if args.markdown is not None:
        args.markdown.write_text(render_markdown(board), encoding="utf-8")
        print(f"\nwrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
