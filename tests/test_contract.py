"""One contract, two implementations (dtulab/contract/usr721.toml, dtulab/contract).

The generated files are up to date; the reference's factory settings are the
contract's; and on every target the DTU shows the contract's factory values
through its queries (docs/usr721.md gives the reply formats) and accepts each
end of every range and refuses one past it (R-AT-6). Reference and firmware
meet the same table, so they agree on every value.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest

from dtulab import contract
from dtulab.dtu.settings import Settings
from dtulab.host import DtuHost
from dtulab.world import World
from tests.conftest import ON_EVERY_TARGET

SPEC = contract.load()


def test_the_generated_files_are_up_to_date():
    for path, text in contract.outputs(SPEC).items():
        assert path.read_text() == text, f"{path}: run python -m dtulab.contract"


def test_the_reference_factory_settings_are_the_contract():
    factory = asdict(Settings())
    for setting in SPEC.settings:
        value = (factory["sockets"][0] if setting.socket else factory)[setting.name]
        want = setting.default
        if setting.name == "mode":
            want = setting.default_index  # the AT+CIMOD number
        elif setting.type == "flag":
            want = bool(setting.default)
        assert value == want, setting.name
    assert len(factory["sockets"]) == SPEC.limits["sockets"]


def test_boundary_rows_are_each_end_and_one_past_it():
    rows = [(line, want) for name, line, want in contract.boundary_rows(SPEC)]
    pack_time = [
        (line, want) for name, line, want in contract.boundary_rows(SPEC) if name == "pack_time_ms"
    ]
    assert pack_time == [
        ("AT+CIPCFG=1,0,0,9,1460,0", "ERROR"),
        ("AT+CIPCFG=1,0,0,10,1460,0", "OK"),
        ("AT+CIPCFG=1,0,0,2000,1460,0", "OK"),
        ("AT+CIPCFG=1,0,0,2001,1460,0", "ERROR"),
    ]
    assert ('AT+CIHTTP=GET,"http:/"', "ERROR") in rows  # a text's lower end is its prefix
    assert all(len(line) <= SPEC.limits["line_max"] for line, _ in rows)


def expected_queries() -> dict[str, list[str]]:
    """The factory settings as the usr721 queries show them (docs/usr721.md)."""
    d = {s.name: s.default for s in SPEC.settings}
    idx = {s.name: s.default_index for s in SPEC.settings if s.type == "choice"}
    sockets = range(1, SPEC.limits["sockets"] + 1)
    link = "LONG" if d["long_link"] else "SHORT"
    return {
        "AT+CIPCFG?": [
            f"+CIPCFG: 1, {d['heartbeat_s']}, 0, {d['pack_time_ms']}, {d['pack_len']}, "
            f"{d['restart_s']}"
        ],
        "AT+CIPPACK?": [
            f'+CIPPACK: 0, "{d["heartbeat_data"]}",{d["heartbeat_to_serial"]}',
            f'+CIPPACK: 1, "{d["reg_data"]}" , 0, {d["reg_mode"]}',
        ],
        "AT+CSTT?": [f'+CSTT: "{d["apn"]}","{d["apn_user"]}","{d["apn_password"]}"'],
        "AT+CIMOD?": [f"+CIMOD: {idx['mode']}"],
        "AT+CISOCLINK?": [f"+CISOCLINK: {n},{link},{d['idle']}" for n in sockets],
        "AT+CINETPT?": [f"+CINETPT:{n},{d['local_port']}" for n in sockets],
        "AT+ICF?": [f"+ICF: {d['data_bits']},{d['parity']},{d['stop_bits']}"],
        "AT+CIPR?": [f"+CIPR: {d['baud']}"],
        "AT+CIPNUM?": [f"+CIPNUM: {d['sms_number']}".rstrip()],
        "AT+CIHTTP?": [f'+CIHTTP: {d["http_method"]},"{d["http_url"]}","{d["http_headers"]}"'],
        "AT+CIFTP?": [
            f'+CIFTP: "{d["ftp_host"]}",{d["ftp_port"]},"{d["ftp_user"]}",'
            f'"{d["ftp_password"]}","{d["ftp_path"]}"'
        ],
        "AT+CINETAT?": [f"+CINETAT: {d['net_at']}"],
        "AT+CICOMAT?": [f"+CICOMAT: {d['com_at']}"],
        "AT+CISMSAT?": [f"+CISMSAT: {d['sms_at']}"],
        "AT+CIRINGSTA?": [f"+CIRINGSTA: {d['ring_answer']}"],
        "AT+CIMODID?": [f'+CIMODID: "{d["boot_message"]}"'],
        "AT+CIPSCONT?": [
            f'+CIPSTART:{n},"{d["proto"]}", "{d["host"]}",{d["port"]}, {d["enabled"]}'
            for n in sockets
        ],
    }


def queries(host: DtuHost) -> dict[str, list[str]]:
    shown = {}
    for query in expected_queries():
        reply = [line.rstrip() for line in host.at_ok(query)]
        if query == "AT+CIPSCONT?":  # the dump: only its socket lines here
            reply = [line for line in reply if line.startswith("+CIPSTART:")]
        shown[query] = reply
    return shown


@pytest.mark.req("R-AT-6")
@ON_EVERY_TARGET
def test_factory_settings_and_every_range_are_the_contracts(world: World, host: DtuHost):
    """The queries show the contract's factory values; one past either end of a range is
    refused and changes nothing; each end is accepted."""
    host.enter_command_mode()
    assert queries(host) == expected_queries()
    rows = contract.boundary_rows(SPEC)
    refused = [line for _, line, want in rows if want == "ERROR"]
    assert [(line, host.at(line)) for line in refused] == [(line, ["ERROR"]) for line in refused]
    assert queries(host) == expected_queries()
    accepted = [line for _, line, want in rows if want == "OK"]
    assert [(line, host.at(line)) for line in accepted] == [(line, ["OK"]) for line in accepted]
