from tests.conftest import bring_up_gprs


def test_at_ok(console):
    assert console.command("AT") == ["OK"]


def test_gprs_bring_up(console):
    bring_up_gprs(console)
