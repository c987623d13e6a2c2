"""SIMCom TCP/IP through the pty, against real loopback servers (SIM800 manual §8)."""

import socket

import pytest

from tests.conftest import bring_up_gprs, wait_registered


def cipstatus(console, mux: int = 1) -> list[str]:
    """AT+CIPSTATUS answers OK first, then STATE: and (multi-link) one C: line per link."""
    console.write("AT+CIPSTATUS\r")
    console.expect("\r\nOK\r\n")
    match = console.expect_re(rb"C: 5,[^\r]*\r\n" if mux else rb"STATE: [^\r]*\r\n")
    text = (console.before + match.group(0)).decode()
    return [line for line in text.split("\r\n") if line]


def status(console, mux: int = 1) -> str:
    return cipstatus(console, mux)[0].removeprefix("STATE: ")


def test_state_machine_multi_link(console, tcp_server):
    wait_registered(console)
    assert status(console, mux=0) == "IP INITIAL"
    assert console.command("AT+CIPMUX=1") == ["OK"]
    assert console.command("AT+CIPMUX?") == ["+CIPMUX: 1", "OK"]
    assert console.command('AT+CSTT="CMNET","",""') == ["OK"]
    assert status(console) == "IP START"
    assert console.command("AT+CSTT?") == ['+CSTT: "CMNET","",""', "OK"]
    assert console.command("AT+CIICR") == ["OK"]
    assert status(console) == "IP GPRSACT"
    console.write("AT+CIFSR\r")
    console.expect("\r\n10.78.245.128\r\n")
    assert status(console) == "IP STATUS"
    assert console.command(f'AT+CIPSTART=2,"TCP","127.0.0.1",{tcp_server.port}') == ["OK"]
    console.expect("2, CONNECT OK")
    assert status(console) == "IP PROCESSING"
    lines = cipstatus(console)
    assert f'C: 2,0,"TCP","127.0.0.1","{tcp_server.port}","CONNECTED"' in lines
    assert 'C: 0,,"","","","INITIAL"' in lines
    assert console.command("AT+CIPSTATUS=2")[0].endswith('"CONNECTED"')
    assert console.command("AT+CIPCLOSE=2") == ["2, CLOSE OK"]
    assert console.command("AT+CIPSHUT") == ["SHUT OK"]
    assert status(console, mux=0) == "IP INITIAL"


def test_state_machine_single_link(console, tcp_server):
    bring_up_gprs(console, mux=0)
    assert console.command(f'AT+CIPSTART="TCP","127.0.0.1",{tcp_server.port}') == ["OK"]
    console.expect("\r\nCONNECT OK\r\n")
    assert status(console, mux=0) == "CONNECT OK"
    console.write("AT+CIPSEND=3\r")
    console.expect("> ")
    console.write("abc")
    console.expect("\r\nSEND OK\r\n")
    assert tcp_server.wait_data(3) == b"abc"
    client = tcp_server.wait_client()
    client.sendall(b"raw")  # CIPHEAD=0: the payload alone
    console.expect(b"raw")
    assert console.command("AT+CIPHEAD=1") == ["OK"]
    client.sendall(b"xyz")
    console.expect(b"\r\n+IPD,3:xyz")
    assert console.command("AT+CIPCLOSE") == ["CLOSE OK"]
    assert status(console, mux=0) == "IP CLOSE"


def test_commands_out_of_state_are_refused(console, tcp_server):
    wait_registered(console)
    assert console.command("AT+CIICR") == ["ERROR"]  # needs IP START
    assert console.command("AT+CIFSR") == ["ERROR"]  # needs an active PDP context
    assert console.command("AT+CIPMUX=1") == ["OK"]
    assert console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{tcp_server.port}') == ["ERROR"]
    assert console.command("AT+CIPSEND=0,5") == ["ERROR"]  # no connection
    assert console.command('AT+CSTT="CMNET"') == ["OK"]
    assert console.command('AT+CSTT="OTHER"') == ["ERROR"]  # only in IP INITIAL
    assert console.command("AT+CIICR") == ["OK"]
    assert console.command("AT+CIPMUX=0") == ["ERROR"]  # only in IP INITIAL
    assert console.command("AT+CIPCLOSE=0") == ["ERROR"]


@pytest.mark.parametrize(
    "bad",
    [
        'AT+CIPSTART=6,"TCP","127.0.0.1",80',
        'AT+CIPSTART=0,"SCTP","127.0.0.1",80',
        'AT+CIPSTART=0,"TCP","127.0.0.1",70000',
        'AT+CIPSTART=0,"TCP","127.0.0.1"',
        'AT+CIPSTART=0,"TCP","",80',
        "AT+CIPSEND=0,0",
        "AT+CIPSEND=0,1461",
        "AT+CIPSEND=x",
    ],
)
def test_bad_parameters(console, bad):
    bring_up_gprs(console)
    assert console.command("AT+CMEE=1") == ["OK"]
    assert console.command(bad)[-1].startswith(("+CME ERROR", "ERROR"))
    assert status(console) == "IP STATUS"


