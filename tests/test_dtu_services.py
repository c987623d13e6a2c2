"""dtu/services.py alone: SMS passthrough, SMS to the host, text mode, SMS AT (no World, no modem).

``Services`` on a fake ``ServicesPeer``: a fake modem with an SMS store
(``AT+CMGR`` answers from it, in text mode with UCS2 hex as the DTU sets the
modem up), a fake serial output, a fake remote-command runner. Virtual time
(tests/virtual_time.py). Expectations are the spec's: docs/behaviour.md
R-SMS-1, R-SMS-2, R-AT-5 and "SMS and the host"; docs/usr721.md AT+CIPNUM and
the standard commands (AT+CMGF=0 stops the DTU's own SMS functions).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterator

import pytest

from dtulab.dtu import contract
from dtulab.dtu.families import FAMILIES
from dtulab.dtu.modem_client import ModemError, Reply
from dtulab.dtu.services import Services
from dtulab.dtu.settings import Settings
from tests.dtu_fakes import FakeHostOutput, FakeModem
from tests.virtual_time import background, run

SENDER = "+8613912345678"


def ucs2(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def mode(name: str) -> int:
    return contract.MODE_CHOICES.index(name)


class FakeFirmware:
    """The ``ServicesPeer``: remote commands answered ``OK`` and recorded with the senders
    they were answered to; the modem's SMS store is ``store`` (index → sender, text)."""

    def __init__(self, work_mode: str = "SMS") -> None:
        self.settings = Settings()
        self.settings.mode = mode(work_mode)
        self.family = FAMILIES["usr721"]
        self.store: dict[int, tuple[str, str]] = {}
        self.modem = FakeModem(self._answer)
        self.serial = FakeHostOutput()
        self.remote: list[tuple[str, str, str]] = []  # (who is answered, command, source)
        self._answering: list[str] = []
        self.services = Services(self)

    async def _answer(self, line: str) -> Reply:
        if line.startswith("AT+CMGR="):
            sender, text = self.store[int(line[8:])]
            return Reply([f'+CMGR: "REC UNREAD","{ucs2(sender)}","",""', ucs2(text)], "OK")
        if line.startswith("AT+CMGD="):
            self.store.pop(int(line[8:]), None)
        if line == 'AT+CMGL="ALL"':
            listing = [f'+CMGL: {i},"REC UNREAD","{ucs2(s)}"' for i, (s, _) in self.store.items()]
            return Reply(listing, "OK")
        if line in ("AT+CGSN", "AT+CCID"):
            return Reply(["0123456789"], "OK")
        return Reply([], "OK")

    def spawn(self, coro: Awaitable[object]) -> asyncio.Task[object]:
        return asyncio.ensure_future(coro)

    @contextlib.contextmanager
    def replying_to(self, who: str) -> Iterator[None]:
        self._answering.append(who)
        try:
            yield
        finally:
            self._answering.pop()

    async def run_remote(self, command: tuple[bool, str], source: str) -> list[str]:
        right, line = command
        self.remote.append((self._answering[-1], line if right else "wrong password", source))
        return ["OK"]

    def sms_out(self) -> list[tuple[str, str]]:
        """The SMS sent: (number, text), decoded from the UCS2 of AT+CMGS."""
        out = []
        for sent in self.modem.sent:
            assert sent.line.startswith('AT+CMGS="') and sent.data.endswith(b"\x1a")
            number = bytes.fromhex(sent.line[9:-1]).decode("utf-16-be")
            out.append((number, bytes.fromhex(sent.data[:-1].decode()).decode("utf-16-be")))
        return out

    def arrives(self, index: int, sender: str, text: str) -> None:
        """An SMS lands in the modem's store, which announces it (AT+CNMI=2,1)."""
        self.store[index] = (sender, text)
        self.services.on_urc(f'+CMTI: "SM",{index}')


async def settle() -> None:
    await asyncio.sleep(5)


# -- SMS passthrough (R-SMS-1, R-SMS-2) ----------------------------------------------------
def test_a_serial_packet_goes_as_sms_to_the_cipnum_number_70_characters_per_sms() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.sms_number = "10086"
        await fw.services.sms_passthrough("电表 42 kWh".encode())
        text = "充电桩" * 50  # 150 characters: 70 + 70 + 10
        await fw.services.sms_passthrough(text.encode())
        assert fw.sms_out() == [
            ("10086", "电表 42 kWh"),
            ("10086", text[:70]),
            ("10086", text[70:140]),
            ("10086", text[140:]),
        ]

    run(scenario())


