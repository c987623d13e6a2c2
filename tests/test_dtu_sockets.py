"""dtu/sockets.py alone: back-off and restart, the heartbeat, the buffer (no World, no modem).

One ``DtuSocket`` on a fake ``SocketPeer`` whose fake modem answers
``AT+CIPSTART`` with a scripted ``CONNECT OK``/``CONNECT FAIL`` and
``AT+CIPSEND`` with a scripted ``SEND OK``/``SEND FAIL`` after a scripted
delay. Virtual time (tests/virtual_time.py). Expectations are the spec's:
docs/behaviour.md R-NET-2, R-NET-3, R-HB-1, R-HB-3 and the "Buffering",
"Reconnect" and "Heartbeat" interpretations.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from dtulab.dtu.dtu import TIMINGS, DtuTiming
from dtulab.dtu.modem_client import Reply
from dtulab.dtu.settings import Settings
from dtulab.dtu.sockets import DtuSocket
from tests.dtu_fakes import FakeModem
from tests.virtual_time import LoopClock, background, run


class FakeFirmware:
    """The ``SocketPeer`` of socket 1: GPRS up, connects and sends answered from the scripts
    ``connects`` (default ``CONNECT FAIL``) and ``sends`` ((seconds, final); default at once
    ``SEND OK``); restarts, LED updates and data blinks recorded."""

    def __init__(self, timing: DtuTiming = TIMINGS["realistic"]) -> None:
        self.settings = Settings()
        cfg = self.settings.sockets[0]
        cfg.enabled, cfg.proto, cfg.host, cfg.port = True, "TCP", "server.example", 5000
        self.clock = LoopClock()
        self.timing = timing
        self.modem = FakeModem(self._answer, self._send)
        self.gprs_ready = asyncio.Event()
        self.gprs_ready.set()
        self.connects: list[str] = []
        self.sends: list[tuple[float, str]] = []
        self.restarts: list[tuple[float, str]] = []
        self.moved = 0
        self.socket = DtuSocket(self, 0)

    async def _answer(self, line: str) -> Reply:
        if line.startswith("AT+CIPSTART=0,"):
            outcome = self.connects.pop(0) if self.connects else "CONNECT FAIL"
            asyncio.get_running_loop().call_soon(self.socket.on_urc, outcome)
        return Reply([], "OK")

    async def _send(self, line: str, data: bytes) -> Reply:
        delay, final = self.sends.pop(0) if self.sends else (0.0, "0, SEND OK")
        await asyncio.sleep(delay)
        return Reply([], final)

    def update_leds(self) -> None:
        pass  # the LEDs are dtu.py's; nothing here to check

    def data_moved(self) -> None:
        self.moved += 1

    def request_restart(self, reason: str, delay: float = 0.0) -> None:
        self.restarts.append((self.clock.now(), reason))

    def registration_packet(self) -> bytes:
        return b"REG"

    def times(self, prefix: str) -> list[float]:
        return [t for t, line in self.modem.commands if line.startswith(prefix)]


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in itertools.pairwise(times)]


# -- reconnect (R-NET-3) ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("profile", "back_off"),
    [
        ("realistic", [2, 4, 8, 16, 32, 60, 60]),  # from 2 s doubling to 60 s
        ("fast", [0.1, 0.2, 0.4, 0.8, 1, 1, 1]),  # 0.1 s to 1 s
    ],
)
def test_failed_connects_back_off_doubling_to_the_max_and_the_8th_asks_for_a_restart(
    profile: str, back_off: list[float]
) -> None:
    async def scenario() -> None:
        fw = FakeFirmware(TIMINGS[profile])
        await asyncio.wait_for(fw.socket.run(), 3600)  # returns once it asked for the restart
        starts = fw.times("AT+CIPSTART=0,")
        assert len(starts) == 8
        assert gaps(starts) == back_off
        assert [t for t, _ in fw.restarts] == [starts[-1]]  # at once, after the 8th failure

    run(scenario())


def test_a_connection_in_between_starts_the_count_and_the_back_off_again() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.connects = ["CONNECT FAIL"] * 5 + ["CONNECT OK"]
        task = asyncio.create_task(fw.socket.run())
        while fw.socket.state != "CONNECTED":
            await asyncio.sleep(1)
        fw.socket.on_urc("CLOSED")  # the server closed it
        await asyncio.wait_for(task, 3600)
        starts = fw.times("AT+CIPSTART=0,")
        assert len(starts) == 6 + 8  # 8 failures in a row after the connection
        assert gaps(starts[6:]) == [2, 4, 8, 16, 32, 60, 60]
        assert len(fw.restarts) == 1

    run(scenario())


# -- heartbeat to the server (R-HB-1, R-HB-3) -----------------------------------------------
async def connected(fw: FakeFirmware, heartbeat_s: int) -> float:
    """Socket 1 connected with a heartbeat every ``heartbeat_s``; the time it connected."""
    fw.settings.heartbeat_s, fw.settings.heartbeat_data = heartbeat_s, "AA"
    fw.connects = ["CONNECT OK"]
    background(fw.socket.run())
    while fw.socket.state != "CONNECTED":
        await asyncio.sleep(0)  # it connects at once, with no time passing
    return fw.clock.now()


def heartbeats(fw: FakeFirmware) -> list[float]:
    return [s.at for s in fw.modem.sent if s.data == b"\xaa"]


@pytest.mark.parametrize(
    ("send_time", "attempts", "given_up"),
    [
        (1.0, [2, 4, 6, 8], 9),  # F <= N: every N after the failed one began; 4N + F
        (3.0, [2, 5, 8, 11], 14),  # F > N: the next at once after the failed one
    ],
)
def test_the_fourth_failed_heartbeat_in_a_row_closes_the_socket_which_reconnects(
    send_time: float, attempts: list[float], given_up: float
) -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.sends = [(send_time, "0, SEND FAIL")] * 4  # a black hole
        t0 = await connected(fw, heartbeat_s=2)
        await asyncio.sleep(given_up + fw.timing.reconnect_min + 1)
        assert [round(t - t0, 6) for t in heartbeats(fw)] == attempts
        closes = fw.times("AT+CIPCLOSE=0")
        assert [round(t - t0, 6) for t in closes] == [given_up]
        reconnect = fw.times("AT+CIPSTART=0,")[1]  # after the reconnect back-off
        assert round(reconnect - closes[0], 6) == fw.timing.reconnect_min

    run(scenario())


def test_a_heartbeat_that_goes_through_ends_the_run_of_failures() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fail, ok = (0.5, "0, SEND FAIL"), (0.5, "0, SEND OK")
        fw.sends = [fail, fail, fail, ok, fail, fail, fail, fail]
        await connected(fw, heartbeat_s=2)
        while not fw.times("AT+CIPCLOSE=0"):
            await asyncio.sleep(0.5)
        close = fw.times("AT+CIPCLOSE=0")[0]
        assert len([t for t in heartbeats(fw) if t < close]) == 8  # not after the 3+1 failures

    run(scenario())


def test_the_heartbeat_is_due_only_when_the_socket_sent_nothing_for_its_time() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        t0 = await connected(fw, heartbeat_s=2)
        await asyncio.sleep(1.5)
        fw.socket.put(b"data")
        await asyncio.sleep(5)
        assert [(round(s.at - t0, 6), s.data) for s in fw.modem.sent] == [
            (1.5, b"data"),
            (3.5, b"\xaa"),  # N after the data, not after the connect
            (5.5, b"\xaa"),
        ]

    run(scenario())


# -- the buffer (R-NET-2) ----------------------------------------------------------------
def test_beyond_15kb_the_oldest_bytes_go_and_are_counted_the_rest_is_sent_in_order() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.gprs_ready.clear()  # the socket is down: serial data is buffered
        stream = bytes(i % 253 for i in range(20 * 1000))
        for start in range(0, len(stream), 1000):
            fw.socket.put(stream[start : start + 1000])
        assert (fw.socket.queued, fw.socket.dropped) == (15 * 1024, len(stream) - 15 * 1024)
        fw.connects = ["CONNECT OK"]
        background(fw.socket.run())
        fw.gprs_ready.set()
        while fw.socket.queued:
            await asyncio.sleep(0.5)
        sent = b"".join(s.data for s in fw.modem.sent)
        assert sent == stream[-15 * 1024 :]  # the newest 15 KB, in order, once
        assert all(len(s.data) <= 1460 for s in fw.modem.sent)

    run(scenario())


def test_data_leaves_the_buffer_only_on_send_ok_and_goes_on_the_next_connection() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.sends = [(0.0, "0, SEND FAIL")]
        await connected(fw, heartbeat_s=0)
        fw.connects = ["CONNECT OK"]  # the next connection
        fw.socket.put(b"meter 42")
        await asyncio.sleep(10)
        assert [s.data for s in fw.modem.sent] == [b"meter 42", b"meter 42"]
        assert len(fw.times("AT+CIPSTART=0,")) == 2  # the failed send broke the connection
        assert fw.socket.queued == 0 and fw.moved == 1

    run(scenario())
