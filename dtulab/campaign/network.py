"""The network campaign: every modem fault a connected DTU can meet, in every socket state.

It models what a DTU in transparent network mode (R-NET-1) lives through on a
cellular link. Socket 1 is connected to the data centre ``dc1`` with a
heartbeat (R-HB-1); the host writes self-describing numbered records
(``b"000042|................\\n"``). Each point puts one fault of the modem
model (peripherals/gsm_modem/faults.py, docs/modem.md) — coverage lost,
GPRS detach, PDP deactivation, a network reset of the socket, a black hole,
latency, a rate limit, a modem reboot, an under-voltage power-down — on the
socket in one state:

- ``idle``: connected, nothing in flight;
- ``sending``: the host streams records while the fault starts;
- ``buffering``: the fault lasts (or the DTU recovers) while the host keeps
  writing, so records queue in the DTU while the socket is down;
- ``connecting``: the data centre closed the link and the fault hits as the
  DTU opens it again (its ``AT+CIPSTART``; a reset hits its ``CONNECT OK``).

Then the invariants, each named in the outcome:

- ``reconnects`` (R-NET-3): the DTU is connected again within a deadline
  derived from the fast timing (back-off up to a restart, the connect timeout,
  a new GPRS bring-up and a modem power-key press) plus the fault's hold;
- ``no loss, in order, no duplicates`` (R-NET-2): every record, those the
  server had before the fault too, reaches the server once and in order. What
  the host writes while the link is down stays far below the 15 KB buffer, so
  the oldest-dropped rule never applies (behaviour.md "Buffering": data
  leaves the queue only on ``SEND OK``);
- ``heartbeat resumes`` (R-HB-1, R-HB-3): the heartbeat packet reaches the
  server again once the host is quiet;
- ``LEDs follow the link`` (R-LED-2, R-LED-3): DATA is off while the modem
  reports the link down and NET while the PDP context is down (when that
  lasts long enough to see), both on again at the end.

On a target without the modelled modem (capability "modem": a real DTU
through labgrid) the faults go through ``World.inject_network``: each one's
server-side equivalent at the data centre (netfaults.py: ``socket-reset`` a
TCP reset, ``latency``, ``bandwidth``), and ``no-coverage`` becomes an outage
of the data centre for as long (``World.drop_network``: connections refused
and reset), which leaves the host's data queued in the DTU as coverage lost
does; the other model-only faults are points of their own (``pdp-deact@*``,
...) reported unsupported with the reason. The
``connecting`` state hits as the DTU's new connection reaches dc1, and the
LEDs invariant reads the data centre's connections instead of the modem's
link: DATA off from a connection's end to the next one's start (with
``SERVER_MARGIN`` for the end to reach the DTU); NET, which follows the PDP
context the bench cannot see there, only on at the end. The deadlines assume
a device with the fast timing (the bench's emulated devices).

Fault parameters stay inside the fast modem profile's send acknowledgement
time (1 s): a latency or a rate that delays one 1460-byte send beyond it makes
the modem answer ``SEND FAIL`` for data it still delivers, a duplicate no DTU
could avoid. So latency is 300 ms and the rate 20 kbit/s (GPRS class 10 up).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dtulab.campaign.core import Campaign, NotReached, Point, check, register
from dtulab.datacenter import Server
from dtulab.dialects import dialect
from dtulab.dtu.contract import BUFFER_LIMIT, HEARTBEAT_FAILURES
from dtulab.dtu.dtu import TIMINGS
from dtulab.host import DtuHost
from dtulab.netfaults import ServerFault, equivalent
from dtulab.peripherals.gsm_modem.faults import Fault
from dtulab.peripherals.gsm_modem.timing import get_profile
from dtulab.peripherals.transcript import Entry, StreamSearch
from dtulab.platforms.base import Unsupported
from dtulab.world import World

RECONNECTS = "reconnects"
NO_LOSS = "no loss, in order, no duplicates"
HEARTBEAT = "heartbeat resumes"
LEDS = "LEDs follow the link"

HB = b"<HB>\n"  # the heartbeat packet: a line of its own among the records
HB_S = 1  # heartbeat interval (AT+CIPCFG, whole seconds)
FILLER = b"." * 16
GAP = 0.02  # between two records: about 1.2 kB/s, within QEMU's RS232 rate
PRE = 10  # records the server has before the fault
TAIL = 5  # records written after the recovery
STREAM_MAX_S = 3.0  # the longest stream: what queues stays far below the buffer
SEND_ON_S = 0.3  # sending: the host goes on writing that long into the fault
ONE_SHOT_STREAM_S = 1.5  # buffering: how long the host writes after a one-shot fault
LED_MARGIN = 0.3  # time the LEDs get to follow an event
SERVER_MARGIN = 1.0  # and to follow a connection's end the data centre saw (no modem model)

DTU = TIMINGS["fast"]
MODEM = get_profile("fast")
# R-NET-3: back-off until a restart (each try up to a black-holed connect), the
# connect timeout, then a new boot with GPRS bring-up and a power-key press.
RECOVER_S = DTU.restart_after * (DTU.reconnect_max + MODEM.blackhole_timeout)
RECOVER_S += DTU.connect_timeout + 10.0
# R-HB-3: the fourth heartbeat in a row that gets no SEND OK closes the link.
HB_DETECT_S = (HEARTBEAT_FAILURES + 1) * (HB_S + MODEM.blackhole_timeout) + 2.0

LINK_LOST = re.compile(rb"\r\n0, CLOSED\r\n")
GPRS_LOST = re.compile(rb"\r\n(\+PDP: DEACT|RDY|UNDER-VOLTAGE POWER DOWN|NORMAL POWER DOWN)\r\n")
LINK_UP = re.compile(rb"\r\n0, CONNECT OK\r\n")
GPRS_UP = re.compile(rb"\r\n\d+\.\d+\.\d+\.\d+\r\n")  # the AT+CIFSR reply


def record(seq: int) -> bytes:
    return b"%06d|%s\n" % (seq, FILLER)


assert STREAM_MAX_S / GAP * len(record(0)) < BUFFER_LIMIT / 2, "never near the 15 KB buffer"


@dataclass(frozen=True)
class FaultSpec:
    """How a fault is put on the socket and what it does to the link."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    hold: float = 0.0  # seconds it lasts before world.clear (0: one-shot)
    drops: bool = True  # the link goes down (a new connection follows)
    at_connect: tuple[str, bytes] = ("rx", b"AT+CIPSTART")  # the `connecting` trigger


