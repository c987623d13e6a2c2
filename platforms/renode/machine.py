"""One run of Renode with a firmware image on the DTU board (renode.repl, dtu.resc beside this).

Renode starts headless (``--disable-xwt``) with its monitor on a loopback TCP
port; the bench sets the ELF and three free ports as monitor variables and
includes dtu.resc, which loads renode.repl, puts UART0..2 on TCP
server sockets (``emulation CreateServerSocketTerminal`` + ``connector
Connect``) and loads the ELF. The bench connects every UART socket, then
``start``s the machine, so no byte of the boot is lost. The Python
peripherals report the board's signals as lines in an events file (LEDs and
PWRKEY through the SCC, EEPROM write transactions), which a task here reads
and turns into the events of platforms/emulator.py. A power cut kills the
process; a brown-out is ``pause``, the reset pin ``machine Reset`` + ``start``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
from pathlib import Path
from typing import Any

from dtulab.platforms.base import TargetError, Unsupported
from dtulab.platforms.emulator import (
    EepromWrite,
    EmulatorProcess,
    Message,
    SccReset,
    SccWrite,
    Streams,
)

HERE = Path(__file__).resolve().parent  # Renode's working directory: renode.repl, dtu.resc
START_TIMEOUT = 60.0  # Renode (mono) takes seconds to start on a loaded 2-core machine
PROMPT = re.compile(rb"\(([\w-]+)\) $")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\xff[\xfb-\xfe].|\xff[\xf0-\xfa]")
NOT_INSTALLED = (
    "Renode not installed: set RENODE to the renode launcher or put renode on PATH "
    "(docs/targets.md)"
)


def find_renode() -> str:
    """The renode launcher: $RENODE, else ``renode`` on PATH; Unsupported if neither."""
    renode = os.environ.get("RENODE") or shutil.which("renode")
    if not renode or not os.access(renode, os.X_OK):
        raise Unsupported("renode", NOT_INSTALLED)
    return renode


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def parse_event(line: str) -> SccWrite | SccReset | EepromWrite | Message | None:
    """One line of the events file the Python peripherals write."""
    parts = line.split()
    if parts[:2] == ["scc", "reset"]:
        return SccReset()
    if len(parts) == 3 and parts[0] == "scc":
        return SccWrite(int(parts[1], 16), int(parts[2], 16))
    if len(parts) == 3 and parts[0] == "ee":
        return EepromWrite(0x50, int(parts[1], 16), bytes.fromhex(parts[2]))
    return Message(line) if line.strip() else None


class Monitor:
    """Renode's monitor over its TCP port: one command, the text up to the next prompt.

    The port speaks telnet: Renode sends four option bytes and reads nine back
    (SocketServerProvider) before anything else; a command ends with CR LF.
    """

    TELNET_REPLY = b"\xff\xfb\x00\xff\xfd\x01\xff\xfd\x03"  # WILL BINARY, DO ECHO, DO SGA
    QUIET = 0.1  # the monitor prints its prompt more than once: wait until it is done

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def _until_prompt(self) -> str:
        buf = b""
        while True:
            try:
                chunk = await asyncio.wait_for(self.reader.read(4096), self.QUIET)
            except TimeoutError:
                if PROMPT.search(ANSI.sub(b"", buf)):
                    return ANSI.sub(b"", buf).decode("utf-8", "replace")
                continue
            if not chunk:
                raise TargetError(f"Renode closed its monitor; it said: {buf[-500:]!r}")
            buf += chunk

    @classmethod
    async def connect(cls, port: int) -> Monitor:
        monitor = cls(*await asyncio.open_connection("127.0.0.1", port))
        monitor.writer.write(cls.TELNET_REPLY + b"\r\n")
        await monitor._until_prompt()
        return monitor

    async def execute(self, command: str, timeout: float = 30.0) -> str:
        self.writer.write(command.encode() + b"\r\n")
        await self.writer.drain()
        text = await asyncio.wait_for(self._until_prompt(), timeout)
        if any(sign in text for sign in ("error", "Error", "Could not")):
            raise TargetError(f"Renode: {command}: {text.strip()[-600:]}")
        return text

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


class RenodeMachine(EmulatorProcess):
    HOLD = ("pause",)
    RELEASE = ("machine Reset", "start")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.events_file = self.workdir / "events.txt"
        self._output: list[str] = []

    async def start(self) -> None:
        self.events_file.write_bytes(b"")
        ports = {name: free_port() for name in ("rs232", "modem", "debug", "monitor")}
        strap = self.board_file.strap
        env = {
            **os.environ,
            "DTULAB_EEPROM": str(self.eeprom_image),
            "DTULAB_EVENTS": str(self.events_file),
            "DTULAB_STRAP": f"{strap.words[self.timing]:x}" if strap else "",
        }
        monitor = str(ports["monitor"])
        await self.spawn(
            find_renode(),
            "--disable-xwt",
            "--plain",
            "--port",
            monitor,
            cwd=HERE,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.tasks = [
            asyncio.ensure_future(self._read_output()),
            asyncio.ensure_future(self._read_events()),
        ]
        try:
            await asyncio.wait_for(self._boot(ports), START_TIMEOUT)
        except (TimeoutError, OSError, TargetError) as exc:
            tail = "\n".join(self._output[-15:])
            await self.kill()
            raise TargetError(f"Renode did not start ({exc!r}); its output:\n{tail}") from None

    async def _boot(self, ports: dict[str, int]) -> None:
        while True:
            if not self.running:
                raise TargetError(f"renode exited with {self.proc and self.proc.returncode}")
            try:
                monitor = await Monitor.connect(ports["monitor"])
                break
            except OSError:
                await asyncio.sleep(0.1)
        settings = f"$elf=@{self.firmware.resolve()}; " + "; ".join(
            f"${name}={ports[name]}" for name in ("rs232", "modem", "debug")
        )
        self.control = monitor
        await monitor.execute(settings)
        await monitor.execute("include @dtu.resc", timeout=START_TIMEOUT)
        wanted = {"rs232", "modem", "debug"} & set(self.board_file.uarts)
        for name in sorted(wanted):
            self.uarts[name] = await self._open(ports[name])
        await monitor.execute("start")

    async def _open(self, port: int) -> Streams:
        """Connect to one of Renode's server sockets once it accepts (it may listen a moment
        after the command that made it returned; START_TIMEOUT bounds the wait)."""
        while True:
            try:
                return await asyncio.open_connection("127.0.0.1", port)
            except ConnectionRefusedError:
                if not self.running:
                    code = self.proc and self.proc.returncode
                    raise TargetError(f"renode exited with {code}") from None
                await asyncio.sleep(0.05)

    async def _read_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            text = line.decode("utf-8", "replace").rstrip()
            self._output = [*self._output[-49:], text]
            if "[ERROR]" in text or "Exception" in text:
                self.on_event(Message(text))

    async def _read_events(self) -> None:
        """Follow the events file the Python peripherals append to."""
        with open(self.events_file, "rb") as f:
            pending = b""
            while True:
                chunk = f.read()
                if not chunk:
                    if not self.running:
                        return
                    await asyncio.sleep(0.002)
                    continue
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    event = parse_event(raw.decode("latin-1"))
                    if event is not None:
                        self.on_event(event)
