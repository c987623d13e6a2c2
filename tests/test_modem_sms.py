"""SMS through the real pty: AT+CMGS/CMGR/CMGL/CMGD/CNMI/CPMS against the SMS centre model.

PDUs are written out here by hand (or taken from public references) rather than
built with the model's own encoder, so the tests check the model against the
standard, not against itself.
"""

from __future__ import annotations

import re

from dtulab.console import FINAL, Console
from dtulab.peripherals.gsm_modem.runner import ModemRunner
from tests.conftest import wait_registered, wait_until

CTRL_Z, ESC = b"\x1a", b"\x1b"
PEER = "+8613912345678"
SENDER = "+8613700000001"
SMSC_HEX = "0891683108100005F0"  # +8613800100500, the centre's default address
CMTI = re.compile(rb'\r\n\+CMTI: "SM",(\d+)\r\n')
HELLO_TPDU = "11000B916407281553F80000AA0AE8329BFD4697D9EC37"  # dreamfabric "hellohello"


def send(console: Console, header: str, body: bytes, end: bytes = CTRL_Z) -> list[str]:
    """AT+CMGS...: wait for the ``> `` prompt, type the body, end it; the reply lines."""
    console.write(header + "\r")
    console.expect(b"\r\n> ")
    console.write(body + end)
    match = console.expect(FINAL)
    text = (console.before + match.group(0)).decode("latin-1")
    return [line for line in re.split(r"\r\n", text) if line]


def setup(console: Console, *commands: str) -> None:
    wait_registered(console)
    for command in ("AT+CMEE=1", *commands):
        assert console.command(command)[-1] == "OK", command


def receive(runner: ModemRunner, console: Console, text: str, sender: str = SENDER) -> int:
    """Deliver from the centre and wait for +CMTI; the storage index."""
    runner.sms_center.deliver(sender, text)
    return int(console.expect(CMTI).group(1))


# -- settings -------------------------------------------------------------------
def test_defaults_and_test_forms(console: Console) -> None:
    assert console.command("AT+CMGF?") == ["+CMGF: 0", "OK"]
    assert console.command("AT+CMGF=?") == ["+CMGF: (0,1)", "OK"]
    assert console.command("AT+CSCS?") == ['+CSCS: "IRA"', "OK"]
    assert console.command("AT+CSCS=?")[0].startswith('+CSCS: ("IRA","GSM","UCS2","HEX"')
    assert console.command("AT+CSCA?") == ['+CSCA: "+8613800100500",145', "OK"]
    assert console.command("AT+CSMP?") == ["+CSMP: 17,167,0,0", "OK"]
    assert console.command("AT+CNMI?") == ["+CNMI: 2,1,0,0,0", "OK"]
    assert console.command("AT+CNMI=?") == ["+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)", "OK"]
    assert console.command("AT+CPMS?") == ['+CPMS: "SM_P",0,50,"SM_P",0,50,"SM_P",0,50', "OK"]
    assert console.command("AT+CMGD=?") == ["+CMGD: (1-50),(0-4)", "OK"]
    assert console.command("AT+CMGS=?") == ["OK"]


def test_csca_and_cpms_set(console: Console) -> None:
    assert console.command('AT+CSCA="+8613800755500",145') == ["OK"]
    assert console.command("AT+CSCA?") == ['+CSCA: "+8613800755500",145', "OK"]
    assert console.command('AT+CPMS="SM","SM","SM"') == ["+CPMS: 0,50,0,50,0,50", "OK"]
    assert console.command("AT+CPMS?") == ['+CPMS: "SM",0,50,"SM",0,50,"SM",0,50', "OK"]
    assert console.command('AT+CPMS="ME"')[0] == "+CPMS: 0,50,0,50,0,50"
    assert console.command("AT+CPMS?")[0] == '+CPMS: "ME",0,50,"SM",0,50,"SM",0,50'


