"""The FTP download protocol (docs/ftp-protocol.md) end to end: host frames on the DTU's RS232
pty, the DTU's modem fetching from a real pyftpdlib server on 127.0.0.1."""

from __future__ import annotations

import binascii
import hashlib
import random
import socket
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from dtulab.host import DtuHost
from dtulab.servers import FtpServer
from dtulab.world import World
from tests.conftest import ON_EVERY_TARGET, configure

IMAGE = random.Random(721).randbytes(50 * 1024)
LARGE = random.Random(722).randbytes(100 * 1024)  # more than the DTU's 64 KiB cache
START, GET, END = 0x01, 0x02, 0x03
INFO, DATA, ACK, NAK = 0x81, 0x82, 0x83, 0xFF
BAD_CRC, BAD_LENGTH, UNKNOWN, NO_SESSION, PAST_END, FTP_FAILED = 1, 2, 3, 4, 5, 6
FAST_PACKING = "AT+CIPCFG=1,0,0,10,1460,0"  # 10 ms packing time: quick request/reply turns


@pytest.fixture
def ftp_server(tmp_path: Path) -> Iterator[FtpServer]:
    root = tmp_path / "ftp"
    (root / "fw").mkdir(parents=True)
    (root / "fw" / "image.bin").write_bytes(IMAGE)
    (root / "large.bin").write_bytes(LARGE)
    with FtpServer(root) as server:
        yield server


# -- the host's side of the protocol (written from the spec, not the DTU's code) -------------
def frame(cmd: int, payload: bytes = b"") -> bytes:
    body = bytes([cmd]) + len(payload).to_bytes(2, "big") + payload
    return b"\x55\xaa" + body + binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")


def get(offset: int, length: int | None = None) -> bytes:
    extra = b"" if length is None else length.to_bytes(2, "big")
    return frame(GET, offset.to_bytes(4, "big") + extra)


def read_frame(host: DtuHost, timeout: float = 30.0) -> tuple[int, bytes]:
    assert host.read_exactly(2, timeout) == b"\x55\xaa"
    head = host.read_exactly(3, timeout)
    size = int.from_bytes(head[1:], "big")
    rest = host.read_exactly(size + 2, timeout)
    body = head + rest[:size]
    assert binascii.crc_hqx(body, 0xFFFF) == int.from_bytes(rest[size:], "big"), "reply CRC"
    return head[0], rest[:size]


def start(host: DtuHost, url: str = "") -> tuple[int, int]:
    host.write(frame(START, url.encode()))
    cmd, payload = read_frame(host)
    assert cmd == INFO, payload.hex()
    return int.from_bytes(payload[:4], "big"), int.from_bytes(payload[4:], "big")


def expect_nak(host: DtuHost, cmd: int, code: int) -> int:
    reply, payload = read_frame(host)
    assert (reply, payload[:2]) == (NAK, bytes([cmd, code])), (hex(reply), payload.hex())
    return payload[2]


def read_range(host: DtuHost, first: int, end: int, batch: int = 8) -> bytes:
    """GET 256-byte packets from ``first`` to ``end``, ``batch`` frames per write."""
    data = bytearray()
    offsets = list(range(first, end, 256))
    for i in range(0, len(offsets), batch):
        group = offsets[i : i + batch]
        host.write(b"".join(get(o) for o in group))
        for offset in group:
            cmd, payload = read_frame(host)
            assert cmd == DATA, (hex(cmd), payload.hex())
            assert int.from_bytes(payload[:4], "big") == offset
            data += payload[4:]
    return bytes(data)


def ftp_settings(server: FtpServer, path: str = "/fw/image.bin") -> str:
    return f'AT+CIFTP="{server.host}",{server.port},"{server.user}","{server.password}","{path}"'


def url(server: FtpServer, path: str) -> str:
    return f"ftp://{server.user}:{server.password}@{server.host}:{server.port}{path}"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- tests ---------------------------------------------------------------------------------------
@pytest.mark.req("R-FTP-1")
def test_start_then_whole_file_in_256_byte_packets(host: DtuHost, ftp_server: FtpServer) -> None:
    configure(host, "AT+CIMOD=1", FAST_PACKING, ftp_settings(ftp_server))
    size, crc = start(host)
    assert (size, crc) == (len(IMAGE), zlib.crc32(IMAGE))
    data = read_range(host, 0, size)
    assert sha(data) == sha(IMAGE)
    host.write(frame(END))
    assert read_frame(host) == (ACK, bytes([END]))
    host.write(get(0))  # the session is over
    expect_nak(host, GET, NO_SESSION)


@pytest.mark.req("R-FTP-2")
def test_resume_after_power_cut(world: World, host: DtuHost, ftp_server: FtpServer) -> None:
    configure(host, "AT+CIMOD=1", FAST_PACKING, ftp_settings(ftp_server), save=True)
    size, crc = start(host)
    first = read_range(host, 0, 20 * 1024)
    world.cut_power()
    world.power_on()
    world.wait(lambda: world.leds["NET"].on, 30, "NET LED on after the power cut")
    host.drain()
    assert start(host) == (size, crc)  # the same file: the host goes on where it was
    data = first + read_range(host, len(first), size)
    assert sha(data) == sha(IMAGE)


@pytest.mark.req("R-FTP-2")
def test_get_at_any_offset_and_length(host: DtuHost, ftp_server: FtpServer) -> None:
    configure(host, "AT+CIMOD=1", FAST_PACKING, ftp_settings(ftp_server))
    size, _ = start(host)
    rng = random.Random(5)
    for offset, length in [(size - 10, None), (12345, 100), (0, 1), (size - 300, 256)] + [
        (rng.randrange(size), rng.randint(1, 256)) for _ in range(10)
    ]:
        host.write(get(offset, length))
        cmd, payload = read_frame(host)
        want = IMAGE[offset : offset + (256 if length is None else length)]
        assert (cmd, payload) == (DATA, offset.to_bytes(4, "big") + want)