SPECS = {
    s.name: s
    for s in (
        FaultSpec("no-coverage", hold=2.0),
        FaultSpec("gprs-detach", hold=2.0),
        FaultSpec("pdp-deact"),
        FaultSpec("socket-reset", {"link": 0}, at_connect=("tx", b"0, CONNECT OK")),
        FaultSpec("blackhole", {"link": 0}, hold=3.0),
        FaultSpec("latency", {"ms": 300}, hold=3.0, drops=False),
        FaultSpec("bandwidth", {"bps": 20_000}, hold=3.0, drops=False),
        FaultSpec("reboot"),
        FaultSpec("undervoltage", {"power_down": 1}),
    )
}
STATES = ("idle", "sending", "buffering", "connecting")
# Coverage lost, on a target without the modem model: the data centre unreachable instead
# (World.drop_network: new connections refused, open ones reset), for as long.
OUTAGE = "no-coverage"
SHORT = (
    "socket-reset@idle",
    "pdp-deact@sending",
    "no-coverage@buffering",
    "blackhole@buffering",
    "gprs-detach@connecting",
    "reboot@sending",
    "undervoltage@idle",
)
SHORT_SERVER = (  # the short campaign on a target without the modem model
    "no-coverage@buffering",
    "socket-reset@idle",
    "socket-reset@sending",
    "socket-reset@connecting",
    "latency@sending",
)
DESCRIBE = {
    "idle": "connected, nothing in flight",
    "sending": "the host streaming records as it starts",
    "buffering": "the host writing while the socket is down",
    "connecting": "the socket reconnecting",
}


class Records:
    """The host's numbered records, written one at a time or streamed in the background."""

    def __init__(self, host: DtuHost) -> None:
        self.host = host
        self.written = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def write(self, count: int) -> None:
        for _ in range(count):
            self.host.write(record(self.written))
            self.written += 1
            time.sleep(GAP)  # paced like a charging pile

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._stream, name="records", daemon=True)
        self._thread.start()

    def _stream(self) -> None:
        end = time.monotonic() + STREAM_MAX_S
        while not self._stop.is_set() and time.monotonic() < end:
            self.write(1)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def parse(stream: bytes) -> tuple[list[int], list[bytes]]:
    """The record numbers in arrival order and the lines that are neither a record nor
    the heartbeat."""
    seqs: list[int] = []
    garbled: list[bytes] = []
    for line in stream.split(b"\n")[:-1]:
        seq = int(line[:6]) if line[:6].isdigit() else -1
        if seq >= 0 and line + b"\n" == record(seq):
            seqs.append(seq)
        elif line + b"\n" != HB:
            garbled.append(line)
    return seqs, garbled


