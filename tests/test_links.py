"""Links (pty, TCP listener, memory pair) and the transcript that wraps them."""

import asyncio
import os
import socket

import pytest

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.links import (
    LinkSpecError,
    PtyLink,
    TcpServerLink,
    check_link_spec,
    memory_pair,
    open_link,
)
from dtulab.peripherals.transcript import StreamSearch, Transcript, TranscriptLink


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_memory_pair_carries_bytes_both_ways_and_closes():
    async def scenario():
        a, b = memory_pair()
        await a.write(b"ping")
        assert await b.read() == b"ping"
        await b.write(b"pong")
        assert await a.read() == b"pong"
        await a.close()
        assert await b.read() == b""

    run(scenario())


def test_pty_is_raw_and_binary_clean():
    async def scenario():
        link = await open_link("pty")
        assert isinstance(link, PtyLink)
        fd = os.open(link.slave_path, os.O_RDWR | os.O_NOCTTY)
        try:
            payload = bytes(range(256))
            await link.write(payload)
            got = b""
            while len(got) < 256:
                got += await asyncio.to_thread(os.read, fd, 4096)
            assert got == payload  # no CR/LF mapping, no echo
            os.write(fd, b"\r\n\x03\x1a")
            assert await link.read() == b"\r\n\x03\x1a"
        finally:
            os.close(fd)
            await link.close()

    run(scenario())


def test_tcp_link_serves_one_client_at_a_time():
    async def scenario():
        link = await open_link("tcp:127.0.0.1:0")
        assert isinstance(link, TcpServerLink)
        await link.write(b"dropped: nobody is connected")
        first = await asyncio.to_thread(socket.create_connection, (link.host, link.port))
        await asyncio.wait_for(link.client_connected.wait(), 10)
        first.sendall(b"one")
        assert await link.read() == b"one"
        second = await asyncio.to_thread(socket.create_connection, (link.host, link.port))
        await asyncio.sleep(0)
        second.sendall(b"two")
        assert await link.read() == b"two"
        await link.write(b"to second")
        second.settimeout(10)
        assert second.recv(100) == b"to second"
        first.settimeout(10)
        assert first.recv(100) == b""  # replaced
        first.close()
        second.close()
        await link.close()

    run(scenario())


@pytest.mark.parametrize("spec", ["", "serial", "pty:x", "tcp:", "tcp:host", "tcp:h:99999"])
def test_bad_specs_are_refused(spec):
    with pytest.raises(LinkSpecError):
        check_link_spec(spec)


def test_listening_on_a_busy_port_is_a_spec_error():
    busy = socket.create_server(("127.0.0.1", 0))
    try:
        with pytest.raises(LinkSpecError, match="cannot listen"):
            run(open_link(f"tcp:127.0.0.1:{busy.getsockname()[1]}"))
    finally:
        busy.close()


def test_transcript_records_both_directions_in_order():
    async def scenario():
        a, b = memory_pair()
        transcript = Transcript(Clock())
        wrapped = TranscriptLink(a, transcript)
        await wrapped.write(b"AT\r")
        await b.write(b"\r\nOK\r\n")
        assert await wrapped.read() == b"\r\nOK\r\n"
        return transcript

    transcript = run(scenario())
    assert [e.direction for e in transcript.entries] == ["tx", "rx"]
    assert transcript.data("tx") == b"AT\r"
    assert transcript.entries[0].time <= transcript.entries[1].time
    assert "tx  b'AT\\r'" in transcript.text()


def test_a_pattern_split_across_chunks_is_found():
    """A UART hands a command over in pieces of any size (seen: b'A', then b'T+CIPSTART=...')."""
    stream = StreamSearch(b"AT+CIPSTART")
    assert [stream.feed(c) for c in (b"OK\r\nA", b"T+CIPS", b"TART=0,", b"x")] == [
        False,
        False,
        True,
        False,
    ]
    assert StreamSearch(b"\x00").feed(b"a\x00")


def test_a_cut_trigger_on_bytes_sees_a_command_in_pieces():
    from dtulab.world import LinkTraffic, on_bytes

    trigger = on_bytes("modem", b"AT+CIICR", "rx")
    seen = [
        trigger(LinkTraffic("modem", "rx", b"A")),
        trigger(LinkTraffic("modem", "tx", b"\r\nOK\r\n")),  # the other way: its own stream
        trigger(LinkTraffic("rs232", "rx", b"T+CIICR")),  # another link
        trigger(LinkTraffic("modem", "rx", b"T+CI")),
        trigger(LinkTraffic("modem", "rx", b"ICR\r")),
    ]
    assert seen == [False, False, False, False, True]
