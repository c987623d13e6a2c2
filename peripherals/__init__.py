"""Models of the DTU board's peripherals: links, the GSM/GPRS modem, and (later) LEDs, power, EEPROM."""