def test_send_fixed_length_ctrl_z_and_escape(console, tcp_server):
    bring_up_gprs(console)
    console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{tcp_server.port}')
    console.expect("0, CONNECT OK")
    console.write("AT+CIPSEND=0,4\r")
    console.expect("\r\n> ")
    console.write(b"\x00\x1a\xffA")  # fixed length: Ctrl-Z is data
    console.expect("\r\n0, SEND OK\r\n")
    console.write("AT+CIPSEND=0\r")
    console.expect("> ")
    console.write(b"bytes\x1a")
    console.expect("\r\n0, SEND OK\r\n")
    console.write("AT+CIPSEND=0\r")
    console.expect("> ")
    console.write(b"never\x1b")
    console.expect("\r\nOK\r\n")
    assert tcp_server.wait_data(9) == b"\x00\x1a\xffAbytes"
    assert console.quiet(0.2) == b""
    assert bytes(tcp_server.received[0]) == b"\x00\x1a\xffAbytes"


def test_receive_and_remote_close(console, tcp_server):
    bring_up_gprs(console)
    console.command(f'AT+CIPSTART=1,"TCP","localhost",{tcp_server.port}')
    console.expect("1, CONNECT OK")
    client = tcp_server.wait_client()
    payload = bytes(range(256)) * 3
    client.sendall(payload)
    got = bytearray()
    while len(got) < len(payload):
        match = console.expect_re(rb"\r\n\+RECEIVE,1,(\d+):\r\n")
        got += console.read_exactly(int(match.group(1)))
    assert bytes(got) == payload
    client.shutdown(socket.SHUT_RDWR)
    console.expect("\r\n1, CLOSED\r\n")
    assert console.command("AT+CIPSTATUS=1") == ['+CIPSTATUS: 1,,"","","","INITIAL"', "OK"]


def test_connect_fail_and_already_connected(console, tcp_server):
    bring_up_gprs(console)
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    assert console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{port}') == ["OK"]
    console.expect("\r\n0, CONNECT FAIL\r\n")
    console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{tcp_server.port}')
    console.expect("0, CONNECT OK")
    assert console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{tcp_server.port}') == ["OK"]
    console.expect("\r\n0, ALREADY CONNECT\r\n")


def test_udp_exchange(console):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(10)
    bring_up_gprs(console)
    console.command(f'AT+CIPSTART=3,"UDP","127.0.0.1",{server.getsockname()[1]}')
    console.expect("3, CONNECT OK")
    console.write("AT+CIPSEND=3,5\r")
    console.expect("> ")
    console.write("hello")
    console.expect("3, SEND OK")
    data, addr = server.recvfrom(100)
    assert data == b"hello"
    server.sendto(b"pong", addr)
    console.expect(b"\r\n+RECEIVE,3,4:\r\npong")
    server.close()


def test_quick_send_and_manual_receive(console, tcp_server):
    bring_up_gprs(console)
    assert console.command("AT+CIPQSEND=1") == ["OK"]
    assert console.command("AT+CIPRXGET=1") == ["OK"]
    console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{tcp_server.port}')
    console.expect("0, CONNECT OK")
    console.write("AT+CIPSEND=0,2\r")
    console.expect("> ")
    console.write("hi")
    console.expect("\r\nDATA ACCEPT:0,2\r\n")
    assert tcp_server.wait_data(2) == b"hi"
    tcp_server.wait_client().sendall(b"0123456789")
    console.expect("\r\n+CIPRXGET: 1,0\r\n")
    assert console.command("AT+CIPRXGET=4,0") == ["+CIPRXGET: 4,0,10", "OK"]
    console.write("AT+CIPRXGET=2,0,4\r")
    console.expect(b"\r\n+CIPRXGET: 2,0,4,6\r\n0123\r\n\r\nOK\r\n")
    assert console.command("AT+CIPRXGET=3,0,3") == ["+CIPRXGET: 3,0,3,3", "343536", "OK"]


def test_dns_lookup(console):
    bring_up_gprs(console)
    assert console.command('AT+CDNSGIP="localhost"') == ["OK"]
    console.expect_re(rb'\+CDNSGIP: 1,"localhost","[^\r]+\r\n')
    assert console.command('AT+CDNSGIP="no-such-host.invalid"') == ["OK"]
    console.expect("+CDNSGIP: 0,8")


def test_many_sends_arrive_in_order(console, tcp_server):
    bring_up_gprs(console)
    console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{tcp_server.port}')
    console.expect("0, CONNECT OK")
    expected = b""
    for i in range(40):
        chunk = f"<{i:03d}>".encode() * 20
        console.write(f"AT+CIPSEND=0,{len(chunk)}\r")
        console.expect("> ")
        console.write(chunk)
        console.expect("0, SEND OK")
        expected += chunk
    assert tcp_server.wait_data(len(expected)) == expected


def test_echo_server_round_trip(console, echo_port):
    bring_up_gprs(console)
    console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{echo_port}')
    console.expect("0, CONNECT OK")
    console.write("AT+CIPSEND=0,4\r")
    console.expect("> ")
    console.write("ping")
    console.expect(b"0, SEND OK")
    console.expect(b"+RECEIVE,0,4:\r\nping")
