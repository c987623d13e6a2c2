"""A board file: how a firmware image on the emulated board is wired to the DTU's signals.

The emulator targets (qemu, renode) need to know which UART is the RS232 port, which the modem
and which the debug console, which SCC CFG1 bit drives each LED, which one the
modem's PWRKEY (optional), where the EEPROM sits on the I2C bus, and
(optionally) the strap word that tells the firmware the bench's timing
profile. ``board.toml`` beside this file describes the project's firmware
(firmware/README.md); a user's firmware brings its own (docs/targets.md).
Loading checks every field and names the bad one.

A board file is for one MCU family (``machine``): the mps2 boards (CMSDK UARTs, SCC CFG1 bits),
or ``stm32f103`` (Renode only: USART numbers, GPIO pins such as ``"PB12"`` for the LEDs and
PWRKEY, the I2C controller of the EEPROM, the HSE crystal; ``stm32f103.toml`` beside this file is
the project's). On an STM32 board the LEDs and PWRKEY become signal bits 0-3 of the block that
reports the pins (platforms/renode/cs/DtulabSignals.cs), so the bench reads them as it reads
CFG1 on mps2. ``firmware_header`` writes the same wiring as the C header the STM32 firmware is
built with (firmware/board/stm32f103/, ``make BOARD=stm32f103 BOARD_FILE=...``): one file
wires both the image and the bench. A bare name (``stm32f103``) is the project's board file of
that name.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BOARD = Path(__file__).with_name("board.toml")  # the project's firmware/
UART_COUNT = 5  # CMSDK APB UARTs on mps2-an385/an386; USART1..5 on an STM32F103
LED_NAMES = ("POW", "NET", "DATA")
MPS2 = ("mps2-an385", "mps2-an386")
STM32 = ("stm32f103",)
SIGNALS = {"POW": 0, "NET": 1, "DATA": 2, "PWRKEY": 3}  # STM32: pin -> DtulabSignals input
PIN = re.compile(r"P([A-G])(1[0-5]|[0-9])")  # GPIO ports A..G, pins 0..15 (RM0008 9)


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
    pins: dict[str, str] = field(default_factory=dict)  # STM32: signal -> GPIO pin ("PB12")
    hse_hz: int = 8_000_000  # STM32: the HSE crystal the clock start-up multiplies


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


def board_path(name: str | Path | None) -> Path:
    """A board file's path: the project's board.toml for None or "", the project's
    ``<name>.toml`` beside this file for a bare name it has, else the path given."""
    if not name:
        return DEFAULT_BOARD
    text = str(name)
    if "/" not in text and "." not in text and DEFAULT_BOARD.with_name(f"{text}.toml").is_file():
        return DEFAULT_BOARD.with_name(f"{text}.toml")
    return Path(name)


def load_board(path: str | Path | None = None) -> BoardFile:
    """The board file at ``path`` (the project's board.toml when None; ``board_path``)."""
    path = board_path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise BoardFileError(f"cannot read board file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BoardFileError(f"board file {path} is not valid TOML: {exc}") from None
    machine = raw.get("machine", "mps2-an385")
    if machine in STM32:
        return _load_stm32(raw, path, str(machine))
    if machine not in MPS2:
        known = ", ".join((*MPS2, *STM32)[:-1]) + f" or {STM32[-1]}"
        raise BoardFileError(f"{path}: machine must be {known}, not {machine!r}")
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


def _pin(table: dict[str, object], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not PIN.fullmatch(value):
        raise BoardFileError(f"{where}.{key} must be a GPIO pin PA0..PG15, not {value!r}")
    return value


def _load_stm32(raw: dict[str, object], path: Path, machine: str) -> BoardFile:
    """An STM32F1 board file: USARTs 1..5, LED and PWRKEY pins, the EEPROM's I2C controller."""
    uart_table = _table(raw, "uarts", path)
    if set(uart_table) != {"rs232", "modem", "debug"}:
        raise BoardFileError(f"{path}: [uarts] must name rs232, modem and debug (USART 1..5)")
    uarts = {n: _int(uart_table, n, f"{path}: uarts", 1, UART_COUNT) for n in uart_table}
    if len(set(uarts.values())) != len(uarts):
        raise BoardFileError(f"{path}: uarts must name different USARTs, got {uarts}")
    led_table = _table(raw, "leds", path)
    if set(led_table) != set(LED_NAMES):
        raise BoardFileError(f"{path}: [leds] must give a pin for each of {LED_NAMES}")
    pins = {name: _pin(led_table, name, f"{path}: leds") for name in LED_NAMES}
    modem = _table(raw, "modem", path)
    if set(modem) - {"pwrkey"}:
        raise BoardFileError(f"{path}: unknown modem signal(s) {sorted(set(modem) - {'pwrkey'})}")
    if "pwrkey" in modem:
        pins["PWRKEY"] = _pin(modem, "pwrkey", f"{path}: modem")
    if len(set(pins.values())) != len(pins):
        raise BoardFileError(f"{path}: the LEDs and PWRKEY must be different pins, got {pins}")
    ee = _table(raw, "eeprom", path)
    bus = ee.get("bus", "i2c1")
    if bus not in ("i2c1", "i2c2"):
        raise BoardFileError(f"{path}: eeprom.bus must be i2c1 or i2c2, not {bus!r}")
    if bus == "i2c2" and 3 in uarts.values():
        raise BoardFileError(f"{path}: I2C2 and USART3 share PB10/PB11")
    if ee.get("size", 4096) != 4096:
        raise BoardFileError(f"{path}: eeprom.size must be 4096 (an AT24C32)")
    clock = _table(raw, "clock", path)
    hse = _int(clock, "hse", f"{path}: clock", 4_000_000, 16_000_000) if clock else 8_000_000
    strap = None
    if "strap" in raw:
        st = _table(raw, "strap", path)
        words = {p: _int(st, p, f"{path}: strap", 0, 0xFFFFFFFF) for p in ("fast", "realistic")}
        strap = Strap(_int(st, "address", f"{path}: strap", 0, 0xFFFFFFFF), words)
    return BoardFile(
        machine=machine,
        uarts=uarts,
        leds={name: SIGNALS[name] for name in LED_NAMES},
        eeprom_bus=str(bus),
        eeprom_address=_int(ee, "address", f"{path}: eeprom", 0, 0x7F) if "address" in ee else 0x50,
        strap=strap,
        pwrkey=SIGNALS["PWRKEY"] if "PWRKEY" in pins else None,
        source=str(path),
        pins=pins,
        hse_hz=hse,
    )


def pin_parts(pin: str) -> tuple[int, int]:
    """The port (A = 0) and the number of a pin: "PB12" -> (1, 12)."""
    match = PIN.fullmatch(pin)
    assert match is not None, pin
    return ord(match[1]) - ord("A"), int(match[2])


def firmware_header(board: BoardFile) -> str:
    """The C header (pins.h) an STM32 image is built with: the board file's wiring."""
    if board.machine not in STM32:
        raise BoardFileError(f"{board.source}: a firmware header is for an STM32 board file")
    lines = [
        f"/* Written by platforms/board_file.py from {Path(board.source).name}: edit that. */",
        "#ifndef PINS_H",
        "#define PINS_H",
        *(f"#define BOARD_USART_{n.upper()} {u}u" for n, u in board.uarts.items()),
        *(
            f"#define BOARD_PIN_{s} {{{', '.join(map(str, pin_parts(p)))}}}"
            for s, p in board.pins.items()
        ),
        f"#define BOARD_EEPROM_I2C {board.eeprom_bus[-1]}",
        f"#define BOARD_I2C_BASE {0x40005400 if board.eeprom_bus == 'i2c1' else 0x40005800:#x}u",
        f"#define BOARD_EEPROM_ADDR {board.eeprom_address:#x}u",
        f"#define BOARD_HSE_HZ {board.hse_hz}u",
        "#endif",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python3 platforms/board_file.py BOARD_FILE OUT (firmware/Makefile)
    try:
        header = firmware_header(load_board(sys.argv[1]))
    except BoardFileError as exc:
        sys.exit(f"board file: {exc}")
    Path(sys.argv[2]).write_text(header)
