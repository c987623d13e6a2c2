"""dtu/serial_port.py alone: packing, the escape, command-mode lines (no World, no modem).

The port reads a memory link the test writes as the host; the firmware around
it is a fake ``SerialPeer`` that records the packets handed on and the command
lines run. Virtual time (tests/virtual_time.py): the guard, packing and
confirm times are exact and cost nothing. Expectations are the spec's:
docs/behaviour.md R-NET-5, R-AT-1 and its "Escape" interpretation;
docs/usr721.md "Framing" and "Entering and leaving command mode".
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from dtulab.dtu import contract, usr721
from dtulab.dtu.families import FAMILIES
from dtulab.dtu.serial_port import SerialPort
from dtulab.dtu.settings import Settings
from dtulab.peripherals.links import MemoryLink, memory_pair
from tests.virtual_time import LoopClock, background, run

AT_MODE = contract.MODE_CHOICES.index("AT")


class FakeFirmware:
    """The ``SerialPeer``: records packets (with their loop time) and command lines; a
    command line is answered ``OK``, ``AT+ENTM`` also leaves command mode."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.family = FAMILIES["usr721"]
        self.clock = LoopClock()
        self.echo = True
        self.packets: list[tuple[float, bytes]] = []
        self.lines: list[str] = []
        self.port: SerialPort | None = None

    async def serial_packet(self, packet: bytes) -> None:
        self.packets.append((self.clock.now(), packet))

    async def run_command(self, line: str, session: usr721.Session) -> list[str]:
        self.lines.append(line)
        if line.upper() == "AT+ENTM" and self.port is not None:
            self.port.leave_command_mode()
        return ["OK"]

    def data(self) -> list[bytes]:
        return [packet for _, packet in self.packets]

    def timed(self) -> list[tuple[float, bytes]]:
        """The packets with their times to the microsecond."""
        return [(round(t, 6), packet) for t, packet in self.packets]


async def start(fw: FakeFirmware) -> tuple[MemoryLink, SerialPort]:
    """The port on a memory link, running; the host's end of the link."""
    host, board = memory_pair("rs232")
    port = SerialPort(board, fw)
    fw.port = port
    background(port.pump())
    background(port.run())
    await asyncio.sleep(0)
    return host, port


async def read(host: MemoryLink, want: bytes, within: float = 1.0) -> bytes:
    """What the host gets until it has ``want`` (TimeoutError after ``within`` seconds)."""
    got = b""

    async def collect() -> None:
        nonlocal got
        while want not in got:
            got += await host.read()

    await asyncio.wait_for(collect(), within)
    return got


async def quiet(host: MemoryLink, seconds: float) -> bytes:
    """What the host gets during ``seconds`` (b"" when the port says nothing)."""
    got = b""

    async def collect() -> None:
        nonlocal got
        while True:
            got += await host.read()

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(collect(), seconds)
    return got


# -- packing (R-NET-5) -------------------------------------------------------------------
def test_a_burst_is_cut_at_the_packing_length_and_the_rest_goes_after_the_packing_time() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.pack_len, fw.settings.pack_time_ms = 4, 100
        host, _ = await start(fw)
        await asyncio.sleep(1.0)
        await host.write(b"abcdefghij")
        await asyncio.sleep(0.5)
        assert fw.timed() == [(1.0, b"abcd"), (1.0, b"efgh"), (1.1, b"ij")]

    run(scenario())


def test_bytes_closer_than_the_packing_time_make_one_packet_a_longer_gap_a_new_one() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.pack_time_ms = 100
        host, _ = await start(fw)
        for piece in (b"ab", b"cd", b"ef"):
            await host.write(piece)
            await asyncio.sleep(0.09)
        await asyncio.sleep(0.5)
        await host.write(b"gh")
        await asyncio.sleep(0.5)
        assert fw.data() == [b"abcdef", b"gh"]
        assert fw.timed()[0][0] == 0.28  # idle for the packing time after the last byte

    run(scenario())


# -- the escape (R-AT-1) ---------------------------------------------------------------------
def test_plus_after_guard_silence_is_answered_a_and_the_hosts_a_gets_ok() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        host, port = await start(fw)
        await host.write(b"data")
        await asyncio.sleep(0.25)  # more than T1 = 200 ms
        await host.write(b"+++")
        sent = asyncio.get_running_loop().time()
        assert await read(host, b"a", within=0.05) == b"a"  # T2 < 50 ms
        await asyncio.sleep(2.9)  # the host's 'a' within T5 = 3 s
        await host.write(b"a")
        assert await read(host, b"+ok", within=0.05) == b"+ok"  # T3 < 50 ms
        assert port.command_mode
        assert fw.data() == [b"data"]  # the escape is not data
        assert asyncio.get_running_loop().time() - sent < 3.0

    run(scenario())


