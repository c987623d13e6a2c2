"""The bench: a DTU target on the modelled board, in a real world of servers and a cell network.

``World`` assembles, on one event-loop thread, everything design.md draws
around the target: the power supply, the LEDs and the EEPROM (file-backed),
the SIM800 modem model behind the DTU's modem UART with its cell network and
SMS centre, the data-centre servers on loopback, and the RS232 link the host
opens (a pty or a TCP port). Power reaches the target only through the
rails. pytest, the Robot keywords, ``dtulab run`` and scripts/bench drive
everything through this one synchronous API; nothing above it knows which
target runs.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Self, TypeVar

from dtulab.addresses import Addresses
from dtulab.datacenter import Server
from dtulab.dialects import SocketDestination, dialect
from dtulab.host import DtuHost
from dtulab.netfaults import ServerFault, equivalent, make_server_fault
from dtulab.peripherals.clock import Clock
from dtulab.peripherals.eeprom import Eeprom, cut_at_write
from dtulab.peripherals.gsm_modem import commands  # noqa: F401  (registers the modem's commands)
from dtulab.peripherals.gsm_modem.commands.voice import voice
from dtulab.peripherals.gsm_modem.faults import Fault, FaultSet
from dtulab.peripherals.gsm_modem.modem import Modem, ModemIdentity
from dtulab.peripherals.gsm_modem.network import CellNetwork
from dtulab.peripherals.gsm_modem.sms_center import SmsCenter
from dtulab.peripherals.leds import LedBank
from dtulab.peripherals.links import Link, PtyLink, TcpServerLink, memory_pair, open_link
from dtulab.peripherals.loop_thread import LoopService, LoopThread
from dtulab.peripherals.power import CutTrigger, PowerSupply
from dtulab.peripherals.timeline import render_text, write_svg
from dtulab.peripherals.transcript import Entry, StreamSearch, Transcript, TranscriptLink
from dtulab.platforms import TARGETS, Target
from dtulab.platforms.base import TargetError, Unsupported
from dtulab.platforms.board import Board, ModemPowerKey

T = TypeVar("T")
log = logging.getLogger(__name__)
POWER_TIMEOUT = 150.0  # a power call waits for the target: an emulator may take a minute to start


@dataclass(frozen=True)
class LinkTraffic:
    """What the power supply is told of each chunk on a link (for cuts armed on bytes).

    ``link`` is "rs232", "modem" or "net" (the data centre's servers, every target);
    ``direction`` "rx" into the DTU side's peer (host → DTU on rs232, DTU → modem on
    modem, DTU → server on net) or "tx" the other way.
    """

    link: str
    direction: str
    data: bytes


def on_bytes(link: str, pattern: bytes, direction: str | None = None) -> Callable[[Any], bool]:
    """A cut trigger: true when ``pattern`` has crossed ``link`` (in one chunk or several).

    ``world.power.arm_cut(on_bytes("modem", b"AT+CIICR"))`` cuts the power as the DTU
    sends that command to its modem.
    """
    streams: dict[str, StreamSearch] = {}  # one per direction: they interleave on a link

    def predicate(event: Any) -> bool:
        if not isinstance(event, LinkTraffic) or event.link != link:
            return False
        if direction is not None and event.direction != direction:
            return False
        return streams.setdefault(event.direction, StreamSearch(pattern)).feed(event.data)

    return predicate


def after_bytes(link: str, n: int, direction: str) -> Callable[[Any], bool]:
    """A cut trigger: true once ``n`` bytes (1 or more) have crossed ``link`` in
    ``direction`` since it was armed (the cut follows the chunk that holds the ``n``-th)."""
    if n < 1:
        raise ValueError(f"n must be 1 or more, not {n}")
    seen = 0

    def predicate(event: Any) -> bool:
        nonlocal seen
        if not isinstance(event, LinkTraffic) or (event.link, event.direction) != (link, direction):
            return False
        seen += len(event.data)
        return seen >= n

    return predicate


@dataclass
class ServerConfig:
    name: str = "dc1"
    proto: str = "TCP"
    port: int = 0  # 0 = any free port
    echo: bool = False


@dataclass
class SocketSetup:
    """A DTU socket a bench file sets up through the RS232 port at start."""

    n: int = 1  # 1..4
    server: str = ""  # a data-centre server by name, or host + port below
    host: str = "127.0.0.1"
    port: int = 0
    proto: str = "TCP"


@dataclass
class WorldConfig:
    target: str = "reference"
    timing: str = "fast"  # modem and DTU timing: fast or realistic
    rs232: str = "pty"  # pty or tcp:HOST:PORT
    state_dir: str | None = None  # where the EEPROM image lives (None: a temporary folder)
    servers: list[ServerConfig] = field(default_factory=lambda: [ServerConfig()])
    bind: str = "127.0.0.1"  # where the servers listen (dtulab/addresses.py; 0.0.0.0: all)
    advertise: str = ""  # HOST or HOST:PORT a DTU is given for them ("": the bind address)
    identity: ModemIdentity = field(default_factory=ModemIdentity)
    faults: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sockets: list[SocketSetup] = field(default_factory=list)
    dialect: str = "usr721"  # the AT dialect the DTU speaks (dtulab/dialects.py)
    port: str = ""  # serial target: the device's port (a pyserial URL)
    baud: int = 115200  # serial target: its baud rate
    firmware: str = ""  # qemu target: an ELF to run instead of the project's firmware
    board: str = ""  # qemu target: a board file for that ELF (platforms/board.toml)
    lg_env: str = ""  # labgrid target: the environment file ("": $LG_ENV)
    lg_target: str = "main"  # labgrid target: the target in that file
    power_on: bool = True


def target_options(options_type: type[Any], config: WorldConfig) -> object:
    """A target's options (``Target.options_type``): the bench settings of the same names."""
    return options_type(**{f.name: getattr(config, f.name) for f in fields(options_type)})


