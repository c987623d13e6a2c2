"""Robot Framework keywords for dtulab: drive a DTU through its RS232 port and the modelled world.

A thin layer over the Python API that pytest uses — ``World`` (dtulab/world.py:
servers, power, LEDs, faults, SMS centre) and ``DtuHost`` (dtulab/host.py: the
host's side of the RS232 port). Behaviour keywords go through an AT dialect
adapter (dtulab/dialects.py), so the same suites run a DTU that
speaks another dialect. Renode's UART and LED keywords come from
renode_keywords.py next to this file.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import time
from pathlib import Path
from typing import Any

from renode_keywords import RenodeKeywords
from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn
from robot.utils import timestr_to_secs

from dtulab import identity
from dtulab.dialects import (
    CHANNELS,
    DIALECTS,
    WORK_MODES,
    Dialect,
    DialectUnsupported,
    Reply,
    dialect,
)
from dtulab.host import DtuHost, claim
from dtulab.netfaults import ServerFault
from dtulab.peripherals.gsm_modem.faults import Fault
from dtulab.platforms import TARGETS, Unsupported
from dtulab.platforms.labgrid import Claim
from dtulab.probe import Detected, probe
from dtulab.world import ServerConfig, World, WorldConfig


def _seconds(value: Any) -> float:
    """A Robot time (``300 ms``, ``2s``, ``1.5``) in seconds."""
    return float(timestr_to_secs(value))


def _bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("latin-1")


def _servers(spec: str) -> list[ServerConfig]:
    """``dc1, dc2, udp:UDP`` → servers by name, TCP unless ``:UDP`` follows."""
    out = []
    for item in filter(None, (x.strip() for x in spec.split(","))):
        name, _, proto = item.partition(":")
        out.append(ServerConfig(name, (proto or "TCP").upper()))
    return out


def _line_matches(line: str, want: str) -> bool:
    """``want`` is the exact line, or ``regexp=<re>`` / ``glob=<pattern>`` matching all of it."""
    if want.startswith("glob="):
        return fnmatch.fnmatchcase(line, want[len("glob=") :])
    return re.fullmatch(_line_regex(want), line) is not None


def _line_regex(want: str) -> str:
    """``want``, the exact line or ``regexp=<re>``, as a regular expression."""
    if want.startswith("glob="):
        raise ValueError(f"a glob= pattern cannot be used here, only text or regexp=: {want}")
    return want[len("regexp=") :] if want.startswith("regexp=") else re.escape(want)


def _reply_should_be(what: str, reply: list[str], expected: tuple[str, ...]) -> None:
    """Each line of ``reply`` matches its line of ``expected`` (``_line_matches``)."""
    if len(reply) != len(expected) or not all(
        _line_matches(line, want) for line, want in zip(reply, expected, strict=True)
    ):
        raise AssertionError(f"{what}: expected {list(expected)}, got {reply}")


def _pattern(reply: Reply) -> str:
    """A dialect's reply line in the keywords' form: the text, or ``regexp=<re>``."""
    return reply if isinstance(reply, str) else f"regexp={reply.pattern}"


@library(scope="SUITE", auto_keywords=False)
class DtuLibrary(RenodeKeywords):
    """Keywords that drive a DTU the way the USR-GPRS232-721 manual describes it.

    Import it with the target (and optionally the AT dialect):

    | Library | DtuLibrary.py | target=${TARGET} | dialect=usr721 |

    ``bind`` and ``advertise`` (``--variable BIND:0.0.0.0 --variable
    ADVERTISE:lab.example.net``) are where the data-centre, FTP and HTTP servers
    listen and the address a DTU is given for them; loopback by default
    (docs/network-faults.md).

    ``target`` names a dtulab target (``--variable TARGET:reference``):
    ``reference``, ``qemu``, ``renode`` (where Renode is installed; without it
    every test is skipped with the reason), ``native`` (the firmware's logic as a
    process on this machine) or ``serial`` (a real DTU on
    ``PORT``; several identical devices, comma-separated, are shared out among
    tests running side by side). A keyword whose capability (LEDs, power,
    modelled network) the target lacks fails with ``unsupported on <target>:
    <reason>`` — tag such tests ``needs-leds``, ``needs-power``,
    ``needs-network`` so a conformance run can skip them knowingly.

    Each test gets a fresh bench: ``Start Bench`` in the test setup builds the
    world (the target on its board, the data-centre servers, the modem and its
    network, a fresh EEPROM) and opens the host's side of the RS232 port;
    ``Stop Bench`` in the teardown takes it down, and on failure logs the
    RS232 and modem transcripts and the LED/power timeline (text and SVG).
    The first bench of a run that comes online asks the device who it is
    (version, IMEI, ICCID as the dialect gives them; the firmware image's
    SHA-256) and writes that to ``${IDENTITY DIR}/<target>.json`` (default:
    ``identity/`` in the output directory) for ``dtulab report``.

    = Data =
    Data sent and expected is given as text; each character is one byte
    (Latin-1), so ``\\x00`` is a NUL. The RS232 line ends with CR in command
    mode.

    = Timeouts =
    Timeouts and durations take Robot's time format: ``10``, ``300 ms``,
    ``1.5 s``.

    = Dialects =
    Behaviour keywords (``Configure Socket``, ``Set Work Mode``, ``Set
    Password``, ...) say what to set up; the dialect adapter
    (dtulab/dialects.py) sends its own commands. The few command lines a test
    sends itself (a password command on the serial port, from a server, by
    SMS) come from the adapter too: ``Dialect Command`` by operation
    (``version``, ``mode?``, ``set mode``, ``sms number?``, ``set sms
    number``), ``Dialect Reply`` for the line that answers it, ``Password
    Command`` for the line with the password. A requirement the dialect
    cannot express is skipped as ``unsupported by the dialect <name>:
    <reason>``. A test about one dialect's own commands (their syntax, its
    settings records) is tagged ``dialect:<name>``: ``Start Bench`` skips it
    the same way in any other dialect.

    = Renode keywords =
    Renode's UART keywords (``Create Terminal Tester``, ``Wait For Line On
    Uart``, ``Wait For Lines On Uart``, ``Wait For Next Line On Uart``, ``Wait
    For Prompt On Uart``, ``Wait For Bytes On Uart``, ``Should Not Be On
    Uart``, ``Write Line To Uart``, ``Write To Uart``, ``Write Char On Uart``,
    ``Send Key To Uart``, ``Test If Uart Is Idle``, ``Register Failing Uart
    String``, ``Set Default Uart Timeout``, ``Set Default Tester``, ``Get
    Terminal Tester Report``, ...), LED keywords (``Set Default LED
    Timeout``, ``Create LED Tester``, ``Assert LED State``, ``Assert And Hold
    LED State``, ``Assert LED Duty Cycle``, ``Assert LED Is Blinking``) and
    ``Execute Command`` take Renode's names and arguments and give the
    outcomes Renode's implementation gives, so Renode suites carry over
    (robot/README.md, "Renode suites"). A terminal tester goes on the RS232
    port, ``sysbus.uart0`` as the emulated board calls it (or ``uart0``,
    ``rs232``); lines end at LF with CR dropped; results have ``Line``,
    ``Groups`` and ``Timestamp`` (ms on the bench clock since the bench was
    built). The bench runs in real time: ``pauseEmulation`` is accepted and
    has no effect; ``machine`` may name the bench's one machine, ``dtu``. The
    LEDs are ``POW``, ``NET`` and ``DATA``, or by Renode names
    ``sysbus.scc.led0`` .. ``led2`` (the SCC CFG1 bit that drives each). The
    LED keywords fail as Renode does (``InvalidOperationException: LED
    assertion not met.``); ``Execute Command`` runs the bench's control
    commands (``power off``, ``fault no-coverage``, ``status``: what ``dtulab
    run`` reads) and ``emulation RunFor``. robot/renode_compat/ shows
    Renode-style suites.
    """

    ROBOT_LIBRARY_VERSION = "0.1.0"

    def __init__(
        self,
        target: str = "reference",
        dialect: str = "usr721",
        port: str = "",
        baud: int = 115200,
        firmware: str = "",
        board: str = "",
        bind: str = "127.0.0.1",
        advertise: str = "",
        lg_env: str = "",
    ) -> None:
        if dialect not in DIALECTS:
            known = ", ".join(sorted(DIALECTS))
            raise ValueError(f"unknown AT dialect '{dialect}': expected one of {known}")
        self.target_name = target
        self.dialect_name = dialect
        # the serial target: the device's port (a pyserial URL), or several identical devices,
        # comma-separated: each test takes one no other test holds (pabot runs them at once)
        self.ports = [p.strip() for p in port.split(",") if p.strip()]
        self.baud = int(baud)
        self.firmware = firmware  # qemu, renode, native: a user's image instead of firmware/
        self.board = board  # and its board file
        # the labgrid target: an environment file, or several (a place each, identical
        # devices), comma-separated: each test takes one no other test holds
        self.lg_envs = [e.strip() for e in (lg_env or os.environ.get("LG_ENV", "")).split(",")]
        self.lg_envs = [e for e in self.lg_envs if e]
        self._place: Claim | None = None
        # a device whose EEPROM the bench cannot renew, left with factory settings by the last
        # Stop Bench (so Start Bench need not restore them)
        self._device_fresh = False
        self.bind, self.advertise = bind, advertise  # the servers' addresses (addresses.py)
        self.world: World | None = None
        self._host: DtuHost | None = None
        self._dialect: Dialect | None = None
        self._command_mode = False
        self._network_fault: Fault | ServerFault | None = None
        self._forget_testers()
        self._last_command_at = 0.0
        self._rs232_base = 0  # rs232_taken() when this bench's host port was opened
        self._last_send_at = 0.0  # time.monotonic() of the last Send To DTU

    # -- the bench ------------------------------------------------------------------
    @keyword("Start Bench")
    def start_bench(
        self,
        servers: str = "dc1, dc2, udp:UDP",
        timing: str = "fast",
        power_on: bool = True,
        wait_online: bool = True,
    ) -> None:
        """Build a fresh bench for ``target`` and open the host's side of the RS232 port.

        ``servers`` are the data-centre servers by name (``name:UDP`` for UDP);
        ``timing`` is ``fast`` or ``realistic``. With ``power_on`` the DTU
        boots; with ``wait_online`` too, this waits (30 s) until it has GPRS.

        | Start Bench |
        | Start Bench | servers=dc1 | timing=realistic |
        """
        if self.world is not None:
            self.stop_bench()
        self._name_the_run()
        self._require_dialect_tag()
        if self.target_name not in TARGETS:
            known = ", ".join(sorted(TARGETS))
            raise Unsupported(self.target_name, f"no such target (known: {known})")
        own_port = TARGETS[self.target_name].device_port and self.ports
        device = claim(self.ports, self.baud) if own_port else None  # a real DTU's port
        if self.target_name == "labgrid" and self.lg_envs and self._place is None:
            # a place no other process holds, this process's until it ends (labgrid keeps
            # its drivers open from one bench to the next)
            self._place = Claim(self.lg_envs)
        config = WorldConfig(
            target=self.target_name,
            timing=timing,
            servers=_servers(servers),
            power_on=power_on,
            dialect=self.dialect_name,
            port=device.port if device else "",
            baud=self.baud,
            firmware=self.firmware,
            board=self.board,
            bind=self.bind,
            advertise=self.advertise,
            lg_env=self._place.path if self._place else "",
        )
        self.world = World(config)
        try:
            self.world.start()
        except (ValueError, Unsupported) as exc:
            self.world = None
            if device is not None:
                device.close()
            if isinstance(exc, Unsupported):  # the target cannot run here (e.g. no Renode)
                raise SkipExecution(str(exc)) from None
            raise Unsupported(self.target_name, str(exc)) from None
        self._host = device or DtuHost(self.world.rs232_port, baudrate=self.baud)
        self._rs232_base = self.world.call(self.world.rs232_taken)
        self._dialect = dialect(self.dialect_name, self._host)
        self._command_mode = False
        self._network_fault = None
        self._forget_testers()
        self._last_command_at = 0.0
        fresh, self._device_fresh = self._device_fresh, False  # this test will change it
        if not self.world.target.has("power"):
            # a device the bench cannot power-cycle: factory settings give each test a fresh DTU
            self._dialect.factory_reset(timeout=60)
        elif power_on and wait_online:
            self.wait_until_dtu_is_online()
            if not self.world.target.has("eeprom") and not fresh:
                self._dialect.factory_reset(timeout=60)  # settings the bench cannot renew
        else:
            return
        # online: the first bench of the run asks the device who it is, for the report
        outdir = BuiltIn().get_variable_value("${OUTPUT DIR}", ".")
        where = BuiltIn().get_variable_value("${IDENTITY DIR}", f"{outdir}/identity")
        if written := identity.record(Path(where), self.world, self._dialect):
            logger.info(f"the device's identity: {written}")

    @keyword("Stop Bench")
    def stop_bench(self) -> None:
        """Take the bench down. After a failed test, log the transcripts and the timeline first."""
        if self.world is None:
            return
        try:
            if BuiltIn().get_variable_value("${TEST STATUS}") == "FAIL":
                self.log_bench_report()
            self._device_fresh = self._leave_factory_settings()
        finally:
            if self._host is not None:
                self._host.close()
            self.world.stop()
            self.world = None
            self._host = None
            self._dialect = None

    def _leave_factory_settings(self) -> bool:
        """A device whose EEPROM the bench cannot renew, powered by the bench, gets factory
        settings while this bench still runs: left with this test's sockets it would fail to
        reach their servers and restart over and over, into the next test's start."""
        world = self._world()
        if world.target.has("eeprom") or not world.target.has("power") or self._dialect is None:
            return False
        if not world.call(lambda: world.power.on):
            return False
        try:
            self._dialect.factory_reset(timeout=30)
        except (AssertionError, OSError) as exc:  # the next Start Bench tries again
            logger.info(f"factory settings at the end of the test failed: {exc}")
            return False
        return True

    @keyword("Log Bench Report")
    def log_bench_report(self) -> None:
        """Log the RS232 and modem transcripts and the LED/power timeline.

        The timeline picture (SVG) goes to ``timelines/`` in the output directory.
        """
        world = self._world()
        outdir = Path(BuiltIn().get_variable_value("${OUTPUT DIR}", "."))
        test = BuiltIn().get_variable_value("${TEST NAME}", "bench")
        svg = outdir / "timelines" / (re.sub(r"[^\w.-]+", "_", test) + ".svg")
        svg.parent.mkdir(parents=True, exist_ok=True)
        text = world.timeline(svg)
        logger.info(f"LED/power timeline:\n{text}")
        logger.info(f'<img src="{svg.relative_to(outdir)}" width="100%">', html=True)
        logger.info("RS232 transcript:\n" + world.call(world.rs232_transcript.text))
        logger.info("modem transcript:\n" + world.call(world.modem_transcript.text))
        console = world.target.console
        if console:
            logger.info("firmware debug console:\n" + "\n".join(console[-200:]))
        world.attach_report(svg)  # the same, for the Allure report

    @keyword("Wait Until DTU Is Online")
    def wait_until_dtu_is_online(self, timeout: Any = 30) -> None:
        """Wait until the DTU has GPRS: its NET LED is on, or, where the LEDs cannot be
        seen, the DTU says so in command mode (the dialect's network status)."""
        if self._world().target.has("leds"):
            self.led_should_be_on("NET", timeout)
        else:
            self._adapter().wait_online(_seconds(timeout))

    @keyword("Wait Until DTU Restarts")
    def wait_until_dtu_restarts(self, timeout: Any = 30) -> None:
        """Wait until the DTU has restarted since the last ``Send AT Command`` and is online.

        A restart shows as the NET LED going off (the boot) and on again (GPRS).

        | Send AT Command | AT+CIRESET |
        | Wait Until DTU Restarts |
        """
        self._world().wait_restart(self._last_command_at, _seconds(timeout))
        self._command_mode = False

    # -- power ----------------------------------------------------------------------
    @keyword("Power On DTU")
    def power_on_dtu(self) -> None:
        """Restore the supply (12 V on the DC input): a cold boot if the DTU was off."""
        self._world().power_on()

    @keyword("Cut Power")
    def cut_power(self) -> None:
        """Cut both supply inputs: the firmware stops at once, RAM is lost, the EEPROM stays."""
        self._world().cut_power()
        self._command_mode = False

    @keyword("Cut Power At EEPROM Write")
    def cut_power_at_eeprom_write(self, n: int = 1) -> None:
        """Arm a power cut just before the ``n``-th EEPROM write from now (1 = the next one).

        | Cut Power At EEPROM Write | 3 |
        | Send To DTU | ATW\\r |
        | LED Should Be Off | POW |
        """
        self._world().cut_power_at_eeprom_write(int(n))

    @keyword("Set Rail Voltage")
    def set_rail_voltage(self, rail: str, volts: float) -> None:
        """Set the ``dc`` or ``dip`` input to ``volts`` (9–24 V powers the DTU).

        | Set Rail Voltage | dip | 24 |
        """
        self._world().set_rail(rail.lower(), float(volts))

    # -- command mode and AT commands -------------------------------------------------
    @keyword("Enter Command Mode")
    def enter_command_mode(self, timeout: Any = 10) -> None:
        """Enter command mode the dialect's way.

        usr721: 300 ms of silence, ``+++``, ``a`` back, ``a``, ``+ok`` back.
        """
        self._adapter().enter_command_mode(_seconds(timeout))
        self._command_mode = True

    @keyword("Leave Command Mode")
    def leave_command_mode(self, timeout: Any = 10) -> None:
        """Return to the work mode (usr721: ``AT+ENTM``); socket changes apply now."""
        self._adapter().leave_command_mode(_seconds(timeout))
        self._command_mode = False

    @keyword("Probe Dialect")
    def probe_dialect(self, *prefixes: str, timeout: Any = 3) -> Detected:
        """Ask the DTU which AT dialect it speaks, as ``dtulab probe`` does (dtulab/probe.py):
        the escape and each dialect's version command, else password-prefixed version
        commands (``prefixes`` first, then the dialects' defaults; a refused one is data for
        the servers). Nothing is changed; the DTU is left in the mode it was in. Returns the
        ``dialect``, ``version``, ``entry`` (``escape``, ``password``, ``command mode``) and
        ``prefix``; fails with what was tried if no known dialect answers.

        | ${found} = | Probe Dialect |
        | Should Be Equal | ${found.dialect} | usr721 |
        | ${found} = | Probe Dialect | mypw# | timeout=10 s |
        """
        found = probe(self._console(), prefixes, _seconds(timeout))
        logger.info(f"the DTU speaks {found.dialect} ({found.version}); in by {found.entry}")
        return found

    @keyword("Send AT Command")
    def send_at_command(
        self, command: str, allow_error: bool = False, timeout: Any = 10
    ) -> list[str]:
        """Send one command line in command mode; return the reply lines, the result code last.

        The echo is left out. Fails on a result other than ``OK`` unless
        ``allow_error`` is true.

        | ${reply}= | Send AT Command | AT+CIMOD? |
        | Should Be Equal | ${reply} | ${{["+CIMOD: 0", "OK"]}} |
        | Send AT Command | AT+CIMOD=9 | allow_error=${True} |
        """
        self._in_command_mode(command)
        self._last_command_at = self._world().now()
        reply = self._console().at(command, _seconds(timeout))
        if not allow_error and reply[-1:] != ["OK"]:
            raise AssertionError(f"{command}: expected OK, got {reply}")
        return reply

    @keyword("AT Command Should Answer")
    def at_command_should_answer(self, command: str, *expected: str) -> list[str]:
        """Send ``command`` in command mode; its reply lines must be ``expected``, in order.

        Each expected line is the exact text, or with a ``regexp=`` prefix a
        regular expression the whole line matches, or with ``glob=`` a glob
        pattern (as in ``Should Contain Match``). Returns the reply.

        | AT Command Should Answer | AT+CIMOD? | +CIMOD: 0 | OK |
        | AT Command Should Answer | AT+CSQ | regexp=\\+CSQ: \\d+,\\d+ | OK |
        | AT Command Should Answer | AT+CIMOD=9 | ERROR |
        """
        reply = self.send_at_command(command, allow_error=True)
        _reply_should_be(command, reply, expected)
        return list(reply)

    @keyword("Reply Should Be")
    def reply_should_be(self, reply: list[str], *expected: str) -> None:
        """The reply lines ``reply`` (of a password command, say) are ``expected``, in order;
        each the exact text, or ``regexp=`` / ``glob=`` as in ``AT Command Should Answer``.

        | ${reply}= | Server Sends Network AT | ${command} |
        | Reply Should Be | ${reply} | OK |
        """
        _reply_should_be("reply", list(reply), expected)

    # -- the lines a test sends itself, from the dialect ---------------------------------
    @keyword("Dialect Command")
    def dialect_command(self, op: str, *args: str) -> str:
        """The dialect's command line for ``op``, with ``args``: ``version``, ``mode?``,
        ``set mode`` (a work mode, as in ``Set Work Mode``), ``sms number?``,
        ``set sms number`` (the number).

        | ${line}= | Dialect Command | set sms number | 10086 |
        | Should Be Equal | ${line} | AT+CIPNUM=10086 | # usr721 |
        """
        return self._adapter().command(op, *args)

    @keyword("Dialect Reply")
    def dialect_reply(self, op: str, *args: str) -> str:
        """The line the DTU answers to ``op`` with ``args`` (before the ``OK``), for ``AT
        Command Should Answer`` and ``Reply Should Be``: the exact text, or ``regexp=`` and
        an expression where it is not known in advance (``version``). ``mode?`` takes the
        work mode, ``sms number?`` the number; ``wrong password`` is what a password
        command from a server or by SMS gets when its password is wrong.

        | ${line}= | Dialect Reply | sms number? | 10086 |
        | Should Be Equal | ${line} | +CIPNUM: 10086 | # usr721 |
        """
        return _pattern(self._adapter().reply(op, *args))

    @keyword("Password Command")
    def password_command(self, command: str, password: str | None = None) -> str:
        """The line that runs ``command`` from outside command mode (serial port, server,
        SMS), with ``password`` (default: the dialect's factory password).

        | ${version}= | Dialect Command | version |
        | ${line}= | Password Command | ${version} |
        | Should Be Equal | ${line} | usr.cn#AT+CIVER? | # usr721 |
        """
        return self._adapter().password_line(command, password)

    @keyword("Default Password")
    def default_password(self) -> str:
        """The dialect's factory password of the password commands (usr721: ``usr.cn``)."""
        return self._adapter().default_password

    @keyword("Query Should Answer")
    def query_should_answer(self, op: str, *args: str) -> list[str]:
        """In command mode, ``Dialect Command`` ``op`` answers ``Dialect Reply`` ``op``
        ``args``, then ``OK``. Returns the reply.

        | Query Should Answer | mode? | SMS |
        | Query Should Answer | sms number? | 10086 |
        """
        adapter = self._adapter()
        line = _pattern(adapter.reply(op, *args))
        return list(self.at_command_should_answer(adapter.command(op), line, "OK"))

    # -- behaviour, through the dialect ------------------------------------------------
    @keyword("Configure Socket")
    def configure_socket(
        self,
        n: int,
        server: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        proto: str = "",
        enabled: bool = True,
    ) -> None:
        """Point socket ``n`` (1–4) at a data-centre ``server`` by name (the address the bench
        gives DTUs for it: loopback, or its advertised address), or at ``host``:``port``.

        ``proto`` (``TCP``/``UDP``) defaults to the server's. In command mode;
        the socket connects when the host leaves command mode.

        | Configure Socket | 1 | dc1 |
        | Configure Socket | 2 | host=example.org | port=5000 | proto=UDP | enabled=${False} |
        """
        self._in_command_mode("Configure Socket")
        if server:
            host, port = self._world().server_address(server)
            proto = proto or self._world().server(server).proto
        self._adapter().configure_socket(int(n), host, int(port), proto or "TCP", enabled)

    @keyword("Set Heartbeat")
    def set_heartbeat(self, interval: Any, data: str = "", to: str = "server") -> None:
        """Send ``data`` every ``interval`` s of idle link (0 = off) to ``server`` or ``serial``.

        | Set Heartbeat | 30 | ping |
        """
        if to not in ("server", "serial"):
            raise ValueError(f"to must be server or serial, not '{to}'")
        self._in_command_mode("Set Heartbeat")
        self._adapter().set_heartbeat(int(_seconds(interval)), _bytes(data), to)

    @keyword("Set Registration Packet")
    def set_registration_packet(
        self, data: str = "", when: str = "link", kind: str = "USER"
    ) -> None:
        """Set the registration packet: once per connection (``when=link``) or before every
        packet (``when=data``).

        ``kind``: ``USER`` (``data``; empty turns registration off), ``IMEI``,
        ``ICCID`` or ``CLOUD`` (``data`` is ``<id>,<password>``).

        | Set Registration Packet | LOGIN:1001 |
        | Set Registration Packet | kind=IMEI | when=data |
        """
        if when not in ("link", "data"):
            raise ValueError(f"when must be link or data, not '{when}'")
        self._in_command_mode("Set Registration Packet")
        self._adapter().set_registration(_bytes(data), when, kind)

    @keyword("Set Short Connection")
    def set_short_connection(self, n: int, idle: Any = 10) -> None:
        """Make socket ``n`` a short connection: closed after ``idle`` s without data,
        opened again by new serial data (usr721: ``AT+CISOCLINK``).

        | Set Short Connection | 1 | idle=2 s |
        """
        self._in_command_mode("Set Short Connection")
        self._adapter().set_link(int(n), True, int(_seconds(idle)))

    @keyword("Set Long Connection")
    def set_long_connection(self, n: int) -> None:
        """Make socket ``n`` a long connection: it stays open (the factory setting)."""
        self._in_command_mode("Set Long Connection")
        self._adapter().set_link(int(n), False, 0)

    @keyword("Set Serial Packing")
    def set_serial_packing(self, time: Any = "100 ms", length: int | None = None) -> None:
        """Serial bytes form one network packet when the line is idle for ``time`` or the
        packet reaches ``length`` bytes (default: the longest the dialect allows; usr721:
        ``AT+CIPCFG``, 1460; usr-sock: ``AT+UARTFT``/``AT+UARTFL``, 1000).

        | Set Serial Packing | time=400 ms |
        | Set Serial Packing | time=200 ms | length=10 |
        """
        self._in_command_mode("Set Serial Packing")
        adapter = self._adapter()
        longest = adapter.pack_len_max if length is None else int(length)
        adapter.set_packing(round(_seconds(time) * 1000), longest)

    @keyword("Save Settings")
    def save_settings(self) -> None:
        """Save the running settings so they survive power loss (usr721: ``ATW``)."""
        self._in_command_mode("Save Settings")
        self._adapter().save_settings()

    @keyword("Set Work Mode")
    def set_work_mode(self, mode: str) -> None:
        """The work mode the DTU takes when the host leaves command mode: ``NET``
        (transparent network), ``FTP`` (FTP download), ``AT`` (AT command mode), ``HTTPD``
        (HTTPD client) or ``SMS`` (SMS passthrough) (usr721: ``AT+CIMOD``).

        | Set Work Mode | SMS |
        """
        if mode.upper() not in WORK_MODES:
            raise ValueError(f"mode must be one of {', '.join(WORK_MODES)}, not '{mode}'")
        self._in_command_mode("Set Work Mode")
        self._adapter().set_work_mode(mode.upper())

    @keyword("Set SMS Number")
    def set_sms_number(self, number: str) -> None:
        """The phone number SMS passthrough sends serial data to (usr721: ``AT+CIPNUM``).

        | Set SMS Number | 10086 |
        """
        self._in_command_mode("Set SMS Number")
        self._adapter().set_sms_number(str(number))

    @keyword("Set Remote AT")
    def set_remote_at(self, channel: str, on: bool = True) -> None:
        """Password commands from ``channel`` on or off: ``serial`` (in the transparent
        modes), ``network`` (from a server), ``sms`` (usr721: ``AT+CICOMAT``,
        ``AT+CINETAT``, ``AT+CISMSAT``).

        | Set Remote AT | serial |
        | Set Remote AT | sms | ${False} |
        """
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not '{channel}'")
        self._in_command_mode("Set Remote AT")
        self._adapter().set_remote_at(channel, bool(on))

    @keyword("Set Password")
    def set_password(self, old: str, new: str, refused: bool = False) -> None:
        """Change the password of the password commands from ``old`` to ``new`` (usr721:
        ``AT+CIPSW``). With ``refused`` the DTU must refuse it instead (``old`` is not its
        password) and change nothing.

        | ${factory}= | Default Password |
        | Set Password | ${factory} | abc123 |
        | Set Password | ${factory} | again | refused=${True} |
        """
        self._in_command_mode("Set Password")
        accepted = self._adapter().set_password(old, new)
        if accepted == bool(refused):
            done = "accepted" if accepted else "refused"
            raise AssertionError(f"the DTU {done} the password change from '{old}' to '{new}'")

    @keyword("Set HTTP Client")
    def set_http_client(self, method: str, url: str, *headers: str) -> None:
        """HTTPD client mode's request: ``GET`` or ``POST`` to ``url``, with ``headers``
        (``Name: value`` each) (usr721: ``AT+CIHTTP``).

        | Set HTTP Client | GET | ${url}/page.txt |
        | Set HTTP Client | POST | ${url}/up | X-Dtu: 721 | Content-Type: text/plain |
        """
        if method.upper() not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, not '{method}'")
        self._in_command_mode("Set HTTP Client")
        self._adapter().set_http(method.upper(), url, headers)

    @keyword("Set Boot Message")
    def set_boot_message(self, text: str) -> None:
        """What the DTU writes on the serial port when it boots; empty: nothing (usr721:
        ``AT+CIMODID``).

        | Set Boot Message | DTU BOOTED |
        """
        self._in_command_mode("Set Boot Message")
        self._adapter().set_boot_message(text)

    @keyword("Settings Dump")
    def settings_dump(self) -> list[str]:
        """Every setting the DTU shows, as the reply lines of the dialect's queries: equal
        dumps, equal settings (usr721: ``AT+CIPSCONT?`` and the queries it leaves out).

        | ${before}= | Settings Dump |
        | ${after}= | Settings Dump |
        | Lists Should Be Equal | ${after} | ${before} |
        """
        self._in_command_mode("Settings Dump")
        return self._adapter().settings_dump()

    @keyword("Restart DTU")
    def restart_dtu(self, timeout: Any = 60) -> None:
        """In command mode: restart the DTU (settings not saved are lost; usr721:
        ``AT+CIRESET``); returns once it is online again, in its work mode.
        ``Wait Until DTU Restarts`` then sees the restart on the LEDs."""
        self._in_command_mode("Restart DTU")
        self._last_command_at = self._world().now()
        self._command_mode = False
        self._adapter().restart(_seconds(timeout))

    @keyword("Restore Factory Settings")
    def restore_factory_settings(self, timeout: Any = 60) -> None:
        """Factory settings, saved, and a restart (usr721: ``AT+CIRELOAD``), from command
        mode or the work mode; returns once the DTU is online again, in its work mode.
        ``Wait Until DTU Restarts`` then sees the restart on the LEDs.

        | Restore Factory Settings |
        | Wait Until DTU Restarts |
        """
        self._last_command_at = self._world().now()
        self._command_mode = False
        self._adapter().factory_reset(_seconds(timeout))

    # -- the RS232 port ---------------------------------------------------------------
    @keyword("Send To DTU")
    def send_to_dtu(self, data: str, after: Any = 0) -> None:
        """Write ``data`` to the DTU's RS232 port, ``after`` a pause (e.g. ``50 ms``).

        | Send To DTU | hello |
        | Send To DTU | +++ | after=300 ms |
        """
        pause = _seconds(after)
        if pause:
            time.sleep(pause)
        self._console().write(_bytes(data))
        self._last_send_at = time.monotonic()

    @keyword("Wait Until DTU Has Read Everything Sent")
    def wait_until_dtu_has_read_everything_sent(self, timeout: Any = 30) -> None:
        """Wait until the DTU's UART has taken every byte sent with ``Send To DTU``.

        The bench does not model a baud rate: a burst reaches it at once, and a DTU reads it
        at its own pace (QEMU's UART: about 15 kB/s; on renode, "taken" is read into the
        UART's queue, which Renode fills at once and the firmware empties). Use it before a
        step that counts on the DTU having seen the data, e.g. before timing the serial
        silence that ends the last packet.

        | Send To DTU | ${20 KB} |
        | Wait Until DTU Has Read Everything Sent |
        | Sleep | 300 ms | reason=silence ends the last packet |
        """
        world = self._world()
        world.wait_rs232_taken(self._rs232_base + self._console().sent, _seconds(timeout))

    @keyword("DTU Should Output")
    def dtu_should_output(self, text: str, timeout: Any = 10, regex: bool = False) -> str:
        """Wait until the DTU writes ``text`` (a regular expression with ``regex``) on RS232.

        Consumes everything up to the match; returns the matched text.
        """
        console = self._console()
        seconds = _seconds(timeout)
        match = console.expect_re(text, seconds) if regex else console.expect(text, seconds)
        return match.group(0).decode("latin-1")

    @keyword("DTU Should Output Reply")
    def dtu_should_output_reply(self, *lines: str, timeout: Any = 10) -> str:
        """Wait until the DTU writes the reply ``lines`` on RS232, each framed by CR LF before
        and after (``\\r\\n<line>\\r\\n``): the answer to a password command on the serial
        port. Each line is the exact text or ``regexp=`` and an expression.

        | ${version}= | Dialect Reply | version |
        | DTU Should Output Reply | ${version} | OK |
        """
        pattern = "".join(f"\r\n{_line_regex(line)}\r\n" for line in lines)
        match = self._console().expect_re(pattern, _seconds(timeout))
        return match.group(0).decode("latin-1")

    @keyword("Discard DTU Output")
    def discard_dtu_output(self) -> str:
        """Forget what the DTU has written so far (the next expectations see only new output)."""
        return self._console().drain().decode("latin-1")

    @keyword("DTU Should Not Output Anything")
    def dtu_should_not_output_anything(self, duration: Any = "500 ms") -> None:
        """Fail if the DTU writes anything on RS232 within ``duration``."""
        got = self._console().quiet(_seconds(duration))
        if got:
            raise AssertionError(f"expected silence on RS232 for {duration}, got {got!r}")

    # -- the data centre -----------------------------------------------------------------
    @keyword("Server Should Receive")
    def server_should_receive(self, data: str, server: str = "dc1", timeout: Any = 10) -> None:
        """Wait until ``server`` has received ``data`` next: the bytes after those already checked.

        Over all its connections, in order; fails on anything else in their
        place (reordered, duplicated, lost).

        | Server Should Receive | hello | server=dc2 |
        """
        self._world().server_should_receive(_bytes(data), server, _seconds(timeout))

    @keyword("Server Should Be Connected")
    def server_should_be_connected(
        self, server: str = "dc1", count: int = 1, timeout: Any = 20
    ) -> None:
        """Wait until ``server`` has had ``count`` connections (or datagram peers)."""
        self._world().wait_connections(int(count), server, _seconds(timeout))

    @keyword("Server Connection Should Close")
    def server_connection_should_close(self, server: str = "dc1", timeout: Any = 20) -> None:
        """Wait until every connection to ``server`` is closed (seen from the server)."""
        srv = self._world().server(server)
        self._world().wait(
            lambda: bool(srv.connections) and not any(c.open for c in srv.connections),
            _seconds(timeout),
            f"every connection to {server} closed",
        )

    @keyword("Server Sends")
    def server_sends(self, data: str, server: str = "dc1", connection: int = -1) -> None:
        """``server`` sends ``data`` to the DTU on ``connection`` (default: the newest)."""
        self._world().server_send(_bytes(data), server, int(connection))

    @keyword("Server Should Not Receive Anything")
    def server_should_not_receive_anything(
        self, server: str = "dc1", duration: Any = "500 ms", since: str = "now"
    ) -> None:
        """Fail if ``server`` receives anything beyond the bytes already checked with
        ``Server Should Receive`` within ``duration`` (``0``: check once, now).

        ``since=sent`` counts ``duration`` from the last ``Send To DTU`` instead of from
        now: a DTU's timer started by those bytes is then checked however long the steps
        in between took.

        | Send To DTU | +++ | after=300 ms |
        | DTU Should Output | a |
        | Server Should Not Receive Anything | dc1 | duration=2.5 s | since=sent |
        """
        if since not in ("now", "sent"):
            raise ValueError(f"since: expected now or sent, not {since!r}")
        window = _seconds(duration)
        if since == "sent":
            window = max(0.0, self._last_send_at + window - time.monotonic())
        got = self._world().server_unchecked(server, window)
        if got:
            raise AssertionError(
                f"server {server}: expected nothing more within {duration}, got {got!r}"
            )

    @keyword("Server Connection Should Receive")
    def server_connection_should_receive(
        self, data: str, connection: int = 0, server: str = "dc1", timeout: Any = 10
    ) -> None:
        """Wait until connection ``connection`` (0 the first, -1 the newest) of ``server``
        has received ``data`` from its start: its first bytes are ``data``.

        | Server Connection Should Receive | LOGIN:1001data | connection=1 |
        """
        world = self._world()
        srv = world.server(server)
        expected = _bytes(data)
        index = int(connection)

        def first_bytes() -> bytes | None:
            if not -len(srv.connections) <= index < len(srv.connections):
                return None
            return bytes(srv.connections[index].received[: len(expected)])

        with contextlib.suppress(AssertionError):  # the message below says what came instead
            world.wait(
                lambda: (got := first_bytes()) is not None and len(got) >= len(expected),
                _seconds(timeout),
                f"connection {index} of {server} receiving {len(expected)} bytes",
            )
        got = world.call(first_bytes)
        if got != expected:
            raise AssertionError(
                f"server {server}, connection {index}: expected {expected!r} from its start, "
                f"got {got!r}"
            )

    @keyword("Server Should Receive Datagrams")
    def server_should_receive_datagrams(
        self, *datagrams: str, server: str = "udp", timeout: Any = 10
    ) -> None:
        """Wait until the UDP ``server`` has received exactly ``datagrams``, one packet each.

        | Server Should Receive Datagrams | abcdef | gh |
        """
        world = self._world()
        srv = world.server(server)
        expected = [_bytes(d) for d in datagrams]

        def got() -> list[bytes]:
            return [d for c in srv.connections for d in c.datagrams]

        with contextlib.suppress(AssertionError):  # the message below says what came instead
            world.wait(lambda: len(got()) >= len(expected), _seconds(timeout), "datagrams")
        received = world.call(got)
        if received != expected:
            raise AssertionError(f"server {server}: expected datagrams {expected}, got {received}")

    @keyword("Server Disconnects")
    def server_disconnects(self, server: str = "dc1", connection: int = -1) -> None:
        """``server`` closes ``connection`` (default: the newest)."""
        world = self._world()
        world.run(world.server(server).disconnect(int(connection)))

    @keyword("Server Connection Should Be Open")
    def server_connection_should_be_open(self, server: str = "dc1", connection: int = -1) -> None:
        """Connection ``connection`` (default: the newest) of ``server`` is open now."""
        world = self._world()
        srv = world.server(server)
        index = int(connection)
        is_open = world.call(lambda: bool(srv.connections) and srv.connections[index].open)
        if not is_open:
            raise AssertionError(f"server {server}: connection {index} is not open")

    @keyword("Stop Server")
    def stop_server(self, server: str) -> None:
        """Stop ``server``: its connections close and nothing listens on its port any more
        (the port stays the server's, for ``Start Server``)."""
        world = self._world()
        world.run(world.server(server).stop(keep_port=True))

    @keyword("Start Server")
    def start_server(self, server: str) -> None:
        """Start a stopped ``server`` again, on the port it had (the data centre is back)."""
        world = self._world()
        world.run(world.server(server).start())

    # -- the network ---------------------------------------------------------------------
    @keyword("Drop Network")
    def drop_network(self) -> None:
        """The DTU loses its data connections until ``Restore Network``.

        With the modelled modem: coverage is lost (the ``no-coverage`` fault: no
        registration, no GPRS, links closed). On a target whose modem is real: every
        data-centre server refuses new connections and resets the open ones.
        """
        if self._network_fault is None:
            self._network_fault = self._world().drop_network()

    @keyword("Restore Network")
    def restore_network(self) -> None:
        """End ``Drop Network``: the modem registers and attaches again (the servers listen)."""
        if self._network_fault is None:
            raise AssertionError("Restore Network: the network was not dropped")
        self._world().clear(self._network_fault)
        self._network_fault = None

    @keyword("Inject Network Fault")
    def inject_network_fault(self, name: str, **params: Any) -> Fault | ServerFault:
        """Inject a network fault by its modem-fault name; returns it for
        ``Clear Network Fault``. One-shot faults (``socket-reset``) clear themselves.

        With the modelled modem this is the modem fault; on a target whose modem is real,
        its server-side equivalent on every data-centre server (``socket-reset``: a RST,
        ``blackhole``, ``latency``, ``bandwidth``; docs/network-faults.md), and a fault of
        the modelled cell network alone (``no-coverage``, ``signal``, ...) is unsupported.

        | Inject Network Fault | socket-reset | link=0 |
        | ${fault}= | Inject Network Fault | blackhole | link=0 |
        | Clear Network Fault | ${fault} |
        """
        return self._world().inject_network(name, **params)

    @keyword("Inject Server Fault")
    def inject_server_fault(self, name: str, server: str = "dc1", **params: Any) -> ServerFault:
        """Inject a network fault at ``server``'s end (``refuse``, ``reset``, ``close-after``,
        ``blackhole``, ``latency``, ``bandwidth``; docs/network-faults.md) on any target;
        returns it for ``Clear Network Fault``.

        | Inject Server Fault | reset | connection=0 |
        | ${fault}= | Inject Server Fault | close-after | server=dc2 | bytes=100 |
        """
        return self._world().inject_server_fault(name, server, **params)

    @keyword("Clear Network Fault")
    def clear_network_fault(self, fault: Fault | ServerFault) -> None:
        """End a fault injected with ``Inject Network Fault`` or ``Inject Server Fault``."""
        self._world().clear(fault)

    @keyword("Get Modem Identity")
    def get_modem_identity(self, field: str = "imei") -> str:
        """The modem's ``imei``, ``imsi`` or ``iccid``, as the modelled modem and SIM hold it."""
        self._require("modem")
        key = field.lower()
        if key not in ("imei", "imsi", "iccid"):
            raise ValueError(f"field must be imei, imsi or iccid, not '{field}'")
        return str(getattr(self._world().modem.identity, key))

    @keyword("Inject SMS")
    def inject_sms(self, sender: str, text: str) -> None:
        """The SMS centre delivers ``text`` from ``sender`` to the DTU's SIM."""
        self._world().deliver_sms(sender, text)

    @keyword("SMS Should Be Sent To")
    def sms_should_be_sent_to(self, number: str, text: str, timeout: Any = 10) -> None:
        """Wait until the DTU has sent an SMS with exactly ``text`` to ``number``."""
        self._world().wait_sms(number, text, _seconds(timeout))

    # -- LEDs -------------------------------------------------------------------------------
    @keyword("LED Should Be On")
    def led_should_be_on(self, led: str, timeout: Any = 10) -> None:
        """Wait until LED ``POW``, ``NET`` or ``DATA`` is on (at once if it is)."""
        self._led_state(led, True, _seconds(timeout))

    @keyword("LED Should Be Off")
    def led_should_be_off(self, led: str, timeout: Any = 10) -> None:
        """Wait until LED ``POW``, ``NET`` or ``DATA`` is off (at once if it is)."""
        self._led_state(led, False, _seconds(timeout))

    @keyword("LED Should Be Blinking")
    def led_should_be_blinking(self, led: str, window: Any = "3 s") -> None:
        """The LED blinked (two or more on and off edges) within the last ``window``."""
        self._require("leds")
        world = self._world()
        seconds = _seconds(window)
        lamp = world.leds[led]
        if not world.call(lambda: lamp.is_blinking(window=seconds)):
            history = world.call(lambda: lamp.history(world.clock.now() - seconds))
            raise AssertionError(
                f"LED {lamp.name} not blinking in the last {window}: "
                f"{len(history)} edges, now {'on' if lamp.on else 'off'}"
            )

    def _led_state(self, led: str, on: bool, timeout: float) -> None:
        self._world().wait_led(led, on, timeout)

    # -- internals -------------------------------------------------------------------------
    def _world(self) -> World:
        if self.world is None:
            raise RuntimeError("no bench: call Start Bench first (e.g. in Test Setup)")
        return self.world

    def _console(self) -> DtuHost:
        self._world()
        assert self._host is not None
        return self._host

    def _adapter(self) -> Dialect:
        self._world()
        assert self._dialect is not None
        return self._dialect

    def _require(self, capability: str) -> None:
        self._world().target.require(capability)

    def _name_the_run(self) -> None:
        """The run's ``Target`` and ``Dialect`` metadata, which ``dtulab report`` reads to
        give it its column: a hand run of ``robot`` gets the right one without ``--metadata``."""
        for name, value in (("Target", self.target_name), ("Dialect", self.dialect_name)):
            BuiltIn().set_suite_metadata(name, value, top=True)

    def _require_dialect_tag(self) -> None:
        """A test tagged ``dialect:<name>`` is about that dialect's own commands: in another
        dialect it is unsupported."""
        tags = BuiltIn().get_variable_value("@{TEST TAGS}", [])
        wanted = [t.split(":", 1)[1] for t in tags if t.lower().startswith("dialect:")]
        if wanted and self.dialect_name not in wanted:
            raise DialectUnsupported(
                self.dialect_name,
                f"the test is written in the {' and '.join(wanted)} dialect's own commands "
                f"(tag dialect:{wanted[0]})",
            )

    def _in_command_mode(self, what: str) -> None:
        if not self._command_mode:
            raise AssertionError(f"{what}: not in command mode (use Enter Command Mode first)")
