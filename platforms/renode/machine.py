"""One run of Renode with a firmware image on the DTU board (renode.repl, dtu.resc beside this).

Renode starts headless (``--disable-xwt``) with its robot server, in a network namespace of
its own where it can be (robot_server.py: commands over XML-RPC, with Renode's own errors);
the bench sets the ELF and three pseudo-terminal paths as monitor variables and includes
dtu.resc, which loads renode.repl, puts UART0..2 on those pseudo-terminals (``emulation
CreateUartPtyTerminal`` + ``connector Connect``: nothing listens on a port) and loads the ELF.
The bench opens every UART's terminal, then ``start``s the machine, so no byte of the boot is
lost. The Python
peripherals report the board's signals as lines in an events file (LEDs and
PWRKEY through the SCC, EEPROM write transactions), which a task here reads
and turns into the events of platforms/emulator.py. A power cut kills the
process; a brown-out is ``pause``, the reset pin ``machine Reset`` + ``start``.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import shutil
import tty
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
from dtulab.platforms.renode import robot_server
from dtulab.platforms.renode.robot_server import RobotServer

HERE = Path(__file__).resolve().parent  # Renode's working directory: renode.repl, dtu.resc
UARTS = ("rs232", "modem", "debug")  # UART0..2 as dtu.resc names their terminals
START_TIMEOUT = 60.0  # Renode (mono) takes seconds to start on a loaded 2-core machine
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


class RenodeMachine(EmulatorProcess):
    HOLD = ("pause",)
    RELEASE = ("machine Reset", "start")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.events_file = self.workdir / "events.txt"
        self._output: list[str] = []

    async def start(self) -> None:
        self.events_file.write_bytes(b"")
        ptys = {name: self.workdir / name for name in UARTS}
        strap = self.board_file.strap
        env = {
            **os.environ,
            "DTULAB_EEPROM": str(self.eeprom_image),
            "DTULAB_EVENTS": str(self.events_file),
            "DTULAB_STRAP": f"{strap.words[self.timing]:x}" if strap else "",
        }
        relay, robot_port = self.workdir / "robot.sock", robot_server.port()
        await self.spawn(
            *robot_server.command(find_renode(), relay, robot_port),
            cwd=HERE,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.tasks = [
            asyncio.ensure_future(self._read_output()),
            asyncio.ensure_future(self._read_events()),
        ]
        if not robot_server.isolation():
            self.on_event(Message(robot_server.NOT_ISOLATED))
        try:
            server = RobotServer.at(relay, robot_port)
            await asyncio.wait_for(self._boot(server, ptys), START_TIMEOUT)
        except (TimeoutError, OSError, TargetError) as exc:
            tail = "\n".join(self._output[-15:])
            await self.kill()
            raise TargetError(f"Renode did not start ({exc!r}); its output:\n{tail}") from None

    async def _boot(self, server: RobotServer, ptys: dict[str, Path]) -> None:
        while True:
            if not self.running:
                raise TargetError(f"renode exited with {self.proc and self.proc.returncode}")
            try:
                await server.ready()
                break
            except (OSError, http.client.HTTPException):
                await asyncio.sleep(0.1)
        self.control = server
        settings = f"$elf=@{self.firmware.resolve()}; " + "; ".join(
            f'${name}="{path}"' for name, path in ptys.items()
        )
        await server.execute(settings)
        await server.execute("include @dtu.resc", timeout=START_TIMEOUT)
        for name in sorted(set(UARTS) & set(self.board_file.uarts)):
            self.uarts[name] = await _open_pty(ptys[name])
        await server.execute("start")

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


async def _open_pty(path: Path) -> Streams:
    """Open one of Renode's UART pseudo-terminals (raw) as streams."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", buffering=0)
    )
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(os.dup(fd), "wb", buffering=0)
    )
    return reader, asyncio.StreamWriter(transport, protocol, reader, loop)