def delivery_problems(seqs: list[int], garbled: list[bytes], total: int) -> list[str]:
    problems = []
    missing = sorted(set(range(total)) - set(seqs))
    if missing:
        problems.append(f"missing {len(missing)} of {total}: {short_list(missing)}")
    dups = sorted(s for s, n in Counter(seqs).items() if n > 1)
    if dups:
        problems.append(f"duplicated: {short_list(dups)}")
    late = [b for a, b in itertools.pairwise(seqs) if b < a]
    if late:
        problems.append(f"out of order: {short_list(late)}")
    if garbled:
        problems.append(f"{len(garbled)} garbled lines: {garbled[:3]!r}")
    return problems


def short_list(values: list[int]) -> str:
    return ", ".join(map(str, values[:12])) + (" …" if len(values) > 12 else "")


def within(world: World, predicate: Callable[[], bool], timeout: float) -> bool:
    """Wait on the bench's loop for ``predicate``; False at the deadline."""
    try:
        world.wait(predicate, timeout)
    except AssertionError:
        return False
    return True


def link_events(world: World, since: float) -> list[tuple[float, str]]:
    """What the modem told the DTU about its link and its PDP context since ``since``
    (clock time), as (clock time, "link-lost" | "gprs-lost" | "link-up" | "gprs-up")."""
    kinds = (
        (LINK_LOST, "link-lost"),
        (GPRS_LOST, "gprs-lost"),
        (LINK_UP, "link-up"),
        (GPRS_UP, "gprs-up"),
    )

    def scan() -> list[tuple[float, str]]:
        start = world.modem_transcript.start
        entries: list[Entry] = list(world.modem_transcript.entries)
        return [
            (start + e.time, kind)
            for e in entries
            if e.direction == "tx" and start + e.time >= since
            for pattern, kind in kinds
            if pattern.search(e.data)
        ]

    return world.call(scan)


def server_events(world: World, server: Server, since: float) -> list[tuple[float, str]]:
    """What the data centre saw of the DTU's link since ``since``: (clock time,
    "link-up" | "link-lost") for each connection opened or closed, in time order."""

    def scan() -> list[tuple[float, str]]:
        events = [(c.opened, "link-up") for c in server.connections]
        events += [(c.closed, "link-lost") for c in server.connections if c.closed is not None]
        return sorted(e for e in events if e[0] >= since)

    return world.call(scan)


def down_spans(
    events: list[tuple[float, str]], lost: set[str], up: str, now: float
) -> list[tuple[float, float]]:
    """The (start, end) spans from each ``lost`` event to the next ``up`` one (or ``now``)."""
    spans: list[tuple[float, float]] = []
    start: float | None = None
    for t, kind in events:
        if kind in lost and start is None:
            start = t
        elif kind == up and start is not None:
            spans.append((start, t))
            start = None
    if start is not None:
        spans.append((start, now))
    return spans