@pytest.mark.req("R-FTP-1", "R-FTP-2")
def test_naks_change_nothing(host: DtuHost, ftp_server: FtpServer) -> None:
    configure(host, "AT+CIMOD=1", FAST_PACKING, ftp_settings(ftp_server))
    host.write(get(0))
    expect_nak(host, GET, NO_SESSION)  # GET before START
    size, _ = start(host)
    bad = bytearray(get(512))
    bad[-1] ^= 0xFF
    host.write(bytes(bad))
    expect_nak(host, GET, BAD_CRC)
    host.write(frame(0x42, b"x"))
    expect_nak(host, 0x42, UNKNOWN)
    host.write(frame(GET, b"\x00\x00\x01"))
    expect_nak(host, GET, BAD_LENGTH)
    host.write(get(0, 257))
    expect_nak(host, GET, BAD_LENGTH)
    host.write(get(size))
    expect_nak(host, GET, PAST_END)
    host.write(get(size + 5000))
    expect_nak(host, GET, PAST_END)
    host.write(b"noise between frames")  # FTP mode: skipped
    host.write(get(512))
    cmd, payload = read_frame(host)
    assert (cmd, payload[4:]) == (DATA, IMAGE[512:768])


@pytest.mark.req("R-FTP-1")
def test_frame_split_over_packets(host: DtuHost, ftp_server: FtpServer) -> None:
    configure(host, "AT+CIMOD=1", FAST_PACKING, ftp_settings(ftp_server))
    start(host)
    whole = get(1000, 16)
    host.write(whole[:3])
    time.sleep(0.3)  # far more than the 10 ms packing time: two packets
    host.write(whole[3:])
    assert read_frame(host) == (DATA, (1000).to_bytes(4, "big") + IMAGE[1000:1016])


@pytest.mark.req("R-FTP-1")
def test_frames_in_net_mode_with_url(world: World, host: DtuHost, ftp_server: FtpServer) -> None:
    port = world.server("dc1").port
    configure(host, "AT+CIMOD=0", FAST_PACKING, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
    world.wait_connections(1)
    size, crc = start(host, url(ftp_server, "/fw/image.bin"))
    assert (size, crc) == (len(IMAGE), zlib.crc32(IMAGE))
    assert read_range(host, 4096, 4096 + 1024) == IMAGE[4096 : 4096 + 1024]
    host.write("ordinary data")  # still goes to the server
    assert world.wait_server_received(13) == b"ordinary data"
    host.write(frame(END))
    assert read_frame(host) == (ACK, bytes([END]))
    assert world.server_received() == b"ordinary data"  # no frame reached the server


@pytest.mark.req("R-FTP-2")
def test_file_larger_than_the_cache(host: DtuHost, ftp_server: FtpServer) -> None:
    configure(host, "AT+CIMOD=1", FAST_PACKING, ftp_settings(ftp_server, "/large.bin"))
    assert start(host) == (len(LARGE), zlib.crc32(LARGE))
    for offset in (90_000, 10, len(LARGE) - 100, 70_000):
        host.write(get(offset))
        cmd, payload = read_frame(host)
        assert (cmd, payload[4:]) == (DATA, LARGE[offset : offset + 256]), offset


@pytest.mark.req("R-FTP-1")
def test_unreachable_server_and_missing_file(host: DtuHost, ftp_server: FtpServer) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]  # nobody listens here once the probe is closed
    configure(host, "AT+CIMOD=1", FAST_PACKING)
    host.write(frame(START, f"ftp://dtu:secret@127.0.0.1:{closed}/fw/image.bin".encode()))
    assert expect_nak(host, START, FTP_FAILED) == 63  # the modem's "connect error"
    host.write(frame(START, url(ftp_server, "/fw/nothing.bin").encode()))
    assert expect_nak(host, START, FTP_FAILED) == 77  # "operate error": SIZE refused
    host.write(get(0))
    expect_nak(host, GET, NO_SESSION)
    assert start(host, url(ftp_server, "/fw/image.bin"))[0] == len(IMAGE)


@ON_EVERY_TARGET
@pytest.mark.req("R-FTP-1", "R-NET-1")
def test_binary_pile_data_in_net_mode_is_data_not_a_frame(world: World, host: DtuHost) -> None:
    """Charging-pile protocols are binary and transparent mode must stay transparent (manual
    2.1.1): only a complete, well-formed frame that starts a download switches to the FTP
    protocol (behaviour.md R-FTP-1). Everything else - a well-formed GET with no download,
    a START with a bad check, a frame-like header with a length > 512, half a START that
    never completes - reaches the server whole, and nothing is answered on the serial port."""
    port = world.server("dc1").port
    configure(host, "AT+CIMOD=0", FAST_PACKING, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
    world.wait_connections(1)
    host.drain()
    bad_start = bytearray(frame(START))
    bad_start[-1] ^= 0x01
    packets = [
        bytes.fromhex("55AA020004000001002B1A1020"),  # a whole GET frame, then 10 20
        bytes(bad_start) + b"meter",
        bytes.fromhex("55AA01FFFF") + b"\x00" * 8,
        frame(START)[:4],  # what may still become a START waits 3 s, then is data
    ]
    sent = b""
    for packet in packets:
        host.write(packet)
        sent += packet
        assert world.wait_server_received(len(sent), timeout=20) == sent
    assert host.quiet(0.5) == b"", "no NAK, nothing at all on the serial port"
