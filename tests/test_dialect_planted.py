"""A planted fault in the usr-sock reference fails the registration suite through the adapter.

The reference in the usr-sock dialect gets one wrong command handler: ``AT+REGSND=LINK``
stores DATA, so the registration goes before every packet when it was asked once per
connection (R-REG-1). The unchanged Robot suite, run in this process with
``DIALECT:usr-sock`` (so the bench it starts has the planted handler), must fail the test
that checks registration once per connection, and only through the adapter's commands
(docs/dialects/usr-sock.md): proof that the adapter and the suites judge a DTU of that
family rather than pass whatever it does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from robot import run as robot_run
from robot.api import ExecutionResult

from dtulab.dtu import usr_sock
from dtulab.dtu.usr721 import Device, Session
from dtulab.peripherals.gsm_modem.atparse import Command

SUITE = Path(__file__).parents[1] / "robot" / "suites" / "registration.robot"


@pytest.mark.req("R-REG-1")
def test_registration_on_every_packet_when_link_was_asked_fails_the_suite(monkeypatch, tmp_path):
    honest = usr_sock.COMMANDS["+REGSND"]

    async def planted(dtu: Device, cmd: Command, s: Session) -> list[str]:
        reply = await honest(dtu, cmd, s)
        st = dtu.settings
        if st.extra["REGSND"] == "LINK":  # the fault: LINK is stored as DATA
            st.extra["REGSND"] = "DATA"
            st.reg_mode = "DATA" if st.reg_mode != "OFF" else "OFF"
        return reply

    monkeypatch.setitem(usr_sock.COMMANDS, "+REGSND", planted)
    robot_run(
        str(SUITE),
        variable=["DIALECT:usr-sock"],
        test="The Registration Packet Is Sent Once Per Connection",
        outputdir=str(tmp_path),
        output="output.xml",
        log="NONE",
        report="NONE",
        console="none",
    )
    tests = {t.name: t for t in ExecutionResult(str(tmp_path / "output.xml")).suite.all_tests}
    once = tests["The Registration Packet Is Sent Once Per Connection"]
    assert once.status == "FAIL", once.message
    # DATA sends nothing on connecting: the registration the link should open with is missing
    assert "expected b'LOGIN:1001' from its start, got b''" in once.message
