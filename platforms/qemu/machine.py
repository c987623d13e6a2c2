"""One run of ``qemu-system-arm`` with a firmware image on the DTU board.

Follows ../shared/docs/qemu-board.md "Running it": QEMU starts paused (``-S``)
with every UART on a unix-socket chardev (server, no wait), QMP on another
socket, the EEPROM image on the I2C bus and the board's trace events on
stderr; the bench connects every socket, waits until QMP's ``query-chardev``
shows them connected (an unconnected chardev drops the boot banner), then
``cont``. A power cut is ``kill()`` (the process dies, RAM is lost); a new
power-on is a new ``QemuMachine`` on the same EEPROM image.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from typing import Any

from platforms.base import TargetError
from platforms.board_file import UART_COUNT
from platforms.emulator import EmulatorProcess, Message
from platforms.qemu.qmp import Qmp
from platforms.qemu.trace import TRACE_EVENTS, TraceReader

START_TIMEOUT = 20.0  # seconds for QEMU to open its sockets (a loaded 2-core machine)


class QemuError(TargetError):
    """QEMU could not be started or stopped answering (the message has its stderr)."""


def find_qemu() -> str:
    """The qemu-system-arm to run: $QEMU, else the one on PATH."""
    qemu = os.environ.get("QEMU") or shutil.which("qemu-system-arm")
    if not qemu:
        raise QemuError(
            "qemu-system-arm not found: install Debian's qemu-system-arm (scripts/setup does) "
            "or set QEMU to its path"
        )
    return qemu


class QemuMachine(EmulatorProcess):
    HOLD = ("stop",)
    RELEASE = ("system_reset", "cont")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._stderr_tail: list[str] = []

    def _sock(self, name: str) -> str:
        return str(self.workdir / f"{name}.sock")

    def argv(self) -> list[str]:
        b = self.board
        argv = [find_qemu(), "-M", b.machine, "-nodefaults", "-display", "none", "-S"]
        argv += ["-net", "none", "-kernel", str(self.firmware)]
        by_index = {index: name for name, index in b.uarts.items()}
        for index in range(UART_COUNT):
            name = by_index.get(index)
            if name is None:
                argv += ["-serial", "null"]
                continue
            argv += ["-chardev", f"socket,id={name},path={self._sock(name)},server=on,wait=off"]
            argv += ["-serial", f"chardev:{name}"]
        argv += ["-qmp", f"unix:{self._sock('qmp')},server=on,wait=off"]
        argv += ["-drive", f"if=none,id=ee,file={self.eeprom_image},format=raw"]
        argv += [
            "-device",
            f"at24c-eeprom,bus={b.eeprom_bus},address={b.eeprom_address:#x},"
            f"rom-size={b.eeprom_size},drive=ee",
        ]
        if b.strap is not None:
            word = b.strap.words[self.timing]
            argv += ["-device", f"loader,addr={b.strap.address:#x},data={word:#x},data-len=4"]
        for event in TRACE_EVENTS:
            argv += ["-trace", event]
        return argv

    async def start(self) -> None:
        for name in (*self.board.uarts, "qmp"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._sock(name))
        await self.spawn(
            *self.argv(), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        self.tasks = [asyncio.ensure_future(self._read_stderr())]
        try:
            await asyncio.wait_for(self._connect(), START_TIMEOUT)
        except (TimeoutError, OSError, QemuError) as exc:
            tail = "\n".join(self._stderr_tail[-10:])
            await self.kill()
            raise QemuError(f"QEMU did not start ({exc!r}); its stderr:\n{tail}") from None

    async def _connect(self) -> None:
        assert self.proc is not None
        qmp_path = self._sock("qmp")
        while not os.path.exists(qmp_path):
            if self.proc.returncode is not None:
                raise QemuError(f"qemu exited with {self.proc.returncode}")
            await asyncio.sleep(0.005)
        qmp = await Qmp.connect(qmp_path)
        self.control = qmp
        for name in self.board.uarts:
            self.uarts[name] = await asyncio.open_unix_connection(self._sock(name))
        while True:
            chardevs = await qmp.execute("query-chardev")
            waiting = [
                c["label"]
                for c in chardevs
                if c["label"] in self.board.uarts and c["filename"].startswith("disconnected:")
            ]
            if not waiting:
                break
            await asyncio.sleep(0.002)
        await qmp.execute("cont")

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        reader = TraceReader()
        while line := await self.proc.stderr.readline():
            text = line.decode("utf-8", "replace").rstrip("\n")
            event = reader.line(text)
            if isinstance(event, Message):
                self._stderr_tail = [*self._stderr_tail[-19:], text]
            if event is not None:
                self.on_event(event)