class PointRun:
    """One point on its bench: the host, its records, the fault and what followed."""

    def __init__(self, world: World, host: DtuHost, spec: FaultSpec) -> None:
        self.world = world
        self.host = host
        self.spec = spec
        self.records = Records(host)
        self.server: Server = world.server("dc1")
        self.fault: Fault | ServerFault | None = None
        self.modem = world.target.has("modem")  # else the faults are the data centre's
        self.fault_at = 0.0  # clock time of the injection
        self.links_before = 0  # server connections when the fault hit
        self.since = 0.0  # clock time the link went down before the fault (connecting)

    # -- bringing the socket about --------------------------------------------------
    def set_up(self) -> None:
        world = self.world
        if not within(world, lambda: world.leds["NET"].on, 30):
            raise AssertionError("the DTU never brought GPRS up")
        speaker = dialect(world.config.dialect, self.host)
        speaker.enter_command_mode(10)
        speaker.set_heartbeat(HB_S, HB, "server")
        speaker.configure_socket(1, *world.server_address("dc1"), "TCP", True)
        speaker.leave_command_mode(10)
        if not within(world, self.linked, 20):
            raise AssertionError("socket 1 never connected to dc1")
        self.records.write(PRE)
        self.wait_records(PRE, 20, "the records before the fault")

    def linked(self) -> bool:
        """On the loop: the newest server connection is open and DATA is on."""
        conns = self.server.connections
        return bool(conns) and conns[-1].open and self.world.leds["DATA"].on

    def received(self) -> tuple[list[int], list[bytes]]:
        return parse(self.world.call(lambda: self.server.received))

    def wait_records(self, count: int, timeout: float, what: str) -> None:
        marker = record(count - 1)
        if not within(self.world, lambda: marker in self.server.received, timeout):
            raise NotReached(f"{what}: the server never got record {count - 1}")

    # -- the fault ----------------------------------------------------------------
    def inject(self) -> None:
        if self.modem:
            self.fault = self.world.run(self._inject())
            return
        self.fault_at = self.world.now()
        self.links_before = self.world.call(lambda: len(self.server.connections))
        if self.spec.name == OUTAGE:
            self.fault = self.world.drop_network()
            return
        self.fault = self.world.inject_network(self.spec.name, **self.spec.params)

    async def _inject(self) -> Fault:
        self.fault_at = self.world.clock.now()
        self.links_before = len(self.server.connections)
        return await self.world.faults.inject(self.spec.name, **self.spec.params)

    def arm(self, direction: str, pattern: bytes) -> Callable[[float], bool]:
        """Inject the fault the moment ``pattern`` crosses the modem link; the result
        waits (up to its timeout) until it has."""
        world = self.world
        listeners = world.modem_transcript.listeners
        fired: list[asyncio.Task[Fault]] = []
        stream = StreamSearch(pattern)

        def listener(entry: Entry) -> None:
            if entry.direction == direction and stream.feed(entry.data):
                listeners.remove(listener)
                fired.append(asyncio.ensure_future(self._inject()))

        def injected(timeout: float) -> bool:
            if not within(world, lambda: bool(fired) and fired[0].done(), timeout):
                return False
            self.fault = world.call(fired[0].result)
            return True

        world.call(lambda: listeners.append(listener))
        return injected

    def pause(self, seconds: float) -> None:
        """Let ``seconds`` of the bench clock pass (the fault's duration)."""
        if seconds > 0:
            self.world.run(self.world.clock.sleep(seconds), seconds + 5)

    def clear(self) -> None:
        if self.fault is not None and not self.fault.one_shot:
            self.world.clear(self.fault)

    def hold_time(self, state: str) -> float:
        if self.spec.name == "blackhole" and state == "idle":
            return HB_DETECT_S  # only failed heartbeats tell the DTU (R-HB-3)
        return self.spec.hold

    # -- the states ---------------------------------------------------------------
    def idle(self) -> None:
        self.inject()
        self.pause(self.hold_time("idle"))
        self.clear()

    def sending(self) -> None:
        self.records.start()
        self.wait_records(self.records.written + 5, 10, "records streaming")
        self.inject()
        self.pause(SEND_ON_S)
        self.records.stop()
        self.pause(self.spec.hold - SEND_ON_S)
        self.clear()

    def buffering(self) -> None:
        self.inject()
        at_once = self.spec.drops and self.spec.name != "blackhole"  # a black hole: on a send
        if at_once and not within(self.world, lambda: not self.server.connections[-1].open, 5):
            raise NotReached("the link never went down")
        self.records.start()
        self.pause(self.spec.hold or ONE_SHOT_STREAM_S)
        self.records.stop()
        self.clear()

    def connecting(self) -> None:
        self.since = self.world.clock.now()
        if not self.modem:  # the fault hits as the new connection reaches dc1
            before = self.world.call(lambda: len(self.server.connections))
            self.world.run(self.server.disconnect())
            if not within(self.world, lambda: len(self.server.connections) > before, 20):
                raise NotReached("the DTU never opened a new connection to dc1")
            self.inject()
            self.records.write(TAIL)
            self.pause(self.spec.hold)
            self.clear()
            return
        injected = self.arm(*self.spec.at_connect)
        self.world.run(self.server.disconnect())  # the DTU opens the link again
        if not injected(10):
            raise NotReached(f"{self.spec.at_connect[1].decode()} never crossed the modem link")
        self.records.write(TAIL)  # queued while the socket is being opened
        self.pause(self.spec.hold)
        self.clear()

    # -- the invariants -------------------------------------------------------------
    def check_all(self, state: str) -> None:
        self.check_reconnects(state)
        last = self.check_tail()
        self.check_heartbeat(last)
        seqs, garbled = self.received()
        problems = delivery_problems(seqs, garbled, self.records.written)
        check(NO_LOSS, not problems, "; ".join(problems))
        self.check_leds()

    def check_reconnects(self, state: str) -> None:
        deadline = RECOVER_S + self.hold_time(state)

        def back() -> bool:
            return self.linked() and (
                not self.spec.drops or len(self.server.connections) > self.links_before
            )

        check(
            RECONNECTS,
            within(self.world, back, deadline),
            f"not connected to dc1 again within {deadline:g} s after {self.spec.name}",
        )

    def check_tail(self) -> int:
        """Write the last records once connected; return where the last one ends."""
        self.records.write(TAIL)
        marker = record(self.records.written - 1)
        arrived = within(self.world, lambda: marker in self.server.received, 20)
        seqs, garbled = self.received()
        problems = delivery_problems(seqs, garbled, self.records.written)
        check(NO_LOSS, arrived, f"the last record never arrived: {'; '.join(problems)}")
        stream = self.world.call(lambda: self.server.received)
        return stream.index(marker) + len(marker)

    def check_heartbeat(self, after: int) -> None:
        timeout = 3 * HB_S + 2
        check(
            HEARTBEAT,
            within(self.world, lambda: HB in self.server.received[after:], timeout),
            f"no heartbeat within {timeout} s of the last record",
        )

    def check_leds(self) -> None:
        world = self.world
        now = world.clock.now()
        since = self.since or self.fault_at
        data, net = world.leds["DATA"], world.leds["NET"]
        lost = {"link-lost", "gprs-lost"}
        if self.modem:
            events, margin = link_events(world, since), LED_MARGIN
            watched = [
                ("DATA", data, down_spans(events, lost, "link-up", now)),
                ("NET", net, down_spans(events, {"gprs-lost"}, "gprs-up", now)),
            ]
        else:  # what dc1 saw of the link; the PDP context is out of sight
            events, margin = server_events(world, self.server, since), SERVER_MARGIN
            watched = [("DATA", data, down_spans(events, lost, "link-up", now))]
        for name, led, spans in watched:
            for start, end in spans:
                if end - start > 2 * margin:
                    at = start + margin
                    check(
                        LEDS,
                        not world.call(functools.partial(led.state_at, at)),
                        f"{name} on {at - self.fault_at:.2f} s after the fault while the "
                        f"modem had the {'link' if name == 'DATA' else 'PDP context'} down "
                        f"({start - self.fault_at:.2f}–{end - self.fault_at:.2f} s)",
                    )
        both_on = within(world, lambda: data.on and net.on, 2)
        check(LEDS, both_on, f"at the end DATA {data.on}, NET {net.on}: both must be on")


