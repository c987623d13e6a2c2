"""The SMS centre (SMSC) of the modelled network: delivers incoming SMS, records sent ones.

Skeleton: the full model (GSM 03.38 / UCS2, storage, +CMTI) is in progress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peripherals.gsm_modem.modem import Modem


class SmsCenter:
    number = "+8613800100500"

    def __init__(self) -> None:
        self.sent: list[object] = []
        self.modem: Modem | None = None

    def attach(self, modem: Modem) -> None:
        self.modem = modem
        modem.extra["sms_center"] = self
