"""A SIMCom SIM800-class GSM/GPRS modem model, driven over a link like the real module.

Importing the package registers every AT command group (``commands/``).
"""

from dtulab.peripherals.gsm_modem import commands  # noqa: F401  (registers the handlers)
from dtulab.peripherals.gsm_modem.modem import Modem, ModemIdentity
from dtulab.peripherals.gsm_modem.network import CellNetwork

__all__ = ["CellNetwork", "Modem", "ModemIdentity"]
