"""The power-loss campaign: a cut at every point where one matters (R-AT-7, R-PWR-1, R-NET-2).

A scenario (registered by name in ``SCENARIOS``) prepares the DTU — the
"old" state, saved — and then does one thing that changes what the DTU keeps
or carries: ``atw`` (every setting changed, then ATW), ``cireload``
(AT+CIRELOAD), ``cipsw`` (a new password, then ATW), ``transparent`` (data
in flight both ways through socket 1). A learning run does it once with no
fault and counts its persistent effects and protocol events: EEPROM write
transactions, the modem's ``> `` prompts, ``+RECEIVE`` blocks. Each becomes a
fault point:

- ``eeprom:K`` — the power goes just before the K-th write transaction;
- ``tear:K:B`` — the K-th transaction programs only its first B bytes (first
  and last writes: inside the payload and inside the header page);
- ``prompt:I+Nms`` — N ms after the modem's I-th ``> `` data prompt;
- ``receive:I`` — while the I-th ``+RECEIVE`` block crosses the modem UART;
- ``ciicr`` — while the DTU brings GPRS up (``AT+CIICR``) at its first boot.

With ``depth=2`` every point gets a second cut during the recovery boot:
``…/boot:at`` (the DTU's first modem command) and ``…/boot:ciicr``.

Those kinds need what a target may lack (``NEEDS``): EEPROM writes the bench
sees (capability "eeprom") and the modem UART (capability "modem"). A
target without them — a real DTU through labgrid — is cut at protocol events
the bench sees on every target instead, each scenario's ``visible`` kinds,
counted in the same learning run:

- ``rs232:N`` — once the first N bytes the host sends during the action have
  crossed RS232 (N at the end of a command line or a record: the cut follows
  the chunk that holds the N-th byte, and a host writes a line at once);
- ``ok:I`` — once the DTU's I-th ``OK`` of the action has crossed RS232;
- ``net:N`` — once the data centre has received the first N bytes the DTU
  sends during the action (N at the end of a record).

The kinds it cannot do are listed as points of their own (``eeprom:*``,
``tear:*``, ...) with the reason, reported ``unsupported``.

After the cut the power returns and the invariants are checked: the DTU
boots; it answers in command mode; its settings are the old ones or the new
ones in full; and no acknowledged data is lost — what the server and the
host received is an in-order run of whole records, and after the recovery
the link carries data again.
"""

from __future__ import annotations

import asyncio
import random
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from dtulab.campaign.core import (
    Campaign,
    CampaignError,
    NotReached,
    Options,
    Point,
    bench,
    check,
    fresh,
    register,
)
from dtulab.console import ExpectTimeout
from dtulab.host import DtuHost
from dtulab.peripherals.eeprom import EepromWrite
from dtulab.peripherals.power import nth_event
from dtulab.platforms.base import CAPABILITIES
from dtulab.world import LinkTraffic, World, after_bytes, on_bytes

