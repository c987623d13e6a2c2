"""The modem's AT command groups; importing this package registers every handler."""

from dtulab.peripherals.gsm_modem.commands import (  # noqa: F401
    basic,
    bearer,
    ftp,
    http,
    netreg,
    sms,
    tcpip,
    voice,
)
