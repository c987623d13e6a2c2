"""The usr721 dialect adapter's neutral operations (dtulab/dialects.py) on the reference DTU,
and ``DialectUnsupported``, what a dialect raises for a requirement it cannot express."""

import pytest

from dtulab.dialects import DialectUnsupported, dialect
from dtulab.platforms.base import Unsupported


def test_a_requirement_the_dialect_cannot_express_is_unsupported_by_it():
    exc = DialectUnsupported("usr-sock", "it has no FTP work mode")
    assert str(exc) == "unsupported by the dialect usr-sock: it has no FTP work mode"
    assert isinstance(exc, Unsupported) and exc.ROBOT_SKIP_EXECUTION  # skipped in Robot
    assert (exc.target, exc.reason) == ("usr-sock", "it has no FTP work mode")


def test_an_op_or_mode_the_table_lacks_is_one_clear_error():
    # the table needs no DTU
    adapter = dialect("usr721", None)  # type: ignore[arg-type]
    assert adapter.command("set mode", "sms") == "AT+CIMOD=4"
    assert adapter.password_line("AT+CIVER?") == "usr.cn#AT+CIVER?"
    with pytest.raises(ValueError, match=r"no command 'reboot' \(known: mode\?, set mode"):
        adapter.command("reboot")
    with pytest.raises(ValueError, match="work mode: expected one of NET, FTP, AT, HTTPD, SMS"):
        adapter.reply("mode?", "CMD")


@pytest.mark.parametrize(
    "world",
    [{"target": t} for t in ("reference", "qemu", "native")],
    indirect=True,
    ids=["reference", "qemu", "native"],
)
def test_a_restart_loses_what_was_not_saved(world, host):
    adapter = dialect("usr721", host)
    host.enter_command_mode()
    adapter.set_sms_number("10086")
    adapter.save_settings()
    adapter.set_sms_number("12345")
    since = world.now()
    adapter.restart(timeout=30)  # back online, in the work mode
    world.wait_restart(since)  # NET went off (the boot) and is on again
    host.enter_command_mode()
    ask, saved = adapter.command("sms number?"), adapter.reply("sms number?", "10086")
    assert host.at(ask) == [saved, "OK"]


def test_a_password_change_the_dtu_refuses_changes_nothing(world, host):
    adapter = dialect("usr721", host)
    host.enter_command_mode()
    assert adapter.set_password("wrong", "abc123") is False
    assert adapter.set_password(adapter.default_password, "abc123") is True
    assert adapter.set_password(adapter.default_password, "again") is False
    assert adapter.set_password("abc123", adapter.default_password) is True
