"""Registration, signal, operator and GPRS attach (SIM800 §3.2, §7; 27.007 §7.2, §10.1)."""

from tests.conftest import wait_registered, wait_until


def test_signal_and_operator(console, runner):
    wait_registered(console)
    assert console.command("AT+CSQ") == ["+CSQ: 24,0", "OK"]
    assert console.command("AT+COPS?") == ['+COPS: 0,0,"CHINA MOBILE"', "OK"]
    assert (
        console.command("AT+COPS=?")[0] == '+COPS: (2,"CHINA MOBILE","CMCC","46000"),,(0-4),(0-2)'
    )
    assert console.command("AT+COPS=0") == ["OK"]
    assert console.command("AT+COPS=1,2,99999") == ["ERROR"]


def test_creg_urcs_follow_coverage(console, runner):
    wait_registered(console)
    assert console.command("AT+CREG=1") == ["OK"]
    fault = runner.inject("no-coverage")
    console.expect("\r\n+CREG: 2\r\n")
    assert console.command("AT+CREG?") == ["+CREG: 1,2", "OK"]
    assert console.command("AT+COPS?") == ["+COPS: 0", "OK"]
    runner.clear(fault)
    console.expect("\r\n+CREG: 1\r\n")


def test_creg_2_reports_location(console, runner):
    wait_registered(console)
    assert console.command("AT+CREG=2") == ["OK"]
    lac, ci = f"{runner.network.lac:04X}", f"{runner.network.cell_id:04X}"
    assert console.command("AT+CREG?") == [f'+CREG: 2,1,"{lac}","{ci}"', "OK"]
    runner.inject("reboot")
    console.expect("SMS Ready")
    # RAM lost: <n> is back to 0 and the module is still searching
    assert console.command("AT+CREG?")[1] in ("+CREG: 0,2", "+CREG: 0,1")


def test_cgreg_and_cgatt(console, runner):
    wait_registered(console)
    assert console.command("ATE0;+CGREG=1") == ["OK"]
    assert console.command("AT+CGREG?") == ["+CGREG: 1,1", "OK"]
    assert console.command("AT+CGATT=0") == ["OK"]
    console.expect("\r\n+CGREG: 0\r\n")
    assert console.command("AT+CGATT?") == ["+CGATT: 0", "OK"]
    assert console.command("AT+CGATT=1") == ["OK"]
    console.expect("\r\n+CGREG: 1\r\n")
    assert console.command("AT+CGATT=2") == ["ERROR"]


def test_cgatt_fails_without_gprs_service(console, runner):
    wait_registered(console)
    assert console.command("AT+CMEE=1") == ["OK"]
    runner.inject("gprs-detach")
    wait_until(lambda: console.command("AT+CGATT?")[0] == "+CGATT: 0")
    assert console.command("AT+CGATT=1") == ["+CME ERROR: 148"]


def test_registration_needs_a_sim(tmp_path):
    from dtulab.console import Console
    from dtulab.peripherals.gsm_modem.modem import ModemIdentity
    from dtulab.peripherals.gsm_modem.runner import ModemRunner

    with ModemRunner("pty", identity=ModemIdentity(sim_inserted=False)) as r, Console(r.port) as c:
        c.expect("+CPIN: NOT INSERTED")
        assert c.command("ATE0;+CMEE=1") == ["ATE0;+CMEE=1", "OK"]
        assert c.command("AT+CPIN?") == ["+CME ERROR: 10"]
        assert c.command("AT+CIMI") == ["+CME ERROR: 10"]
        assert c.command("AT+CREG?") == ["+CREG: 0,0", "OK"]
