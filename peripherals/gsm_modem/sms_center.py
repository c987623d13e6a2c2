"""The SMS centre (SMSC) of the modelled network: delivers incoming SMS, records sent ones.

What a real SMSC does for the module (3GPP TS 23.040 §3, TS 24.011 §5/§7):

* mobile-terminated: it holds a short message until the mobile can take it and
  delivers it as SMS-DELIVER TPDUs (long texts as concatenated parts,
  TS 23.040 §9.2.3.24.1) with its own address and a service-centre time stamp.
  While the module is off, not registered, or reports its storage full (RP-ERROR
  "memory capacity exceeded"), the message stays queued here; it is retried when
  the module registers again or frees storage (the RP-SMMA "memory available"
  notification), in order;
* mobile-originated: it accepts every SMS-SUBMIT the module sends and keeps it in
  ``sent`` for the bench to inspect.

``deliver`` and ``wait_sent`` may be called from any thread; everything else
runs on the modem's event loop. See docs/modem/sms.md.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dtulab.peripherals.gsm_modem import pdu
from dtulab.peripherals.gsm_modem.pdu import Concat

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

ENCODINGS = ("auto", "gsm7", "ucs2", "8bit")
MAX_PARTS = 255


@dataclass
class SentSms:
    """One SMS-SUBMIT the module sent (one per part of a concatenated message)."""

    to: str
    text: str
    encoding: str  # "gsm7", "ucs2" or "8bit"
    pdu: str | None  # PDU mode: the TPDU hex as the host gave it (no SMSC); text mode: None
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    mr: int = 0  # TP-Message-Reference the module assigned (the +CMGS: <mr>)
    toda: int = 145
    dcs: int = 0
    smsc: str = ""
    data: bytes = b""  # the payload octets (septet values for gsm7), header excluded
    concat: Concat | None = None  # part of a concatenated message


@dataclass
class QueuedSms:
    """An SMS-DELIVER waiting at the centre for the module."""

    sender: str
    tpdu: bytes
    smsc: str


class SmsCenter:
    number = "+8613800100500"

    def __init__(self, number: str | None = None, tz_quarters: int = 32) -> None:
        if number is not None:
            self.number = number
        self.tz_quarters = tz_quarters  # the SMSC's time zone in its time stamps (+8 h)
        self.sent: list[SentSms] = []
        self.modem: Modem | None = None
        self._queue: list[QueuedSms] = []
        self._cond = threading.Condition()
        self._refs = itertools.count(1)
        self._ref_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def attach(self, modem: Modem) -> None:
        self.modem = modem
        modem.extra["sms_center"] = self
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None

    # -- the bench side (any thread) ---------------------------------------
    def deliver(self, sender: str, text: str, encoding: str = "auto") -> None:
        """Send ``text`` from ``sender`` to the module (after ``profile.sms_deliver``).

        ``encoding``: "auto" (GSM 7-bit if every character is in the GSM 03.38
        alphabet or its extension table, else UCS2), "gsm7", "ucs2" or "8bit"
        (characters U+0000..U+00FF as octets). A text longer than one SMS
        is delivered as concatenated parts. Raises ValueError for a bad sender,
        encoding or text. Thread-safe.
        """
        if self.modem is None:
            raise RuntimeError("the SMS centre is not attached to a modem")
        items = self._build(sender, text, encoding)
        loop = self._loop
        if loop is None:
            raise RuntimeError("the SMS centre was attached outside the modem's event loop")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._enqueue(items)
        else:
            loop.call_soon_threadsafe(self._enqueue, items)

    def _build(self, sender: str, text: str, encoding: str) -> list[QueuedSms]:
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
        try:
            pdu.encode_address(sender)
        except pdu.PduError as exc:
            raise ValueError(f"bad sender {sender!r}: {exc}") from None
        if encoding == "auto":
            encoding = "gsm7" if pdu.is_gsm7(text) else "ucs2"
        if encoding == "gsm7" and not pdu.is_gsm7(text):
            raise ValueError("text has characters outside the GSM 7-bit alphabet")
        if encoding == "8bit" and any(ord(ch) > 0xFF for ch in text):
            raise ValueError("8-bit text takes characters U+0000..U+00FF only")
        parts = pdu.segments(text, encoding)
        if len(parts) > MAX_PARTS:
            raise ValueError("text too long")
        ref = 0
        if len(parts) > 1:
            with self._ref_lock:
                ref = next(self._refs) & 0xFF
        now = datetime.now(UTC)
        items = []
        for seq, part in enumerate(parts, 1):
            udh = pdu.concat_udh(ref, len(parts), seq) if len(parts) > 1 else b""
            tpdu = pdu.encode_deliver(
                sender,
                part,
                alphabet=encoding,
                when=now,
                tz_quarters=self.tz_quarters,
                udh=udh,
                more_messages=seq < len(parts),
            )
            items.append(QueuedSms(sender, tpdu, self.number))
        return items

    def wait_sent(self, count: int = 1, timeout: float = 10.0) -> list[SentSms]:
        """Block until at least ``count`` SMS were sent; return all sent so far. Thread-safe."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.sent) >= count, timeout):
                raise TimeoutError(
                    f"{len(self.sent)} SMS sent within {timeout} s, wanted {count}: {self.sent}"
                )
            return list(self.sent)

    @property
    def pending(self) -> int:
        """SMS-DELIVER TPDUs still queued at the centre."""
        return len(self._queue)

    def full_texts(self, to: str | None = None) -> list[str]:
        """The sent texts with concatenated parts joined (in order of their first part)."""
        with self._cond:
            sent = [s for s in self.sent if to is None or s.to == to]
        out: list[str] = []
        groups: dict[tuple[str, int, int], tuple[int, dict[int, str]]] = {}
        for sms in sent:
            if sms.concat is None or sms.concat.total <= 1:
                out.append(sms.text)
                continue
            key = (sms.to, sms.concat.ref, sms.concat.total)
            if key not in groups:
                groups[key] = (len(out), {})
                out.append("")
            slot, parts = groups[key]
            parts[sms.concat.seq] = sms.text
            out[slot] = "".join(parts[i] for i in sorted(parts))
        return out

    # -- the model side (the modem's loop) --------------------------------
    def record(self, sms: SentSms) -> None:
        """The module submitted an SMS (called by AT+CMGS)."""
        with self._cond:
            self.sent.append(sms)
            self._cond.notify_all()

    def _enqueue(self, items: list[QueuedSms]) -> None:
        self._queue.extend(items)
        self._listen()
        self.kick()

    def _listen(self) -> None:
        """Make sure the module's SMS part exists, so it hears "registered" and calls kick()."""
        from dtulab.peripherals.gsm_modem.commands.sms import SmsState

        if self.modem is not None:
            SmsState.of(self.modem)

    def kick(self) -> None:
        """Deliver what is queued if the module can take it now (on the modem's loop)."""
        m = self.modem
        busy = self._task is not None and not self._task.done()
        if m is None or busy or not self._queue or not _registered(m):
            return
        self._task = m.spawn(self._run())

    async def _run(self) -> None:
        from dtulab.peripherals.gsm_modem.commands.sms import SmsState

        m = self.modem
        assert m is not None
        try:
            while self._queue:
                await m.clock.sleep(m.profile.sms_deliver)
                if not _registered(m):
                    return  # retried at the next "registered"
                state = SmsState.of(m)
                await state.idle.wait()  # not while the module prompts for an SMS
                if not _registered(m):
                    return
                item = self._queue[0]
                indication = state.accept(item.tpdu, item.smsc)
                if indication is None:
                    return  # storage full: retried when the module frees a slot
                self._queue.pop(0)
                await state.indicate(indication)
        finally:
            if self._task is asyncio.current_task():
                self._task = None


def _registered(m: Modem) -> bool:
    return m.power.ready and m.reg.stat in (1, 5)
