"""The ``limette`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import LimetteError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="limette", description="Explain model predictions with LIME."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="explain real models on bundled data; write an HTML report"
    )
    demo.add_argument("--out", default="demo-report.html", help="where to write the report")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from ._demo import run_demo

            path = run_demo(args.out, seed=args.seed)
            print(f"wrote {path}")
    except (LimetteError, OSError) as error:
        print(f"limette: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
