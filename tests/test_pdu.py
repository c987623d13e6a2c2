"""GSM 03.38 / 03.40 PDU helpers: fixed vectors from public references, and round trips."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtulab.peripherals.gsm_modem import pdu

# The classic SMS-SUBMIT from "SMS and the PDU format" (dreamfabric.com): SMSC 00,
# to +46708251358, relative validity AA, "hellohello". AT+CMGS=23.
HELLO_SUBMIT = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
# Its SMS-DELIVER counterpart from the same page: SMSC +27381000015, sender 27838890001.
HELLO_DELIVER = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
# A SIMCom module's AT+CMGRD output: UCS2 from +8618612748499, SMSC +8613010112500.
UCS2_DELIVER = "0891683110102105F0040D91688116728494F90008226091908561230C62117684732B53EB5C0F6A59"

GSM_TEXT = st.text(alphabet=sorted(pdu.GSM7_CHARS), max_size=200)


def test_default_alphabet_table_matches_ts_23_038() -> None:
    assert len(pdu.GSM7_BASIC) == 128
    assert pdu.gsm7_encode("@£$¥") == [0x00, 0x01, 0x02, 0x03]
    assert pdu.gsm7_encode("Δ_ΦΓΛΩΠΨΣΘΞ") == list(range(0x10, 0x1B))
    assert pdu.gsm7_encode("¤¡§¿äöñüà") == [0x24, 0x40, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F]
    assert pdu.gsm7_encode("\n\r") == [0x0A, 0x0D]


def test_extension_table_uses_escape() -> None:
    assert pdu.gsm7_encode("€[]{}") == [27, 0x65, 27, 0x3C, 27, 0x3E, 27, 0x28, 27, 0x29]
    assert pdu.gsm7_encode("^\\|~") == [27, 0x14, 27, 0x2F, 27, 0x40, 27, 0x3D]
    assert pdu.gsm7_length("a€b") == 4
    assert pdu.gsm7_decode([27, 0x65, 0x41]) == "€A"
    # an ESC before a code the extension table lacks shows the default character
    assert pdu.gsm7_decode([27, 0x41]) == "A"


def test_characters_outside_the_alphabet_are_refused() -> None:
    assert not pdu.is_gsm7("你好")
    assert not pdu.is_gsm7("`")
    with pytest.raises(pdu.PduError):
        pdu.gsm7_encode("price: 5 ₽")


def test_septet_packing_vector() -> None:
    septets = pdu.gsm7_encode("hellohello")
    assert pdu.pack_septets(septets).hex().upper() == "E8329BFD4697D9EC37"
    assert pdu.gsm7_decode(pdu.unpack_septets(bytes.fromhex("E8329BFD4697D9EC37"), 10)) == (
        "hellohello"
    )


def test_packing_with_fill_bits_after_a_header() -> None:
    # A 6-octet concatenation header takes 48 bits: one fill bit reaches 7 septets,
    # so "A" (0x41) is shifted left by one: 0x82 (TS 23.040 §9.2.3.24).
    udl, ud = pdu.encode_user_data("gsm7", "A", pdu.concat_udh(0xCC, 2, 1))
    assert (udl, ud.hex().upper()) == (8, "050003CC020182")
    assert pdu.decode_user_data("gsm7", udl, ud, True) == (
        bytes.fromhex("0003CC0201"),
        "A",
        b"\x41",
    )


@given(GSM_TEXT, st.integers(min_value=0, max_value=6))
def test_gsm7_pack_unpack_round_trip(text: str, fill: int) -> None:
    septets = pdu.gsm7_encode(text)
    packed = pdu.pack_septets(septets, fill)
    assert pdu.gsm7_decode(pdu.unpack_septets(packed, len(septets), fill)) == text


@given(st.text(max_size=70))
def test_ucs2_round_trip(text: str) -> None:
    assert pdu.ucs2_decode(pdu.ucs2_encode(text)) == text


def test_ucs2_is_big_endian() -> None:
    assert pdu.ucs2_encode("你好").hex().upper() == "4F60597D"


def test_addresses() -> None:
    assert pdu.encode_address("+46708251358").hex().upper() == "0B916407281553F8"
    assert pdu.encode_address("10086").hex().upper() == "05810180F6"
    assert pdu.decode_address(bytes.fromhex("0B916407281553F8")) == ("+46708251358", 0x91, 8)
    assert pdu.encode_smsc("+8613800100500").hex().upper() == "0891683108100005F0"
    assert pdu.encode_smsc(None) == b"\x00"
    assert pdu.decode_smsc(bytes.fromhex("0891683108100005F0")) == ("+8613800100500", 9)
    with pytest.raises(pdu.PduError):
        pdu.encode_address("+86-139", pdu.TOA_INTERNATIONAL)
    with pytest.raises(pdu.PduError):
        pdu.encode_address("a sender name that is far too long")


def test_alphanumeric_sender_round_trip() -> None:
    encoded = pdu.encode_address("CMCC")
    assert encoded[1] == pdu.TOA_ALPHANUMERIC
    assert pdu.decode_address(encoded)[0] == "CMCC"


@given(st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True))
def test_number_round_trip(number: str) -> None:
    assert pdu.decode_address(pdu.encode_address(number))[0] == number


def test_decode_classic_submit() -> None:
    octets = bytes.fromhex(HELLO_SUBMIT)
    smsc, present, tpdu = pdu.split_smsc(octets, 23)
    assert (smsc, present, len(tpdu)) == (None, True, 23)
    sub = pdu.decode_submit(tpdu)
    assert (sub.da, sub.toda, sub.text, sub.vp, sub.alphabet) == (
        "+46708251358",
        0x91,
        "hellohello",
        b"\xaa",
        "gsm7",
    )


def test_encode_submit_reproduces_the_classic_vector() -> None:
    tpdu = pdu.encode_submit("+46708251358", "hellohello", vp=0xAA)
    assert "00" + tpdu.hex().upper() == HELLO_SUBMIT


def test_split_smsc_rules() -> None:
    tpdu = bytes.fromhex(HELLO_SUBMIT[2:])
    assert pdu.split_smsc(tpdu, 23) == (None, False, tpdu)  # a bare TPDU
    with_smsc = bytes.fromhex("0891683108100005F0") + tpdu
    assert pdu.split_smsc(with_smsc, 23) == ("+8613800100500", True, tpdu)
    with pytest.raises(pdu.PduError):
        pdu.split_smsc(bytes.fromhex(HELLO_SUBMIT), 22)


def test_decode_submit_rejects_malformed() -> None:
    good = bytes.fromhex(HELLO_SUBMIT[2:])
    for bad in (
        good[:-1],  # user data shorter than UDL says
        good + b"\x00",  # longer
        b"\x04" + good[1:],  # TP-MTI of an SMS-DELIVER
        good[:5],
    ):
        with pytest.raises(pdu.PduError):
            pdu.decode_submit(bad)


def test_decode_classic_deliver() -> None:
    octets = bytes.fromhex(HELLO_DELIVER)
    smsc, size = pdu.decode_smsc(octets)
    d = pdu.decode_deliver(octets[size:])
    assert smsc == "+27381000015"
    assert (d.oa, d.tooa, d.text) == ("27838890001", 0xC8, "hellohello")
    assert (d.scts, d.tz) == (datetime(1999, 3, 29, 15, 16, 59), 8)


def test_decode_ucs2_deliver_from_a_simcom_module() -> None:
    octets = bytes.fromhex(UCS2_DELIVER)
    smsc, size = pdu.decode_smsc(octets)
    d = pdu.decode_deliver(octets[size:])
    assert smsc == "+8613010112500"
    assert (d.oa, d.alphabet, d.text) == ("+8618612748499", "ucs2", "我的猫叫小橙")
    assert pdu.format_scts(d.scts, d.tz) == "22/06/19,09:58:16+32"


def test_scts_encoding() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert pdu.encode_scts(when, 32).hex().upper() == "42102011405023"  # 11:04:05 local
    assert pdu.decode_scts(pdu.encode_scts(when, -20)) == (datetime(2024, 1, 1, 22, 4, 5), -20)


def test_deliver_round_trip_with_concatenation() -> None:
    tpdu = pdu.encode_deliver(
        "+8613700000001", "part two", udh=pdu.concat_udh(7, 2, 2), tz_quarters=32
    )
    assert tpdu[0] == 0x44  # TP-UDHI set, no more messages
    d = pdu.decode_deliver(tpdu)
    assert (d.text, d.concat) == ("part two", pdu.Concat(7, 2, 2))


def test_16_bit_concatenation_reference() -> None:
    assert pdu.concat_info(bytes.fromhex("080412340302")) == pdu.Concat(0x1234, 3, 2)


def test_segments() -> None:
    assert pdu.segments("x" * 160, "gsm7") == ["x" * 160]
    assert [len(p) for p in pdu.segments("x" * 161, "gsm7")] == [153, 8]
    # an escape pair is never split across parts
    parts = pdu.segments("x" * 152 + "€" + "y" * 10, "gsm7")
    assert parts == ["x" * 152, "€" + "y" * 10]
    assert [len(p) for p in pdu.segments("中" * 71, "ucs2")] == [67, 4]


def test_data_coding_schemes() -> None:
    assert [pdu.dcs_alphabet(d) for d in (0x00, 0x04, 0x08, 0x0C, 0xF0, 0xF4, 0xE0)] == [
        "gsm7",
        "8bit",
        "ucs2",
        "gsm7",
        "gsm7",
        "8bit",
        "ucs2",
    ]
    assert pdu.dcs_class(0x00) is None
    assert pdu.dcs_class(0x12) == 2
    assert pdu.dcs_class(0xF1) == 1


@given(GSM_TEXT.filter(lambda t: pdu.gsm7_length(t) <= 160))
def test_submit_round_trip(text: str) -> None:
    sub = pdu.decode_submit(pdu.encode_submit("+8613912345678", text, mr=5))
    assert (sub.text, sub.da, sub.mr) == (text, "+8613912345678", 5)
