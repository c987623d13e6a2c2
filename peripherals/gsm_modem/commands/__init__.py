"""The modem's AT command groups; importing this package registers every handler."""

from peripherals.gsm_modem.commands import basic, netreg, tcpip  # noqa: F401
