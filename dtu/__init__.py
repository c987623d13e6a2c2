"""The reference DTU: the USR-GPRS232-721 manual's behaviour in Python (arrives next)."""