# every setting NEW_SETTINGS changes, with other values. The sockets stay disabled: one enabled
# towards a server that is not there fails to connect and restarts the DTU every few seconds
# (R-NET-3), which a cut in the middle of a command exchange need not race with.
OLD_SETTINGS = [
    'AT+CIPSCONT=1,"TCP","127.0.0.1",5001,0',
    'AT+CIPSCONT=2,"UDP","127.0.0.1",5002,0',
    'AT+CIPSCONT=3,"TCP","127.0.0.1",5003,0',
    'AT+CIPSCONT=4,"UDP","127.0.0.1",5004,0',
    "AT+CIPCFG=1,30,0,100,512,0",
    'AT+CIPPACK=0,"31313131","0"',
    'AT+CIPPACK=1,"31303031","0"',
    'AT+CSTT="CMNET","",""',
    "AT+CIPNUM=10086",
    "AT+CISOCLINK=2,LONG,10",
    "AT+ICF=8,N,1",
    "AT+CIPR=115200",
    "AT+CINETAT=0",
    "AT+CICOMAT=0",
    "AT+CIRINGSTA=0",
    'AT+CIHTTP=GET,"http://127.0.0.1:8000/old"',
    'AT+CIFTP="127.0.0.1",21,"anonymous","","/old.bin"',
    'AT+CIMODID="old settings"',
    "AT+CIMOD=0",
]
NEW_SETTINGS = [
    'AT+CIPSCONT=1,"UDP","127.0.0.1",6001,0',
    'AT+CIPSCONT=2,"TCP","127.0.0.1",6002,0',
    'AT+CIPSCONT=3,"UDP","localhost",6003,0',
    'AT+CIPSCONT=4,"TCP","127.0.0.1",6004,0',
    "AT+CIPCFG=1,45,0,250,1000,900",
    'AT+CIPPACK=0,"AABBCC","1"',
    'AT+CIPPACK=1,"4C4F47494E3A31303031","1"',
    'AT+CSTT="private.apn","user","secret"',
    "AT+CIPNUM=13800000000",
    "AT+CISOCLINK=2,SHORT,30",
    "AT+ICF=7,E,2",
    "AT+CIPR=9600",
    "AT+CINETAT=1",
    "AT+CICOMAT=1",
    "AT+CIRINGSTA=1",
    'AT+CIHTTP=POST,"http://127.0.0.1:8080/bill"',
    'AT+CIFTP="127.0.0.1",2121,"pile","pw","/fw/image.bin"',
    'AT+CIMODID="new settings"',
    "AT+CIMOD=3",
]
QUERIES = ["AT+CIPSCONT?", "AT+ICF?", "AT+CIPR?", "AT+CIMODID?", "AT+CIHTTP?", "AT+CIFTP?"]
SETTLE = 1.0  # seconds a cut may trail the action's end (QEMU's trace is read asynchronously)
BOOT = 30.0  # seconds for a cold boot to answer the escape (QEMU on a loaded machine)
# seconds for ATW's 48 EEPROM page writes: a part takes 5 ms each, Renode's bit-banged I2C
# (a Python peripheral runs for every register access) 3-9 s in all
SAVE = 60.0


def snapshot(host: DtuHost) -> list[str]:
    """Everything ATW keeps, as the DTU reports it (command mode)."""
    return [line for query in QUERIES for line in host.at_ok(query)]


def apply(host: DtuHost, lines: list[str], save: bool) -> None:
    for line in lines:
        host.at_ok(line)
    if save:
        host.at_ok("ATW", SAVE)


def boot_to_command_mode(world: World, host: DtuHost) -> None:
    world.power_on()
    world.wait(lambda: world.leds["POW"].on, BOOT, "the DTU boots (POW on)")
    host.wait_silence(0.2)
    host.enter_command_mode(BOOT)


# -- scenarios: prepare, act, and what counts as whole ---------------------------------------


@dataclass
class Run:
    """One scenario run on a bench, and what it saw."""

    world: World
    host: DtuHost
    rng: random.Random
    new: list[str] = field(default_factory=list)  # the state a clean run ends in
    old: list[str] = field(default_factory=list)  # the state before the action
    sent_up: bytes = b""  # records the host wrote
    sent_down: bytes = b""  # records the server sent
    command_mode: bool = True  # where the host is when act() starts


class Scenario:
    name: ClassVar[str]
    description: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]] = ("eeprom", "tear")  # the point kinds it offers
    visible: ClassVar[tuple[str, ...]] = ("rs232", "ok")  # instead, on a target that cannot
    ends_in_command_mode: ClassVar[bool] = True  # where a clean act() leaves the host

    def prepare(self, run: Run) -> None:
        """From command mode: the old state, saved."""
        apply(run.host, OLD_SETTINGS, save=True)

    def act(self, run: Run) -> None:
        """The action a cut may interrupt; returns once done or once the power is gone."""
        raise NotImplementedError

    def state(self, host: DtuHost) -> list[str]:
        """What must be whole after a cut (command mode)."""
        return snapshot(host)

    def finish(self, run: Run, host_got: bytes) -> None:
        """After the recovery, in command mode: the invariants beyond the state."""


SCENARIOS: dict[str, Scenario] = {}


def scenario(cls: type[Scenario]) -> type[Scenario]:
    SCENARIOS[cls.name] = cls()
    return cls


def send_command(run: Run, line: str, timeout: float = 20.0) -> None:
    """A command whose reply may never come: the power can go while it runs."""
    run.host.drain()
    run.host.write(line + "\r")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = run.host.expect_re(rb"\r\n(OK|ERROR)\r\n", 0.05).group(1)
            if reply != b"OK" and run.world.power.on:
                raise AssertionError(f"{line}: expected OK, got {reply.decode()}")
            return
        except ExpectTimeout:
            if not run.world.power.on:
                return
    raise AssertionError(f"{line}: no reply within {timeout} s")


