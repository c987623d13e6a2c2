"""The SIM800-class modem: its UART console, power states and network registration.

Follows the SIMCom SIM800 Series AT Command Manual V1.10: command-line
framing (§1.4: ``AT`` prefix, CR end, 556-character line buffer, echo,
``A/``), result codes and URCs (§19), the power-up URC sequence (RDY,
+CFUN: 1, +CPIN: READY, Call Ready, SMS Ready), registration reporting
(AT+CREG / AT+CGREG, 3GPP TS 27.007 §7.2, §10.1.19).

The modem is driven through a link exactly as a DTU's MCU drives a real one.
Command groups live in ``commands/`` and register by name; each group keeps
its state in a ``ModemPart`` that is created on first use and dropped when the
modem reboots or powers down (RAM lost). ``AT&W`` keeps the saved profile in
the model's NVRAM, which survives reboots.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.gsm_modem.atparse import ParseError, parse_line
from dtulab.peripherals.gsm_modem.errors import AtError
from dtulab.peripherals.gsm_modem.network import CellNetwork
from dtulab.peripherals.gsm_modem.part import ModemPart, P
from dtulab.peripherals.gsm_modem.registry import COMMANDS, NO_FINAL
from dtulab.peripherals.gsm_modem.timing import TimingProfile, get_profile
from dtulab.peripherals.links import Link
from dtulab.peripherals.loop_thread import cancel_and_wait

log = logging.getLogger(__name__)

MAX_LINE = 556  # SIM800 §1.4.3: characters after "AT" in one command line
CTRL_Z, ESC = 0x1A, 0x1B


@dataclass(frozen=True)
class ModemIdentity:
    """What the module and its SIM report (AT+CGMI/CGMM/CGMR/CGSN/CIMI/CCID, ATI)."""

    manufacturer: str = "SIMCOM_Ltd"
    model: str = "SIMCOM_SIM800"
    revision: str = "Revision:1418B04SIM800L24"
    product: str = "SIM800 R14.18"
    imei: str = "866262034567891"
    imsi: str = "460001234567890"
    iccid: str = "89860012345678901234"
    msisdn: str = "+8613800000001"
    sim_inserted: bool = True


@dataclass
class Settings:
    """Console settings. The ``SAVED`` ones are what AT&W stores and ATZ restores."""

    echo: bool = True
    cmee: int = 0
    ipr: int = 115200  # fixed rate by default, so the module prints RDY at power-on
    creg_n: int = 0
    cgreg_n: int = 0
    s0: int = 0  # rings before auto-answer, 0 = off

    SAVED = ("echo", "cmee", "ipr", "s0")


@dataclass
class Power:
    on: bool = False
    ready: bool = False  # boot finished: input is taken
    fun: int = 1  # AT+CFUN level: 0 minimum, 1 full, 4 flight mode


@dataclass
class Registration:
    stat: int = 0  # 27.007 <stat>: 0 not, 1 home, 2 searching, 3 denied, 5 roaming
    gprs_stat: int = 0
    gprs_wanted: bool = True  # AT+CGATT=0 clears it; the SIM800 attaches by default
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


class Modem:
    def __init__(
        self,
        link: Link,
        *,
        network: CellNetwork | None = None,
        identity: ModemIdentity | None = None,
        profile: TimingProfile | str = "fast",
        clock: Clock | None = None,
    ) -> None:
        self.link = link
        self.network = network or CellNetwork()
        self.identity = identity or ModemIdentity()
        self.profile = get_profile(profile) if isinstance(profile, str) else profile
        self.clock = clock or Clock()
        self.settings = Settings()
        self.nvram: dict[str, Any] = {}  # AT&W profile; survives reboots
        self.power = Power()
        self.reg = Registration()
        self.boot_count = 0
        self.ready_event = asyncio.Event()
        self.extra: dict[str, Any] = {}  # survives reboots: the RTC, services the bench attaches
        self._parts: dict[type[ModemPart], ModemPart] = {}
        self._rx = bytearray()
        self._rx_event = asyncio.Event()
        self._echoed = 0
        self._overflow_head: bytes | None = None
        self._last_line = ""
        self._pump_task: asyncio.Task[None] | None = None
        self._life: set[asyncio.Task[Any]] = set()  # tasks that die at power-off
        self.network.subscribe(self._on_network)

    # -- parts -----------------------------------------------------------
    def part(self, cls: type[P]) -> P:
        found = self._parts.get(cls)
        if found is None:
            found = self._parts[cls] = cls(self)
        return found  # type: ignore[return-value]

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a background job that belongs to this power cycle (killed at power-off). The
        task runs ``coro`` itself: one killed before it started closes it (a wrapper killed
        first would leave ``coro`` never awaited)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._life.add(task)
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self._life.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("modem background job failed", exc_info=task.exception())

    # -- lifecycle -------------------------------------------------------
    async def start(self, power_on: bool = True) -> None:
        """Start reading the link and (unless told otherwise) power the module on."""
        self._pump_task = asyncio.get_running_loop().create_task(self._pump())
        if power_on:
            await self.power_on()

    async def stop(self) -> None:
        await self.power_off(None)
        self.network.unsubscribe(self._on_network)
        await cancel_and_wait(self._pump_task)

    async def power_on(self) -> None:
        """Press PWRKEY: boot and print the power-up URCs."""
        if self.power.on:
            return
        self.power = Power(on=True)
        self.boot_count += 1
        self.settings = Settings(**{k: v for k, v in self.nvram.items()})
        self.spawn(self._boot())

    async def power_off(self, urc: str | None = "NORMAL POWER DOWN") -> None:
        """Power down: optional URC, then RAM (all parts, sockets, settings) is lost."""
        if not self.power.on:
            return
        if urc:
            await self.urc(urc)
        self.power = Power(on=False)
        self.ready_event.clear()
        await cancel_and_wait(*self._life)
        self.reg = Registration()
        parts, self._parts = self._parts, {}
        for part in parts.values():
            with contextlib.suppress(Exception):
                await part.close()
        self._rx.clear()
        self._echoed = 0
        self._overflow_head = None

    async def reboot(self) -> None:
        """A module reset (AT+CFUN=1,1 or the reboot fault): RDY and the boot URCs again."""
        await self.power_off(None)
        await self.power_on()

    async def _boot(self) -> None:
        await self.clock.sleep(self.profile.boot)
        self.power.ready = True
        self.spawn(self._console())
        if self.settings.ipr != 0:
            await self.urc("RDY")
        await self.clock.sleep(self.profile.boot_urcs)
        await self.urc("+CFUN: 1")
        await self.urc("+CPIN: READY" if self.identity.sim_inserted else "+CPIN: NOT INSERTED")
        if self.identity.sim_inserted:
            await self.urc("Call Ready")
            await self.urc("SMS Ready")
        self.ready_event.set()
        self.update_registration()

    # -- registration ----------------------------------------------------
    @property
    def radio_on(self) -> bool:
        return self.power.ready and self.power.fun == 1 and self.identity.sim_inserted

    def update_registration(self) -> None:
        """Bring registration in line with coverage, radio and GPRS service (with delays)."""
        if not self.power.on:
            return
        want_reg = self.radio_on and self.network.coverage
        if not want_reg and self.reg.stat in (1, 5):
            self._set_reg(2 if self.radio_on else 0)
        elif not want_reg and not self.radio_on and self.reg.stat != 0:
            self._set_reg(0)
        elif want_reg and self.reg.stat not in (1, 5):
            if self.reg.stat != 2:
                self._set_reg(2)
            self._later(self.profile.registration, self._finish_registration)
        self._update_gprs()

    def _finish_registration(self) -> None:
        if self.radio_on and self.network.coverage and self.reg.stat not in (1, 5):
            self._set_reg(1)
            self._update_gprs()

    def _update_gprs(self) -> None:
        can_attach = self.reg.stat in (1, 5) and self.network.gprs_service
        if self.reg.gprs_stat == 1 and not (can_attach and self.reg.gprs_wanted):
            self.set_gprs(False)
        elif self.reg.gprs_stat != 1 and can_attach and self.reg.gprs_wanted:
            self._later(self.profile.gprs_attach, self._finish_attach)

    def _finish_attach(self) -> None:
        if self.reg.stat in (1, 5) and self.network.gprs_service and self.reg.gprs_wanted:
            self.set_gprs(True)

    def set_gprs(self, attached: bool) -> None:
        if attached == (self.reg.gprs_stat == 1):
            return
        self.reg.gprs_stat = 1 if attached else 0
        if self.settings.cgreg_n:
            self.spawn(self.urc(self._reg_urc("+CGREG", self.reg.gprs_stat, self.settings.cgreg_n)))
        if not attached:
            self.notify_parts("detached")

    def _set_reg(self, stat: int) -> None:
        self.reg.stat = stat
        if self.settings.creg_n:
            self.spawn(self.urc(self._reg_urc("+CREG", stat, self.settings.creg_n)))
        self.notify_parts("registered" if stat in (1, 5) else "deregistered")

    def _reg_urc(self, name: str, stat: int, n: int) -> str:
        if n == 2 and stat in (1, 5):
            return f'{name}: {stat},"{self.network.lac:04X}","{self.network.cell_id:04X}"'
        return f"{name}: {stat}"

    def _later(self, delay: float, fn: Any) -> None:
        async def run() -> None:
            await self.clock.sleep(delay)
            fn()

        self.spawn(run())

    def notify_parts(self, event: str) -> None:
        for part in list(self._parts.values()):
            self.spawn(part.on_network(event))

    def _on_network(self, what: str) -> None:
        if not self.power.ready:
            return
        if what in ("coverage", "gprs"):
            self.update_registration()
        elif what == "pdp-deact" or what.startswith("reset:"):
            self.notify_parts(what)

    # -- output ----------------------------------------------------------
    async def send(self, data: bytes) -> None:
        if self.power.on:
            await self.link.write(data)

    async def respond(self, *lines: str) -> None:
        """Information text: ``\\r\\n<line>[\\r\\n<line>...]\\r\\n``."""
        await self.send(("\r\n" + "\r\n".join(lines) + "\r\n").encode("latin-1"))

    urc = respond  # an unsolicited result code has the same framing

    # -- input -----------------------------------------------------------
    async def _pump(self) -> None:
        while data := await self.link.read():
            if self.power.ready:
                self._rx += data
                self._rx_event.set()

    async def _wait_rx(self, timeout: float | None = None) -> bool:
        self._rx_event.clear()
        try:
            await asyncio.wait_for(self._rx_event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _echo_upto(self, end: int) -> None:
        if self.settings.echo and end > self._echoed:
            await self.send(bytes(self._rx[self._echoed : end]))
        self._echoed = max(self._echoed, end)

    async def read_line(self) -> str:
        """The next command line (without CR), echoing as characters arrive."""
        while True:
            cr = self._rx.find(b"\r")
            await self._echo_upto(cr + 1 if cr >= 0 else len(self._rx))
            if cr >= 0:
                raw = bytes(self._rx[:cr])
                del self._rx[: cr + 1]
                self._echoed = 0
                head, self._overflow_head = self._overflow_head, None
                if head is not None:  # the line overflowed the buffer
                    return (head + b"~" * (MAX_LINE + 3)).decode("latin-1")
                return raw.decode("latin-1")
            if len(self._rx) > MAX_LINE + 8:
                if self._overflow_head is None:
                    self._overflow_head = bytes(self._rx[:8])
                del self._rx[:]
                self._echoed = 0
            await self._wait_rx()

    async def read_payload(
        self, length: int | None = None, timeout: float | None = None
    ) -> bytes | None:
        """Data after a ``>`` prompt: exactly ``length`` bytes, or up to Ctrl-Z (ESC aborts).

        Returns None if aborted with ESC; on timeout, what arrived so far.
        """
        deadline = None if timeout is None else self.clock.now() + timeout
        while True:
            if length is not None and len(self._rx) >= length:
                await self._echo_upto(length)
                data = bytes(self._rx[:length])
                del self._rx[:length]
                self._echoed = 0
                return data
            if length is None:
                for i, byte in enumerate(self._rx):
                    if byte in (CTRL_Z, ESC):
                        await self._echo_upto(i)
                        data = bytes(self._rx[:i])
                        del self._rx[: i + 1]
                        self._echoed = 0
                        return data if byte == CTRL_Z else None
            await self._echo_upto(len(self._rx))
            remaining = None if deadline is None else deadline - self.clock.now()
            if (remaining is not None and remaining <= 0) or not await self._wait_rx(remaining):
                data = bytes(self._rx)
                self._rx.clear()
                self._echoed = 0
                return data

    async def _console(self) -> None:
        while True:
            line = await self.read_line()
            await self.execute(line)

    async def execute(self, line: str) -> None:
        """Run one command line and write its final result."""
        text = "".join(ch for ch in line if ch not in "\n\x00")
        while "\b" in text:  # backspace edits the line (S5)
            i = text.index("\b")
            text = text[: max(0, i - 1)] + text[i + 1 :]
        upper = text.upper()
        if upper.strip() == "A/":
            text = upper = self._last_line
        start = upper.find("AT")
        if start < 0:
            return  # not a command line: the module ignores it
        body = text[start + 2 :]
        self._last_line = text[start:]
        final: object = None
        try:
            if len(body) > MAX_LINE:
                raise AtError()
            try:
                cmds = parse_line(body)
            except ParseError:
                raise AtError() from None
            for cmd in cmds:
                handler = COMMANDS.get(cmd.name)
                if handler is None:
                    raise AtError()
                final = await handler(self, cmd)
            if self.profile.command:
                await self.clock.sleep(self.profile.command)
        except AtError as err:
            final = err.render(self.settings.cmee)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("command %r failed inside the model", text)
            final = "ERROR"
        if not self.power.on:
            return
        if final is None:
            await self.respond("OK")
        elif final is not NO_FINAL:
            await self.respond(str(final))

    # -- helpers for the command groups -------------------------------------
    def save_profile(self) -> None:
        self.nvram = {k: getattr(self.settings, k) for k in Settings.SAVED}

    def restore_profile(self) -> None:
        saved = replace(Settings(), **self.nvram)
        for key in Settings.SAVED:
            setattr(self.settings, key, getattr(saved, key))
