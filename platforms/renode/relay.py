"""Inside Renode's network namespace: its robot server's loopback port, served on a Unix socket.

``python -m dtulab.platforms.renode.relay SOCKET PORT`` accepts on the Unix socket SOCKET (a
file in the run's folder, which the bench outside the namespace can reach) and joins each
client to 127.0.0.1:PORT, the robot server Renode runs in the same namespace (robot_server.py
says why Renode is kept there). It waits for Renode to listen; it ends with Renode's process
group.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


async def _join(port: int, client: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
    while True:  # Renode listens a moment after it started
        try:
            server = await asyncio.open_connection("127.0.0.1", port)
            break
        except ConnectionRefusedError:
            await asyncio.sleep(0.05)
    await asyncio.gather(_pipe(client[0], server[1]), _pipe(server[0], client[1]))


async def main(path: str, port: int) -> None:
    server = await asyncio.start_unix_server(lambda r, w: _join(port, (r, w)), path)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
