"""Models of the DTU board's peripherals: links, the GSM/GPRS modem; LEDs, power, EEPROM next."""
