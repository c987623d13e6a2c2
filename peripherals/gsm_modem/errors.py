"""Final error results of the modem (SIM800 manual §19.1, 3GPP TS 27.007 §9.2, TS 27.005 §3.2.5).

A handler raises ``AtError`` (plain ``ERROR``), ``CmeError`` (``+CME ERROR``) or
``CmsError`` (``+CMS ERROR``). How it is shown depends on ``AT+CMEE``:
0 → ``ERROR``; 1 → ``+CME ERROR: <n>`` / ``+CMS ERROR: <n>``; 2 → the verbose text.
"""

from __future__ import annotations

CME_TEXT: dict[int, str] = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    13: "SIM failure",
    14: "SIM busy",
    21: "invalid index",
    30: "no network service",
    50: "incorrect parameters",
    100: "unknown",
    148: "unspecified GPRS error",
    160: "DNS resolve failed",
    161: "socket open failed",
    180: "gprs not attached",
    181: "tcpip stack busy",
    601: "Unrecognized Command",
    603: "Syntax Error",
    604: "Unspecified Error",
    606: "Action Already",
    607: "Not At Cmd",
    608: "Multi Cmd too long",
    791: "Param count not enough",
    792: "Param count beyond",
    793: "Param value range beyond",
    794: "Param type not match",
    795: "Param format invalid",
    765: "invalid input value",
    796: "null param",
}

CMS_TEXT: dict[int, str] = {
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    320: "memory failure",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    500: "unknown error",
}

# Codes used across the command modules.
NOT_ALLOWED = 3
UNKNOWN_COMMAND = 601
SYNTAX = 603
RANGE = 793
COUNT_LOW = 791
COUNT_HIGH = 792
TYPE = 794


class AtError(Exception):
    """A plain ``ERROR`` whatever AT+CMEE says."""

    def render(self, cmee: int) -> str:
        return "ERROR"


class CmeError(AtError):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code

    def render(self, cmee: int) -> str:
        if cmee == 1:
            return f"+CME ERROR: {self.code}"
        if cmee == 2:
            return f"+CME ERROR: {CME_TEXT.get(self.code, str(self.code))}"
        return "ERROR"


class CmsError(AtError):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code

    def render(self, cmee: int) -> str:
        if cmee == 1:
            return f"+CMS ERROR: {self.code}"
        if cmee == 2:
            return f"+CMS ERROR: {CMS_TEXT.get(self.code, str(self.code))}"
        return "ERROR"
