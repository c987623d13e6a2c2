"""SMS commands (SIM800 manual V1.10 §4, pp. 112–134; 3GPP TS 27.005 §3–§4) and AT+CSCS.

Commands: AT+CMGF, AT+CSCS (§3.2.12), AT+CSCA, AT+CSMP, AT+CSDH, AT+CSMS,
AT+CNMI (+CMTI / +CMT), AT+CPMS, AT+CMGS (text and PDU mode, ``> `` prompt,
Ctrl-Z sends, ESC aborts), AT+CMGR, AT+CMGL, AT+CMGD and the SIMCom
AT+CMGDA (§6.2). Received messages are kept on the SIM ("SM", 50 slots) or
in the module ("ME", 50 slots); both survive reboots. Message service errors
are ``+CMS ERROR: <err>`` (TS 27.005 §3.2.5) shown per AT+CMEE. Incoming
messages come from the network's SMS centre (sms_center.py); what the
module sends ends up in its ``sent`` list. Formats and choices:
docs/modem/sms.md.
"""

from __future__ import annotations

import asyncio
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dtulab.peripherals.gsm_modem import pdu
from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.errors import RANGE, AtError, CmeError, CmsError
from dtulab.peripherals.gsm_modem.part import ModemPart
from dtulab.peripherals.gsm_modem.registry import Final, Handler, at_command, nargs, only
from dtulab.peripherals.gsm_modem.sms_center import SentSms, SmsCenter

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

CAPACITY = 50  # slots in "SM" (the SIM) and in "ME"
MEMORIES = ("SM", "ME", "SM_P", "ME_P", "MT")
CHARSETS = ("IRA", "GSM", "UCS2", "HEX", "PCCP", "PCDN", "8859-1")
STAT_TEXT = ("REC UNREAD", "REC READ", "STO UNSENT", "STO SENT", "ALL")
MAX_TEXT = 1024  # SIM800 §4.2.5 note: text-mode SMS up to 1024 GSM 7-bit characters
MIN_TPDU, MAX_TPDU = 7, 164  # the shortest and longest SMS-SUBMIT TPDU in octets

# CMS error codes (TS 27.005 §3.2.5)
NOT_ALLOWED = 302
PDU_PARAM = 304
TEXT_PARAM = 305
SIM_MISSING = 310
BAD_INDEX = 321
SMSC_UNKNOWN = 330
NO_NETWORK = 331

_HEX = frozenset(string.hexdigits)
_NUMBER = re.compile(r"[0-9]{1,5}")
_VP_TIME = re.compile(r"^\d\d/\d\d/\d\d,\d\d:\d\d:\d\d[+-]\d\d$")


@dataclass
class StoredSms:
    stat: int  # 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT
    smsc: str
    tpdu: bytes  # an SMS-DELIVER


def storage(m: Modem, memory: str) -> list[StoredSms | None]:
    """The slots behind a <mem> name (they live in the SIM / flash: kept across reboots)."""
    name = "ME" if memory.startswith("ME") else "SM"
    if name == "SM" and not m.identity.sim_inserted:
        raise CmsError(SIM_MISSING)
    banks: dict[str, list[StoredSms | None]] = m.extra.setdefault("sms_storage", {})
    return banks.setdefault(name, [None] * CAPACITY)


def _unhex(raw: bytes | str) -> bytes:
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    text = "".join(text.split())
    if len(text) % 2 or not set(text) <= _HEX:
        raise ValueError("not a hex string")
    return bytes.fromhex(text)


def _backspaces(text: str) -> str:
    while "\b" in text:
        i = text.index("\b")
        text = text[: max(0, i - 1)] + text[i + 1 :]
    return text


def _int(value: str | None, low: int, high: int, error: AtError) -> int:
    if value is None or not _NUMBER.fullmatch(value.strip()):
        raise error
    number = int(value)
    if not low <= number <= high:
        raise error
    return number