def test_without_a_cipnum_number_a_packet_sends_nothing() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.sms_number = ""
        await fw.services.sms_passthrough(b"hello")
        assert fw.modem.sent == []

    run(scenario())


@pytest.mark.parametrize(("work_mode", "to_host"), [("SMS", True), ("NET", False)])
def test_an_sms_is_read_deleted_and_its_text_goes_to_the_host_in_sms_mode_only(
    work_mode: str, to_host: bool
) -> None:
    async def scenario() -> None:
        fw = FakeFirmware(work_mode)
        background(fw.services.run())
        fw.arrives(3, SENDER, "开始充电 start")
        await settle()
        assert fw.modem.lines("AT+CMG") == ["AT+CMGR=3", "AT+CMGD=3"]
        assert fw.store == {}
        assert bytes(fw.serial.to_host_data) == ("开始充电 start".encode() if to_host else b"")

    run(scenario())


# -- the host owns the module (AT work mode, AT+CMGF=0) -------------------------------------
def test_in_at_work_mode_the_dtu_leaves_the_sms_store_alone() -> None:
    async def scenario() -> None:
        fw = FakeFirmware("AT")
        fw.store[1] = (SENDER, "stored before boot")
        await fw.services.setup_sms()
        background(fw.services.run())
        fw.arrives(2, SENDER, "new")
        await settle()
        assert fw.modem.lines("AT+CMG") == ["AT+CMGF=1"]  # nothing listed, read or deleted
        assert set(fw.store) == {1, 2}

    run(scenario())


def test_after_cmgf_0_nothing_is_read_or_sent_until_cmgf_1() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.sms_number = "10086"
        background(fw.services.run())
        fw.services.set_text_mode(False)  # the host's AT+CMGF=0 went through
        fw.arrives(4, SENDER, "waits")
        await fw.services.sms_passthrough(b"not sent")
        with pytest.raises(ModemError):  # AT+CISMSEND answers ERROR
            await fw.services.send_sms("10086", "not sent either")
        await settle()
        assert fw.modem.lines("AT+CMG") == [] and fw.modem.sent == []
        assert fw.store == {4: (SENDER, "waits")}
        fw.services.set_text_mode(True)  # AT+CMGF=1: the message that waited is handled
        await settle()
        assert bytes(fw.serial.to_host_data) == b"waits"
        await fw.services.sms_passthrough(b"sent")
        assert fw.sms_out() == [("10086", "sent")]

    run(scenario())


def test_the_next_modem_setup_brings_text_mode_back() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.services.set_text_mode(False)
        await fw.services.setup_sms()
        await fw.services.send_sms("10086", "back")
        assert "AT+CMGF=1" in fw.modem.lines() and fw.sms_out() == [("10086", "back")]

    run(scenario())


# -- SMS AT commands (R-AT-5) --------------------------------------------------------------
def test_a_password_sms_runs_each_command_and_answers_the_sender_in_one_sms() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        background(fw.services.run())
        fw.arrives(1, SENDER, "usr.cn#AT+CIPNUM=10010;AT+CIOPTIME=500;at+cipnum?")
        await settle()
        assert fw.remote == [
            (SENDER, "AT+CIPNUM=10010", "sms"),
            (SENDER, "AT+CIOPTIME=500", "sms"),
            (SENDER, "at+cipnum?", "sms"),
        ]
        assert fw.sms_out() == [(SENDER, "OK\r\nOK\r\nOK")]
        assert fw.serial.to_host_data == b""  # a command, not passthrough text

    run(scenario())


def test_with_sms_at_off_a_password_sms_is_passthrough_text() -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.sms_at = False
        background(fw.services.run())
        fw.arrives(1, SENDER, "usr.cn#AT+CIVER?")
        await settle()
        assert fw.remote == [] and fw.modem.sent == []
        assert bytes(fw.serial.to_host_data) == b"usr.cn#AT+CIVER?"

    run(scenario())


# -- calls ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ring_answer", [True, False])
def test_a_call_is_answered_only_with_ciringsta_1(ring_answer: bool) -> None:
    async def scenario() -> None:
        fw = FakeFirmware()
        fw.settings.ring_answer = ring_answer
        fw.services.on_urc("RING")
        await settle()
        assert fw.modem.lines("ATA") == (["ATA"] if ring_answer else [])

    run(scenario())
