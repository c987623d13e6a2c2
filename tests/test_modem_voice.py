"""Voice calls as far as the DTU uses them (SIM800 §2.2; 27.007 §7.6)."""

from tests.conftest import wait_registered


def test_dial_hang_up_and_redial(console, runner):
    wait_registered(console)
    assert console.command("ATD13800000002;") == ["OK"]
    assert console.command("AT+CLCC") == ['+CLCC: 1,0,0,0,0,"13800000002",129', "OK"]
    assert console.command("ATH") == ["OK"]
    assert console.command("AT+CLCC") == ["OK"]
    assert console.command("ATDL") == ["13800000002", "OK"]
    runner.remote_hangup()
    console.expect("\r\nNO CARRIER\r\n")


def test_data_call_and_bad_numbers(console):
    wait_registered(console)
    assert console.command("ATD13800000002") == ["NO CARRIER"]  # no CSD in the model
    assert console.command("ATD;") == ["ERROR"]
    assert console.command("ATDxyz;") == ["ERROR"]


def test_no_network_no_carrier(console, runner):
    wait_registered(console)
    runner.inject("no-coverage")
    assert console.command("ATD13800000002;") == ["NO CARRIER"]


def test_cellular_result_codes_announce_the_call_type(console, runner):
    """AT+CRC (SIM800 §3.2.16), which python-gsmmodem sets on connect: +CRING: VOICE."""
    wait_registered(console)
    assert console.command("AT+CRC?") == ["+CRC: 0", "OK"]
    assert console.command("AT+CRC=?") == ["+CRC: (0,1)", "OK"]
    assert console.command("AT+CRC=2") == ["ERROR"]
    assert console.command("AT+CRC=1") == ["OK"]
    assert console.command("AT+CRC?") == ["+CRC: 1", "OK"]
    runner.incoming_call("13912345678")
    ring = console.expect_re(rb"\r\n(RING|\+CRING: VOICE)\r\n").group(1)
    assert ring == b"+CRING: VOICE"
    assert console.command("ATA") == ["OK"]


def test_incoming_call_rings_and_is_answered(console, runner):
    wait_registered(console)
    assert console.command("AT+CLIP=1") == ["OK"]
    runner.incoming_call("+8613912345678")
    console.expect("\r\nRING\r\n")
    console.expect('\r\n+CLIP: "+8613912345678",145,"",0,"",0\r\n')
    assert console.command("ATA") == ["OK"]
    assert console.command("AT+CLCC") == ['+CLCC: 1,1,0,0,0,"+8613912345678",145', "OK"]
    assert console.command("ATA") == ["NO CARRIER"]  # nothing is ringing now


def test_auto_answer_after_s0_rings(console, runner):
    wait_registered(console)
    assert console.command("ATS0=2") == ["OK"]
    runner.incoming_call("10086")
    console.expect("RING")
    console.expect("RING")
    assert console.command("AT+CLCC") == ['+CLCC: 1,1,0,0,0,"10086",129', "OK"]


def test_caller_gives_up(console, runner):
    wait_registered(console)
    runner.incoming_call("10086")
    console.expect("RING")
    runner.remote_hangup()
    console.expect("NO CARRIER")
    assert console.command("AT+CLCC") == ["OK"]