class SmsState(ModemPart):
    """The SMS settings of one power cycle (RAM), and the message handling around them."""

    def __init__(self, modem: Modem) -> None:
        super().__init__(modem)
        self.cmgf = 0  # 0 PDU, 1 text
        self.cscs = "IRA"
        self.csmp = [17, 167, 0, 0]  # fo, vp, pid, dcs
        self.vp_time = ""  # an absolute validity period given as a time-string
        self.cnmi = [2, 1, 0, 0, 0]  # mode, mt, bm, ds, bfr (SIM800 default)
        self.csdh = 0
        self.csms = 0
        self.mem = ["SM_P", "SM_P", "SM_P"]
        self.buffered: list[list[str]] = []  # indications held while CNMI <mode> is 0
        self.idle = asyncio.Event()  # cleared while AT+CMGS prompts and sends
        self.idle.set()
        if self.center is not None:
            self.center.kick()

    @property
    def center(self) -> SmsCenter | None:
        return self.modem.extra.get("sms_center")

    def param_error(self) -> CmsError:
        return CmsError(TEXT_PARAM if self.cmgf else PDU_PARAM)

    # -- network events ----------------------------------------------------
    async def on_network(self, event: str) -> None:
        if event == "registered" and self.center is not None:
            self.center.kick()

    async def close(self) -> None:
        # The SMSC still holds messages: the next power cycle's part must hear "registered".
        if self.center is not None and self.center.pending:
            SmsState.of(self.modem)

    # -- the service centre address (AT+CSCA; kept on the SIM) ---------------
    @property
    def csca(self) -> tuple[str, int]:
        default = (self.center.number, 145) if self.center is not None else ("", 129)
        csca: tuple[str, int] = self.modem.extra.get("sms_csca", default)
        return csca

    # -- character sets (TS 27.007 §5.5, TS 27.005 Annex A) ------------------
    def text_from_te(self, raw: bytes) -> str:
        """Text typed in GSM 7-bit mode, from the TE character set; ValueError if invalid."""
        cs = self.cscs
        if cs == "GSM":
            if any(b > 0x7F for b in raw):
                raise ValueError("GSM characters are 7-bit")
            return pdu.gsm7_decode(raw)
        if cs == "HEX":
            octets = _unhex(raw)
            if any(b > 0x7F for b in octets):
                raise ValueError("GSM characters are 7-bit")
            return pdu.gsm7_decode(octets)
        if cs == "UCS2":
            octets = _unhex(raw)
            if len(octets) % 2:
                raise ValueError("UCS2 takes 4 hex digits per character")
            return pdu.ucs2_decode(octets)
        codec = {"IRA": "ascii", "8859-1": "latin-1", "PCCP": "cp437", "PCDN": "cp865"}[cs]
        return _backspaces(raw.decode(codec))

    def text_to_te(self, text: str) -> str:
        """Text in the TE character set (as latin-1 characters of the bytes to send)."""
        cs = self.cscs
        if cs in ("GSM", "HEX"):
            septets = pdu.gsm7_encode("".join(c if pdu.is_gsm7(c) else "?" for c in text))
            if cs == "HEX":
                return bytes(septets).hex().upper()
            return bytes(septets).decode("latin-1")
        if cs == "UCS2":
            return pdu.ucs2_encode(text).hex().upper()
        codec = {"IRA": "ascii", "8859-1": "latin-1", "PCCP": "cp437", "PCDN": "cp865"}[cs]
        return text.encode(codec, "replace").decode("latin-1")

    def number_to_te(self, number: str) -> str:
        return pdu.ucs2_encode(number).hex().upper() if self.cscs == "UCS2" else number

    def number_from_te(self, value: str) -> str:
        """A number parameter: in UCS2 mode hex UCS2 (``002B0038...``) or, if that does
        not decode to a number, taken as typed."""
        if self.cscs == "UCS2" and value and len(value) % 4 == 0 and set(value) <= _HEX:
            decoded = pdu.ucs2_decode(bytes.fromhex(value))
            if pdu.is_phone_number(decoded):
                return decoded
        return value

    # -- message reference (TP-MR, kept on the SIM like EF-SMSS) ----------------
    def next_mr(self) -> int:
        return self._next("sms_mr")

    def next_ref(self) -> int:
        """The reference of the next concatenated message (TS 23.040 §9.2.3.24.1)."""
        return self._next("sms_ref")

    def _next(self, counter: str) -> int:
        """The next value of an 8-bit counter kept on the SIM."""
        value = (int(self.modem.extra.get(counter, 0)) + 1) & 0xFF
        self.modem.extra[counter] = value
        return value

    # -- incoming messages -------------------------------------------------------
    def accept(self, tpdu: bytes, smsc: str) -> list[str] | None:
        """An SMS-DELIVER arrives: store it or route it per AT+CNMI. Returns the URC lines
        ([] for none), or None when the storage is full (the SMSC keeps the message)."""
        deliver = pdu.decode_deliver(tpdu)
        mt = self.cnmi[1]
        klass = pdu.dcs_class(deliver.dcs)
        if (mt == 2 and klass != 2) or (mt == 3 and klass == 3):
            return self.render_cmt(StoredSms(0, smsc, tpdu), deliver)
        try:
            slots = storage(self.modem, self.mem[2])
        except CmsError:
            return None
        free = next((i for i, s in enumerate(slots) if s is None), None)
        if free is None:
            return None
        slots[free] = StoredSms(0, smsc, tpdu)
        if mt == 0:
            return []
        name = "ME" if self.mem[2].startswith("ME") else "SM"
        return [f'+CMTI: "{name}",{free + 1}']

    async def indicate(self, lines: list[str]) -> None:
        if not lines:
            return
        if self.cnmi[0] == 0:
            self.buffered.append(lines)  # CNMI <mode> 0: buffered in the TA
        else:
            await self.modem.urc(*lines)

    async def flush_buffered(self) -> None:
        held, self.buffered = self.buffered, []
        await asyncio.sleep(0)  # after the command's OK (TS 27.005 §3.4.1 <bfr> 0)
        for lines in held:
            await self.modem.urc(*lines)

    # -- rendering (TS 27.005 §3.4.1, §3.4.3, §4.1–4.3 text and PDU forms) -----
    def _body(self, d: pdu.Deliver) -> str:
        if d.udhi or d.alphabet != "gsm7":
            return d.ud.hex().upper()  # 8-bit, UCS2 or with a header: hex of the octets
        return self.text_to_te(d.text)

    def _details(self, sms: StoredSms, d: pdu.Deliver) -> str:
        """The AT+CSDH=1 fields <tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>."""
        tosca = pdu.default_toa(sms.smsc)
        sca = self.number_to_te(sms.smsc)
        return f',{d.tooa},{d.fo},{d.pid},{d.dcs},"{sca}",{tosca},{d.udl}'

    def _pdu_hex(self, sms: StoredSms) -> str:
        return (pdu.encode_smsc(sms.smsc) + sms.tpdu).hex().upper()

    def render_cmt(self, sms: StoredSms, d: pdu.Deliver) -> list[str]:
        if not self.cmgf:
            return [f'+CMT: "",{len(sms.tpdu)}', self._pdu_hex(sms)]
        head = f'+CMT: "{self.number_to_te(d.oa)}","","{pdu.format_scts(d.scts, d.tz)}"'
        if self.csdh:
            head += self._details(sms, d)
        return [head, self._body(d)]

    def render_read(self, sms: StoredSms) -> list[str]:
        d = pdu.decode_deliver(sms.tpdu)
        if not self.cmgf:
            return [f'+CMGR: {sms.stat},"",{len(sms.tpdu)}', self._pdu_hex(sms)]
        head = (
            f'+CMGR: "{STAT_TEXT[sms.stat]}","{self.number_to_te(d.oa)}","",'
            f'"{pdu.format_scts(d.scts, d.tz)}"'
        )
        if self.csdh:
            head += self._details(sms, d)
        return [head, self._body(d)]

    def render_list(self, index: int, sms: StoredSms) -> list[str]:
        d = pdu.decode_deliver(sms.tpdu)
        if not self.cmgf:
            return [f'+CMGL: {index},{sms.stat},"",{len(sms.tpdu)}', self._pdu_hex(sms)]
        head = (
            f'+CMGL: {index},"{STAT_TEXT[sms.stat]}","{self.number_to_te(d.oa)}","",'
            f'"{pdu.format_scts(d.scts, d.tz)}"'
        )
        if self.csdh:
            head += f",{d.tooa},{d.udl}"
        return [head, self._body(d)]