class World(LoopService):
    def __init__(self, config: WorldConfig | None = None) -> None:
        self.config = config or WorldConfig()
        if self.config.target not in TARGETS:
            known = ", ".join(sorted(TARGETS))
            raise ValueError(f"unknown target '{self.config.target}': expected one of {known}")
        self.addresses = Addresses(self.config.bind, self.config.advertise)
        self.addresses.check(len(self.config.servers))  # AddressError is a ValueError
        self.thread = LoopThread("bench")
        self.clock = Clock()
        self.rs232_transcript = Transcript(self.clock)
        self.modem_transcript = Transcript(self.clock)
        self.network = CellNetwork()
        self.sms_center = SmsCenter()
        self.servers: dict[str, Server] = {}
        self.power: PowerSupply
        self.leds: LedBank
        self.eeprom: Eeprom
        self.modem: Modem
        self.faults: FaultSet
        self.target: Target[Any]
        self.rs232_link: Link
        self.dtu_modem_link: Link
        self._raw_rs232: Link
        self._power_events: asyncio.Queue[tuple[bool, float]]
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.target_error = ""  # why the target last failed to power on or off, if it did

    # -- lifecycle ------------------------------------------------------------------
    async def _start(self) -> None:
        cfg = self.config
        state = Path(cfg.state_dir) if cfg.state_dir else None
        if state is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="dtulab-")
            state = Path(self._tmp.name)
        state.mkdir(parents=True, exist_ok=True)
        self.power = PowerSupply(self.clock)
        self.power.cut()  # the bench starts unpowered; power_on() below is the first boot
        self.leds = LedBank(self.clock)
        self.eeprom = Eeprom(state / "eeprom.bin", power=self.power)
        self.dtu_modem_link, modem_side = memory_pair("modem-uart")
        self.modem = Modem(
            TranscriptLink(modem_side, self.modem_transcript),
            network=self.network,
            identity=cfg.identity,
            profile=cfg.timing,
            clock=self.clock,
        )
        self.sms_center.attach(self.modem)
        self.faults = FaultSet(self.modem)
        await self.modem.start(power_on=False)
        for server_cfg in cfg.servers:
            server = Server(
                server_cfg.name,
                server_cfg.proto,
                server_cfg.port,
                server_cfg.echo,
                cfg.bind,
                self.clock,
            )
            try:
                await server.start()
            except OSError as exc:
                raise ValueError(
                    f"server {server.name}: cannot listen on {cfg.bind} port {server_cfg.port}: "
                    f"{exc.strerror}"
                ) from None
            self.servers[server.name] = server
            server.listeners.append(self._net_to_power)
        for name, transcript in (
            ("rs232", self.rs232_transcript),
            ("modem", self.modem_transcript),
        ):
            transcript.listeners.append(self._traffic_to_power(name))
        self._raw_rs232 = await open_link(cfg.rs232)
        self.rs232_link = TranscriptLink(self._raw_rs232, self.rs232_transcript)
        self.target = self._make_target()
        await self.target.start()
        self._power_events = asyncio.Queue()
        self._power_task = asyncio.ensure_future(self._power_worker())
        # the board voltage goes with each transition: by the time the worker gets to an
        # "off", the rails may be back (a cut then a quick restore is still a cut)
        self.power.listeners.append(
            lambda on: self._power_events.put_nowait((on, self.power.voltage))
        )
        for name, params in cfg.faults:
            await self.faults.inject(name, **params)
        if cfg.power_on:
            await self._switch(self.power.restore, check=False)  # a failure: the status line

    def _make_target(self) -> Target[Any]:
        """The configured target on the bench's board: all it gets of the bench."""
        modem = self.modem

        async def switch_modem_off() -> None:
            await modem.power_off(None)

        board = Board(
            rs232=self.rs232_link,
            modem_uart=self.dtu_modem_link,
            leds=self.leds,
            eeprom=self.eeprom,
            power=self.power,
            modem_power=ModemPowerKey(
                is_on=lambda: modem.power.on, press=modem.power_on, switch_off=switch_modem_off
            ),
            clock=self.clock,
        )
        cls = TARGETS[self.config.target]
        return cls(board, target_options(cls.options_type, self.config))

    def _traffic_to_power(self, link: str) -> Callable[[Entry], None]:
        """Each chunk on a link offered to the supply's armed cuts."""

        def notify(entry: Entry) -> None:
            self.power.notify(LinkTraffic(link, entry.direction, entry.data))

        return notify

    def _net_to_power(self, direction: str, data: bytes) -> None:
        """The data centre's traffic offered to the supply's armed cuts (link "net")."""
        self.power.notify(LinkTraffic("net", direction, data))

    async def _power_worker(self) -> None:
        """Power transitions reach the modem and the target one at a time, in order."""
        while True:
            on, volts = await self._power_events.get()
            try:
                if on:
                    await self.modem.power_on()
                else:
                    await self.modem.power_off(None)
                await self.target.power(on, volts)
                self.target_error = ""
            except TargetError as exc:  # the firmware cannot run: said, and the bench goes on
                self.target_error = str(exc)
                log.error(
                    "the %s target could not power %s: %s",
                    self.target.name,
                    "on" if on else "off",
                    exc,
                )
            finally:
                self._power_events.task_done()

    async def _switch(self, change: Callable[[], None], check: bool = True) -> None:
        """Change the supply, then wait until every transition it caused has reached the
        modem and the target: when a power call returns, the board is in its new state
        (the LEDs off after a cut, the firmware started after power-on)."""
        change()
        await self._power_events.join()
        if check and self.target_error:
            raise TargetError(self.target_error)

    def start(self, timeout: float = POWER_TIMEOUT) -> Self:
        """Build the bench; with ``power_on`` it returns once the target has been powered."""
        return super().start(timeout)

    def stop(self, timeout: float = 20.0) -> None:
        try:
            super().stop(timeout)
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()

    async def _stop(self) -> None:
        await self.target.stop()
        await self.modem.stop()
        for server in self.servers.values():
            await server.stop()
        await self._raw_rs232.close()

    # -- waiting on the loop --------------------------------------------------------------
    async def until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait on the loop until ``predicate()`` holds (checked every 10 ms)."""
        deadline = self.clock.now() + timeout
        while not predicate():
            if self.clock.now() > deadline:
                raise AssertionError(f"{what}: not within {timeout} s")
            await asyncio.sleep(0.01)

    def wait(self, predicate: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
        self.run(self.until(predicate, timeout, what or repr(predicate)), timeout + 5)

    def now(self) -> float:
        """The bench clock's time: what ``since`` of ``wait_restart`` takes."""
        return self.call(self.clock.now)

    # -- the LEDs -------------------------------------------------------------------------
    def wait_led(self, name: str, on: bool, timeout: float = 10.0) -> None:
        """Wait until LED ``name`` (POW, NET, DATA) is on, or off (at once if it is)."""
        self.target.require("leds")
        lamp = self.leds[name]
        try:
            self.wait(lambda: lamp.on == on, timeout, f"LED {lamp.name} {'on' if on else 'off'}")
        except AssertionError:
            raise AssertionError(
                f"LED {lamp.name} should be {'on' if on else 'off'} within {timeout:g} s; "
                f"it is {'on' if lamp.on else 'off'} ({self.call(self.leds.text)})"
            ) from None

    def wait_restart(self, since: float, timeout: float = 30.0) -> None:
        """Wait until the DTU has restarted since ``since`` (``now()`` before the command that
        restarts it) and is online again: NET went off (the boot) and is on (GPRS)."""
        self.target.require("leds")
        net = self.leds["NET"]

        def restarted() -> bool:
            return net.on and any(not on for _, on in net.history(since))

        try:
            self.wait(restarted, timeout, "the DTU restarting (NET off, then on)")
        except AssertionError:
            raise AssertionError(
                f"the DTU did not restart (NET off, then on) within {timeout:g} s; "
                f"NET is {'on' if net.on else 'off'}"
            ) from None

    # -- the host's side ----------------------------------------------------------------
    @property
    def rs232_port(self) -> str:
        """What the host opens: the pty path or ``socket://HOST:PORT`` (or a device's port)."""
        own = self.target.rs232_port
        if own:
            return own
        raw = self._raw_rs232
        if isinstance(raw, PtyLink):
            return raw.slave_path
        if isinstance(raw, TcpServerLink):
            return f"socket://{raw.host}:{raw.port}"
        return raw.description

    def host(self) -> DtuHost:
        """The host's side of the RS232 port, opened (close it, or use it in ``with``)."""
        return DtuHost(self.rs232_port, baudrate=self.config.baud)

    # -- data centre ----------------------------------------------------------------------
    def server(self, name: str = "dc1") -> Server:
        try:
            return self.servers[name]
        except KeyError:
            raise ValueError(f"no server '{name}' (have: {', '.join(self.servers)})") from None

    def server_address(self, name: str = "dc1") -> tuple[str, int]:
        """The host and port a DTU is given for data-centre server ``name``: loopback and its
        port by default, else the advertised address (``WorldConfig.advertise``)."""
        return self.addresses.data_centre(self.server(name).port)

    def rs232_taken(self) -> int:
        """Bytes hosts have written to the RS232 port since the bench started that the firmware
        has taken (or lost, while it was off); call on the bench loop."""
        return self.rs232_transcript.bytes["rx"] - self.target.rs232_backlog()

    def wait_rs232_taken(self, total: int, timeout: float = 30.0) -> None:
        """Wait until ``rs232_taken()`` reaches ``total``: the links do not model a baud rate,
        so a burst reaches the bench at once and an emulated UART takes it at its own pace.
        Nothing to wait for on a device the host opens itself: its serial driver sent them."""
        if self.target.rs232_port:
            return
        self.wait(
            lambda: self.rs232_taken() >= total,
            timeout,
            f"the firmware taking {total} bytes from its RS232 port",
        )

    def server_received(self, name: str = "dc1") -> bytes:
        return self.call(lambda: self.server(name).received)

    def wait_server_received(self, size: int, name: str = "dc1", timeout: float = 20.0) -> bytes:
        server = self.server(name)
        try:
            self.wait(
                lambda: len(server.received) >= size, timeout, f"{name} receiving {size} bytes"
            )
        except AssertionError:
            got = self.server_received(name)
            raise AssertionError(
                f"server {name} got {len(got)} of {size} bytes: {got[-200:]!r}"
            ) from None
        return self.server_received(name)

    def server_should_receive(self, data: bytes, name: str = "dc1", timeout: float = 10.0) -> None:
        """Wait until server ``name`` has received ``data`` next: the bytes after those already
        checked (``Server.checked``), over all its connections, in order. AssertionError on
        anything else in their place (reordered, duplicated, lost); else they count as checked."""
        server = self.server(name)
        seen = server.checked
        want = seen + len(data)
        try:
            got = self.wait_server_received(want, name, timeout)
        except AssertionError:
            got = self.server_received(name)
        fresh = got[seen:]
        if fresh[: len(data)] != data:
            raise AssertionError(
                f"server {name}: expected {data!r}, got {fresh!r} "
                f"(after the {seen} bytes already checked)"
            )
        server.checked = want

    def server_unchecked(self, name: str = "dc1", within: float = 0.0) -> bytes:
        """What server ``name`` has received beyond the bytes already checked, waiting up to
        ``within`` s for the first of them (``b""``: nothing came)."""
        seen = self.server(name).checked
        try:
            return self.wait_server_received(seen + 1, name, within)[seen:]
        except AssertionError:
            return b""

    def wait_connections(self, count: int, name: str = "dc1", timeout: float = 20.0) -> None:
        server = self.server(name)
        self.wait(
            lambda: len(server.connections) >= count, timeout, f"{count} connections to {name}"
        )

    def server_send(self, data: bytes, name: str = "dc1", index: int = -1) -> None:
        self.run(self.server(name).send(data, index))

    def provision(self) -> None:
        """Set up the configured sockets (a server by name: ``server_address``) through the
        RS232 port, in the DTU's dialect (``Dialect.provision``)."""
        if not self.config.sockets:
            return
        sockets = []
        for s in self.config.sockets:
            if s.server:  # the bench's own server: where the DTU reaches it
                address, port = self.server_address(s.server)
                sockets.append(SocketDestination(s.n, address, port, self.server(s.server).proto))
            else:
                sockets.append(SocketDestination(s.n, s.host, s.port, s.proto))
        with self.host() as host:
            dialect(self.config.dialect, host).provision(sockets)

    # -- power, faults -----------------------------------------------------------------
    def settle_storage(self, timeout: float = 10.0) -> None:
        """Wait until the EEPROM model holds every write the firmware made so far; arm a cut
        on "the N-th write from now" only then (an emulator reports writes a moment late)."""
        self.wait(self.target.storage_settled, timeout, "the EEPROM model catching up")

    def cut_power_at_eeprom_write(self, n: int = 1, keep: int | None = None) -> CutTrigger:
        """Arm a power cut at the ``n``-th EEPROM write from now (1 = the next one), counted
        once the model holds every write so far: before that write, or with ``keep`` tearing
        it after its first ``keep`` bytes (``peripherals.eeprom.cut_at_write``)."""
        self.target.require("eeprom")
        self.settle_storage()
        return self.call(lambda: self.power.arm_cut(cut_at_write(self.eeprom, n, keep)))

    def power_on(self) -> None:
        """Restore the DC rail; returns once the target has been powered (``TargetError``
        if it could not be)."""
        self.target.require("power")
        self.run(self._switch(self.power.restore), POWER_TIMEOUT)

    def cut_power(self) -> None:
        """Cut both rails; returns once the target is off."""
        self.target.require("power")
        self.run(self._switch(self.power.cut), POWER_TIMEOUT)

    power_off = cut_power

    def deliver_sms(self, sender: str, text: str) -> None:
        """An SMS from ``sender`` to the DTU: the bench's SMS centre on its modelled network,
        else the target's SMS gateway (``Unsupported`` without one)."""
        self.target.require("sms")
        if self.target.has("modem"):
            self.sms_center.deliver(sender, text)
        else:
            self.run(self.target.sms_deliver(sender, text))

    def sms_sent(self, number: str) -> list[str]:
        """The texts the DTU has sent to ``number`` so far (long ones joined)."""
        self.target.require("sms")
        if self.target.has("modem"):
            return self.sms_center.full_texts(number)
        return self.run(self.target.sms_sent(number))

    def wait_sms(self, number: str, text: str, timeout: float = 10.0) -> None:
        """Wait until the DTU has sent exactly ``text`` to ``number`` (asked every 0.1 s:
        a gateway is asked, not listened to)."""
        deadline = time.monotonic() + timeout
        while text not in (sent := self.sms_sent(number)):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no SMS {text!r} to {number} within {timeout:g} s; sent to it: {sent}"
                )
            time.sleep(0.1)

    def incoming_call(self, number: str) -> None:
        self.run(voice(self.modem).incoming(number))

    def remote_hangup(self) -> None:
        self.run(voice(self.modem).remote_hangup())

    def set_rail(self, rail: str, volts: float) -> None:
        self.target.require("rails")
        self.run(self._switch(lambda: self.power.set_voltage(rail, volts)), POWER_TIMEOUT)

    def inject(self, name: str, **params: Any) -> Fault:
        """Inject a fault of the modelled cell network (modem faults, faults.py)."""
        return self.run(self.faults.inject(name, **params))

    def inject_server_fault(
        self, name: str, server: str | None = "dc1", **params: Any
    ) -> ServerFault:
        """Inject a network fault at the server's end (dtulab/netfaults.py) on data-centre
        server ``server``, or with None on every TCP server of the bench; ``clear`` ends it."""
        fault = make_server_fault(name, **params)
        chosen = (
            [self.server(server)]
            if server is not None
            else [s for s in self.servers.values() if s.proto == "TCP"]
        )

        async def inject() -> None:
            for srv in chosen:
                await srv.inject(fault)

        self.run(inject())
        return fault

    def clear(self, fault: Fault | ServerFault) -> None:
        """End a fault ``inject``, ``inject_server_fault`` or ``inject_network`` gave."""
        if isinstance(fault, ServerFault):

            async def clear() -> None:
                for srv in self.servers.values():
                    await srv.clear(fault)

            self.run(clear())
        else:
            self.run(self.faults.clear(fault))

    def inject_network(self, name: str, **params: Any) -> Fault | ServerFault:
        """A network fault by its modem-fault name, on whatever network the DTU uses: with
        the modelled modem (capability "modem") the modem fault itself, else its server-side
        equivalent on every TCP server (netfaults.equivalent); ``Unsupported`` with the
        reason for a fault of the modelled cell network that has none."""
        if self.target.has("modem"):
            return self.inject(name, **params)
        try:
            server_fault, server_params = equivalent(name, params)
        except LookupError as exc:
            raise Unsupported(self.target.name, str(exc.args[0])) from None
        return self.inject_server_fault(server_fault, None, **server_params)

    def drop_network(self) -> Fault | ServerFault:
        """The DTU loses its data connections until ``clear`` of what this returns: with the
        modelled modem, coverage (``no-coverage``); else every TCP server refuses new
        connections and resets the open ones (the data path's part of it)."""
        if self.target.has("modem"):
            return self.inject("no-coverage")
        refuse = self.inject_server_fault("refuse", None)
        self.inject_server_fault("reset", None)
        return refuse

    # -- reports ------------------------------------------------------------------------
    def timeline(self, path: str | Path | None = None, seconds: float | None = None) -> str:
        """The LEDs, the supply and both links over the last ``seconds`` (all if None):
        an SVG picture written to ``path`` if given, and the text form returned."""

        def render() -> str:
            until = self.clock.now()
            since = until - seconds if seconds else self.rs232_transcript.start
            links = {"RS232": self.rs232_transcript, "modem": self.modem_transcript}
            if path is not None:
                write_svg(path, self.leds, self.power, links, since, until)
            return render_text(self.leds, self.power, links, since, until)

        return self.call(render)

    def attach_report(self, svg_path: str | Path) -> None:
        """Attach the RS232 and modem transcripts and the timeline picture to the Allure
        result of the running test (pytest or Robot); no-op without Allure."""
        try:
            import allure
        except ImportError:
            return
        self.timeline(svg_path)
        allure.attach(
            self.call(self.rs232_transcript.text), "RS232 transcript", allure.attachment_type.TEXT
        )
        allure.attach(
            self.call(self.modem_transcript.text), "modem transcript", allure.attachment_type.TEXT
        )
        allure.attach.file(  # type: ignore[no-untyped-call]  # allure is untyped
            str(svg_path), "LED/power timeline", allure.attachment_type.SVG
        )

    # -- status -------------------------------------------------------------------------
    def status_line(self) -> str:
        def read() -> str:
            p = self.power
            csq = self.network.rssi if self.modem.reg.stat in (1, 5) else 99
            firmware = self.target_error or self.target.status()
            return (
                f"{self.leds.text()} | DC {p.dc.voltage:.1f} V DIP {p.dip.voltage:.1f} V "
                f"{'on' if p.on else 'OFF'} | {firmware} | CSQ {csq}"
            )

        return self.call(read)
