"""dtulab: a bench that emulates a GPRS DTU (USR-GPRS232-721 class) and tests DTUs against it."""

__version__ = "0.1.0"
