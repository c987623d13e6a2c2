"""``scripts/fuzz``: run a fuzz harness for a while, list them, or the short CI pass.

scripts/fuzz --list                     the harnesses and what each feeds
scripts/fuzz NAME [--time 10m] [--jobs N]   fuzz one (new coverage merged into its corpus)
scripts/fuzz --ci [--time 3s]           every harness: its corpus, then a short run each
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from dtulab.fuzzing import runner
from dtulab.fuzzing.registry import HARNESSES, ROOT

UNITS = {"s": 1, "m": 60, "h": 3600}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        self.exit(2, f"fuzz: {message}\n")


def duration(text: str) -> int:
    """'90', '30s', '10m', '2h' → seconds."""
    m = re.fullmatch(r"(\d+)([smh]?)", text)
    if not m or int(m.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (e.g. 30s, 10m, 2h)")
    return int(m.group(1)) * UNITS[m.group(2) or "s"]


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="scripts/fuzz", description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("name", nargs="?", help="a harness (--list)")
    parser.add_argument("--list", action="store_true", help="list the harnesses")
    parser.add_argument("--ci", action="store_true", help="every corpus, then a short run each")
    parser.add_argument("--time", type=duration, help="how long (default 10m; --ci: 3s each)")
    parser.add_argument("--jobs", type=int, default=1, help="parallel fuzzing processes")
    args = parser.parse_args(argv)
    if args.list:
        for h in HARNESSES.values():
            print(f"{h.name:12} {h.engine:9} {h.feeds}")
        return 0
    if args.jobs < 1:
        parser.error(f"--jobs {args.jobs}: at least 1")
    if args.ci == (args.name is not None):
        parser.error("give a harness name (--list) or --ci")
    if args.name is not None and args.name not in HARNESSES:
        parser.error(f"no harness {args.name!r}; --list names them")
    try:
        if args.ci:
            return _ci(args.time or 3)
        harness = HARNESSES[args.name]
        if harness.engine == "libfuzzer":
            runner.build()
        runner.fuzz(harness, args.time or 600, args.jobs)
        print(f"fuzz: {harness.name}: no finding in {args.time or 600} s "
              f"(corpus {harness.corpus.relative_to(ROOT)})")  # fmt: skip
    except runner.FuzzFailed as exc:
        print(f"fuzz: {exc}", file=sys.stderr)
        return 1
    return 0


def _ci(seconds: int) -> int:
    """The CI pass: build, every saved input, then ``seconds`` of fuzzing per harness (new
    inputs are not merged: the committed corpus changes only by hand)."""
    runner.build()
    for h in HARNESSES.values():
        n = runner.replay(h)
        runner.fuzz(h, seconds, merge=False)
        print(f"fuzz: {h.name:12} {n:4} saved inputs pass, {seconds} s of fuzzing found nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
