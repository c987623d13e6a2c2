"""The ``dtulab`` command line. Subcommands register by name in ``SUBCOMMANDS``.

    dtulab campaign power|network [--target NAME] [--scenario S] [--only POINT]
                    [target options: --firmware ELF --lg-env FILE ...]
    dtulab run [--target NAME] [--config FILE] [--rs232 pty|tcp:HOST:PORT]
               [--timing fast|realistic] [--io HOST:PORT]
               [--bind ADDR] [--advertise HOST[:PORT]]
               [target options: --port DEV --baud N ...]
    dtulab modem [--link pty|tcp:HOST:PORT] [--timing fast|realistic]
                 [--fault NAME[:k=v,...]] [--transcript FILE]
    dtulab faults
    dtulab probe --port DEV [--baud N] [--prefix P ...] [--timeout S]

Bad arguments print one line (``dtulab: error: ...``) and exit with 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import serial

from dtulab import __version__, addresses, benchfile, coverage, report
from dtulab.control import HELP, execute, parse_params
from dtulab.dialects import DIALECTS
from dtulab.host import DtuHost
from dtulab.io_module import IoModule
from dtulab.netfaults import SERVER_FAULTS
from dtulab.peripherals.gsm_modem.faults import FAULTS, FaultError, make_fault, parameters
from dtulab.peripherals.gsm_modem.runner import ModemRunner
from dtulab.peripherals.gsm_modem.timing import PROFILES
from dtulab.peripherals.links import LinkSpecError, check_link_spec
from dtulab.platforms import TARGETS
from dtulab.platforms.base import TargetError, Unsupported, user_options
from dtulab.probe import ENTRIES, ProbeError, probe
from dtulab.world import World, WorldConfig

if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction["Parser"]


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


def _address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6; port 0: any free one)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got '{text}'")
    return host.strip("[]"), int(port)


def _bind(text: str) -> str:
    try:
        return addresses.check_bind(text)
    except addresses.AddressError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _advertise(text: str) -> str:
    try:
        addresses.parse_advertise(text)
    except addresses.AddressError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _stop_on_signals() -> threading.Event:
    """Ctrl-C (SIGINT) and SIGTERM end the run cleanly, even if SIGINT was ignored by the parent."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def cmd_modem(args: argparse.Namespace) -> int:
    """Run the modem model alone on a pty or TCP port until Ctrl-C."""
    runner = ModemRunner(args.link, profile=args.timing)
    try:
        runner.start()
    except LinkSpecError as exc:
        raise UsageError(str(exc)) from None
    stop = _stop_on_signals()
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


def cmd_run(args: argparse.Namespace) -> int:
    """Run a DTU target with its modem, a data-centre server and the SMS centre until Ctrl-C."""
    try:
        config = benchfile.load(args.config) if args.config else WorldConfig(timing="realistic")
    except benchfile.BenchFileError as exc:
        raise UsageError(str(exc)) from None
    settings = ["target", "dialect", "rs232", "timing", "bind", "advertise", *user_options()]
    overrides = {k: getattr(args, k) for k in settings if getattr(args, k) is not None}
    config = replace(config, **overrides)
    try:
        world = World(config)
        world.start()
    except (ValueError, LinkSpecError) as exc:
        raise UsageError(str(exc)) from None
    except (TargetError, Unsupported) as exc:  # the target cannot run here
        print(f"dtulab: error: {exc}", file=sys.stderr)
        return 1
    stop = _stop_on_signals()
    tty = sys.stdout.isatty()
    io = None
    try:
        world.provision()
    except (AssertionError, OSError) as exc:
        world.stop()
        print(f"dtulab: error: setting up the sockets failed: {exc}", file=sys.stderr)
        return 1
    try:
        io = IoModule(world, *args.io) if args.io else None
    except OSError as exc:
        world.stop()
        print(f"dtulab: error: the I/O module cannot listen on {args.io}: {exc}", file=sys.stderr)
        return 1
    try:
        servers = ", ".join(
            f"{s.name} {s.proto} {world.addresses.describe(s.port)}" for s in world.servers.values()
        )
        print(f"dtulab: {config.target} DTU, RS232 on {world.rs232_port} (timing: {config.timing})")
        print(f"dtulab: data centre: {servers or 'none'}")
        if io is not None:
            print(f"dtulab: I/O module on {io.url} (relay /relay/dc, LEDs /led/POW|NET|DATA)")
        print("dtulab: type 'help' for control commands, Ctrl-C to stop", flush=True)
        threading.Thread(target=_control_loop, args=(world, stop), daemon=True).start()
        last = ""
        while not stop.wait(0.5):
            line = world.status_line()
            if tty:
                print(f"\r\x1b[K{line}", end="", flush=True)
            elif line != last:
                print(line, flush=True)
            last = line
    except KeyboardInterrupt:
        pass
    finally:
        if tty:
            print()
        if io is not None:
            io.close()
        world.stop()
        print("dtulab: stopped", flush=True)
    return 0