@register
class NetworkCampaign(Campaign):
    name = "network"

    def points(self) -> list[Point]:
        modem = not self.lacking("modem")
        faults = list(SPECS)
        out: list[Point] = []
        if not modem:  # each model-only fault a point of its own, with the reason
            for fault in SPECS:
                if fault == OUTAGE:  # World.drop_network: the data centre's stand-in
                    continue
                try:
                    equivalent(fault, SPECS[fault].params)
                except LookupError as exc:
                    faults.remove(fault)
                    why = str(Unsupported(self.options.target, str(exc.args[0])))
                    out.append(Point(f"{fault}@*", f"{fault} in every socket state", why))
        ids = [f"{fault}@{state}" for fault in faults for state in STATES]
        if self.options.short:
            ids = [i for i in ids if i in (SHORT if modem else SHORT_SERVER)]
        return [Point(i, self.describe(i)) for i in ids] + out

    @staticmethod
    def describe(point_id: str) -> str:
        fault, state = point_id.split("@")
        spec = SPECS[fault]
        params = " ".join(f"{k}={v}" for k, v in spec.params.items())
        return f"{fault} {params}".strip() + f" with socket 1 {DESCRIBE[state]}"

    def run_point(self, point: Point, world: World) -> None:
        fault, state = point.id.split("@")
        with world.host() as host:
            run = PointRun(world, host, SPECS[fault])
            try:
                run.set_up()
                getattr(run, state)()
            finally:
                run.records.stop()
            run.check_all(state)