@scenario
class Atw(Scenario):
    name = "atw"
    description = "every setting changed, then ATW"

    def act(self, run: Run) -> None:
        for line in [*NEW_SETTINGS, "ATW"]:  # a cut may come after any of them (rs232:N)
            send_command(run, line)
            if not run.world.power.on:
                return


@scenario
class Cireload(Scenario):
    name = "cireload"
    description = "AT+CIRELOAD: the factory settings saved, then a restart"
    ends_in_command_mode = False

    def act(self, run: Run) -> None:
        send_command(run, "AT+CIRELOAD")
        run.world.wait(
            lambda: not run.world.power.on or not run.world.leds["NET"].on, 10, "the restart"
        )


@scenario
class Cipsw(Scenario):
    name = "cipsw"
    description = "AT+CIPSW to a new password, then ATW"
    password = "n3w-pass"

    def act(self, run: Run) -> None:
        send_command(run, f'AT+CIPSW="usr.cn","{self.password}"')
        if run.world.power.on:
            send_command(run, "ATW")

    def state(self, host: DtuHost) -> list[str]:
        for password in ("usr.cn", self.password):  # CIPSW old,old succeeds for the current one
            if host.at(f'AT+CIPSW="{password}","{password}"')[-1:] == ["OK"]:
                return [*snapshot(host), f"password {password}"]
        return [*snapshot(host), "password unknown"]


@scenario
class Transparent(Scenario):
    name = "transparent"
    description = "records in flight both ways through socket 1"
    kinds = ("prompt", "receive", "ciicr")
    visible = ("rs232", "net")
    ends_in_command_mode = False
    records = 30

    def prepare(self, run: Run) -> None:
        host, port = run.world.server_address("dc1")
        # a packet is exactly one record, whatever the UART's pace: the packing length is the
        # record's and the packing time longer than any pause inside one
        apply(
            run.host,
            [
                f"AT+CIPCFG=1,0,0,2000,{RECORD_LENGTH},0",
                f'AT+CIPSCONT=1,"TCP","{host}",{port},1',
            ],
            save=True,
        )

    def act(self, run: Run) -> None:
        """Record i goes up and record i comes down at the same time; record i + 1 follows
        once both have arrived. So every run has the same prompts and +RECEIVE blocks as the
        learning run (one each per record), on a loaded machine too, and a fault point
        numbered from them is met in every run."""
        w, host = run.world, run.host
        if run.command_mode:
            host.leave_command_mode()
        w.wait(lambda: not w.power.on or bool(w.server("dc1").connections), BOOT, "socket 1 up")
        for i in range(self.records):
            if not w.power.on:
                return
            up, down = record("up", i, run.rng), record("dn", i, run.rng)
            run.sent_up += up
            host.write(up)
            try:
                w.server_send(down, "dc1")
            except ConnectionError:
                if w.power.on:
                    raise
                return  # the cut (at this record's prompt) took the link: it never left
            run.sent_down += down
            w.wait(partial(self.through, run, i + 1), BOOT, f"record {i} through, both ways")

    @staticmethod
    def through(run: Run, records: int) -> bool:
        """The first ``records`` records have arrived both ways (or the power is off)."""
        w = run.world
        return not w.power.on or (
            len(w.server_received("dc1")) >= len(run.sent_up)
            and run.host.received.count(b"<dn") >= records
        )

    def finish(self, run: Run, host_got: bytes) -> None:
        w, host = run.world, run.host
        server = w.server_received("dc1")
        check(
            "no loss of acknowledged data",
            whole_records(server, run.sent_up),
            f"the server's bytes are not whole records in order: {server[-120:]!r}",
        )
        check(
            "no loss of acknowledged data",
            whole_records(host_got, run.sent_down, prefix=False, cut_last=True),
            f"the host got bytes that are not whole records in order: {host_got[-120:]!r}",
        )
        host.leave_command_mode()
        host.write(b"after the cut\n")  # the DTU reconnects by itself; data flows again
        # (a record sent before the cut may reach the server after it, so wait for the line)
        dc1 = w.server("dc1")
        try:
            w.wait(lambda: dc1.received.endswith(b"after the cut\n"), BOOT, "the line")
        except AssertionError:
            check(
                "the link carries data after the recovery",
                False,
                f"not within {BOOT:g} s; the server got {w.server_received('dc1')[-60:]!r}",
            )
        host.enter_command_mode(BOOT)


