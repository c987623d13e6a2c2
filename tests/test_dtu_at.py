"""The usr721 command mode end to end, through the RS232 pty, the servers and the SMS centre.

Entering and leaving (R-AT-1, R-AT-2): the ``+++``/``a``/``+ok`` handshake and
both sides of its timing rule, AT+ENTM. The command table (R-AT-6, docs/usr721.md):
every command answers, with its query form where it has one; refused input
(unknown, malformed, out of range, over-long) answers ERROR and changes
nothing. The default work mode after a factory reset (R-MODE-1).

The command-table tests share one DTU (``bench``, module scope) kept in
command mode; the entry/exit tests each get a fresh world.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtulab.dialects import Usr721
from dtulab.host import DtuHost
from dtulab.world import ServerConfig, World, WorldConfig
from tests.conftest import configure

R = re.compile
DUMP = "AT+CIPSCONT?"


def snapshot(host: DtuHost) -> list[str]:
    """Every setting the dialect shows (the adapter's settings dump)."""
    return Usr721(host).settings_dump()


def matches(reply: list[str], expected: list[str | re.Pattern[str]]) -> bool:
    if len(reply) != len(expected):
        return False
    return all(
        line == want if isinstance(want, str) else want.fullmatch(line) is not None
        for line, want in zip(reply, expected, strict=True)
    )


def connect_dc1(world: World, host: DtuHost) -> None:
    """Socket 1 to server dc1, connected; the host is back in transparent mode."""
    configure(host, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{world.server("dc1").port},1')
    world.wait_connections(1)


# -- entering and leaving command mode (R-AT-1, R-AT-2) -------------------------------
@pytest.mark.req("R-AT-1", "R-AT-2")
def test_plus_after_silence_enters_command_mode(world, host):
    connect_dc1(world, host)
    time.sleep(0.3)  # T1: more than 200 ms of silence
    host.drain()
    host.write(b"+++")
    host.expect(b"a")
    assert host.quiet(0.3) == b"", "nothing more before the host's 'a'"
    host.write(b"a")
    host.expect(b"+ok")
    assert host.at("AT") == ["OK"]
    assert host.at("AT+CIVER?")[-1] == "OK"
    host.leave_command_mode()
    host.write(b"after")
    # neither "+++", "a" nor the commands reached the server: only the data after AT+ENTM
    assert world.wait_server_received(5) == b"after"


@pytest.mark.req("R-AT-1")
def test_plus_in_pieces_within_the_guard_time_still_enters(world, host):
    connect_dc1(world, host)
    time.sleep(0.3)
    host.drain()
    for _ in range(3):  # T2/T3 < 50 ms between the '+' characters
        host.write(b"+")
        time.sleep(0.02)
    host.expect(b"a")
    host.write(b"a")
    host.expect(b"+ok")
    assert host.at("AT") == ["OK"]


@pytest.mark.req("R-AT-1")
def test_plus_right_after_data_is_data(world, host):
    connect_dc1(world, host)
    time.sleep(0.3)
    host.drain()
    host.write(b"data")
    host.write(b"+++")  # well within 200 ms of the data: not an escape
    assert world.wait_server_received(7) == b"data+++"
    assert host.quiet(0.5) == b"", "no 'a': the DTU must not take it as an escape"
    host.write(b"more")
    assert world.wait_server_received(11) == b"data+++more"


@pytest.mark.req("R-AT-1")
def test_plus_followed_by_other_bytes_is_data(world, host):
    connect_dc1(world, host)
    time.sleep(0.3)
    host.drain()
    host.write(b"+++x")
    assert world.wait_server_received(4) == b"+++x"
    assert host.quiet(0.3) == b""
    time.sleep(0.3)
    host.write(b"+++")
    host.expect(b"a")
    host.write(b"b")  # not the confirmation: "+++" and the "b" are data
    assert world.wait_server_received(8) == b"+++x+++b"
    assert b"+ok" not in host.quiet(0.3)


@pytest.mark.req("R-AT-1")
def test_unconfirmed_escape_returns_to_data_mode_without_losing_data(world, host):
    connect_dc1(world, host)
    time.sleep(0.3)
    host.drain()
    sent = time.monotonic()  # the DTU's 3 s start after this, when it answers 'a'
    host.write(b"+++")
    host.expect(b"a")
    assert world.wait_server_received(3, timeout=15) == b"+++"
    arrived = world.call(lambda: world.server().connections[-1].last_rx)
    assert arrived - sent >= 2.9, "the DTU must wait T5 = 3 s for the host's 'a'"
    assert b"+ok" not in host.drain()
    host.write(b"next")
    assert world.wait_server_received(7) == b"+++next"


@pytest.mark.req("R-AT-2")
def test_entm_answers_ok_and_data_flows_again(world, host):
    connect_dc1(world, host)
    host.enter_command_mode()
    world.server_send(b"held")
    time.sleep(0.5)  # server data must not interleave with the command-mode replies
    assert host.at("AT") == ["OK"]
    assert b"held" not in host.drain()
    assert host.at("AT+ENTM") == ["OK"]
    host.expect(b"held")  # what arrived meanwhile is delivered on leaving
    host.write(b"upstream")
    assert world.wait_server_received(8) == b"upstream"
    world.server_send(b"downstream")
    host.expect(b"downstream")


@pytest.mark.req("R-AT-2", "R-NET-1")
def test_socket_changes_take_effect_on_leaving(world, host):
    connect_dc1(world, host)
    configure(host, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{world.server("dc2").port},1')
    world.wait_connections(1, "dc2", timeout=10)
    world.wait(lambda: not world.server("dc1").connections[0].open, 10, "dc1 closed")
    host.write(b"to dc2")
    assert world.wait_server_received(6, "dc2") == b"to dc2"
    assert world.server_received("dc1") == b""


@pytest.mark.req("R-AT-1", "R-AT-2", "R-MODE-1")
def test_escape_from_sms_mode_and_back(world, host):
    configure(host, "AT+CIMOD=4", "AT+CIPNUM=10086")
    host.enter_command_mode()
    assert host.at("AT+CIMOD?") == ["+CIMOD: 4", "OK"]
    host.leave_command_mode()  # back to SMS passthrough, the previous mode
    host.write("to the phone")
    sent = world.sms_center.wait_sent(1, 20)
    assert (sent[-1].to, sent[-1].text) == ("10086", "to the phone")


# -- the default mode (R-MODE-1) -----------------------------------------------------------
@pytest.mark.req("R-MODE-1")
def test_default_mode_after_factory_reset_is_net(world, host):
    host.enter_command_mode()
    assert host.at("AT+CIMOD?") == ["+CIMOD: 0", "OK"]
    factory = snapshot(host)
    host.at_ok("AT+CIMOD=4")
    host.at_ok("AT+CIPNUM=10086")
    host.at_ok("ATW")
    since = world.now()
    host.at_ok("AT+CIRESET")
    world.wait_restart(since)
    host.enter_command_mode()
    assert host.at("AT+CIMOD?") == ["+CIMOD: 4", "OK"], "the saved mode survives a restart"
    since = world.now()
    assert host.at("AT+CIRELOAD") == ["OK"]
    world.wait_restart(since)
    host.enter_command_mode()
    assert host.at("AT+CIMOD?") == ["+CIMOD: 0", "OK"]
    assert snapshot(host) == factory


@pytest.mark.req("R-AT-6")
def test_cishutdown_stops_until_power_returns(world, host):
    host.enter_command_mode()
    assert host.at("AT+CISHUTDOWN") == ["OK"]
    world.wait(lambda: not world.leds["NET"].on, 10, "NET off")
    time.sleep(0.3)
    host.write(b"+++")
    assert host.quiet(1.0) == b"", "a shut-down DTU does not answer"
    world.cut_power()
    world.power_on()
    world.wait(lambda: world.leds["NET"].on, 30, "NET on after the power returned")
    host.enter_command_mode()
    assert host.at("AT") == ["OK"]


# -- the command table (R-AT-6) -----------------------------------------------------------
@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """One DTU in command mode for the whole table, with server dc1."""
    config = WorldConfig(
        state_dir=str(tmp_path_factory.mktemp("state")), servers=[ServerConfig("dc1")]
    )
    with World(config) as world, DtuHost(world.rs232_port) as host:
        world.wait(lambda: world.leds["NET"].on, 30, "NET LED on (GPRS up)")
        host.enter_command_mode()
        yield world, host


def _modes() -> list[tuple[str, list]]:
    steps: list[tuple[str, list]] = []
    for number, name in enumerate(("NET", "FTP", "AT", "HTTPD", "SMS")):
        steps += [(f"AT+CIMOD={name}", ["OK"]), ("AT+CIMOD?", [f"+CIMOD: {number}", "OK"])]
        steps += [(f"AT+CIMOD={number}", ["OK"]), ("AT+CIMOD?", [f"+CIMOD: {number}", "OK"])]
    return [*steps, ('AT+CIMOD="0"', ["OK"]), ("AT+CIMOD?", ["+CIMOD: 0", "OK"])]


def _switch(name: str, default: int) -> list[tuple[str, list]]:
    return [
        (f"AT+{name}=1", ["OK"]),
        (f"AT+{name}?", [f"+{name}: 1", "OK"]),
        (f"AT+{name}=0", ["OK"]),
        (f"AT+{name}?", [f"+{name}: 0", "OK"]),
        (f"AT+{name}={default}", ["OK"]),
    ]


CLOUD_HEX = b"12345678901234567890,12345678".hex().upper()
DUMP_LAYOUT = [
    R(r"\+CIPCFG: 1, \d+, 0, \d+, \d+, \d+"),
    R(r'\+CIPPACK: 0, "[0-9A-F]*",[01]'),
    R(r'\+CIPPACK: 1, "[0-9A-F]*" , [01], (OFF|USER|IMEI|ICCID|CLOUD)'),
    R(r'\+CSTT: ".*", ".*", ".*"'),
    R(r"\+CIPNUM: .*"),
    *(R(rf'\+CIPSTART:{n},"(TCP|UDP)", ".*",\d+, [01]') for n in range(1, 5)),
    R(r"\+CIMOD: [0-4]"),
    R(r"\+CINETAT:[01]"),
    R(r"\+CICOMAT:[01]"),
    *(R(rf"\+CINETPT:{n},\d+") for n in range(1, 5)),
    "OK",
]

TABLE: dict[str, list[tuple[str, list]]] = {
    "AT": [("AT", ["OK"]), ("at", ["OK"])],
    "ATE": [("ATE0", ["OK"]), ("AT", ["OK"]), ("ATE1", ["OK"]), ("AT", ["OK"])],
    "CIVER": [
        ("AT+CIVER?", [R(r"\+CIVER: \S.*"), "OK"]),
        ("AT+CIVER", [R(r"\+CIVER: \S.*"), "OK"]),
    ],
    "CIMOD": _modes(),
    "CIPSCONT": [
        ("AT+CIPSCONT=2,UDP,127.0.0.1,9,0", ["OK"]),  # quotes are optional (research §A.3)
        (DUMP, DUMP_LAYOUT),
        ('AT+CIPSCONT=2,"TCP","example.com",10101,0', ["OK"]),
        (DUMP, DUMP_LAYOUT),
    ],
    "CISOCLINK": [
        ("AT+CISOCLINK?", [*(f"+CISOCLINK: {n},LONG,10" for n in range(1, 5)), "OK"]),
        ("AT+CISOCLINK=2,SHORT,30", ["OK"]),
        (
            "AT+CISOCLINK?",
            ["+CISOCLINK: 1,LONG,10", "+CISOCLINK: 2,SHORT,30", R(".*"), R(".*"), "OK"],
        ),
        ("AT+CISOCLINK=0", ["OK"]),  # vendor form: every socket short
        ("AT+CISOCLINK?", [*(R(rf"\+CISOCLINK: {n},SHORT,\d+") for n in range(1, 5)), "OK"]),
        ("AT+CISOCLINK=1", ["OK"]),
        ("AT+CISOCLINK=2,LONG,10", ["OK"]),
        ("AT+CISOCLINK?", [*(f"+CISOCLINK: {n},LONG,10" for n in range(1, 5)), "OK"]),
    ],
    "CIPCFG": [
        ("AT+CIPCFG=1,30,0,50,512,1800", ["OK"]),
        ("AT+CIPCFG?", ["+CIPCFG: 1, 30, 0, 50, 512, 1800", "OK"]),
        ("AT+CIPCFG=1,0,0,100,1460,0", ["OK"]),
        ("AT+CIPCFG?", ["+CIPCFG: 1, 0, 0, 100, 1460, 0", "OK"]),
    ],
    "CIPPACK": [
        ('AT+CIPPACK=0,"31313131","1"', ["OK"]),
        ('AT+CIPPACK=1,"31303031","0"', ["OK"]),
        (
            "AT+CIPPACK?",
            ['+CIPPACK: 0, "31313131",1', '+CIPPACK: 1, "31303031" , 0, USER', "OK"],
        ),
        ('AT+CIPPACK=1,"31303031","1"', ["OK"]),
        ("AT+CIPPACK?", [R(".*"), '+CIPPACK: 1, "31303031" , 1, USER', "OK"]),
        ('AT+CIPPACK=1,"","0","IMEI"', ["OK"]),
        ("AT+CIPPACK?", [R(".*"), '+CIPPACK: 1, "" , 0, IMEI', "OK"]),
        ('AT+CIPPACK=1,"","1","ICCID"', ["OK"]),
        ("AT+CIPPACK?", [R(".*"), '+CIPPACK: 1, "" , 1, ICCID', "OK"]),
        (f'AT+CIPPACK=1,"{CLOUD_HEX}","0","CLOUD"', ["OK"]),
        ("AT+CIPPACK?", [R(".*"), f'+CIPPACK: 1, "{CLOUD_HEX}" , 0, CLOUD', "OK"]),
        ("AT+CIPPACK=1,,0", ["OK"]),  # the empty form: no registration packet
        ('AT+CIPPACK=0,"7777772E7573722E636E","0"', ["OK"]),
        (
            "AT+CIPPACK?",
            ['+CIPPACK: 0, "7777772E7573722E636E",0', '+CIPPACK: 1, "" , 0, OFF', "OK"],
        ),
    ],
    "CSTT": [
        ('AT+CSTT="UNINET","user","secret"', ["OK"]),
        ("AT+CSTT?", ['+CSTT: "UNINET","user","secret"', "OK"]),
        ("AT+CSTT=CMNET", ["OK"]),
        ("AT+CSTT?", ['+CSTT: "CMNET","",""', "OK"]),
    ],
    "CINETPT": [
        ("AT+CINETPT=2,5000", ["OK"]),
        ("AT+CINETPT=1234", ["OK"]),  # one-argument form: socket 1
        ("AT+CINETPT?", ["+CINETPT:1,1234", "+CINETPT:2,5000", R(".*"), R(".*"), "OK"]),
        ("AT+CINETPT=1,0", ["OK"]),
        ("AT+CINETPT=2,0", ["OK"]),
        ("AT+CINETPT?", [*(f"+CINETPT:{n},0" for n in range(1, 5)), "OK"]),
    ],
    "ICF": [
        ("AT+ICF?", ["+ICF: 8,N,1", "OK"]),
        ("AT+ICF=7,O,2", ["OK"]),  # dtulab form: data bits, parity, stop bits
        ("AT+ICF?", ["+ICF: 7,O,2", "OK"]),
        ("AT+ICF=2,1", ["OK"]),  # V.25ter form: format 2 = 8 data 1 stop + parity 1 = even
        ("AT+ICF?", ["+ICF: 8,E,1", "OK"]),
        ("AT+ICF=3,3", ["OK"]),  # the vendor example: 8 data, 1 stop, no parity
        ("AT+ICF?", ["+ICF: 8,N,1", "OK"]),
    ],
    "CIPR": [
        ("AT+CIPR=9600", ["OK"]),
        ("AT+CIPR?", ["+CIPR: 9600", "OK"]),
        ("AT+CIPR=115200", ["OK"]),
        ("AT+CIPR?", ["+CIPR: 115200", "OK"]),
    ],
    "CIPNUM": [
        ("AT+CIPNUM=10086", ["OK"]),
        ("AT+CIPNUM?", ["+CIPNUM: 10086", "OK"]),
        ("AT+CIPNUM=+8613800000002", ["OK"]),
        ("AT+CIPNUM?", ["+CIPNUM: +8613800000002", "OK"]),
    ],
    "CIHTTP": [
        ('AT+CIHTTP=POST,"http://127.0.0.1:8080/api","Content-Type: text/plain"', ["OK"]),
        (
            "AT+CIHTTP?",
            ['+CIHTTP: POST,"http://127.0.0.1:8080/api","Content-Type: text/plain"', "OK"],
        ),
        ('AT+CIHTTP=GET,"http://127.0.0.1/"', ["OK"]),
        ("AT+CIHTTP?", ['+CIHTTP: GET,"http://127.0.0.1/",""', "OK"]),
    ],
    "CIFTP": [
        ('AT+CIFTP="127.0.0.1",2121,"user","pw","/fw.bin"', ["OK"]),
        ("AT+CIFTP?", ['+CIFTP: "127.0.0.1",2121,"user","pw","/fw.bin"', "OK"]),
    ],
    "CIPSW": [
        ('AT+CIPSW="usr.cn","abc123"', ["OK"]),
        ('AT+CIPSW="usr.cn","again"', ["ERROR"]),  # the old password is no longer valid
        ("AT+CIPSW=abc123,usr.cn", ["OK"]),
    ],
    "CINETAT": _switch("CINETAT", 0),
    "CICOMAT": _switch("CICOMAT", 0),
    "CISMSAT": _switch("CISMSAT", 1),
    "CIRINGSTA": _switch("CIRINGSTA", 0),
    "CIMODID": [
        ('AT+CIMODID="[USR-GPRS232-721]"', ["OK"]),
        ("AT+CIMODID?", ['+CIMODID: "[USR-GPRS232-721]"', "OK"]),
        ('AT+CIMODID=""', ["OK"]),
        ("AT+CIMODID?", ['+CIMODID: ""', "OK"]),
    ],
    "CIDTUIP": [("AT+CIDTUIP?", [R(r"\+CIDTUIP: (?!0\.0\.0\.0)\d+\.\d+\.\d+\.\d+"), "OK"])],
    "CINET": [
        (
            "AT+CINET?",
            [
                *(R(rf"\+CINET: {n},(CLOSED|CONNECTING|CONNECTED)") for n in range(1, 5)),
                "+CINET: GPRS,ATTACHED",
                "OK",
            ],
        )
    ],
    "CILAC": [("AT+CILAC?", [R(r"\+CILAC: [0-9A-F]+,[0-9A-F]+"), "OK"])],
    "ATW": [("ATW", ["OK"])],
    # standard GSM commands, answered by the modem
    "CCLK": [
        ("AT+CCLK?", [R(r'\+CCLK: "\d\d/\d\d/\d\d,\d\d:\d\d:\d\d[+-]\d\d"'), "OK"]),
        ('AT+CCLK="24/05/01,12:00:00+32"', ["OK"]),
        ("AT+CCLK?", [R(r'\+CCLK: "24/05/01,12:00:\d\d\+32"'), "OK"]),
    ],
    "CSQ": [("AT+CSQ", [R(r"\+CSQ: \d+,\d+"), "OK"])],
    "COPS": [("AT+COPS?", [R(r'\+COPS: \d(,\d,".+")?'), "OK"])],
    "CSCA": [("AT+CSCA?", [R(r'\+CSCA: ".*",\d+'), "OK"])],
    "CMGF": [("AT+CMGF=1", ["OK"]), ("AT+CMGF?", ["+CMGF: 1", "OK"])],
    "S0": [("ATS0=0", ["OK"]), ("ATS0?", [R(r"0*"), "OK"])],
    "ATD-ATH": [
        ("ATD10086;", ["OK"]),
        ("ATH", ["OK"]),
        ("ATDL", ["10086", "OK"]),  # redial the last number
        ("ATH", ["OK"]),
        ("ATA", ["NO CARRIER"]),  # nothing ringing
    ],
    "CMGL-CMGR": [('AT+CMGL="ALL"', ["OK"]), ("AT+CMGR=1", ["OK"])],  # none stored,
}


@pytest.mark.req("R-AT-6")
@pytest.mark.parametrize("name", list(TABLE))
def test_command_answers(bench, name):
    _, host = bench
    for line, expected in TABLE[name]:
        reply = host.at(line)
        assert matches(reply, expected), f"{line}: got {reply}, expected {expected}"


@pytest.mark.req("R-AT-6")
def test_imei_and_imsi_come_from_the_modem(bench):
    world, host = bench
    assert host.at("AT+CGSN") == [world.modem.identity.imei, "OK"]
    assert host.at("AT+CIMI") == [world.modem.identity.imsi, "OK"]


@pytest.mark.req("R-AT-6")
def test_cmgs_passes_the_prompt_through(bench):
    """AT+CMGS goes to the modem, which the DTU keeps in text mode with AT+CSCS="UCS2"."""
    world, host = bench
    before = len(world.sms_center.sent)
    number, text = (s.encode("utf-16-be").hex().upper() for s in ("10086", "hi 你好"))
    host.drain()
    host.write(f'AT+CMGS="{number}"\r')
    host.expect(b"\r\n> ")
    host.write(text.encode() + b"\x1a")
    host.expect_re(rb"\r\n\+CMGS: \d+\r\n\r\nOK\r\n", 20)
    sent = world.sms_center.wait_sent(before + 1, 20)[before:]
    assert [(s.to, s.text) for s in sent] == [("10086", "hi 你好")]
    host.write(f'AT+CMGS="{number}"\r')  # ESC at the prompt: nothing is sent
    host.expect(b"\r\n> ")
    host.write(b"\x1b")
    host.expect(b"\r\nOK\r\n")
    assert host.at("AT") == ["OK"]
    assert len(world.sms_center.sent) == before + 1


@pytest.mark.req("R-AT-6")
def test_cioptime_waits(bench):
    _, host = bench
    start = time.monotonic()
    assert host.at("AT+CIOPTIME=1000") == ["OK"]
    assert time.monotonic() - start >= 0.95
    start = time.monotonic()
    assert host.at("AT+CIOPTIME=0") == ["OK"]
    assert time.monotonic() - start < 0.9


@pytest.mark.req("R-AT-6")
def test_cismsend_reaches_the_sms_centre(bench):
    world, host = bench
    before = len(world.sms_center.sent)
    assert host.at('AT+CISMSEND=10086,"hello from the DTU"') == ["OK"]
    sent = world.sms_center.wait_sent(before + 1, 20)[before:]
    assert [(s.to, s.text) for s in sent] == [("10086", "hello from the DTU")]


def _cinet(host: DtuHost, socket: int) -> str:
    for line in host.at_ok("AT+CINET?"):
        if line.startswith(f"+CINET: {socket},"):
            return line.split(",", 1)[1]
    raise AssertionError(f"no +CINET line for socket {socket}")


def _wait_cinet(host: DtuHost, socket: int, state: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while _cinet(host, socket) != state:
        assert time.monotonic() < deadline, f"socket {socket} not {state} within {timeout} s"
        time.sleep(0.05)


@pytest.mark.req("R-AT-6")
def test_ciopen_cisend_ciclose(bench):
    world, host = bench
    server = world.server("dc1")
    port = server.port
    first = len(server.connections)
    host.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},0')
    assert host.at("AT+CIOPEN=1") == ["OK"]
    world.wait_connections(first + 1)
    _wait_cinet(host, 1, "CONNECTED")
    host.drain()
    host.write("AT+CISEND=1,5\r")
    host.expect(b"\r\n> ")
    host.write(b"hello")
    host.expect(b"\r\nSEND OK\r\n")
    world.wait(lambda: bytes(server.connections[first].received) == b"hello", 10, "hello")
    assert host.at("AT+CICLOSE=1") == ["OK"]
    world.wait(lambda: not server.connections[first].open, 10, "the server seeing the close")
    assert _cinet(host, 1) == "CLOSED"
    # the vendor form: protocol, address and port for socket 1; AT+CICLOSE alone closes it
    assert host.at(f'AT+CIOPEN="TCP","127.0.0.1",{port}') == ["OK"]
    world.wait_connections(first + 2)
    _wait_cinet(host, 1, "CONNECTED")
    assert host.at("AT+CICLOSE") == ["OK"]
    world.wait(lambda: not server.connections[first + 1].open, 10, "the server seeing the close")


@pytest.mark.req("R-AT-6")
def test_line_of_256_bytes_is_accepted(bench):
    _, host = bench
    line = 'AT+CIFTP="h",21,"u","p","/'
    line += "a" * (255 - len(line)) + '"'
    assert len(line) == 256
    assert host.at(line) == ["OK"]
    assert host.at("AT+CIFTP?") == [f'+CIFTP: "h",21,"u","p","/{"a" * 229}"', "OK"]


OVER_LONG = 'AT+CIFTP="h",21,"u","p","/' + "b" * 230 + '"'  # 257 bytes, valid otherwise
BAD = [
    "AT+FOO",
    "AT+CIMOD=5",
    "AT+CIMOD=-1",
    "AT+CIMOD=NETT",
    "AT+CIMOD=",
    "AT+CIMOD=1,2",
    "AT+CIMOD=0;+CIPNUM=1",  # one command per line
    "ATE0;+CIVER?",
    "AT+CIVER=1",
    "HELLO",
    'AT+CIPSCONT=5,"TCP","10.0.0.1",80,1',
    'AT+CIPSCONT=1,"SCTP","10.0.0.1",80,1',
    'AT+CIPSCONT=1,"TCP","10.0.0.1",70000,1',
    'AT+CIPSCONT=1,"TCP","10.0.0.1",80,2',
    'AT+CIPSCONT=1,"TCP","10.0.0.1",80',
    'AT+CIPSCONT=1,"TCP","10.0.0.1,80,1',
    'AT+CIPSCONT=1,"TCP","",80,1',
    "AT+CISOCLINK=2",
    "AT+CISOCLINK=5,LONG",
    "AT+CISOCLINK=1,LONG,1",
    "AT+CIPCFG=1,30,0,5,1460,0",
    "AT+CIPCFG=1,30,0,100,2000,0",
    "AT+CIPCFG=2,30,0,100,1460,0",
    "AT+CIPCFG=1,30,0,100",
    'AT+CIPPACK=0,"313","0"',
    'AT+CIPPACK=0,"ZZ","0"',
    'AT+CIPPACK=0,"' + "31" * 41 + '","0"',
    'AT+CIPPACK=0,"","0"',
    'AT+CIPPACK=2,"31","0"',
    'AT+CIPPACK=1,"31","2"',
    'AT+CIPPACK=1,"31","0","SN"',
    'AT+CIPPACK=1,"3132","0","CLOUD"',
    'AT+CSTT=""',
    'AT+CSTT="' + "a" * 51 + '"',
    "AT+CINETPT=5,10",
    "AT+CINETPT=1,70000",
    "AT+ICF=7,X,1",
    "AT+ICF=7,N,3",
    "AT+ICF=9,N,1",
    "AT+ICF=5,2",
    "AT+CIPR=1000",
    "AT+CIPR=230400",
    "AT+CIPNUM=abc",
    'AT+CIHTTP=PUT,"http://127.0.0.1/"',
    'AT+CIHTTP=GET,"ftp://127.0.0.1/"',
    'AT+CIHTTP=POST,"http://10.0.0.1/","a\tb"',
    'AT+CIHTTP=POST,"http://10.0.0.1/","' + "h" * 201 + '"',
    'AT+CIFTP="h",0,"u","p","/f"',
    'AT+CIFTP="h",21,"u","p",""',
    'AT+CIPSW="wrong","new"',
    'AT+CIPSW="usr.cn","a#b"',
    'AT+CIPSW="usr.cn","' + "p" * 17 + '"',
    "AT+CINETAT=2",
    "AT+CICOMAT=x",
    "AT+CISMSAT=2",
    "AT+CIRINGSTA=-1",
    "AT+CIOPTIME=10001",
    'AT+CIMODID="' + "x" * 33 + '"',
    "AT+CIOPEN=3",
    "AT+CIOPEN=5",
    'AT+CIOPEN="TCP","10.0.0.1",0',
    "AT+CICLOSE=5",
    "AT+CISEND=3,5",
    "AT+CISEND=1,0",
    "AT+CISEND=1,1461",
    "AT+CISMSEND=abc,hello",
    'AT+CISMSEND=10086,""',
    "AT+CIRELOAD?",
    "ATW1",
    "AT+ENTM=1",
    "ATE2",
    OVER_LONG,
]


@pytest.mark.req("R-AT-6")
@pytest.mark.parametrize("line", BAD, ids=lambda line: line if len(line) < 60 else "over-long")
def test_refused_input_answers_error_and_changes_nothing(bench, line):
    _, host = bench
    before = snapshot(host)
    assert host.at(line) == ["ERROR"]
    assert snapshot(host) == before
    assert host.at("AT") == ["OK"]


# printable Latin-1 and TAB; no CR (ends the line), LF (ignored) or backspace (edits)
_CHARS = "\t" + "".join(map(chr, range(0x20, 0x7F))) + "".join(map(chr, range(0xA0, 0x100)))
_NO_LETTERS = "".join(ch for ch in _CHARS if not ch.isalpha())
GARBAGE = st.one_of(
    # lines that are not AT commands at all
    st.text(_CHARS, min_size=1, max_size=300).filter(
        lambda s: s.strip() != "" and not s.strip().upper().startswith("AT")
    ),
    # "AT" and anything without a letter: no command name can form
    st.text(_NO_LETTERS, max_size=300).map(lambda s: "AT" + s),
)


@pytest.mark.req("R-AT-6")
@settings(max_examples=50, deadline=None, database=None)
@given(line=GARBAGE)
def test_garbage_never_crashes_nor_changes_settings(bench, line):
    _, host = bench
    before = host.at_ok(DUMP)
    reply = host.at(line)
    assert reply in (["OK"], ["ERROR"]), reply
    assert host.at_ok(DUMP) == before
    assert host.at("AT") == ["OK"]
