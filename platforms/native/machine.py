"""One run of the native firmware: the DTU logic (firmware/dtu/) built for the build host on
firmware/native/hal_native.c, as a process (docs/targets.md "The native target").

The bench makes a Unix socket pair for each UART the board file wires and the process
inherits its end, named in ``DTULAB_UART<n>`` (``n``: the board file's UART number, 0..2 on
the native HAL), so every socket exists before the firmware runs and no boot byte can be
lost. ``DTULAB_EEPROM`` is the run's copy of the model's EEPROM image and ``DTULAB_STRAP``
the timing strap word, as Renode's peripherals take them. The board's signals arrive on the
process's stdout as the lines Renode's Python peripherals write (renode/machine.py
``parse_event``): CFG1 writes stamped with the process's CLOCK_MONOTONIC, resets, EEPROM
transactions; its stderr (the HAL's errors, a sanitizer's report) is logged.

Power: a cut is SIGTERM (a build with ``--coverage`` writes its gcov counters, then the
process ends at once: nothing of the firmware runs after it) and SIGKILL after
``KILL_GRACE``; a brown-out is SIGSTOP (the MCU held, RAM kept) and the reset pin SIGUSR1,
delivered at SIGCONT: the HAL executes the program again, its retained RAM kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from typing import Any

from dtulab.peripherals.loop_thread import cancel_and_wait
from dtulab.platforms.base import TargetError
from dtulab.platforms.emulator import EmulatorProcess, Message, SccReset
from dtulab.platforms.renode.machine import parse_event

NATIVE_UARTS = 3  # firmware/native/hal_native.c: UART0..2
START_TIMEOUT = 20.0  # seconds to the HAL's first reset line (a loaded 2-core machine)
KILL_GRACE = 5.0  # seconds a cut process has to write its coverage counters


class NativeMachine(EmulatorProcess):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._stderr_tail: list[str] = []
        self._booted = asyncio.Event()  # the HAL's first reset line came

    def _environment(self, fds: dict[int, int]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DTULAB_")}
        env |= {f"DTULAB_UART{index}": str(fd) for index, fd in fds.items()}
        env["DTULAB_EEPROM"] = str(self.eeprom_image)
        strap = self.board_file.strap
        env["DTULAB_STRAP"] = f"{strap.words[self.timing]:x}" if strap else ""
        return env

    async def start(self) -> None:
        wired = self.board_file.uarts
        beyond = sorted(name for name, index in wired.items() if index >= NATIVE_UARTS)
        if beyond:
            raise TargetError(
                f"the native HAL has UARTs 0..{NATIVE_UARTS - 1}: the board file puts "
                f"{', '.join(beyond)} beyond them"
            )
        pairs = {name: socket.socketpair() for name in wired}
        try:
            fds = {wired[name]: theirs.fileno() for name, (_, theirs) in pairs.items()}
            await self.spawn(
                str(self.firmware),
                env=self._environment(fds),
                cwd=self.workdir,
                pass_fds=tuple(fds.values()),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            for ours, theirs in pairs.values():
                ours.close()
                theirs.close()
            raise TargetError(f"cannot run {self.firmware}: {exc.strerror}") from None
        for name, (ours, theirs) in pairs.items():
            theirs.close()
            self.uarts[name] = await asyncio.open_unix_connection(sock=ours)
        self.tasks = [
            asyncio.ensure_future(self._read_events()),
            asyncio.ensure_future(self._read_stderr()),
        ]
        await self._wait_boot()

    async def _wait_boot(self) -> None:
        """Until the HAL has come up (its first reset line); TargetError if it exits first."""
        assert self.proc is not None
        waits: list[asyncio.Future[Any]] = [
            asyncio.ensure_future(self._booted.wait()),
            asyncio.ensure_future(self.proc.wait()),
        ]
        await asyncio.wait(waits, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        await cancel_and_wait(*waits)
        if self._booted.is_set():
            return
        if not self.running:
            await asyncio.wait(self.tasks, timeout=5.0)  # what it said is all in the pipe
        tail = "\n".join(self._stderr_tail[-10:])
        code = self.proc.returncode
        await self.kill()
        why = f"exited with {code}" if code is not None else f"silent for {START_TIMEOUT:.0f} s"
        raise TargetError(f"the native firmware {self.firmware} {why}; its stderr:\n{tail}")

    async def _read_events(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            event = parse_event(line.decode("latin-1"))
            if isinstance(event, SccReset):
                self._booted.set()
            if event is not None:
                self.on_event(event)

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            text = line.decode("utf-8", "replace").rstrip("\n")
            self._stderr_tail = [*self._stderr_tail[-49:], text]
            self.on_event(Message(text))

    def _signal(self, *signals: signal.Signals) -> None:
        if self.proc is not None and self.proc.returncode is None:
            for sig in signals:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, sig)

    async def kill(self) -> None:
        """Power gone: SIGTERM (continued if held), SIGKILL if it has not ended in KILL_GRACE."""
        if self.proc is not None and self.running:
            self._signal(signal.SIGTERM, signal.SIGCONT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), KILL_GRACE)
        await super().kill()

    async def hold(self) -> None:
        """Brown-out: the process stopped where it is (RAM kept)."""
        self._signal(signal.SIGSTOP)

    async def release(self) -> None:
        """The reset pin: SIGUSR1, taken when the process continues."""
        self._signal(signal.SIGUSR1, signal.SIGCONT)
