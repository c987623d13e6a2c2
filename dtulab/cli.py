"""The ``dtulab`` command line. Subcommands register by name in ``SUBCOMMANDS``.

    dtulab modem [--link pty|tcp:HOST:PORT] [--timing fast|realistic]
                 [--fault NAME[:k=v,...]] [--transcript FILE]
    dtulab faults

Bad arguments print one line (``dtulab: error: ...``) and exit with 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from dtulab import __version__
from dtulab.control import HELP, execute, parse_params
from peripherals.gsm_modem.faults import FAULTS, FaultError, make_fault, parameters
from peripherals.gsm_modem.runner import ModemRunner
from peripherals.gsm_modem.timing import PROFILES
from peripherals.links import LinkSpecError, check_link_spec


class UsageError(Exception):
    """Bad command-line input found after parsing (exit 2)."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"dtulab: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _fault_spec(text: str) -> tuple[str, dict[str, str]]:
    name, _, rest = text.partition(":")
    try:
        params = parse_params([p for p in rest.split(",") if p])
        make_fault(name, **params)  # validates the name and parameter names
    except (ValueError, FaultError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return name, params


def _link_spec(text: str) -> str:
    try:
        check_link_spec(text)
    except LinkSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def cmd_modem(args: argparse.Namespace) -> int:
    """Run the modem model alone on a pty or TCP port until Ctrl-C."""
    runner = ModemRunner(args.link, profile=args.timing)
    try:
        runner.start()
    except LinkSpecError as exc:
        raise UsageError(str(exc)) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for name, params in args.fault:
            runner.inject(name, **params)
        print(f"modem: SIM800 model on {runner.port} (timing: {args.timing})", flush=True)
        print("modem: type 'help' for control commands, Ctrl-C to stop", flush=True)
        reader = threading.Thread(target=_control_loop, args=(runner, stop), daemon=True)
        reader.start()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if args.transcript:
            Path(args.transcript).write_text(runner.call(runner.transcript.text))
        runner.stop()
        print("modem: stopped", flush=True)
    return 0


def _control_loop(runner: ModemRunner, stop: threading.Event) -> None:
    for line in sys.stdin:
        if stop.is_set():
            return
        reply = execute(runner, line)
        if reply:
            print(reply, flush=True)
        if line.strip() in ("quit", "exit"):
            stop.set()
            return


def cmd_faults(args: argparse.Namespace) -> int:
    """List the faults the modem model can inject, with their parameters."""
    for name, cls in sorted(FAULTS.items()):
        defaults = ", ".join(f"{k}={v}" for k, v in parameters(cls).items()) or "-"
        kind = "one-shot" if cls.one_shot else "until cleared"
        print(f"{name:14} {kind:14} {defaults}")
    return 0


def _add_modem(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("modem", help=cmd_modem.__doc__, description=cmd_modem.__doc__)
    p.add_argument(
        "--link",
        type=_link_spec,
        default="pty",
        help="pty (default: prints the path) or tcp:HOST:PORT (a listener; loopback only)",
    )
    p.add_argument(
        "--timing",
        choices=sorted(PROFILES),
        default="realistic",
        help="timing profile (default: realistic)",
    )
    p.add_argument(
        "--fault",
        type=_fault_spec,
        action="append",
        default=[],
        metavar="NAME[:k=v,...]",
        help="inject a fault at start (repeatable)",
    )
    p.add_argument("--transcript", metavar="FILE", help="write the link transcript here on exit")
    p.epilog = "control commands on standard input:\n" + HELP
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.set_defaults(func=cmd_modem)


def _add_faults(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("faults", help=cmd_faults.__doc__, description=cmd_faults.__doc__)
    p.set_defaults(func=cmd_faults)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_modem, _add_faults]


def build_parser() -> Parser:
    parser = Parser(prog="dtulab", description="A bench for GPRS DTU firmware and devices.")
    parser.add_argument("--version", action="version", version=f"dtulab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"dtulab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