RECORD_LENGTH = 48  # bytes: a billing record, the packing length of the scenario


def record(direction: str, i: int, rng: random.Random) -> bytes:
    body = "".join(rng.choice(string.ascii_lowercase) for _ in range(RECORD_LENGTH - 10))
    return f"<{direction}{i:04d}:{body}>\n".encode()


RECORD = re.compile(rb"<(up|dn)(\d{4}):[a-z]+>\n")


def whole_records(got: bytes, sent: bytes, prefix: bool = True, cut_last: bool = False) -> bool:
    """``got`` is whole records of ``sent`` in their order, none twice; with ``prefix``
    they start at the first (nothing acknowledged went missing before them); with
    ``cut_last`` the last may end early (it was on the wire when the power went)."""
    if not got:
        return True
    whole = b"".join(m.group(0) for m in RECORD.finditer(got))
    tail = got[len(whole) :] if cut_last else b""
    if whole + tail != got or len(tail) >= RECORD_LENGTH or got not in sent:
        return False
    return not prefix or sent.startswith(got)


# -- the campaign ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    eeprom: int
    prompts: int
    receives: int
    rs232: list[int] = field(default_factory=list)  # where the host's lines/records end
    net: list[int] = field(default_factory=list)  # where the DTU's records at dc1 end
    oks: int = 0


# what each point kind needs of the target (platforms.base.CAPABILITIES)
NEEDS = {"eeprom": "eeprom", "tear": "eeprom", "prompt": "modem", "receive": "modem"}
NEEDS |= {"ciicr": "modem", "boot": "modem"}
OK = b"\r\nOK\r\n"
UNSUPPORTED_KINDS = {
    "eeprom": ("eeprom:*", "a cut before each EEPROM write of the action"),
    "tear": ("tear:*", "EEPROM writes torn after some bytes"),
    "prompt": ("prompt:*", "cuts after the modem's data prompts"),
    "receive": ("receive:*", "cuts while +RECEIVE blocks cross the modem UART"),
    "ciicr": ("ciicr", "a cut during AT+CIICR as the DTU reboots with data queued"),
}


def ends(data: bytes, terminators: bytes) -> list[int]:
    """The byte counts at which each line (record) of ``data`` ends."""
    return [i + 1 for i, byte in enumerate(data) if byte in terminators]


def nth_reply(i: int) -> Callable[[Any], bool]:
    """A cut trigger: true once the DTU's ``i``-th ``OK`` has crossed RS232."""
    stream = b""

    def predicate(event: Any) -> bool:
        nonlocal stream
        if not isinstance(event, LinkTraffic) or (event.link, event.direction) != ("rs232", "tx"):
            return False
        stream += event.data
        return stream.count(OK) >= i

    return predicate


