"""Renode's robot server as the bench's control channel.

Renode started with ``--robot-server-port`` serves its Robot Framework keywords over XML-RPC
(RobotFrameworkEngine, HttpServer.cs; the remote library protocol Robot's ``Remote`` speaks):
``run_keyword("ExecuteCommand", [line])`` runs a monitor line and answers PASS with its output
or FAIL with Renode's own error, so a command that fails is an error here, not text to scrape.

On Linux Renode binds that server to every interface (HttpServer.cs: ``http://*:PORT/``; only
Windows gets ``localhost``), and its socket terminals too (``IPAddress.Any``), with no option to
change either. The bench therefore starts Renode in a network namespace of its own (``unshare
--net``): inside, the loopback is Renode's alone and nothing it opens is reachable from the
machine's network; ``relay.py`` in the same namespace serves the robot port and the UART
sockets on Unix sockets in the run's folder (``Channels``), which the bench connects to. Where
the namespace cannot be made (no ``unshare``/``ip``, user namespaces off), Renode runs in the
machine's namespace on free ports, reachable on every interface: the bench says so when it
starts (``isolation``).
"""

from __future__ import annotations

import asyncio
import http.client
import shutil
import socket
import subprocess
import sys
import xmlrpc.client
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dtulab.platforms.base import TargetError
from dtulab.platforms.renode.relay import READY

# Renode's ports inside its own namespace, where nothing else runs: the robot server and the
# socket terminals of UART0..2 (dtu.resc)
PORTS = {"robot": 8270, "rs232": 4001, "modem": 4002, "debug": 4003}
KEYWORD = "ExecuteCommand"  # Renode's keyword names over XML-RPC are CamelCase
NOT_ISOLATED = (
    "renode: no network namespace here (unshare, ip or user namespaces missing): Renode's "
    "robot server and UART sockets listen on every interface (Renode binds them to all)"
)

# in the namespace: the loopback up, the relay beside Renode, then Renode itself
INSIDE = (
    'ip link set lo up || exit 97; "$1" -m dtulab.platforms.renode.relay $2 & shift 2; exec "$@"'
)


@cache
def isolation() -> bool:
    """Whether Renode can run in a network namespace of its own here."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = ["unshare", "--net", "--map-root-user", "ip", "link", "set", "lo", "up"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


@dataclass(frozen=True)
class Channels:
    """Where the bench reaches Renode's ports: through the relay's Unix sockets in ``folder``
    (isolated), or on 127.0.0.1 (free ports, not isolated)."""

    folder: Path
    ports: dict[str, int]

    @classmethod
    def make(cls, folder: Path) -> Channels:
        return cls(folder, PORTS if isolation() else {name: _free() for name in PORTS})

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.sock"

    def command(self, renode: str) -> list[str]:
        """The command line that starts Renode with its robot server (and, isolated, in its
        namespace with the relay)."""
        server = [
            renode,
            "--disable-xwt",
            "--plain",
            "--robot-server-port",
            str(self.ports["robot"]),
        ]
        if not isolation():
            return server
        pairs = " ".join(f"{self.path(n)} {p}" for n, p in self.ports.items())
        return [
            "unshare",
            "--net",
            "--map-root-user",
            "sh",
            "-c",
            INSIDE,
            "sh",
            sys.executable,
            pairs,
            *server,
        ]

    async def open(self, name: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A stream to Renode's port ``name``, once Renode's end is there (OSError until)."""
        if not isolation():
            return await asyncio.open_connection("127.0.0.1", self.ports[name])
        reader, writer = await asyncio.open_unix_connection(self.path(name))
        if await reader.readexactly(1) != READY:
            raise OSError(f"the relay to Renode's {name} port did not say ready")
        return reader, writer


def _free() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RenodeError(TargetError):
    """Renode answered a keyword with FAIL; ``error`` is its own message."""

    def __init__(self, command: str, error: str) -> None:
        super().__init__(f"Renode refused {command!r}: {error}")
        self.error = error


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(str(self.path))
        if sock.recv(1) != READY:
            sock.close()
            raise OSError("the relay to Renode's robot server did not say ready")
        self.sock = sock


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__()
        self._path = path
        self._timeout = timeout

    def make_connection(self, host: object) -> http.client.HTTPConnection:
        return _UnixConnection(self._path, self._timeout)


class RobotServer:
    """Renode's robot server: monitor lines through its ``ExecuteCommand`` keyword."""

    def __init__(self, proxy: xmlrpc.client.ServerProxy) -> None:
        self._proxy = proxy
        self._lock = asyncio.Lock()  # one XML-RPC call at a time

    @classmethod
    def at(cls, channels: Channels, timeout: float = 60.0) -> RobotServer:
        """The server behind the relay's Unix socket, or on 127.0.0.1 when not isolated."""
        if isolation():
            transport = _UnixTransport(channels.path("robot"), timeout)
            return cls(xmlrpc.client.ServerProxy("http://renode/", transport, allow_none=True))
        url = f"http://127.0.0.1:{channels.ports['robot']}/"
        return cls(xmlrpc.client.ServerProxy(url, allow_none=True))

    async def ready(self) -> None:
        """Returns once the server answers (Renode takes seconds to start); OSError until then."""
        async with self._lock:
            await asyncio.to_thread(self._proxy.get_keyword_names)

    async def execute(self, command: str, timeout: float = 30.0) -> str:
        """Run one monitor line; its output, or ``TargetError`` with Renode's error."""
        async with self._lock:
            call = asyncio.to_thread(self._proxy.run_keyword, KEYWORD, [command])
            result = await asyncio.wait_for(call, timeout)
        if not isinstance(result, dict):
            raise TargetError(f"Renode answered {command!r} with {result!r}")
        if result.get("status") != "PASS":
            raise RenodeError(command, str(result.get("error")))
        return str(result.get("return") or "")

    async def close(self) -> None:
        """Nothing to close: each call is a connection of its own; Renode ends with its process."""
