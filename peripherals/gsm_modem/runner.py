"""Run the modem model on its own event-loop thread, with a synchronous control API.

``ModemRunner`` is what pytest, the bench script and ``dtulab modem`` use: it
opens the link (a pty or a TCP listener), starts the modem and its SMS
centre, records a transcript of the link, and lets synchronous code inject
faults, deliver SMS and read what the modem sent — all executed on the
model's loop, so nothing races the model.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from dtulab.peripherals.gsm_modem.commands.voice import voice
from dtulab.peripherals.gsm_modem.faults import Fault, FaultSet
from dtulab.peripherals.gsm_modem.modem import Modem, ModemIdentity
from dtulab.peripherals.gsm_modem.network import CellNetwork
from dtulab.peripherals.gsm_modem.sms_center import SmsCenter
from dtulab.peripherals.gsm_modem.timing import TimingProfile
from dtulab.peripherals.links import Link, PtyLink, TcpServerLink, open_link
from dtulab.peripherals.loop_thread import LoopService, LoopThread
from dtulab.peripherals.transcript import Transcript, TranscriptLink

T = TypeVar("T")


class ModemRunner(LoopService):
    def __init__(
        self,
        link: str = "pty",
        *,
        profile: str | TimingProfile = "fast",
        identity: ModemIdentity | None = None,
    ) -> None:
        self.link_spec = link
        self.profile = profile
        self.identity = identity
        self.transcript = self.modem_transcript = Transcript()
        self.network = CellNetwork()
        self.sms_center = SmsCenter()
        self.thread = LoopThread("modem")
        self.modem: Modem
        self.faults: FaultSet
        self._link: Link

    # -- lifecycle -------------------------------------------------------
    async def _start(self) -> None:
        self._link = await open_link(self.link_spec)
        self.modem = Modem(
            TranscriptLink(self._link, self.transcript),
            network=self.network,
            identity=self.identity,
            profile=self.profile,
        )
        self.sms_center.attach(self.modem)
        self.faults = FaultSet(self.modem)
        await self.modem.start()

    async def _stop(self) -> None:
        await self.modem.stop()
        await self._link.close()

    # -- where to connect ------------------------------------------------
    @property
    def port(self) -> str:
        """What a host program opens: the pty path or ``socket://HOST:PORT`` (pyserial URL)."""
        if isinstance(self._link, PtyLink):
            return self._link.slave_path
        if isinstance(self._link, TcpServerLink):
            return f"socket://{self._link.host}:{self._link.port}"
        return self._link.description

    # -- calls into the model's loop ----------------------------------------
    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until the boot URCs are out (SMS Ready)."""
        self.run(asyncio.wait_for(self.modem.ready_event.wait(), timeout), timeout + 1)

    def inject(self, name: str, **params: Any) -> Fault:
        return self.run(self.faults.inject(name, **params))

    def clear(self, fault: Fault) -> None:
        self.run(self.faults.clear(fault))

    def clear_faults(self) -> None:
        self.run(self.faults.clear_all())

    def power_on(self) -> None:
        self.run(self.modem.power_on())

    def power_off(self) -> None:
        self.run(self.modem.power_off(None))

    def status_line(self) -> str:
        def read() -> str:
            m = self.modem
            faults = ", ".join(str(f) for f in self.faults.active) or "none"
            return (
                f"power={'on' if m.power.on else 'off'} creg={m.reg.stat} "
                f"cgatt={m.reg.gprs_stat} csq={self.network.rssi} boots={m.boot_count} "
                f"faults: {faults}"
            )

        return self.call(read)

    def incoming_call(self, number: str) -> None:
        """A voice call from ``number`` reaches the modem (RING)."""
        self.run(voice(self.modem).incoming(number))

    def remote_hangup(self) -> None:
        """The far end of the current call hangs up (NO CARRIER)."""
        self.run(voice(self.modem).remote_hangup())