# -- sending --------------------------------------------------------------------
def test_text_mode_send_gsm7(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1", 'AT+CSCS="GSM"')
    reply = send(console, f'AT+CMGS="{PEER}"', b"Temp 21.5C, door open!")
    assert reply[-1] == "OK" and re.fullmatch(r"\+CMGS: \d+", reply[0])
    (sms,) = runner.sms_center.wait_sent(1)
    assert (sms.to, sms.text, sms.encoding, sms.pdu) == (
        PEER,
        "Temp 21.5C, door open!",
        "gsm7",
        None,
    )
    assert sms.smsc == "+8613800100500"
    assert reply[0] == f"+CMGS: {sms.mr}"


def test_text_mode_send_extension_characters(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")  # IRA: ASCII in, GSM 7-bit with escapes out
    assert send(console, f'AT+CMGS="{PEER}"', b"a[1]{2}~\\|^")[-1] == "OK"
    # "€" is not in IRA: type it as UCS2 hex; the dcs stays 0, so it goes out GSM 7-bit
    assert console.command('AT+CSCS="UCS2"') == ["OK"]
    number = PEER.encode("utf-16-be").hex().upper()
    assert send(console, f'AT+CMGS="{number}"', b"20AC0035")[-1] == "OK"
    first, second = runner.sms_center.wait_sent(2)
    assert first.text == "a[1]{2}~\\|^"
    assert first.data == b"a\x1b<1\x1b>\x1b(2\x1b)\x1b=\x1b/\x1b@\x1b\x14"  # TS 23.038 §6.2.1.1
    assert (second.to, second.text, second.encoding) == (PEER, "€5", "gsm7")


def test_text_mode_send_chinese_ucs2(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1", 'AT+CSCS="UCS2"', "AT+CSMP=17,167,0,8")
    number = "002B0038003600310033003900310032003300340035003600370038"  # +8613912345678
    body = "你好，世界".encode("utf-16-be").hex().upper().encode()
    assert send(console, f'AT+CMGS="{number}"', body)[-1] == "OK"
    (sms,) = runner.sms_center.wait_sent(1)
    assert (sms.to, sms.text, sms.encoding, sms.dcs) == (PEER, "你好，世界", "ucs2", 8)
    assert sms.data == bytes.fromhex("4F60597DFF0C4E16754C")


def test_text_mode_long_text_goes_as_concatenated_parts(
    runner: ModemRunner, console: Console
) -> None:
    setup(console, "AT+CMGF=1")
    text = "".join(str(i % 10) for i in range(200))
    reply = send(console, f'AT+CMGS="{PEER}"', text.encode())
    assert reply[-1] == "OK"
    first, second = runner.sms_center.wait_sent(2)
    assert (len(first.text), len(second.text)) == (153, 47)
    assert (first.concat.total, first.concat.seq, second.concat.seq) == (2, 1, 2)
    assert first.concat.ref == second.concat.ref
    assert reply[0] == f"+CMGS: {second.mr}"
    assert runner.sms_center.full_texts() == [text]


def test_pdu_mode_send_classic_vector(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=0")
    reply = send(console, "AT+CMGS=23", ("00" + HELLO_TPDU).encode())
    assert reply[-1] == "OK" and reply[0].startswith("+CMGS: ")
    (sms,) = runner.sms_center.wait_sent(1)
    assert (sms.to, sms.text, sms.encoding, sms.pdu) == (
        "+46708251358",
        "hellohello",
        "gsm7",
        HELLO_TPDU,
    )
    assert sms.smsc == "+8613800100500"  # SMSC 00: the AT+CSCA address


def test_pdu_mode_send_ucs2_with_smsc(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=0")
    # SMS-SUBMIT, MR 0, to +8613912345678, PID 0, DCS 08 (UCS2), VP A7, UDL 4, "你好"
    tpdu = "1100" + "0D91683119325476F8" + "0008A7" + "04" + "4F60597D"
    smsc = "0891683108001000F0"  # +8613800001000
    reply = send(console, f"AT+CMGS={len(tpdu) // 2}", (smsc + tpdu).lower().encode())
    assert reply[-1] == "OK"
    (sms,) = runner.sms_center.wait_sent(1)
    assert (sms.to, sms.text, sms.encoding) == (PEER, "你好", "ucs2")
    assert sms.smsc == "+8613800001000"


def test_pdu_errors(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=0")
    pdu = "00" + HELLO_TPDU
    assert send(console, "AT+CMGS=22", pdu.encode()) == ["+CMS ERROR: 304"]  # length mismatch
    assert send(console, "AT+CMGS=23", b"00" + b"ZZ" * 23) == ["+CMS ERROR: 304"]  # not hex
    deliver_mti = "00" + "04" + HELLO_TPDU[2:]  # TP-MTI of an SMS-DELIVER
    assert send(console, "AT+CMGS=23", deliver_mti.encode()) == ["+CMS ERROR: 304"]
    truncated = pdu[:-2]  # UDL says 10 septets, 8 octets follow
    assert send(console, "AT+CMGS=22", truncated.encode()) == ["+CMS ERROR: 304"]
    assert console.command("AT+CMGS=3") == ["+CMS ERROR: 304"]  # shorter than any TPDU
    assert console.command("AT+CMGS=x") == ["+CMS ERROR: 304"]
    assert console.command(f'AT+CMGS="{PEER}"') == ["+CMS ERROR: 304"]  # text form in PDU mode
    assert send(console, "AT+CMGS=23", pdu.encode())[-1] == "OK"
    assert [s.text for s in runner.sms_center.wait_sent(1)] == ["hellohello"]


def test_esc_aborts_without_sending(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")
    assert send(console, f'AT+CMGS="{PEER}"', b"never sent", end=ESC) == ["OK"]
    assert send(console, f'AT+CMGS="{PEER}"', b"sent")[-1] == "OK"
    assert [s.text for s in runner.sms_center.wait_sent(1)] == ["sent"]


def test_send_without_network_is_cms_331(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")
    fault = runner.inject("no-coverage")
    wait_until(lambda: "+CREG: 0,1" not in console.command("AT+CREG?"))
    assert send(console, f'AT+CMGS="{PEER}"', b"no network") == ["+CMS ERROR: 331"]
    runner.clear(fault)
    wait_registered(console)
    assert send(console, f'AT+CMGS="{PEER}"', b"back")[-1] == "OK"
    assert [s.text for s in runner.sms_center.wait_sent(1)] == ["back"]


def test_empty_smsc_is_cms_330(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1", 'AT+CSCA=""')
    assert send(console, f'AT+CMGS="{PEER}"', b"x") == ["+CMS ERROR: 330"]
    assert runner.sms_center.sent == []


def test_garbage_parameters_change_nothing(console: Console) -> None:
    setup(console, "AT+CMGF=1")
    bad = {
        "AT+CMGF=2": "+CMS ERROR: 305",
        "AT+CMGF=1,1": "+CMS ERROR: 305",
        'AT+CSCS="TEST"': "+CME ERROR: 765",
        "AT+CSMP=17,abc": "+CMS ERROR: 305",
        "AT+CSMP=300": "+CMS ERROR: 305",
        "AT+CNMI=4": "+CMS ERROR: 305",
        "AT+CNMI=2,1,1": "+CMS ERROR: 305",
        'AT+CPMS="XX"': "+CMS ERROR: 302",
        "AT+CMGR=0": "+CMS ERROR: 321",
        "AT+CMGR=51": "+CMS ERROR: 321",
        "AT+CMGR=abc": "+CMS ERROR: 321",
        "AT+CMGR=1,5": "+CMS ERROR: 305",
        "AT+CMGD=99": "+CMS ERROR: 321",
        "AT+CMGD=1,9": "+CMS ERROR: 305",
        'AT+CMGL="all"': "+CMS ERROR: 305",  # the stat must be upper case
        f"AT+CMGS={PEER}": "+CMS ERROR: 305",  # text mode: <da> is a quoted string
        'AT+CMGS="12-34"': "+CMS ERROR: 305",
        'AT+CSCA="abc"': "+CME ERROR: 793",
        "AT+CMGS?": "ERROR",
    }
    for command, error in bad.items():
        assert console.command(command) == [error], command
    assert console.command("AT+CMGF?")[0] == "+CMGF: 1"
    assert console.command("AT+CSCS?")[0] == '+CSCS: "IRA"'
    assert console.command("AT+CSMP?")[0] == "+CSMP: 17,167,0,0"
    assert console.command("AT+CNMI?")[0] == "+CNMI: 2,1,0,0,0"
    assert console.command("AT+CPMS?")[0] == '+CPMS: "SM_P",0,50,"SM_P",0,50,"SM_P",0,50'
    assert console.command("AT+CSCA?")[0] == '+CSCA: "+8613800100500",145'
    assert console.command("AT+CMEE=0") == ["OK"]
    assert console.command("AT+CMGR=0") == ["ERROR"]


# -- receiving ------------------------------------------------------------------
def test_receive_text_mode_read_list_delete(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")
    assert receive(runner, console, "Hello DTU") == 1
    stamp = r'"\d\d/\d\d/\d\d,\d\d:\d\d:\d\d\+32"'
    header, body, ok = console.command("AT+CMGR=1")
    assert re.fullmatch(rf'\+CMGR: "REC UNREAD","\{SENDER}","",{stamp}', header)
    assert (body, ok) == ("Hello DTU", "OK")
    assert console.command("AT+CMGR=1")[0].startswith('+CMGR: "REC READ"')
    assert receive(runner, console, "second") == 2
    assert console.command("AT+CPMS?")[0] == '+CPMS: "SM_P",2,50,"SM_P",2,50,"SM_P",2,50'
    unread = console.command('AT+CMGL="REC UNREAD"')
    assert len(unread) == 3 and unread[0].startswith('+CMGL: 2,"REC UNREAD"')
    assert unread[1] == "second"
    listing = console.command('AT+CMGL="ALL"')
    assert [line.split(",")[0] for line in listing[::2]] == ["+CMGL: 1", "+CMGL: 2", "OK"]
    assert listing[1::2] == ["Hello DTU", "second"]
    assert console.command("AT+CMGD=1") == ["OK"]
    assert console.command("AT+CMGR=1") == ["OK"]  # an empty slot
    assert console.command("AT+CMGD=1,4") == ["OK"]
    assert console.command('AT+CMGL="ALL"') == ["OK"]
    assert console.command("AT+CPMS?")[0] == '+CPMS: "SM_P",0,50,"SM_P",0,50,"SM_P",0,50'


def test_receive_pdu_mode(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=0")
    assert receive(runner, console, "hellohello") == 1
    header, hexpdu, ok = console.command("AT+CMGR=1")
    assert ok == "OK"
    length = int(re.fullmatch(r'\+CMGR: 0,"",(\d+)', header).group(1))
    assert hexpdu.startswith(SMSC_HEX)
    tpdu = hexpdu[len(SMSC_HEX) :]
    assert len(tpdu) == 2 * length
    # SMS-DELIVER: fo 04, OA 0D 91 +8613700000001, PID 00, DCS 00, SCTS (7), UDL 0A, UD
    assert tpdu.startswith("040D91683107000000F10000")
    assert tpdu[36:38] == "23"  # time zone +8 h = 32 quarters, swapped semi-octets
    assert tpdu.endswith("0AE8329BFD4697D9EC37")
    assert console.command("AT+CMGL=4")[0] == '+CMGL: 1,1,"",' + str(length)
    assert console.command("AT+CMGL=0") == ["OK"]  # nothing unread any more


def test_receive_chinese_ucs2(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")
    assert receive(runner, console, "你好世界") == 1
    lines = console.command("AT+CMGR=1")
    assert lines[1] == "4F60597D4E16754C"  # UCS2 data shows as hex whatever the charset
    assert console.command('AT+CSCS="UCS2"') == ["OK"]
    header = console.command("AT+CMGR=1")[0]
    assert '"' + SENDER.encode("utf-16-be").hex().upper() + '"' in header
    assert console.command("AT+CMGF=0") == ["OK"]
    assert console.command("AT+CMGR=1")[1].endswith("084F60597D4E16754C")  # UDL 8, UCS2


def test_receive_extension_characters(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")
    assert receive(runner, console, "€[]{}") == 1
    assert console.command("AT+CMGR=1")[1] == "?[]{}"  # IRA has no euro sign
    assert console.command('AT+CSCS="HEX"') == ["OK"]
    assert console.command("AT+CMGR=1")[1] == "1B651B3C1B3E1B281B29"
    assert console.command('AT+CSCS="UCS2"') == ["OK"]
    assert console.command("AT+CMGR=1")[1] == "20AC005B005D007B007D"


def test_cmt_direct_delivery(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1", "AT+CNMI=2,2,0,0,0")
    runner.sms_center.deliver(SENDER, "direct")
    console.expect(re.compile(rb'\r\n\+CMT: "\+8613700000001","","[0-9/,:+]+"\r\ndirect\r\n'))
    assert console.command("AT+CMGF=0") == ["OK"]
    runner.sms_center.deliver(SENDER, "hellohello")
    match = console.expect(re.compile(rb'\r\n\+CMT: "",(\d+)\r\n([0-9A-F]+)\r\n'))
    assert match.group(2).decode().startswith(SMSC_HEX + "040D91683107000000F1")
    assert match.group(2).decode().endswith("0AE8329BFD4697D9EC37")
    assert len(match.group(2)) == 2 * (int(match.group(1)) + 9)
    assert console.command("AT+CPMS?")[0] == '+CPMS: "SM_P",0,50,"SM_P",0,50,"SM_P",0,50'


def test_cnmi_mode_0_buffers_indications(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1", "AT+CNMI=0,1,0,0,0")
    runner.sms_center.deliver(SENDER, "held")
    wait_until(lambda: console.command("AT+CPMS?")[0].startswith('+CPMS: "SM_P",1,'))
    assert b"+CMTI" not in console.drain()
    console.write("AT+CNMI=2,1,0,0,0\r")
    console.expect(b"\r\nOK\r\n")
    assert console.expect(CMTI).group(1) == b"1"


def test_long_incoming_text_arrives_in_parts(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=0")
    runner.sms_center.deliver(SENDER, "x" * 170)
    assert console.expect(CMTI).group(1) == b"1"
    assert console.expect(CMTI).group(1) == b"2"
    first = console.command("AT+CMGR=1")[1][len(SMSC_HEX) :]
    second = console.command("AT+CMGR=2")[1][len(SMSC_HEX) :]
    assert first[:2] == "40" and second[:2] == "44"  # TP-UDHI; TP-MMS: more to come
    # UDL 0xA0 (160 septets) then the header: concatenation, reference, 2 parts, part n
    udh = re.compile(r"0500 03([0-9A-F]{2})02(0[12])".replace(" ", ""))
    m1, m2 = udh.search(first[40:56]), udh.search(second[40:56])
    assert first[38:40] == "A0" and m1 and m2
    assert (m1.group(1), m1.group(2), m2.group(2)) == (m2.group(1), "01", "02")


def test_queued_while_not_registered(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")
    fault = runner.inject("no-coverage")
    wait_until(lambda: "+CREG: 0,1" not in console.command("AT+CREG?"))
    runner.sms_center.deliver(SENDER, "while away")
    wait_until(lambda: runner.call(lambda: runner.sms_center.pending) == 1)
    assert console.command("AT+CPMS?")[0].startswith('+CPMS: "SM_P",0,')
    runner.clear(fault)
    assert console.expect(CMTI).group(1) == b"1"
    assert runner.sms_center.pending == 0
    assert console.command("AT+CMGR=1")[1] == "while away"


def test_storage_full_keeps_the_message_at_the_centre(
    runner: ModemRunner, console: Console
) -> None:
    setup(console, "AT+CMGF=1", "AT+CNMI=2,0,0,0,0")  # stored without +CMTI
    for i in range(51):
        runner.sms_center.deliver(SENDER, f"m{i}")
    wait_until(lambda: console.command("AT+CPMS?")[0].startswith('+CPMS: "SM_P",50,50'))
    wait_until(lambda: runner.call(lambda: runner.sms_center.pending) == 1)
    assert console.command("AT+CMGR=50")[1] == "m49"
    assert console.command("AT+CNMI=2,1,0,0,0") == ["OK"]
    assert console.command("AT+CMGD=7") == ["OK"]  # memory available again
    assert console.expect(CMTI).group(1) == b"7"
    assert console.command("AT+CMGR=7")[1] == "m50"


def test_messages_survive_a_reboot(runner: ModemRunner, console: Console) -> None:
    setup(console, "AT+CMGF=1")
    assert receive(runner, console, "kept on the SIM") == 1
    runner.inject("reboot")
    console.expect(b"SMS Ready")
    assert console.command("ATE0")[-1] == "OK"
    assert console.command("AT+CMGF?")[0] == "+CMGF: 0"  # the setting itself was in RAM
    assert console.command("AT+CMGF=1") == ["OK"]
    assert console.command("AT+CMGR=1")[1] == "kept on the SIM"


def test_queued_while_off_and_across_a_reboot(runner: ModemRunner, console: Console) -> None:
    setup(console)
    runner.run(runner.modem.power_off())
    runner.sms_center.deliver(SENDER, "while off")
    wait_until(lambda: runner.call(lambda: runner.sms_center.pending) == 1)
    runner.power_on()
    assert console.expect(CMTI).group(1) == b"1"
    fault = runner.inject("no-coverage")
    wait_until(lambda: runner.call(lambda: runner.modem.reg.stat) not in (1, 5))
    runner.sms_center.deliver(SENDER, "across a reboot")
    wait_until(lambda: runner.call(lambda: runner.sms_center.pending) == 1)
    runner.inject("reboot")
    console.expect(b"SMS Ready")
    runner.clear(fault)
    assert console.expect(CMTI).group(1) == b"2"
