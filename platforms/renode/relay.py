"""Inside Renode's network namespace: its loopback ports, served on Unix sockets.

``python -m dtulab.platforms.renode.relay SOCKET PORT [SOCKET PORT ...]`` accepts on each Unix
socket SOCKET (a file in the run's folder, which the bench outside the namespace can reach)
and joins each client to 127.0.0.1:PORT in the namespace: Renode's robot server and its UART
socket terminals (robot_server.py says why Renode is kept there). Once it is joined it sends
the client one byte, ``READY``, so the bench knows Renode's end is connected (a UART terminal
drops what its machine writes while no one is connected: the bench starts the machine only
after every terminal said ready). It ends with Renode's process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable

READY = b"\x06"  # ACK: the client is joined to Renode's port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


async def _join(port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:  # Renode listens a moment after the command that opens the port
        try:
            up, down = await asyncio.open_connection("127.0.0.1", port)
            break
        except ConnectionRefusedError:
            await asyncio.sleep(0.05)
    writer.write(READY)
    await asyncio.gather(_pipe(reader, down), _pipe(up, writer))


def _joiner(
    port: int,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    return lambda reader, writer: _join(port, reader, writer)


async def main(pairs: list[tuple[str, int]]) -> None:
    servers = [await asyncio.start_unix_server(_joiner(port), path) for path, port in pairs]
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main([(args[i], int(args[i + 1])) for i in range(0, len(args), 2)]))
