"""Renode's robot server as the bench's control channel.

Renode started with ``--robot-server-port`` serves its Robot Framework keywords over XML-RPC
(RobotFrameworkEngine, HttpServer.cs; the remote library protocol Robot's ``Remote`` speaks):
``run_keyword("ExecuteCommand", [line])`` runs a monitor line and answers PASS with its output
or FAIL with Renode's own error, so a command that fails is an error here, not text to scrape.

On Linux Renode binds that server to every interface (HttpServer.cs: ``http://*:PORT/``; only
Windows gets ``localhost``), and there is no option to change it. The bench therefore starts
Renode in a network namespace of its own (``unshare --net``): inside, the loopback is Renode's
alone and nothing it opens is reachable from the machine's network; ``relay.py`` in the same
namespace serves the robot port on a Unix socket in the run's folder, which the XML-RPC client
here connects to. The UARTs are pseudo-terminals (dtu.resc), files both sides see. Where the
namespace cannot be made (no ``unshare``/``ip``, user namespaces off), Renode runs in the
machine's namespace with its robot port on 127.0.0.1 reachable on every interface too: the
bench says so when it starts (``isolation``).
"""

from __future__ import annotations

import asyncio
import http.client
import shutil
import socket
import subprocess
import sys
import xmlrpc.client
from functools import cache
from pathlib import Path

from dtulab.platforms.base import TargetError

PORT = 8270  # the robot port inside Renode's own namespace, where nothing else runs
KEYWORD = "ExecuteCommand"  # Renode's keyword names over XML-RPC are CamelCase

# in the namespace: the loopback up, the relay beside Renode, then Renode itself
INSIDE = (
    'ip link set lo up || exit 97; "$1" -m dtulab.platforms.renode.relay "$2" "$3" & '
    'shift 3; exec "$@"'
)


NOT_ISOLATED = (
    "renode: no network namespace here (unshare, ip or user namespaces missing): Renode's "
    "robot server listens on every interface (Renode binds http://*:PORT/)"
)


@cache
def isolation() -> bool:
    """Whether Renode can run in a network namespace of its own here."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = ["unshare", "--net", "--map-root-user", "ip", "link", "set", "lo", "up"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def port() -> int:
    """The robot port: ``PORT`` in Renode's own namespace, else one free on this machine."""
    if isolation():
        return PORT
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free: int = s.getsockname()[1]
        return free


def command(renode: str, socket_path: Path, robot_port: int) -> list[str]:
    """The command line that starts Renode with its robot server on ``robot_port`` (and,
    isolated, the relay on ``socket_path``)."""
    server = [renode, "--disable-xwt", "--plain", "--robot-server-port", str(robot_port)]
    if not isolation():
        return server
    relay = [sys.executable, str(socket_path), str(robot_port)]
    return ["unshare", "--net", "--map-root-user", "sh", "-c", INSIDE, "sh", *relay, *server]


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(str(self.path))
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
    def at(cls, socket_path: Path, robot_port: int, timeout: float = 60.0) -> RobotServer:
        """The server behind the relay's Unix socket, or on 127.0.0.1 when not isolated."""
        if isolation():
            transport = _UnixTransport(socket_path, timeout)
            return cls(xmlrpc.client.ServerProxy("http://renode/", transport, allow_none=True))
        url = f"http://127.0.0.1:{robot_port}/"
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
            raise TargetError(f"Renode refused {command!r}: {result.get('error')}")
        return str(result.get("return") or "")

    async def close(self) -> None:
        """Nothing to close: each call is a connection of its own; Renode ends with its process."""
