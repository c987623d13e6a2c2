"""Network faults at the server's end (dtulab/netfaults.py), each seen by a real client socket
on loopback: a data-centre ``Server`` on a loop thread of its own, a plain socket as the DTU."""

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from dtulab.datacenter import Server
from dtulab.netfaults import EQUIVALENTS, MODEL_ONLY, ServerFault, equivalent, make_server_fault
from dtulab.peripherals.gsm_modem.faults import FAULTS, FaultError
from dtulab.peripherals.loop_thread import LoopThread

DEADLINE = 20.0


class Bench:
    """A ``Server`` on its own loop; calls from the test thread go through the loop."""

    def __init__(self, proto: str = "TCP") -> None:
        self.thread = LoopThread("netfaults")
        self.thread.start()
        self.server = Server("dc1", proto)
        self.thread.run(self.server.start())

    def inject(self, name: str, **params: object) -> ServerFault:
        fault = make_server_fault(name, **params)
        self.thread.run(self.server.inject(fault))
        return fault

    def clear(self, fault: ServerFault) -> None:
        self.thread.run(self.server.clear(fault))

    def connect(self) -> socket.socket:
        count = len(self.server.connections)
        client = socket.create_connection(("127.0.0.1", self.server.port), timeout=DEADLINE)
        self.wait(lambda: len(self.server.connections) > count, "the server accepting")
        return client

    def received(self, index: int | None = None) -> bytes:
        if index is None:
            return self.thread.call(lambda: self.server.received)
        return self.thread.call(lambda: bytes(self.server.connections[index].received))

    def wait(self, predicate, what: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not self.thread.call(predicate):
            assert time.monotonic() < deadline, what
            time.sleep(0.01)

    def wait_received(self, data: bytes, index: int | None = None) -> None:
        self.wait(lambda: len(self.received(index)) >= len(data), f"{data!r} arriving")
        assert self.received(index) == data

    def send(self, data: bytes, index: int = -1) -> None:
        self.thread.run(self.server.send(data, index))


@pytest.fixture
def bench() -> Iterator[Bench]:
    b = Bench()
    try:
        yield b
    finally:
        b.thread.run(b.server.stop())
        b.thread.stop()


def read_exactly(client: socket.socket, size: int) -> list[bytes]:
    """The chunks ``recv`` returned until ``size`` bytes came."""
    chunks: list[bytes] = []
    while sum(map(len, chunks)) < size:
        chunk = client.recv(65536)
        assert chunk, f"closed after {sum(map(len, chunks))} of {size} bytes"
        chunks.append(chunk)
    return chunks


def test_refuse_refuses_new_connections_and_keeps_the_open_ones(bench):
    with bench.connect() as open_one:
        fault = bench.inject("refuse")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", bench.server.port), timeout=DEADLINE)
        open_one.sendall(b"still here")
        bench.wait_received(b"still here")
        bench.clear(fault)
        with bench.connect() as again:  # on the same port
            again.sendall(b" and back")
            bench.wait_received(b"still here and back")


def test_reset_resets_the_open_connections_or_only_the_one_named(bench):
    with bench.connect() as first, bench.connect() as second:
        bench.inject("reset", connection=1)
        with pytest.raises(ConnectionResetError):
            second.recv(10)
        first.sendall(b"untouched")
        bench.wait_received(b"untouched", 0)
        bench.inject("reset")
        with pytest.raises(ConnectionResetError):
            first.recv(10)
    bench.wait(lambda: not any(c.open for c in bench.server.connections), "both seen closed")


def test_close_after_takes_exactly_n_bytes_then_closes(bench):
    with bench.connect() as before:
        before.sendall(b"before ")
        bench.wait_received(b"before ", 0)
        bench.inject("close-after", bytes=5)
        before.sendall(b"0123456789")  # counted from the injection on an open connection
        bench.wait(lambda: not bench.server.connections[0].open, "connection 0 closing")
        assert bench.received(0) == b"before 01234"
    with bench.connect() as later:  # counted from the connect on a new one
        later.sendall(b"abcdefgh")
        bench.wait(lambda: not bench.server.connections[1].open, "connection 1 closing")
        assert bench.received(1) == b"abcde"
        with contextlib.suppress(ConnectionResetError):  # a RST for the bytes it never read
            assert later.recv(10) == b""  # or a FIN


def test_blackhole_discards_both_ways_until_cleared(bench):
    with bench.connect() as client:
        fault = bench.inject("blackhole")
        client.sendall(b"lost")
        bench.send(b"never sent")
        bench.clear(fault)
        client.sendall(b"kept")
        bench.wait_received(b"kept")
        bench.send(b"after")
        assert read_exactly(client, 5) == [b"after"]  # nothing of "never sent" before it


def test_blackhole_on_one_connection_leaves_the_others(bench):
    with bench.connect() as first, bench.connect() as second:
        bench.inject("blackhole", connection=0)
        first.sendall(b"lost")
        second.sendall(b"delivered")
        bench.wait_received(b"delivered", 1)
        first.sendall(b"!")
        assert bench.received(0) == b""


def test_latency_up_lets_the_answer_overtake_the_question(bench):
    with bench.connect() as client:
        bench.inject("latency", ms=2000, direction="up")
        client.sendall(b"question")
        bench.send(b"answer")  # down has no latency: it reaches the client first
        assert b"".join(read_exactly(client, 6)) == b"answer"
        assert bench.received() == b""  # the question is still on its way
        bench.wait_received(b"question")


def test_bandwidth_delivers_in_several_pieces_in_order(bench):
    data = bytes(range(256)) * 4
    with bench.connect() as client:
        bench.inject("bandwidth", rate=2048, direction="down")
        sending = threading.Thread(target=bench.send, args=(data,))  # returns once all went
        sending.start()
        chunks = read_exactly(client, len(data))
        sending.join(DEADLINE)
    assert b"".join(chunks) == data
    assert len(chunks) >= 2  # paced in 256-byte pieces an eighth of a second apart


def test_echo_goes_through_the_shaped_pipes(bench):
    bench.server.echo = True
    with bench.connect() as client:
        bench.inject("latency", ms=50)
        client.sendall(b"ping")
        assert b"".join(read_exactly(client, 4)) == b"ping"


def test_bad_server_faults_are_one_line_errors():
    with pytest.raises(FaultError, match="unknown server fault 'meteor'"):
        make_server_fault("meteor")
    with pytest.raises(FaultError, match="takes: bytes, connection"):
        make_server_fault("close-after", n=3)
    udp = Bench("UDP")
    try:
        with pytest.raises(FaultError, match="need a TCP server; dc1 is UDP"):
            udp.inject("reset")
    finally:
        udp.thread.run(udp.server.stop())
        udp.thread.stop()


def test_every_modem_fault_has_an_equivalent_or_a_reason():
    assert set(EQUIVALENTS) | set(MODEL_ONLY) == set(FAULTS)
    assert not set(EQUIVALENTS) & set(MODEL_ONLY)
    assert equivalent("bandwidth", {"bps": "16000", "link": 0}) == ("bandwidth", {"rate": 2000.0})
    assert equivalent("socket-reset", {"link": 0}) == ("reset", {})
    with pytest.raises(LookupError, match="no-coverage is a fault of the modelled cell network"):
        equivalent("no-coverage", {})


@pytest.mark.parametrize("how", ["stop", "refuse"])
def test_a_server_that_does_not_listen_keeps_its_port(bench, how):
    """Stopped (``Stop Server``) or refusing, a server refuses connects and holds its port:
    another program cannot bind it meanwhile (so ``bind(port 0)`` elsewhere never gets it,
    and a DTU reconnecting never reaches a stranger's server); started or cleared, it listens
    on that port again."""
    port = bench.server.port
    fault = None
    if how == "stop":
        bench.thread.run(bench.server.stop(keep_port=True))
    else:
        fault = bench.inject("refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=DEADLINE).close()
    stranger = socket.socket()
    with pytest.raises(OSError, match="in use"):
        stranger.bind(("127.0.0.1", port))
    stranger.close()
    if fault is None:
        bench.thread.run(bench.server.start())
    else:
        bench.clear(fault)
    assert bench.server.port == port
    bench.connect().close()
