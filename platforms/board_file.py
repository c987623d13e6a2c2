"""A board file: how a firmware image on the emulated board is wired to the DTU's signals.

The emulator targets (qemu, renode) need to know which UART is the RS232 port, which the modem
and which the debug console, which SCC CFG1 bit drives each LED, which one the
modem's PWRKEY (optional), where the EEPROM sits on the I2C bus, and
(optionally) the strap word that tells the firmware the bench's timing
profile. ``board.toml`` beside this file describes the project's firmware
(firmware/README.md); a user's firmware brings its own (docs/targets.md).
Loading checks every field and names the bad one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BOARD = Path(__file__).with_name("board.toml")  # the project's firmware/
UART_COUNT = 5  # CMSDK APB UARTs on mps2-an385/an386
LED_NAMES = ("POW", "NET", "DATA")


class BoardFileError(ValueError):
    """A board file that cannot be read or has a bad field (the message says which)."""


@dataclass(frozen=True)
class Strap:
    address: int
    words: dict[str, int]  # timing profile -> word


@dataclass(frozen=True)
class BoardFile:
    """A loaded board file: the emulated MCU's pins as the DTU's signals (UART numbers, SCC
    CFG1 bits, the EEPROM's bus and address). Not the ``Board`` a target gets (board.py):
    that is the bench's side of the same signals."""

    machine: str = "mps2-an385"
    uarts: dict[str, int] = field(default_factory=lambda: {"rs232": 0, "modem": 1, "debug": 2})
    leds: dict[str, int] = field(default_factory=lambda: {"POW": 0, "NET": 1, "DATA": 2})
    eeprom_bus: str = "i2c"
    eeprom_address: int = 0x50
    eeprom_size: int = 4096
    strap: Strap | None = None
    pwrkey: int | None = None  # SCC CFG1 bit that presses the modem's PWRKEY (1 = pressed)
    source: str = "built-in"


def _int(table: dict[str, object], key: str, where: str, lo: int, hi: int) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise BoardFileError(f"{where}.{key} must be an integer {lo}..{hi}, not {value!r}")
    return value


def _table(raw: dict[str, object], key: str, path: Path) -> dict[str, object]:
    table = raw.get(key, {})
    if not isinstance(table, dict):
        raise BoardFileError(f"{path}: [{key}] must be a table")
    return table


def load_board(path: str | Path | None = None) -> BoardFile:
    """The board file at ``path`` (the project's board.toml when None)."""
    path = Path(path) if path else DEFAULT_BOARD
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise BoardFileError(f"cannot read board file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BoardFileError(f"board file {path} is not valid TOML: {exc}") from None
    machine = raw.get("machine", "mps2-an385")
    if machine not in ("mps2-an385", "mps2-an386"):
        raise BoardFileError(f"{path}: machine must be mps2-an385 or mps2-an386, not {machine!r}")
    uart_table = _table(raw, "uarts", path)
    unknown = set(uart_table) - {"rs232", "modem", "debug"}
    if unknown:
        raise BoardFileError(f"{path}: unknown UART(s) {sorted(unknown)}: rs232, modem, debug")
    uarts = dict(BoardFile().uarts)  # a table names what differs from the project's wiring
    uarts.update({n: _int(uart_table, n, f"{path}: uarts", 0, UART_COUNT - 1) for n in uart_table})
    if len(set(uarts.values())) != len(uarts):
        raise BoardFileError(f"{path}: uarts must name different UARTs, got {uarts}")
    led_table: dict[str, object] = (
        _table(raw, "leds", path) if "leds" in raw else dict(BoardFile().leds)
    )
    unknown = set(led_table) - set(LED_NAMES)
    if unknown:
        raise BoardFileError(f"{path}: unknown LED(s) {sorted(unknown)}; the DTU has {LED_NAMES}")
    leds = {name: _int(led_table, name, f"{path}: leds", 0, 7) for name in led_table}
    ee = _table(raw, "eeprom", path)
    size = _int(ee, "size", f"{path}: eeprom", 512, 65536) if "size" in ee else 4096
    if size % 512:
        raise BoardFileError(f"{path}: eeprom.size must be a multiple of 512 (QEMU's at24c)")
    bus = ee.get("bus", "i2c")
    if not isinstance(bus, str) or not bus:
        raise BoardFileError(f"{path}: eeprom.bus must be a QEMU bus name like 'i2c'")
    pwrkey = None
    if "modem" in raw:
        modem = _table(raw, "modem", path)
        unknown = set(modem) - {"pwrkey"}
        if unknown:
            raise BoardFileError(f"{path}: unknown modem signal(s) {sorted(unknown)}: pwrkey")
        if "pwrkey" in modem:
            pwrkey = _int(modem, "pwrkey", f"{path}: modem", 0, 7)
            shared = sorted(name for name, bit in leds.items() if bit == pwrkey)
            if shared:
                raise BoardFileError(
                    f"{path}: modem.pwrkey is SCC CFG1 bit {pwrkey}, already LED {shared[0]}"
                )
    strap = None
    if "strap" in raw:
        st = _table(raw, "strap", path)
        words = {p: _int(st, p, f"{path}: strap", 0, 0xFFFFFFFF) for p in ("fast", "realistic")}
        strap = Strap(_int(st, "address", f"{path}: strap", 0, 0xFFFFFFFF), words)
    return BoardFile(
        machine=machine,
        uarts=uarts,
        leds=leds,
        eeprom_bus=bus,
        eeprom_address=_int(ee, "address", f"{path}: eeprom", 0, 0x7F) if "address" in ee else 0x50,
        eeprom_size=size,
        strap=strap,
        pwrkey=pwrkey,
        source=str(path),
    )
