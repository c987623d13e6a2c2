"""One run of Renode with a firmware image on the DTU board (renode.repl, dtu.resc beside this).

Renode starts headless (``--disable-xwt``) with its robot server, in a network namespace of
its own where it can be (robot_server.py: commands over XML-RPC, with Renode's own errors);
the bench sets the ELF and three ports as monitor variables and includes
dtu.resc, which loads renode.repl, puts UART0..2 on socket terminals (``emulation
CreateServerSocketTerminal`` + ``connector Connect``; in the namespace, reached through the
relay) and loads the ELF. The bench connects every UART's terminal, then ``start``s the
machine, so no byte of the boot is lost. (Renode's pseudo-terminal terminals were tried: they
drop bytes the UART cannot take yet, so a burst from the host is cut; a socket terminal
passes them as the UART takes them.) The Python
peripherals report the board's signals as lines in an events file (LEDs and
PWRKEY through the SCC, stamped with the machine's virtual time; EEPROM write
transactions), which a task here reads and turns into the events of
platforms/emulator.py: a LED phase lasts what Renode's virtual clock says, as
Renode's own LED tester measures it, however slowly Renode runs on a busy host.
A power cut kills the process; a brown-out is ``pause``, the reset pin
``machine Reset`` + ``start``.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import shutil
from pathlib import Path
from typing import Any

from dtulab.platforms.base import TargetError, Unsupported
from dtulab.platforms.board_file import STM32
from dtulab.platforms.emulator import (
    EepromWrite,
    EmulatorProcess,
    Message,
    SccReset,
    SccWrite,
    Streams,
)
from dtulab.platforms.renode import robot_server, stm32
from dtulab.platforms.renode.robot_server import Channels, RobotServer

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
    if len(parts) in (3, 4) and parts[0] == "scc":
        virtual = float(parts[3]) / 1000 if len(parts) == 4 else None  # ms of virtual time
        return SccWrite(int(parts[1], 16), int(parts[2], 16), virtual=virtual)
    if len(parts) == 3 and parts[0] == "ee":
        return EepromWrite(0x50, int(parts[1], 16), bytes.fromhex(parts[2]))
    return Message(line) if line.strip() else None


class RenodeMachine(EmulatorProcess):
    HOLD = ("pause",)
    RELEASE = ("machine Reset", "start")
    UART_PACES_SOCKET = False  # SocketServerProvider reads every byte into the UART's queue

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.events_file = self.workdir / "events.txt"
        self._output: list[str] = []

    async def start(self) -> None:
        self.events_file.write_bytes(b"")
        strap = self.board_file.strap
        env = {
            **os.environ,
            "DTULAB_EEPROM": str(self.eeprom_image),
            "DTULAB_EVENTS": str(self.events_file),
            "DTULAB_STRAP": f"{strap.words[self.timing]:x}" if strap else "",
        }
        channels = Channels.make(self.workdir)
        await self.spawn(
            *channels.command(find_renode()),
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
            await asyncio.wait_for(self._boot(channels), START_TIMEOUT)
        except (TimeoutError, OSError, TargetError) as exc:
            tail = "\n".join(self._output[-15:])
            await self.kill()
            raise TargetError(f"Renode did not start ({exc!r}); its output:\n{tail}") from None

    async def _boot(self, channels: Channels) -> None:
        server = RobotServer.at(channels)
        while True:
            if not self.running:
                raise TargetError(f"renode exited with {self.proc and self.proc.returncode}")
            try:
                await server.ready()
                break
            except (OSError, http.client.HTTPException):
                await asyncio.sleep(0.1)
        self.control = server
        if self.board_file.machine in STM32:  # the board file's wiring as a script (stm32.py)
            board = stm32.script(self.board_file, self.firmware, channels.ports, self.workdir)
            await server.execute(f"include @{board}", timeout=START_TIMEOUT)
        else:
            settings = f"$elf=@{self.firmware.resolve()}; " + "; ".join(
                f"${name}={channels.ports[name]}" for name in UARTS
            )
            await server.execute(settings)
            await server.execute("include @dtu.resc", timeout=START_TIMEOUT)
        for name in sorted(set(UARTS) & set(self.board_file.uarts)):
            self.uarts[name] = await self._open(channels, name)
        await server.execute("start")

    async def _open(self, channels: Channels, name: str) -> Streams:
        """Connect to one of Renode's UART socket terminals once it accepts (it may listen a
        moment after the command that made it returned; START_TIMEOUT bounds the wait)."""
        while True:
            try:
                return await channels.open(name)
            except (ConnectionRefusedError, FileNotFoundError):
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