def _control_loop(runner: Any, stop: threading.Event) -> None:
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
    """List the faults: the modem model's, then those at a data-centre server's end."""
    tables: list[tuple[str, dict[str, Any]]] = [("modem", FAULTS), ("server", SERVER_FAULTS)]
    for where, table in tables:
        for name, cls in sorted(table.items()):
            defaults = ", ".join(f"{k}={v}" for k, v in parameters(cls).items()) or "-"
            kind = "one-shot" if cls.one_shot else "until cleared"
            print(f"{name:14} {where:7} {kind:14} {defaults}")
    return 0


def _add_modem(sub: Subcommands) -> None:
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


def _add_run(sub: Subcommands) -> None:
    p = sub.add_parser("run", help=cmd_run.__doc__, description=cmd_run.__doc__)
    p.add_argument("--target", choices=sorted(TARGETS), help="the DTU target (default: reference)")
    p.add_argument(
        "--config", metavar="FILE", help="a bench file (.toml or .yaml), see docs/bench-files.md"
    )
    p.add_argument(
        "--dialect",
        choices=sorted(DIALECTS),
        help="the AT dialect the DTU speaks (default usr721; the reference target speaks "
        "each, docs/dialects/usr-sock.md)",
    )
    p.add_argument("--rs232", type=_link_spec, help="pty (default) or tcp:HOST:PORT")
    p.add_argument("--timing", choices=sorted(PROFILES), help="timing profile (default: realistic)")
    p.add_argument(
        "--io",
        type=_address,
        metavar="HOST:PORT",
        help="serve a relay on the DC input and the LEDs over HTTP, for labgrid "
        "(dtulab/io_module.py; port 0: any; loopback unless you say otherwise)",
    )
    p.add_argument(
        "--bind",
        type=_bind,
        metavar="ADDR",
        help="where the servers listen (default 127.0.0.1; 0.0.0.0: every interface, opt-in)",
    )
    p.add_argument(
        "--advertise",
        type=_advertise,
        metavar="HOST[:PORT]",
        help="the address a DTU is given for the servers (default: the bind address)",
    )
    _add_target_options(p)
    p.epilog = "control commands on standard input:\n" + HELP
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.set_defaults(func=cmd_run)


def _add_target_options(p: argparse.ArgumentParser) -> None:
    """``--NAME`` for each target option (``platforms.base.option``), said for which targets."""
    group = p.add_argument_group("target options")
    for name, (f, targets) in user_options().items():
        group.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=type(f.default),
            metavar=f.metadata["metavar"] or None,
            help=f"{', '.join(targets)}: {f.metadata['help']}",
        )


def cmd_report(args: argparse.Namespace) -> int:
    """Build the conformance report (each requirement's verdict per target and AT dialect, the
    tests behind it, the device's identity) from build/ results: Markdown, HTML, PDF, the
    Allure report and the firmware's coverage by the native runs."""
    build, out = Path(args.build), Path(args.out)
    behaviour = Path(args.behaviour)
    if not behaviour.exists():
        raise UsageError(f"no requirements file {behaviour} (give --behaviour)")
    allure = report.allure_html(build / "allure-results", out / "allure")  # the page links it
    covered = coverage.write(out / "coverage")  # the firmware's, from the native runs; linked too
    try:
        grid = report.write(build, behaviour, out)
    except report.ReportError as exc:  # a results file that is not what the test runs write
        raise UsageError(str(exc)) from None
    if not grid.columns:
        raise UsageError(f"no test results under {build}: run scripts/test first")
    print(report.markdown(grid), end="")
    print(f"report: {out / 'conformance.md'}, {out / 'conformance.html'}")
    print(f"report: {report.pdf(out / 'conformance.html')}")
    print(f"report: {allure}")
    print(f"report: {covered}")
    short = [
        f"{column}: {got} of {len(grid.rows)} requirements have a verdict, fewer than {least}"
        + ("" if column in grid.columns else f" (no such column: {', '.join(grid.columns)})")
        for column, least in args.least
        if (got := grid.verdicts(column)) < least
    ]
    for line in short:
        print(f"report: {line}", file=sys.stderr)
    return 1 if short else 0


def _least(text: str) -> tuple[str, int]:
    column, sep, count = text.rpartition("=")
    if not sep or not column or not count.isdigit():
        raise argparse.ArgumentTypeError(f"expected COLUMN=N, got '{text}'")
    return column, int(count)


