"""One run of ``qemu-system-arm`` with a firmware image on the DTU board.

After ../shared/docs/qemu-board.md "Running it", with one change: the bench
listens and QEMU connects. Before QEMU starts, the bench opens a listening
unix socket for every UART and one for QMP; QEMU starts paused (``-S``) with
each UART on a client socket chardev (``server=off``) and QMP on another, so
its sockets are connected before the machine exists and no boot byte can be
lost. The bench accepts each connection (or says which one QEMU never made,
with its stderr), greets QMP, then ``cont``. With QEMU as the server (the
note's way) the bench had to connect to a socket QEMU had bound but perhaps
not yet put into listening state: a refused connection under load. A power
cut is ``kill()`` (the process dies, RAM is lost); a new power-on is a new
``QemuMachine`` on the same EEPROM image.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from typing import Any

from dtulab.platforms.base import TargetError
from dtulab.platforms.board_file import UART_COUNT
from dtulab.platforms.emulator import EmulatorProcess, Message, Streams
from dtulab.platforms.qemu.qmp import Qmp, QmpError
from dtulab.platforms.qemu.trace import TRACE_EVENTS, TraceReader

START_TIMEOUT = 20.0  # seconds for QEMU to connect its sockets (a loaded 2-core machine)


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
        b = self.board_file
        argv = [find_qemu(), "-M", b.machine, "-nodefaults", "-display", "none", "-S"]
        argv += ["-net", "none", "-kernel", str(self.firmware)]
        by_index = {index: name for name, index in b.uarts.items()}
        for index in range(UART_COUNT):
            name = by_index.get(index)
            if name is None:
                argv += ["-serial", "null"]
                continue
            argv += ["-chardev", f"socket,id={name},path={self._sock(name)},server=off"]
            argv += ["-serial", f"chardev:{name}"]
        argv += ["-chardev", f"socket,id=qmp,path={self._sock('qmp')},server=off"]
        argv += ["-mon", "chardev=qmp,mode=control"]
        argv += ["-drive", f"if=none,id=ee,file={self.eeprom_image},format=raw"]
        argv += [
            "-device",
            f"at24c-eeprom,bus={b.eeprom_bus},address={b.eeprom_address:#x},"
            f"rom-size={b.eeprom_size},drive=ee",
        ]
        if b.strap is not None:
            word = b.strap.words[self.timing]
            argv += ["-device", f"loader,addr={b.strap.address:#x},data={word:#x},data-len=4"]
        argv += ["-msg", "timestamp=on"]  # each trace line says when (trace.py)
        for event in TRACE_EVENTS:
            argv += ["-trace", event]
        return argv

    async def start(self) -> None:
        listeners = {name: self._listen(name) for name in (*self.board_file.uarts, "qmp")}
        try:
            await self.spawn(
                *self.argv(), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            self.tasks = [asyncio.ensure_future(self._read_stderr())]
            try:
                await asyncio.wait_for(self._connect(listeners), START_TIMEOUT)
            except (TimeoutError, OSError, QmpError, QemuError) as exc:
                if not self.running:  # it exited: what it said is all in the pipe
                    await asyncio.wait(self.tasks, timeout=5.0)
                tail = "\n".join(self._stderr_tail[-10:])
                await self.kill()
                raise QemuError(f"QEMU did not start ({exc!r}); its stderr:\n{tail}") from None
        finally:
            for listener in listeners.values():
                listener.close()

    def _listen(self, name: str) -> socket.socket:
        """The bench's end of one of QEMU's sockets, listening before QEMU starts."""
        path = self._sock(name)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.setblocking(False)
        return listener

    async def _accept(self, name: str, listener: socket.socket) -> Streams:
        """QEMU's connection to ``listener``; QemuError if QEMU exits first."""
        assert self.proc is not None
        accept = asyncio.ensure_future(asyncio.get_running_loop().sock_accept(listener))
        exited = asyncio.ensure_future(self.proc.wait())
        await asyncio.wait({accept, exited}, return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if not accept.done():
            accept.cancel()
            raise QemuError(f"qemu exited with {self.proc.returncode} before connecting {name}")
        connection, _ = accept.result()
        return await asyncio.open_unix_connection(sock=connection)

    async def _connect(self, listeners: dict[str, socket.socket]) -> None:
        """Accept every socket QEMU connects (it does so before the machine is built), then
        let the firmware run."""
        qmp = Qmp(*await self._accept("qmp", listeners["qmp"]))
        self.control = qmp
        await qmp.greet()
        for name in self.board_file.uarts:
            self.uarts[name] = await self._accept(name, listeners[name])
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
