"""Timing profiles of the modem model.

``realistic`` uses delays of the order a SIM800 shows in the field (the SIM800
manual gives only maxima, e.g. AT+CIICR 85 s, AT+CIPSTART 75 s, AT+CMGS 60 s;
the typical figures below are the usual field values and are documented in
docs/modem.md). ``fast`` keeps the same order of events with millisecond
delays, for tests. Profiles register by name in ``PROFILES``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class TimingProfile:
    name: str
    command: float  # every command's processing time before its final result
    boot: float  # power-on to RDY
    boot_urcs: float  # RDY to "SMS Ready"
    registration: float  # SIM ready (or coverage back) to +CREG: 1
    gprs_attach: float  # AT+CGATT=1
    ciicr: float  # PDP context activation
    cipstart: float  # extra delay before CONNECT OK (on top of the real connect)
    cipshut: float
    cipclose: float
    sms_send: float  # AT+CMGS to +CMGS: <mr>
    sms_deliver: float  # SMS centre to +CMTI
    sapbr: float  # bearer open for FTP/HTTP
    ftp_connect: float  # extra delay before +FTPGET: 1,1
    http_action: float  # extra delay before +HTTPACTION
    ring_period: float  # RING repetition
    blackhole_timeout: float  # unacknowledged send to SEND FAIL; connect attempt to CONNECT FAIL
    tcp_give_up: float  # first unacknowledged send to CLOSED (SIM800 manual: 645 s)


PROFILES: dict[str, TimingProfile] = {
    "realistic": TimingProfile(
        name="realistic",
        command=0.010,
        boot=2.0,
        boot_urcs=3.0,
        registration=4.0,
        gprs_attach=1.5,
        ciicr=2.5,
        cipstart=0.8,
        cipshut=0.5,
        cipclose=0.2,
        sms_send=3.0,
        sms_deliver=1.0,
        sapbr=2.5,
        ftp_connect=1.0,
        http_action=1.0,
        ring_period=3.0,
        blackhole_timeout=60.0,
        tcp_give_up=645.0,
    ),
    "fast": TimingProfile(
        name="fast",
        command=0.0,
        boot=0.01,
        boot_urcs=0.01,
        registration=0.02,
        gprs_attach=0.01,
        ciicr=0.02,
        cipstart=0.0,
        cipshut=0.01,
        cipclose=0.0,
        sms_send=0.02,
        sms_deliver=0.01,
        sapbr=0.02,
        ftp_connect=0.0,
        http_action=0.0,
        ring_period=0.2,
        blackhole_timeout=1.0,
        tcp_give_up=15.0,
    ),
}


def get_profile(name: str, **overrides: float) -> TimingProfile:
    try:
        profile = PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown timing profile '{name}': expected one of {known}") from None
    return replace(profile, **overrides) if overrides else profile  # type: ignore[arg-type]