def _add_report(sub: Subcommands) -> None:
    p = sub.add_parser("report", help=cmd_report.__doc__, description=cmd_report.__doc__)
    p.add_argument("--build", default="build", help="where scripts/test left its results")
    p.add_argument("--out", default="build/report", help="where to write the summary")
    p.add_argument("--behaviour", default="docs/behaviour.md", help="the requirement IDs")
    p.add_argument(
        "--least",
        type=_least,
        action="append",
        default=[],
        metavar="COLUMN=N",
        help="exit 1 if COLUMN (a target, or TARGET+DIALECT for a run in another dialect than"
        " usr721) has fewer than N requirements with a verdict (pass or fail; repeatable)",
    )
    p.set_defaults(func=cmd_report)


def _add_faults(sub: Subcommands) -> None:
    p = sub.add_parser("faults", help=cmd_faults.__doc__, description=cmd_faults.__doc__)
    p.set_defaults(func=cmd_faults)


def cmd_campaign(args: argparse.Namespace) -> int:
    """Try a fault at every point where it matters and report which points break the DTU."""
    from dtulab.campaign import CampaignError, Options
    from dtulab.campaign.core import FAILED, run_campaign
    from dtulab.campaign.report import table
    from dtulab.progress import Progress

    if args.campaign == "power" and not args.scenario:
        raise UsageError("the power campaign needs --scenario (atw, cireload, cipsw, transparent)")
    given = {k: getattr(args, k) for k in user_options()}
    options = Options(
        target=args.target,
        scenario=args.scenario or "",
        depth=args.depth,
        seed=args.seed,
        short=args.short,
        target_options={k: v for k, v in given.items() if v is not None},
    )
    out = Path(args.out) / f"{args.campaign}-{args.target}" / (args.scenario or "all")
    try:
        outcomes = run_campaign(
            args.campaign,
            options,
            only=args.only,
            out=out,
            allure_dir=Path(args.allure) if args.allure else None,
            progress=Progress(sys.stderr),
        )
    except (CampaignError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    except (TargetError, Unsupported) as exc:  # the target cannot run here
        print(f"dtulab: error: {exc}", file=sys.stderr)
        return 1
    print(table(outcomes))
    print(f"reports: {out}/campaign.json, {out}/campaign.html")
    return 1 if any(o.status == FAILED for o in outcomes) else 0


def _add_campaign(sub: Subcommands) -> None:
    from dtulab.campaign import CAMPAIGNS
    from dtulab.campaign.power import SCENARIOS

    p = sub.add_parser("campaign", help=cmd_campaign.__doc__, description=cmd_campaign.__doc__)
    p.add_argument("campaign", choices=sorted(CAMPAIGNS), help="which faults to sweep")
    p.add_argument("--target", choices=sorted(TARGETS), default="reference")
    p.add_argument("--scenario", choices=sorted(SCENARIOS), help="power: what the cuts interrupt")
    p.add_argument(
        "--depth",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: a second cut during each recovery boot",
    )
    p.add_argument("--only", metavar="POINT", help="run one fault point (reproduce a failure)")
    p.add_argument("--seed", type=int, default=1, help="the data's random seed (default 1)")
    p.add_argument("--short", action="store_true", help="a few points of each kind (as CI)")
    p.add_argument("--out", default="build/campaigns", help="where the reports go")
    p.add_argument("--allure", metavar="DIR", help="also write Allure results here")
    _add_target_options(p)
    p.set_defaults(func=cmd_campaign)


def cmd_probe(args: argparse.Namespace) -> int:
    """Ask the device on a serial port which AT dialect it speaks (dtulab/probe.py): its
    version, and how the probe got in. No setting is changed; the device is left in the mode
    it was found in."""
    if args.baud <= 0 or args.timeout <= 0:
        raise UsageError("--baud and --timeout must be positive")
    try:
        host = DtuHost(args.port, baudrate=args.baud, exclusive=True)
    except (serial.SerialException, ValueError) as exc:
        raise UsageError(f"cannot open {args.port}: {exc}") from None
    with host:
        try:
            found = probe(host, args.prefix, args.timeout)
        except ProbeError as exc:
            print(f"dtulab: error: {exc}", file=sys.stderr)
            return 1
    print(f"dialect: {found.dialect}")
    print(f"version: {found.version}")
    print(f"entry: {found.entry} ({ENTRIES[found.entry]})")
    print(f"prefix: {found.prefix or 'none'}")
    return 0


def _prefix(text: str) -> str:
    if not text or any(c in text for c in "\r\n"):
        raise argparse.ArgumentTypeError(f"a prefix is one line of text, got {text!r}")
    return text


def _add_probe(sub: Subcommands) -> None:
    p = sub.add_parser("probe", help=cmd_probe.__doc__, description=cmd_probe.__doc__)
    p.add_argument(
        "--port", required=True, metavar="DEV", help="the device's port: a path or pyserial URL"
    )
    p.add_argument("--baud", type=int, default=115200, metavar="N", help="default 115200")
    p.add_argument(
        "--prefix",
        type=_prefix,
        action="append",
        default=[],
        metavar="P",
        help="a password prefix to try too, e.g. mypw# (repeatable; a refused one is data "
        "the device sends to its servers)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=3.0,
        metavar="S",
        help="seconds each answer may take (default 3; more than the device's packing time)",
    )
    p.set_defaults(func=cmd_probe)


def cmd_diff(args: argparse.Namespace) -> int:
    """Play scenarios of what a user can do on the golden model (the first target) and on the
    others, compare what they did, and shrink a difference to a short reproducer (docs/diff.md)."""
    from dtulab.diff.reproduce import write
    from dtulab.diff.runner import DiffBench
    from dtulab.diff.scenario import differences_text
    from dtulab.diff.search import search

    targets = args.targets
    options = {k: getattr(args, k) for k in user_options() if getattr(args, k) is not None}
    for name, value in options.items():  # files (an image, a board file): for reproducers
        if isinstance(value, str) and value and Path(value).is_file():
            options[name] = str(Path(value).resolve())
    command = " ".join(["dtulab diff", *sys.argv[2:]]) if len(sys.argv) > 1 else "dtulab diff"
    benches: list[DiffBench] = []
    try:
        for target in targets:
            print(f"diff: starting {target}", file=sys.stderr, flush=True)
            benches.append(DiffBench(target, options).start())
        result = search(
            benches,
            seed=args.seed,
            steps=args.steps,
            budget=args.budget,
            progress=lambda line: print(f"diff: {line}", file=sys.stderr, flush=True),
        )
    except (TargetError, Unsupported) as exc:
        print(f"dtulab: error: {exc}", file=sys.stderr)
        return 1
    finally:
        for bench in benches:
            bench.stop()
    files = write(result, Path(args.out), command, args.seed, targets, options)
    print(f"{result.played} scenarios in {result.seconds:.0f} s on {', '.join(targets)}")
    if result.finding is not None:
        print(f"a difference, shrunk to {len(result.finding.scenario)} steps:")
        print(differences_text(result.finding))
    elif result.unstable is not None:
        print("a difference that did not come back on a second run (timing): see the report")
    else:
        print("no difference")
    print("files: " + ", ".join(map(str, files)))
    return 1 if result.finding is not None else 0


def _targets(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in names if t not in TARGETS]
    if unknown or len(names) < 2:
        known = ", ".join(sorted(TARGETS))
        raise argparse.ArgumentTypeError(
            f"two or more targets, comma-separated, from: {known} (got {text!r})"
        )
    return names


def _duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``10m``, ``1h``, ``2m30s``."""
    import re

    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?", text.strip())
    if not text.strip() or m is None:
        raise argparse.ArgumentTypeError(f"a duration like 90s, 10m or 1h, not {text!r}")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise argparse.ArgumentTypeError(f"a duration must be positive, not {text!r}")
    return total


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {value}")
    return value


def _add_diff(sub: Subcommands) -> None:
    p = sub.add_parser("diff", help=cmd_diff.__doc__, description=cmd_diff.__doc__)
    p.add_argument(
        "--targets",
        type=_targets,
        default=["reference", "qemu"],
        metavar="A,B",
        help="the golden model first, then the targets judged against it (default reference,qemu)",
    )
    p.add_argument("--seed", type=int, default=1, help="the search's random seed (default 1)")
    p.add_argument(
        "--steps", type=_positive, default=8, metavar="N", help="most steps in a scenario (8)"
    )
    p.add_argument(
        "--budget",
        type=_duration,
        default=120.0,
        metavar="TIME",
        help="how long to search, e.g. 90s, 10m (default 2m); shrinking a difference "
        "takes at most as long again",
    )
    p.add_argument("--out", default="build/diff", help="where the report and reproducers go")
    _add_target_options(p)
    p.set_defaults(func=cmd_diff)


SUBCOMMANDS: list[Callable[[Subcommands], None]] = [
    _add_run,
    _add_modem,
    _add_faults,
    _add_report,
    _add_campaign,
    _add_diff,
    _add_probe,
]


def build_parser() -> Parser:
    parser = Parser(prog="dtulab", description="A bench for GPRS DTU firmware and devices.")
    parser.add_argument("--version", action="version", version=f"dtulab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except UsageError as exc:
        print(f"dtulab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
