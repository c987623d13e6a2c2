"""A small QMP (QEMU Machine Protocol) client on a connected unix socket.

QEMU's QMP reference: a greeting, ``qmp_capabilities``, then one JSON command
per line answered by ``{"return": ...}`` or ``{"error": ...}``; asynchronous
``{"event": ...}`` lines may arrive in between and are skipped here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any


class QmpError(RuntimeError):
    """QEMU answered a QMP command with an error, or the monitor went away."""


class Qmp:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._lock = asyncio.Lock()

    async def greet(self) -> None:
        """Read QEMU's greeting and leave capabilities negotiation."""
        await self._message()
        await self.execute("qmp_capabilities")

    async def _message(self) -> dict[str, Any]:
        line = await self._reader.readline()
        if not line:
            raise QmpError("QEMU closed its QMP socket")
        message: dict[str, Any] = json.loads(line)
        return message

    async def execute(self, command: str, **arguments: Any) -> Any:
        request: dict[str, Any] = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        async with self._lock:
            self._writer.write(json.dumps(request).encode() + b"\n")
            await self._writer.drain()
            while True:
                reply = await self._message()
                if "return" in reply:
                    return reply["return"]
                if "error" in reply:
                    raise QmpError(f"{command}: {reply['error'].get('desc', reply['error'])}")

    async def hmp(self, line: str) -> str:
        """A human-monitor command (e.g. ``xp /1wx 0x4002f004``); its text output."""
        return str(await self.execute("human-monitor-command", **{"command-line": line}))

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