def sms(m: Modem) -> SmsState:
    return SmsState.of(m)


def _registered(m: Modem) -> bool:
    return m.power.ready and m.reg.stat in (1, 5)


# -- settings -------------------------------------------------------------------
def _setting(attr: str, values: tuple[int, ...], test: str) -> Handler:
    """A one-number 27.005 setting with READ, TEST and SET (empty SET = first value)."""

    async def handler(m: Modem, cmd: Command) -> Final:
        st = sms(m)
        if cmd.kind is Kind.READ:
            await m.respond(f"{cmd.name}: {getattr(st, attr)}")
        elif cmd.kind is Kind.TEST:
            await m.respond(f"{cmd.name}: {test}")
        elif cmd.kind is Kind.SET:
            args = cmd.args
            if len(args) > 1:
                raise st.param_error()
            value = args[0] if args else None
            number = values[0] if value is None else _int(value, 0, 255, st.param_error())
            if number not in values:
                raise st.param_error()
            setattr(st, attr, number)
        else:
            raise AtError()
        return None

    return handler


at_command("+CMGF")(_setting("cmgf", (0, 1), "(0,1)"))
at_command("+CSDH")(_setting("csdh", (0, 1), "(0,1)"))


@at_command("+CSMS")
async def csms(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.READ:
        await m.respond(f"+CSMS: {st.csms},1,1,1")
    elif cmd.kind is Kind.TEST:
        await m.respond("+CSMS: (0,1)")
    elif cmd.kind is Kind.SET:
        args = cmd.args
        if len(args) != 1:
            raise st.param_error()
        st.csms = _int(args[0], 0, 1, st.param_error())
        await m.respond("+CSMS: 1,1,1")
    else:
        raise AtError()
    return None


@at_command("+CSCS")
async def cscs(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.READ:
        await m.respond(f'+CSCS: "{st.cscs}"')
    elif cmd.kind is Kind.TEST:
        await m.respond("+CSCS: (" + ",".join(f'"{c}"' for c in CHARSETS) + ")")
    elif cmd.kind is Kind.SET:
        (value,) = nargs(cmd, 1)
        if value is None or value.upper() not in CHARSETS:
            raise CmeError(765)  # SIM800 §19.1: invalid input value
        st.cscs = value.upper()
    else:
        raise AtError()
    return None


@at_command("+CSCA")
async def csca(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.READ:
        number, toa = st.csca
        await m.respond(f'+CSCA: "{st.number_to_te(number)}",{toa}')
    elif cmd.kind is Kind.TEST:
        pass
    elif cmd.kind is Kind.SET:
        args = nargs(cmd, 1, 2)
        if args[0] is None or not cmd.quoted(0):
            raise CmeError(RANGE)
        number = st.number_from_te(args[0])
        if number and not pdu.is_phone_number(number):
            raise CmeError(RANGE)
        toa = pdu.default_toa(number)
        if len(args) > 1 and args[1] is not None:
            toa = _int(args[1], 128, 255, CmeError(RANGE))
        if toa & 0x70 == 0x10 and number and not number.startswith("+"):
            number = "+" + number
        m.extra["sms_csca"] = (number, toa)
    else:
        raise AtError()
    return None


@at_command("+CSMP")
async def csmp(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.READ:
        fo, vp, pid, dcs = st.csmp
        shown = f'"{st.vp_time}"' if st.vp_time and (fo >> 3) & 3 == 3 else str(vp)
        await m.respond(f"+CSMP: {fo},{shown},{pid},{dcs}")
    elif cmd.kind is Kind.TEST:
        await m.respond("+CSMP: (0-255),(0-255),(0-255),(0-255)")
    elif cmd.kind is Kind.SET:
        args = cmd.args
        if len(args) > 4:
            raise CmsError(TEXT_PARAM)
        err = CmsError(TEXT_PARAM)
        new = list(st.csmp)
        vp_time = st.vp_time
        for i, value in enumerate(args):
            if value is None:
                continue
            if i == 1 and cmd.quoted(1):
                if not _VP_TIME.match(value):
                    raise err
                vp_time = value
                continue
            new[i] = _int(value, 0, 255, err)
        st.csmp, st.vp_time = new, vp_time
    else:
        raise AtError()
    return None


@at_command("+CNMI")
async def cnmi(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.READ:
        await m.respond("+CNMI: " + ",".join(str(v) for v in st.cnmi))
    elif cmd.kind is Kind.TEST:
        await m.respond("+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)")
    elif cmd.kind is Kind.SET:
        args = cmd.args
        if not 1 <= len(args) <= 5 or args[0] is None:
            raise st.param_error()
        allowed = ((0, 1, 2, 3), (0, 1, 2, 3), (0, 2), (0, 1), (0, 1))
        new = list(st.cnmi)
        for i, value in enumerate(args):
            if value is None:
                continue
            number = _int(value, 0, 3, st.param_error())
            if number not in allowed[i]:
                raise st.param_error()
            new[i] = number
        st.cnmi = new
        if new[0] != 0 and st.buffered:
            if new[4] == 0:
                m.spawn(st.flush_buffered())
            else:
                st.buffered = []
    else:
        raise AtError()
    return None


@at_command("+CPMS")
async def cpms(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.TEST:
        listing = "(" + ",".join(f'"{name}"' for name in MEMORIES) + ")"
        await m.respond(f"+CPMS: {listing},{listing},{listing}")
        return None
    if cmd.kind is Kind.READ:
        fields = []
        for name in st.mem:
            slots = storage(m, name)
            fields.append(f'"{name}",{sum(s is not None for s in slots)},{len(slots)}')
        await m.respond("+CPMS: " + ",".join(fields))
        return None
    only(cmd, Kind.SET)
    args = cmd.args
    if not 1 <= len(args) <= 3 or args[0] is None:
        raise CmsError(NOT_ALLOWED)
    new = list(st.mem)
    for i, value in enumerate(args):
        if value is None:
            continue
        if value.upper() not in MEMORIES:
            raise CmsError(NOT_ALLOWED)
        new[i] = value.upper()
    counts = []
    for name in new:
        slots = storage(m, name)  # 310 if the SIM is missing
        counts.append(f"{sum(s is not None for s in slots)},{len(slots)}")
    st.mem = new
    await m.respond("+CPMS: " + ",".join(counts))
    return None


# -- reading and deleting -------------------------------------------------------
@at_command("+CMGR")
async def cmgr(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.SET)
    args = cmd.args
    if not 1 <= len(args) <= 2:
        raise st.param_error()
    index = _int(args[0], 0, 255, CmsError(BAD_INDEX))
    mode = _int(args[1], 0, 1, st.param_error()) if len(args) > 1 and args[1] else 0
    slots = storage(m, st.mem[0])
    if not 1 <= index <= len(slots):
        raise CmsError(BAD_INDEX)
    stored = slots[index - 1]
    if stored is None:
        return None  # an empty slot: just OK, as the SIM800 answers
    lines = st.render_read(stored)
    if mode == 0 and stored.stat == 0:
        stored.stat = 1
    await m.respond(*lines)
    return None


@at_command("+CMGL")
async def cmgl(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.TEST:
        if st.cmgf:
            await m.respond("+CMGL: (" + ",".join(f'"{s}"' for s in STAT_TEXT) + ")")
        else:
            await m.respond("+CMGL: (0-4)")
        return None
    only(cmd, Kind.SET, Kind.EXEC)
    args = cmd.args if cmd.kind is Kind.SET else []
    if len(args) > 2 or (cmd.kind is Kind.SET and (not args or args[0] is None)):
        raise st.param_error()
    want = 0
    if args:
        if st.cmgf:
            if args[0] not in STAT_TEXT:  # upper case, as listed (SIM800 §4.2.3)
                raise st.param_error()
            want = STAT_TEXT.index(args[0])
        else:
            want = _int(args[0], 0, 4, st.param_error())
    mode = _int(args[1], 0, 1, st.param_error()) if len(args) > 1 and args[1] else 0
    slots = storage(m, st.mem[0])
    lines: list[str] = []
    for i, stored in enumerate(slots):
        if stored is None or (want != 4 and stored.stat != want):
            continue
        lines += st.render_list(i + 1, stored)
        if mode == 0 and stored.stat == 0:
            stored.stat = 1
    if lines:
        await m.respond(*lines)
    return None


def _delete(slots: list[StoredSms | None], stats: tuple[int, ...]) -> None:
    for i, stored in enumerate(slots):
        if stored is not None and stored.stat in stats:
            slots[i] = None


def _space_freed(m: Modem) -> None:
    """Memory available again (TS 24.011 RP-SMMA): the SMSC retries what it holds."""
    center = m.extra.get("sms_center")
    if center is not None:
        center.kick()


@at_command("+CMGD")
async def cmgd(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.TEST:
        await m.respond(f"+CMGD: (1-{CAPACITY}),(0-4)")
        return None
    only(cmd, Kind.SET)
    args = cmd.args
    if not 1 <= len(args) <= 2:
        raise st.param_error()
    index = _int(args[0], 0, 255, CmsError(BAD_INDEX))
    flag = _int(args[1], 0, 4, st.param_error()) if len(args) > 1 and args[1] else 0
    slots = storage(m, st.mem[0])
    if flag == 0:
        if not 1 <= index <= len(slots):
            raise CmsError(BAD_INDEX)
        slots[index - 1] = None
    else:
        _delete(slots, {1: (1,), 2: (1, 3), 3: (1, 2, 3), 4: (0, 1, 2, 3)}[flag])
    _space_freed(m)
    return None


_CMGDA_TEXT = ("DEL READ", "DEL UNREAD", "DEL SENT", "DEL UNSENT", "DEL INBOX", "DEL ALL")
_CMGDA_STATS = ((1,), (0,), (3,), (2,), (0, 1), (0, 1, 2, 3))


@at_command("+CMGDA")
async def cmgda(m: Modem, cmd: Command) -> Final:
    """SIMCom AT+CMGDA (SIM800 manual §6.2): delete all messages of a kind."""
    st = sms(m)
    if cmd.kind is Kind.TEST:
        if st.cmgf:
            await m.respond("+CMGDA: (" + ",".join(f'"{t}"' for t in _CMGDA_TEXT) + ")")
        else:
            await m.respond("+CMGDA: (1-6)")
        return None
    only(cmd, Kind.SET)
    args = cmd.args
    if len(args) != 1 or args[0] is None:
        raise st.param_error()
    if st.cmgf:
        if args[0].upper() not in _CMGDA_TEXT:
            raise st.param_error()
        kind = _CMGDA_TEXT.index(args[0].upper())
    else:
        kind = _int(args[0], 1, 6, st.param_error()) - 1
    _delete(storage(m, st.mem[0]), _CMGDA_STATS[kind])
    _space_freed(m)
    return None


# -- sending -----------------------------------------------------------------------
@at_command("+CMGS")
async def cmgs(m: Modem, cmd: Command) -> Final:
    st = sms(m)
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.SET)
    if st.cmgf:
        return await _send_text(m, st, cmd)
    return await _send_pdu(m, st, cmd)


async def _prompt(m: Modem) -> bytes | None:
    """``> `` and the message up to Ctrl-Z; None if ESC aborted."""
    await m.send(b"\r\n> ")
    return await m.read_payload()


async def _send_text(m: Modem, st: SmsState, cmd: Command) -> Final:
    err = CmsError(TEXT_PARAM)
    args = cmd.args
    if not 1 <= len(args) <= 2 or args[0] is None or not cmd.quoted(0):
        raise err
    da = st.number_from_te(args[0])
    if not pdu.is_phone_number(da):
        raise err
    toda = pdu.default_toa(da)
    if len(args) > 1 and args[1] is not None:
        toda = _int(args[1], 128, 255, err)
    if toda & 0x70 == 0x10 and not da.startswith("+"):
        da = "+" + da
    dcs = st.csmp[3]
    alphabet = pdu.dcs_alphabet(dcs)
    st.idle.clear()
    try:
        raw = await _prompt(m)
        if raw is None:
            return None  # ESC: nothing is sent
        try:
            if alphabet == "gsm7":
                text = st.text_from_te(raw)
                if not pdu.is_gsm7(text):
                    raise ValueError("not in the GSM 7-bit alphabet")
                payload: str | bytes = text
            else:
                octets = _unhex(raw)  # 8-bit and UCS2 data are typed as hex
                if alphabet == "ucs2" and len(octets) % 2:
                    raise ValueError("odd UCS2 length")
                text = pdu.ucs2_decode(octets) if alphabet == "ucs2" else octets.decode("latin-1")
                payload = octets
        except (ValueError, UnicodeDecodeError, pdu.PduError):
            raise err from None
        if len(text) > MAX_TEXT:
            raise err
        parts = pdu.segments(text, alphabet)
        ref = st.next_ref() if len(parts) > 1 else 0
        messages = []
        for seq, part in enumerate(parts, 1):
            concat = pdu.Concat(ref, len(parts), seq) if len(parts) > 1 else None
            if alphabet == "gsm7":
                data = bytes(pdu.gsm7_encode(part))
            elif alphabet == "ucs2":
                if len(parts) == 1 and isinstance(payload, bytes):
                    data = payload  # the octets as the host typed them
                else:
                    data = pdu.ucs2_encode(part)
            else:
                data = part.encode("latin-1")
            messages.append(
                SentSms(da, part, alphabet, None, toda=toda, dcs=dcs, data=data, concat=concat)
            )
        mr = await _submit(m, st, messages, None)
    finally:
        st.idle.set()
    await m.respond(f"+CMGS: {mr}")
    return None


async def _send_pdu(m: Modem, st: SmsState, cmd: Command) -> Final:
    err = CmsError(PDU_PARAM)
    args = cmd.args
    if len(args) != 1 or cmd.quoted(0):
        raise err
    length = _int(args[0], MIN_TPDU, MAX_TPDU, err)
    st.idle.clear()
    try:
        raw = await _prompt(m)
        if raw is None:
            return None
        try:
            smsc, _present, tpdu = pdu.split_smsc(_unhex(raw), length)
            submit = pdu.decode_submit(tpdu)
        except (ValueError, pdu.PduError):
            raise err from None
        message = SentSms(
            submit.da,
            submit.text,
            submit.alphabet,
            tpdu.hex().upper(),
            toda=submit.toda,
            dcs=submit.dcs,
            data=submit.data,
            concat=submit.concat,
        )
        mr = await _submit(m, st, [message], smsc)
    finally:
        st.idle.set()
    await m.respond(f"+CMGS: {mr}")
    return None


async def _submit(m: Modem, st: SmsState, messages: list[SentSms], smsc: str | None) -> int:
    """Hand the SMS-SUBMITs to the network, one after the other; the last TP-MR."""
    if not _registered(m):
        raise CmsError(NO_NETWORK)
    smsc = smsc or st.csca[0]
    if not smsc:
        raise CmsError(SMSC_UNKNOWN)
    center = st.center
    mr = 0
    for message in messages:
        await m.clock.sleep(m.profile.sms_send)
        if not _registered(m):
            raise CmsError(NO_NETWORK)
        mr = st.next_mr()
        message.mr, message.smsc, message.time = mr, smsc, datetime.now(UTC)
        if center is not None:
            center.record(message)
    return mr
