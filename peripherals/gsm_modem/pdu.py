"""SMS PDUs: the GSM 7-bit alphabet, UCS2, addresses, SMS-SUBMIT and SMS-DELIVER TPDUs.

Pure functions, no I/O. References:

* 3GPP TS 23.038 §6.2.1 (GSM 7-bit default alphabet), §6.2.1.1 (extension
  table, reached with the escape code 0x1B), §6.1.2.1 (septet packing),
  §4 (TP-Data-Coding-Scheme: alphabet and message class);
* 3GPP TS 23.040 §9.1.2.3 (semi-octet representation), §9.1.2.5 (address
  fields), §9.2.2.1 (SMS-DELIVER), §9.2.2.2 (SMS-SUBMIT), §9.2.3.11
  (TP-Service-Centre-Time-Stamp), §9.2.3.12 (TP-Validity-Period), §9.2.3.16
  (TP-User-Data-Length), §9.2.3.24 (TP-User-Data and its header; IEI 0x00 and
  0x08 are the concatenated-message elements);
* 3GPP TS 24.011 §8.2.5.1 (the RP originator/destination address, i.e. the
  SMSC address in front of the TPDU as AT+CMGS / AT+CMGR show it, TS 27.005
  §3.1 <pdu>).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# -- TS 23.038 §6.2.1: the default alphabet, indexed by septet value -----------
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
ESC = 0x1B
# TS 23.038 §6.2.1.1: the extension table (after ESC); 0x0A is a page break.
GSM7_EXT: dict[int, str] = {
    0x0A: "\x0c",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
_BASIC_CODE = {ch: i for i, ch in enumerate(GSM7_BASIC) if i != ESC}
_EXT_CODE = {ch: code for code, ch in GSM7_EXT.items()}
GSM7_CHARS = frozenset(_BASIC_CODE) | frozenset(_EXT_CODE)

SINGLE_SEPTETS = 160  # TS 23.040 §9.2.3.24: 140 octets of user data
SINGLE_OCTETS = 140
CONCAT_UDH_OCTETS = 6  # UDHL + IEI 0x00 + length + ref + total + seq


class PduError(ValueError):
    """A malformed PDU or a value that cannot be encoded."""


# -- alphabet -------------------------------------------------------------------
def is_gsm7(text: str) -> bool:
    """Whether every character is in the default alphabet or its extension table."""
    return all(ch in GSM7_CHARS for ch in text)


def gsm7_encode(text: str) -> list[int]:
    """Text to septet values (TS 23.038 §6.2.1); extension characters become ESC + code."""
    out: list[int] = []
    for ch in text:
        code = _BASIC_CODE.get(ch)
        if code is not None:
            out.append(code)
            continue
        ext = _EXT_CODE.get(ch)
        if ext is None:
            raise PduError(f"character {ch!r} is not in the GSM 7-bit alphabet")
        out += (ESC, ext)
    return out


def gsm7_decode(septets: list[int] | bytes) -> str:
    """Septet values to text. An ESC before a code the extension table lacks shows the
    default-table character (TS 23.038 §6.2.1.1); ESC ESC and a trailing ESC show a space."""
    out: list[str] = []
    i, n = 0, len(septets)
    while i < n:
        code = septets[i] & 0x7F
        if code != ESC:
            out.append(GSM7_BASIC[code])
            i += 1
            continue
        if i + 1 >= n:
            out.append(" ")
            break
        nxt = septets[i + 1] & 0x7F
        out.append(" " if nxt == ESC else GSM7_EXT.get(nxt, GSM7_BASIC[nxt]))
        i += 2
    return "".join(out)


def gsm7_length(text: str) -> int:
    """Septets the text takes (extension characters take two)."""
    return sum(2 if ch in _EXT_CODE else 1 for ch in text)


# -- TS 23.038 §6.1.2.1: septet packing -----------------------------------------
def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack septets LSB first into octets, after ``fill_bits`` zero bits (the fill that
    aligns 7-bit user data on a septet boundary after a user data header)."""
    if not 0 <= fill_bits <= 6:
        raise PduError("fill bits must be 0..6")
    out = bytearray()
    acc, nbits = 0, fill_bits
    for septet in septets:
        acc |= (septet & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    """The first ``count`` septets of ``data``, skipping ``fill_bits`` leading bits."""
    if math.ceil((fill_bits + 7 * count) / 8) > len(data):
        raise PduError(f"{len(data)} octets cannot hold {count} septets")
    value = int.from_bytes(data, "little") >> fill_bits
    return [(value >> (7 * i)) & 0x7F for i in range(count)]


# -- UCS2 -----------------------------------------------------------------------
def ucs2_encode(text: str) -> bytes:
    """UCS2 big-endian (TS 23.038 §6.2.3); characters outside the BMP become UTF-16 pairs."""
    return text.encode("utf-16-be", "surrogatepass")


def ucs2_units(text: str) -> int:
    """UTF-16 code units: a character outside the BMP is two (a surrogate pair)."""
    return len(ucs2_encode(text)) // 2


def ucs2_decode(data: bytes) -> str:
    """UCS2 big-endian octets to text; an odd last octet is dropped."""
    data = data[: len(data) // 2 * 2]
    return data.decode("utf-16-be", "replace")


# -- TS 23.040 §9.1.2.3 / §9.1.2.5: semi-octets and addresses -------------------
_DIGITS = "0123456789*#abc"
TOA_INTERNATIONAL = 0x91  # type of number international, ISDN numbering plan (145)
TOA_UNKNOWN = 0x81  # type of number unknown, ISDN numbering plan (129): national format
TOA_ALPHANUMERIC = 0xD0  # type of number alphanumeric (TS 23.040 §9.1.2.5)


def encode_semi_octets(digits: str) -> bytes:
    """Digits as swapped semi-octets, an odd count padded with F (TS 23.040 §9.1.2.3)."""
    nibbles = []
    for ch in digits.lower():
        pos = _DIGITS.find(ch)
        if pos < 0:
            raise PduError(f"{ch!r} is not a BCD digit")
        nibbles.append(pos)
    if len(nibbles) % 2:
        nibbles.append(0xF)
    return bytes(nibbles[i] | nibbles[i + 1] << 4 for i in range(0, len(nibbles), 2))


def decode_semi_octets(data: bytes, count: int | None = None) -> str:
    """Swapped semi-octets to digits; stops at an F filler or after ``count`` digits."""
    out: list[str] = []
    for octet in data:
        for nibble in (octet & 0x0F, octet >> 4):
            if nibble == 0xF or (count is not None and len(out) >= count):
                return "".join(out)
            out.append(_DIGITS[nibble].upper() if nibble < len(_DIGITS) else "?")
    return "".join(out)


def is_phone_number(number: str) -> bool:
    """A dialable number: an optional leading + and 1..20 digits, * or #."""
    body = number[1:] if number.startswith("+") else number
    return 0 < len(body) <= 20 and all(ch in "0123456789*#" for ch in body)


def default_toa(number: str) -> int:
    """145 for a number starting with +, else 129 (TS 27.005 §3.1 <toda>)."""
    return TOA_INTERNATIONAL if number.startswith("+") else TOA_UNKNOWN


def _number_with_toa(number: str, toa: int | None) -> tuple[str, int]:
    toa = default_toa(number) if toa is None else toa
    digits = number[1:] if number.startswith("+") else number
    if not is_phone_number(digits):
        raise PduError(f"{number!r} is not a phone number")
    return digits, toa


def encode_address(number: str, toa: int | None = None) -> bytes:
    """A TP address (TP-OA / TP-DA, TS 23.040 §9.1.2.5): digit count, type, semi-octets.

    ``+8613...`` gives type 0x91; a plain number 0x81; a name that is not a number
    (an alphanumeric sender such as ``"CMCC"``) is packed GSM 7-bit with type 0xD0.
    """
    if toa == TOA_ALPHANUMERIC or (toa is None and not is_phone_number(number)):
        septets = gsm7_encode(number)
        if not 0 < len(septets) <= 11:
            raise PduError("an alphanumeric address has 1..11 characters")
        packed = pack_septets(septets)
        return bytes((math.ceil(len(septets) * 7 / 4), TOA_ALPHANUMERIC)) + packed
    digits, toa = _number_with_toa(number, toa)
    return bytes((len(digits), toa | 0x80)) + encode_semi_octets(digits)


def decode_address(data: bytes, offset: int = 0) -> tuple[str, int, int]:
    """Read a TP address at ``offset``: (number, type of address, offset after it)."""
    if offset + 2 > len(data):
        raise PduError("truncated address")
    length, toa = data[offset], data[offset + 1]
    size = math.ceil(length / 2)
    value = data[offset + 2 : offset + 2 + size]
    if len(value) != size or length > 20:
        raise PduError("truncated or oversized address")
    if toa & 0x70 == 0x50:  # type of number alphanumeric
        number = gsm7_decode(unpack_septets(value, length * 4 // 7))
    else:
        number = decode_semi_octets(value, length)
        if toa & 0x70 == 0x10:
            number = "+" + number
    return number, toa, offset + 2 + size


def encode_smsc(number: str | None, toa: int | None = None) -> bytes:
    """The RP SMSC address in front of a TPDU (TS 24.011 §8.2.5.1): octet count
    (type included), type, semi-octets; ``00`` when there is none."""
    if not number:
        return b"\x00"
    digits, toa = _number_with_toa(number, toa)
    body = bytes((toa | 0x80,)) + encode_semi_octets(digits)
    return bytes((len(body),)) + body


def decode_smsc(data: bytes) -> tuple[str | None, int]:
    """Read the SMSC address at the start of ``data``: (number or None, its total size)."""
    if not data:
        raise PduError("empty PDU")
    length = data[0]
    if length == 0:
        return None, 1
    if length > 11 or 1 + length > len(data):
        raise PduError("bad SMSC address length")
    toa = data[1]
    number = decode_semi_octets(data[2 : 1 + length])
    if toa & 0x70 == 0x10:
        number = "+" + number
    return number, 1 + length


def split_smsc(octets: bytes, tpdu_length: int) -> tuple[str | None, bool, bytes]:
    """Split a PDU given to AT+CMGS=<length> into (SMSC, SMSC present, TPDU).

    TS 27.005 §4.3: <length> counts the TPDU octets only. The PDU normally starts
    with the SMSC address (``00`` for the stored one); a PDU exactly <length> octets
    long is taken as a bare TPDU. Any other size is a length mismatch.
    """
    if len(octets) == tpdu_length:
        return None, False, octets
    smsc, size = decode_smsc(octets)
    if len(octets) - size != tpdu_length:
        raise PduError(f"PDU has {len(octets) - size} TPDU octets, <length> says {tpdu_length}")
    return smsc, True, octets[size:]


# -- TS 23.038 §4: data coding scheme ------------------------------------------
def dcs_alphabet(dcs: int) -> str:
    """The alphabet a TP-DCS selects: "gsm7", "8bit" or "ucs2" (reserved values → gsm7)."""
    group = dcs >> 4
    if group <= 0x7:  # general data coding (00xx) and automatic deletion (01xx)
        if dcs & 0x20:  # compressed: treated as 8-bit data
            return "8bit"
        return {0: "gsm7", 1: "8bit", 2: "ucs2"}.get((dcs >> 2) & 3, "gsm7")
    if group == 0xE:  # message waiting, store, UCS2
        return "ucs2"
    if group == 0xF:  # data coding / message class
        return "8bit" if dcs & 0x04 else "gsm7"
    return "gsm7"  # message waiting groups 1100/1101 and reserved 10xx


def dcs_class(dcs: int) -> int | None:
    """The message class (0..3) a TP-DCS gives, or None."""
    group = dcs >> 4
    if (group <= 0x7 and dcs & 0x10) or group == 0xF:
        return dcs & 0x03
    return None


def dcs_for(alphabet: str) -> int:
    return {"gsm7": 0x00, "8bit": 0x04, "ucs2": 0x08}[alphabet]


# -- TS 23.040 §9.2.3.11: time stamps -------------------------------------------
def encode_scts(when: datetime, tz_quarters: int = 0) -> bytes:
    """A TP-SCTS: local time (``when`` in UTC shifted by the zone) and the zone in quarter
    hours, as swapped semi-octets; the zone's sign is bit 3 of its first semi-octet."""
    if not -79 <= tz_quarters <= 79:
        raise PduError("time zone out of range")
    local = when.astimezone(UTC) + timedelta(minutes=15 * tz_quarters)
    fields = (local.year % 100, local.month, local.day, local.hour, local.minute, local.second)
    out = bytearray((v % 10) << 4 | v // 10 for v in fields)
    tz = abs(tz_quarters)
    out.append((tz % 10) << 4 | tz // 10 | (0x08 if tz_quarters < 0 else 0))
    return bytes(out)


def decode_scts(data: bytes) -> tuple[datetime, int]:
    """A TP-SCTS to (local time as a naive datetime, zone in quarter hours)."""
    if len(data) != 7:
        raise PduError("a time stamp has 7 octets")
    vals = [(b & 0x0F) * 10 + (b >> 4) for b in data[:6]]
    tz = (data[6] & 0x07) * 10 + (data[6] >> 4)
    if data[6] & 0x08:
        tz = -tz
    year = vals[0] + (1900 if vals[0] >= 80 else 2000)  # two-digit year, pivot 1980
    try:
        local = datetime(year, vals[1], vals[2], vals[3], vals[4], vals[5])
    except ValueError:
        raise PduError("invalid time stamp") from None
    return local, tz


def format_scts(local: datetime, tz_quarters: int) -> str:
    """The text-mode time-string ``yy/MM/dd,hh:mm:ss±zz`` (TS 27.005 §3.1 <scts>)."""
    return f"{local:%y/%m/%d,%H:%M:%S}{tz_quarters:+03d}"


# -- TS 23.040 §9.2.3.24: user data header --------------------------------------
def parse_udh(udh: bytes) -> list[tuple[int, bytes]]:
    """The information elements of a user data header (without its UDHL octet)."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(udh):
        if i + 2 > len(udh):
            raise PduError("truncated user data header")
        iei, size = udh[i], udh[i + 1]
        if i + 2 + size > len(udh):
            raise PduError("truncated information element")
        out.append((iei, udh[i + 2 : i + 2 + size]))
        i += 2 + size
    return out


@dataclass(frozen=True)
class Concat:
    """A concatenated short message element: reference, total parts, this part (1-based)."""

    ref: int
    total: int
    seq: int


def concat_info(udh: bytes) -> Concat | None:
    """The concatenation element (IEI 0x00, 8-bit ref; IEI 0x08, 16-bit ref), if any."""
    for iei, data in parse_udh(udh):
        if iei == 0x00 and len(data) == 3:
            return Concat(data[0], data[1], data[2])
        if iei == 0x08 and len(data) == 4:
            return Concat(data[0] << 8 | data[1], data[2], data[3])
    return None


def concat_udh(ref: int, total: int, seq: int) -> bytes:
    """A header (without UDHL) holding the 8-bit-reference concatenation element."""
    return bytes((0x00, 3, ref & 0xFF, total, seq))


def _fill_bits(udh_octets: int) -> int:
    return (7 - (udh_octets * 8) % 7) % 7


def encode_user_data(alphabet: str, payload: str | bytes, udh: bytes = b"") -> tuple[int, bytes]:
    """(TP-UDL, TP-UD) for text (gsm7/ucs2) or octets (8bit), with an optional header.

    For 7-bit data the UDL counts septets, header and fill bits included; otherwise
    octets (TS 23.040 §9.2.3.16).
    """
    head = bytes((len(udh),)) + udh if udh else b""
    if alphabet == "gsm7":
        septets = gsm7_encode(payload) if isinstance(payload, str) else list(payload)
        fill = _fill_bits(len(head)) if head else 0
        udl = (len(head) * 8 + fill) // 7 + len(septets)
        if udl > SINGLE_SEPTETS:
            raise PduError("user data longer than 160 septets")
        return udl, head + pack_septets(septets, fill)
    if alphabet == "ucs2":
        body = ucs2_encode(payload) if isinstance(payload, str) else bytes(payload)
    elif alphabet == "8bit":
        body = payload.encode("latin-1") if isinstance(payload, str) else bytes(payload)
    else:
        raise PduError(f"unknown alphabet {alphabet!r}")
    if len(head) + len(body) > SINGLE_OCTETS:
        raise PduError("user data longer than 140 octets")
    return len(head) + len(body), head + body


def decode_user_data(alphabet: str, udl: int, ud: bytes, has_udh: bool) -> tuple[bytes, str, bytes]:
    """(header without UDHL, text, payload octets) from TP-UDL/TP-UD; checks the lengths."""
    if alphabet == "gsm7":
        if udl > SINGLE_SEPTETS or len(ud) != math.ceil(udl * 7 / 8):
            raise PduError(f"UDL {udl} septets does not match {len(ud)} octets of user data")
    elif udl > SINGLE_OCTETS or len(ud) != udl:
        raise PduError(f"UDL {udl} octets does not match {len(ud)} octets of user data")
    udh = b""
    head = 0
    if has_udh:
        if not ud or ud[0] + 1 > len(ud):
            raise PduError("bad user data header length")
        udh = ud[1 : 1 + ud[0]]
        parse_udh(udh)
        head = 1 + ud[0]
    if alphabet == "gsm7":
        fill = _fill_bits(head) if head else 0
        skip = (head * 8 + fill) // 7
        if skip > udl:
            raise PduError("user data header longer than the user data")
        septets = unpack_septets(ud[head:], udl - skip, fill)
        return udh, gsm7_decode(septets), bytes(septets)
    body = ud[head:]
    text = ucs2_decode(body) if alphabet == "ucs2" else body.decode("latin-1")
    return udh, text, body


# -- segmentation (TS 23.040 §9.2.3.24.1) ---------------------------------------
def segments(text: str, alphabet: str) -> list[str]:
    """Split text into the parts of a concatenated message (one part if it fits one SMS).

    7-bit parts hold 153 septets (an ESC pair is never split), UCS2 parts 67
    characters (a surrogate pair is never split), 8-bit parts 134 octets.
    """
    cost: Callable[[str], int]
    if alphabet == "gsm7":
        size, single, cost = 153, SINGLE_SEPTETS, gsm7_length
    elif alphabet == "ucs2":
        size, single = 67, 70
        cost = ucs2_units
    else:
        size, single, cost = 134, SINGLE_OCTETS, len
    if cost(text) <= single:
        return [text]
    parts: list[str] = []
    cur: list[str] = []
    used = 0
    for ch in text:
        c = cost(ch)
        if used + c > size:
            parts.append("".join(cur))
            cur, used = [], 0
        cur.append(ch)
        used += c
    if cur:
        parts.append("".join(cur))
    return parts


# -- TS 23.040 §9.2.2.2: SMS-SUBMIT ---------------------------------------------
@dataclass
class Submit:
    """A decoded SMS-SUBMIT TPDU."""

    fo: int
    mr: int
    da: str
    toda: int
    pid: int
    dcs: int
    vp: bytes
    udl: int
    udh: bytes
    text: str
    data: bytes  # the payload: septet values (gsm7) or octets, header excluded
    alphabet: str = "gsm7"
    concat: Concat | None = None
    ud: bytes = b""  # the raw TP-UD octets (header included)

    @property
    def udhi(self) -> bool:
        return bool(self.fo & 0x40)


_VP_SIZE = {0: 0, 1: 7, 2: 1, 3: 7}  # TP-VPF: none, enhanced, relative, absolute


def decode_submit(tpdu: bytes) -> Submit:
    """Decode an SMS-SUBMIT TPDU (no SMSC in front); raise PduError when malformed."""
    if len(tpdu) < 7:
        raise PduError("TPDU too short for an SMS-SUBMIT")
    fo = tpdu[0]
    if fo & 0x03 != 0x01:
        raise PduError("not an SMS-SUBMIT (TP-MTI)")
    mr = tpdu[1]
    da, toda, pos = decode_address(tpdu, 2)
    if not da:
        raise PduError("empty destination address")
    vp_size = _VP_SIZE[(fo >> 3) & 3]
    if pos + 3 + vp_size > len(tpdu):
        raise PduError("truncated SMS-SUBMIT")
    pid, dcs = tpdu[pos], tpdu[pos + 1]
    vp = tpdu[pos + 2 : pos + 2 + vp_size]
    pos += 2 + vp_size
    udl = tpdu[pos]
    alphabet = dcs_alphabet(dcs)
    ud = tpdu[pos + 1 :]
    udh, text, data = decode_user_data(alphabet, udl, ud, bool(fo & 0x40))
    return Submit(
        fo,
        mr,
        da,
        toda,
        pid,
        dcs,
        vp,
        udl,
        udh,
        text,
        data,
        alphabet,
        concat_info(udh) if udh else None,
        ud,
    )


def encode_submit(
    da: str,
    payload: str | bytes,
    *,
    alphabet: str = "gsm7",
    toda: int | None = None,
    mr: int = 0,
    fo: int = 0x11,
    pid: int = 0,
    dcs: int | None = None,
    vp: int | bytes | None = 167,
    udh: bytes = b"",
) -> bytes:
    """Build an SMS-SUBMIT TPDU. ``fo`` 0x11 = SMS-SUBMIT with a relative validity period;
    the UDHI bit follows ``udh``."""
    fo = (fo & ~0x40 & 0xFF) | (0x40 if udh else 0)
    vpf = (fo >> 3) & 3
    if vpf == 2:
        vp_octets = bytes((int(vp if isinstance(vp, int) else 167) & 0xFF,))
    elif vpf in (1, 3):
        vp_octets = vp if isinstance(vp, bytes) and len(vp) == 7 else bytes(7)
    else:
        vp_octets = b""
    udl, ud = encode_user_data(alphabet, payload, udh)
    return (
        bytes((fo, mr & 0xFF))
        + encode_address(da, toda)
        + bytes((pid & 0xFF, dcs_for(alphabet) if dcs is None else dcs & 0xFF))
        + vp_octets
        + bytes((udl,))
        + ud
    )


# -- TS 23.040 §9.2.2.1: SMS-DELIVER --------------------------------------------
@dataclass
class Deliver:
    """A decoded SMS-DELIVER TPDU."""

    fo: int
    oa: str
    tooa: int
    pid: int
    dcs: int
    scts: datetime  # local time at the SMSC
    tz: int  # quarter hours
    udl: int
    udh: bytes
    text: str
    data: bytes
    alphabet: str = "gsm7"
    concat: Concat | None = field(default=None)
    ud: bytes = b""  # the raw TP-UD octets (header included)

    @property
    def udhi(self) -> bool:
        return bool(self.fo & 0x40)


def encode_deliver(
    oa: str,
    payload: str | bytes,
    *,
    alphabet: str = "gsm7",
    when: datetime | None = None,
    tz_quarters: int = 0,
    tooa: int | None = None,
    pid: int = 0,
    dcs: int | None = None,
    udh: bytes = b"",
    more_messages: bool = False,
) -> bytes:
    """Build an SMS-DELIVER TPDU (first octet 0x04: no more messages; 0x44 with a header)."""
    fo = (0x00 if more_messages else 0x04) | (0x40 if udh else 0)
    udl, ud = encode_user_data(alphabet, payload, udh)
    return (
        bytes((fo,))
        + encode_address(oa, tooa)
        + bytes((pid & 0xFF, dcs_for(alphabet) if dcs is None else dcs & 0xFF))
        + encode_scts(when or datetime.now(UTC), tz_quarters)
        + bytes((udl,))
        + ud
    )


def decode_deliver(tpdu: bytes) -> Deliver:
    """Decode an SMS-DELIVER TPDU (no SMSC in front); raise PduError when malformed."""
    if len(tpdu) < 13:
        raise PduError("TPDU too short for an SMS-DELIVER")
    fo = tpdu[0]
    if fo & 0x03 != 0x00:
        raise PduError("not an SMS-DELIVER (TP-MTI)")
    oa, tooa, pos = decode_address(tpdu, 1)
    if pos + 10 > len(tpdu):
        raise PduError("truncated SMS-DELIVER")
    pid, dcs = tpdu[pos], tpdu[pos + 1]
    scts, tz = decode_scts(tpdu[pos + 2 : pos + 9])
    udl = tpdu[pos + 9]
    alphabet = dcs_alphabet(dcs)
    ud = tpdu[pos + 10 :]
    udh, text, data = decode_user_data(alphabet, udl, ud, bool(fo & 0x40))
    return Deliver(
        fo,
        oa,
        tooa,
        pid,
        dcs,
        scts,
        tz,
        udl,
        udh,
        text,
        data,
        alphabet,
        concat_info(udh) if udh else None,
        ud,
    )