def test_plus_in_pieces_each_within_the_guard_time_is_an_escape() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        host, port = await start(fw)
        await asyncio.sleep(0.3)
        await host.write(b"+")
        await asyncio.sleep(0.15)
        await host.write(b"++")
        assert await read(host, b"a") == b"a"
        await host.write(b"a")
        assert await read(host, b"+ok") == b"+ok"
        assert port.command_mode and fw.data() == []

    run(scenario())


@pytest.mark.parametrize("gap", [0.05, 0.15], ids=["within-packing-time", "past-packing-time"])
def test_plus_after_less_than_200ms_of_silence_is_data(gap: float) -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.pack_time_ms = 100
        host, port = await start(fw)
        await asyncio.sleep(0.3)
        await host.write(b"data")
        await asyncio.sleep(gap)
        await host.write(b"+++")
        assert await quiet(host, 4.0) == b""  # no 'a'
        assert b"".join(fw.data()) == b"data+++" and not port.command_mode

    run(scenario())


def test_plus_followed_by_other_bytes_in_the_burst_is_data() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        host, port = await start(fw)
        await asyncio.sleep(0.3)
        await host.write(b"+++x")
        assert await quiet(host, 4.0) == b""
        assert fw.data() == [b"+++x"] and not port.command_mode

    run(scenario())


def test_an_answer_other_than_a_makes_the_plus_and_the_answer_one_packet() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        host, port = await start(fw)
        await asyncio.sleep(0.3)
        await host.write(b"+++")
        assert await read(host, b"a") == b"a"
        await asyncio.sleep(1.0)
        await host.write(b"b")
        assert await quiet(host, 1.0) == b""  # no +ok
        assert fw.data() == [b"+++b"] and not port.command_mode

    run(scenario())


def test_no_answer_within_3s_makes_the_plus_data_and_the_port_stays_transparent() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.pack_time_ms = 100
        host, port = await start(fw)
        await asyncio.sleep(0.3)
        await host.write(b"+++")
        assert await read(host, b"a") == b"a"
        await asyncio.sleep(5.0)
        assert fw.timed() == [(3.3, b"+++")]  # given up at T5 = 3 s, not lost
        assert not port.command_mode
        await host.write(b"more")  # and the port is transparent again
        await asyncio.sleep(0.5)
        assert fw.data() == [b"+++", b"more"]

    run(scenario())


# -- command mode (docs/usr721.md "Framing") ------------------------------------------
async def command_mode(fw: FakeFirmware) -> tuple[MemoryLink, SerialPort]:
    fw.settings.mode = AT_MODE  # AT work mode: the port is in command mode from the start
    return await start(fw)


def test_a_line_ends_at_cr_lf_is_ignored_backspace_deletes_and_each_byte_is_echoed() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        host, _ = await command_mode(fw)
        typed = b"AT\n+CIVX\x08ER?\r"
        await host.write(typed)
        assert await read(host, b"\r\nOK\r\n") == typed + b"\r\nOK\r\n"
        assert fw.lines == ["AT+CIVER?"]

    run(scenario())


def test_with_echo_off_only_the_reply_comes_and_an_empty_line_gets_none() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.echo = False
        host, _ = await command_mode(fw)
        await host.write(b"  \r")
        assert await quiet(host, 1.0) == b""
        await host.write(b"ATE0\r")
        assert await read(host, b"OK\r\n") == b"\r\nOK\r\n"
        assert fw.lines == ["ATE0"]

    run(scenario())


@pytest.mark.parametrize("length", [contract.LINE_MAX, contract.LINE_MAX + 1, 300])
def test_a_line_keeps_at_most_257_bytes_so_a_longer_one_is_refused(length: int) -> None:
    """At most 256 bytes per line; bytes past the 257th are dropped while the line is read, so
    the dialect sees a line that is too long (and refuses it) without storing all of it."""

    async def scenario() -> None:
        fw = FakeFirmware()
        fw.echo = False
        host, _ = await command_mode(fw)
        line = b"AT+CIPR=" + b"1" * (length - 8)
        await host.write(line + b"\r")
        await read(host, b"OK\r\n")
        assert fw.lines == [line[: contract.LINE_MAX + 1].decode()]
        assert (len(fw.lines[0]) > contract.LINE_MAX) == (length > contract.LINE_MAX)

    run(scenario())


def test_server_data_is_held_in_command_mode_newest_15kb_and_written_after_entm() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.echo = False
        host, port = await start(fw)
        await asyncio.sleep(0.3)
        await host.write(b"+++")
        await read(host, b"a")
        await host.write(b"a")
        await read(host, b"+ok")
        held = bytes(i % 251 for i in range(15 * 1024 + 100))
        await port.to_host(held[:100])
        await port.to_host(held[100:])
        assert await quiet(host, 0.5) == b""
        await host.write(b"AT+ENTM\r")
        got = await read(host, held[-15 * 1024 :])
        assert got == b"\r\nOK\r\n" + held[-15 * 1024 :]  # the oldest 100 bytes dropped
        await port.to_host(b"live")  # transparent again: written at once
        assert await read(host, b"live") == b"live"

    run(scenario())
