"""Fuzz harness: the SMS PDU codec of the modem model (peripherals/gsm_modem/pdu.py, 3GPP TS
23.040 §9.2 and TS 23.038 as the module cites).

The first input byte chooses the alphabet, the destination and what is decoded; the rest is
a text (UTF-8, invalid bytes replaced). Properties: ``decode_submit`` and ``decode_deliver`` of
the raw bytes return a message or raise ``PduError``, nothing else (callers catch that); and an
SMS-SUBMIT / SMS-DELIVER encoded from the text decodes to the same number and text (GSM 7-bit
for texts it can carry, UCS2 for the rest, 8-bit for the bytes), with the septet or octet
count the encoder wrote.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from dtulab.peripherals.gsm_modem import pdu

NUMBERS = ("10086", "+8613800138000", "123", "+447700900123")
WHEN = datetime(2024, 5, 1, 12, 0, 0)


def _decodes_or_refuses(raw: bytes) -> None:
    for decode in (pdu.decode_submit, pdu.decode_deliver):
        with contextlib.suppress(pdu.PduError):
            decode(raw)


def check(data: bytes) -> None:
    if not data:
        return
    _decodes_or_refuses(data[1:])
    choice, body = data[0], data[1:]
    number = NUMBERS[choice % len(NUMBERS)]
    if choice & 0x80:
        payload: str | bytes = body[:140]
        alphabet = "8bit"
    else:
        text = body.decode("utf-8", "replace")
        alphabet = "gsm7" if pdu.is_gsm7(text) else "ucs2"
        limit = 160 if alphabet == "gsm7" else 70
        payload = text[:limit]
        while alphabet == "gsm7" and pdu.gsm7_length(payload) > 160:  # escapes take two
            payload = payload[:-1]
        while alphabet == "ucs2" and pdu.ucs2_units(payload) > 70:  # surrogate pairs take two
            payload = payload[:-1]
    submit = pdu.decode_submit(pdu.encode_submit(number, payload, alphabet=alphabet))
    deliver = pdu.decode_deliver(pdu.encode_deliver(number, payload, alphabet=alphabet, when=WHEN))
    for got in (submit, deliver):
        assert got.alphabet == alphabet, f"{alphabet} came back as {got.alphabet}"
        if isinstance(payload, bytes):
            assert got.data == payload, f"{payload!r} came back as {got.data!r}"
        else:
            assert got.text == payload, f"{payload!r} came back as {got.text!r}"
    assert submit.da == number and deliver.oa == number, f"{number} came back changed"