def some(values: list[int], short: bool) -> list[int]:
    """All of ``values``, or with ``short`` the middle one and the last."""
    if not short or len(values) < 3:
        return values
    return [values[len(values) // 2 - 1], values[-1]]


def byte_points(kind: str, ends: list[int], short: bool, what: str) -> list[Point]:
    """``kind:N`` at the end of each line or record (``some`` of them): cut once ``what``."""
    return [
        Point(f"{kind}:{n}", "cut once " + what.format(n=n, i=ends.index(n) + 1, of=len(ends)))
        for n in some(ends, short)
    ]


def _is(kind: str) -> Callable[[Any], bool]:
    """Event filters for the supply's notifications (EEPROM writes, modem link traffic)."""
    if kind == "eeprom":
        return lambda e: isinstance(e, EepromWrite)
    if kind == "prompt":
        return lambda e: (
            isinstance(e, LinkTraffic)
            and e.link == "modem"
            and e.direction == "tx"
            and b"> " in e.data
        )
    return lambda e: (
        isinstance(e, LinkTraffic)
        and e.link == "modem"
        and e.direction == "tx"
        and b"+RECEIVE" in e.data
    )


@register
class PowerCampaign(Campaign):
    name = "power"

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        if options.scenario not in SCENARIOS:
            known = ", ".join(SCENARIOS)
            raise CampaignError(f"unknown scenario '{options.scenario}' (known: {known})")
        if options.depth not in (1, 2):
            raise CampaignError(f"depth must be 1 or 2, not {options.depth}")
        self.scenario = SCENARIOS[options.scenario]
        self.new: list[str] = []

    # -- learning ------------------------------------------------------------------------
    def points(self) -> list[Point]:
        counts = self.learn()
        first = self._first_points(counts)
        if self.options.depth == 1:
            return first
        boot = self.lacking(NEEDS["boot"])
        if boot:
            what = "a second cut during each recovery boot (its first modem command, AT+CIICR)"
            return [*first, Point("*/boot:*", what, boot)]
        return [
            Point(
                f"{p.id}/boot:{b}",
                f"{p.description}, then a cut during the recovery boot "
                f"at {'its first modem command' if b == 'at' else 'AT+CIICR'}",
            )
            for p in first
            for b in ("at", "ciicr")
        ]

    def learn(self) -> Counts:
        """The clean run: what the action does, and the state it ends in."""
        with bench(self.world_config()) as world:
            self._capabilities = frozenset(c for c in CAPABILITIES if world.target.has(c))
            fresh(world)  # before the host opens the port: one reader at a time
            return self._learn(world)

    def _learn(self, world: World) -> Counts:
        with world.host() as host:
            run = self._start(world, host, "learn")
            seen: dict[str, int] = {"eeprom": 0, "prompt": 0, "receive": 0}
            crossed = {("rs232", "rx"): b"", ("rs232", "tx"): b"", ("net", "rx"): b""}

            def count(event: Any) -> bool:
                for kind in seen:
                    seen[kind] += _is(kind)(event)
                if isinstance(event, LinkTraffic) and (event.link, event.direction) in crossed:
                    crossed[event.link, event.direction] += event.data
                return False

            world.settle_storage()
            trigger = world.call(lambda: world.power.arm_cut(count))
            self.scenario.act(run)
            world.settle_storage()
            world.call(lambda: world.power.disarm(trigger))
            if not self.scenario.ends_in_command_mode:
                world.wait(lambda: world.leds["POW"].on, BOOT, "the DTU runs after the action")
                host.wait_silence(0.3)
                host.enter_command_mode(BOOT)
            self.new = self.scenario.state(host)
        return Counts(
            seen["eeprom"],
            seen["prompt"],
            seen["receive"],
            rs232=ends(crossed["rs232", "rx"], b"\r\n"),
            net=ends(crossed["net", "rx"], b"\n"),
            oks=crossed["rs232", "tx"].count(OK),
        )

    def _first_points(self, c: Counts) -> list[Point]:
        short = self.options.short
        kinds = self.scenario.kinds
        cannot = {k: self.lacking(NEEDS[k]) for k in kinds if self.lacking(NEEDS[k])}
        out = [Point(*UNSUPPORTED_KINDS[k], why) for k, why in cannot.items()]
        if cannot:  # the protocol events the bench sees stand in
            kinds = tuple(k for k in kinds if k not in cannot) + self.scenario.visible
        if "eeprom" in kinds:
            picks = sorted({1, c.eeprom // 2, c.eeprom} - {0}) if short else range(1, c.eeprom + 1)
            out += [
                Point(f"eeprom:{k}", f"cut before EEPROM write {k} of {c.eeprom}") for k in picks
            ]
        if "tear" in kinds and c.eeprom:
            tears = [(1, 5), (c.eeprom, 13), (c.eeprom, 20)]
            if not short:
                tears.insert(1, (c.eeprom, 1))
            out += [
                Point(f"tear:{k}:{b}", f"EEPROM write {k} torn after {b} bytes") for k, b in tears
            ]
        if "prompt" in kinds:
            picks = sorted({1, c.prompts // 2} - {0}) if short else range(1, c.prompts + 1)
            delays = (0, 20) if short else (0, 5, 20)
            out += [
                Point(f"prompt:{i}+{ms}ms", f"cut {ms} ms after the modem's data prompt {i}")
                for i in picks
                for ms in delays
            ]
        if "receive" in kinds:
            picks = sorted({1, c.receives // 2} - {0}) if short else range(1, c.receives + 1)
            out += [
                Point(f"receive:{i}", f"cut while +RECEIVE block {i} crosses the modem UART")
                for i in picks
            ]
        if "ciicr" in kinds:
            out.append(Point("ciicr", "cut during AT+CIICR as the DTU reboots with data queued"))
        if "rs232" in kinds:
            out += byte_points("rs232", c.rs232, short, "the host's first {n} bytes of the "
                               "action (line or record {i} of {of}) crossed RS232")  # fmt: skip
        if "ok" in kinds:
            out += [
                Point(f"ok:{i}", f"cut once the DTU's OK {i} of {c.oks} crossed RS232")
                for i in (range(1, c.oks + 1)[-1:] if short else range(1, c.oks + 1))
            ]
        if "net" in kinds:
            out += byte_points("net", c.net, short, "dc1 received the first {n} bytes the DTU "
                               "sent (record {i} of {of})")  # fmt: skip
        return out

    # -- one point --------------------------------------------------------------------------
    def _start(self, world: World, host: DtuHost, point_id: str) -> Run:
        world.wait(lambda: world.leds["POW"].on, BOOT, "the first boot")
        host.enter_command_mode(BOOT)
        run = Run(world, host, random.Random(f"{self.options.seed}/{point_id}"), new=self.new)
        self.scenario.prepare(run)
        run.old = self.scenario.state(host)
        return run

    def _arm(self, world: World, point_id: str) -> None:
        world.settle_storage()  # "the K-th write from now" counts from the firmware's now
        kind, _, arg = point_id.partition(":")
        if kind == "ciicr":
            world.call(lambda: world.power.arm_cut(on_bytes("modem", b"AT+CIICR", "rx")))
            return
        if kind == "tear":
            k, keep = (int(x) for x in arg.split(":"))
            world.cut_power_at_eeprom_write(k, keep)
            return
        if kind == "eeprom":
            world.cut_power_at_eeprom_write(int(arg))
            return
        if kind in ("rs232", "net"):
            world.call(lambda: world.power.arm_cut(after_bytes(kind, int(arg), "rx")))
            return
        if kind == "ok":
            world.call(lambda: world.power.arm_cut(nth_reply(int(arg))))
            return
        if kind == "prompt":
            i, ms = re.fullmatch(r"(\d+)\+(\d+)ms", arg).groups()  # type: ignore[union-attr]
            nth, power = nth_event(int(i), where=_is("prompt")), world.power

            def later(event: Any) -> bool:
                if nth(event):
                    asyncio.get_running_loop().call_later(int(ms) / 1000, power.cut)
                return False

            world.call(lambda: world.power.arm_cut(later))
            return
        world.call(lambda: world.power.arm_cut(nth_event(int(arg), where=_is(kind))))

    def run_point(self, point: Point, world: World) -> None:
        first, _, second = point.id.partition("/boot:")
        with world.host() as host:
            run = self._start(world, host, point.id)
            self._arm(world, first)
            if first == "ciicr":
                world.cut_power()
                world.power_on()  # the reboot brings GPRS up: AT+CIICR
                run.command_mode = False
            self.scenario.act(run)
            if first == "ciicr":
                world.wait(lambda: not world.power.on, BOOT, "the cut at AT+CIICR")
            try:  # a cut seen through QEMU's trace lands a moment after the firmware's reply
                world.wait(lambda: not world.power.on, SETTLE, "the cut")
            except AssertionError:
                raise NotReached(f"the action ended before {point.description}") from None
            world.call(world.power.disarm_all)
            host_got = host.drain()
            if second:
                word = b"AT+CIICR" if second == "ciicr" else b"AT"
                world.call(lambda: world.power.arm_cut(on_bytes("modem", word, "rx")))
                world.power_on()
                try:
                    world.wait(lambda: not world.power.on, BOOT, "the second cut")
                except AssertionError:
                    raise NotReached(f"the recovery boot never reached {second}") from None
                host_got += host.drain()
            self._recover(run, host_got)

    def _recover(self, run: Run, host_got: bytes) -> None:
        world, host = run.world, run.host
        try:
            boot_to_command_mode(world, host)
        except (AssertionError, ExpectTimeout) as exc:
            check("boots and answers in command mode", False, str(exc))
        state = self.scenario.state(host)
        whole = [run.old, run.new]
        check(
            "settings old or new in full",
            state in whole,
            f"after the cut: {state}; old: {run.old}; new: {run.new}",
        )
        self.scenario.finish(run, host_got)
