"""The DTU board for an STM32F1 under Renode, as a board file wires it.

Renode's own STM32F103 platform plus dtulab's parts (stm32f103.repl: RCC, flash ACR, IWDG,
backup registers) is the MCU; the board file (platforms/stm32f103.toml or a user's,
platforms/board_file.py) says what is on its pins, and this module writes that as a platform
description of its own: the AT24C32 (cs/DtulabAT24C.cs) on the EEPROM's I2C controller at its
address, and the LED and PWRKEY pins wired to the inputs of the signals block
(cs/DtulabSignals.cs), which reports their changes to the bench as the mps2 board's SCC does.
Then the script the bench includes: both C# parts compiled (``include @file.cs``), the machine
made from the two descriptions, the board file's USARTs on socket terminals, the ELF loaded.
"""

from __future__ import annotations

from pathlib import Path

from dtulab.platforms.board_file import SIGNALS, BoardFile, pin_parts

HERE = Path(__file__).resolve().parent
PARTS = ("DtulabAT24C.cs", "DtulabSignals.cs")
FLASH = 0x08000000  # the main flash block (RM0008 3.3.3), where the vector table is linked


def wiring(board: BoardFile) -> str:
    """The board file's parts on the MCU, as a Renode platform description."""
    lines = [
        f"eeprom: I2C.DtulabAT24C @ {board.eeprom_bus} {board.eeprom_address:#x}",
        "",
        "signals: Miscellaneous.DtulabSignals @ sysbus",
    ]
    by_port: dict[int, list[str]] = {}
    for signal, pin in sorted(board.pins.items(), key=lambda item: SIGNALS[item[0]]):
        port, number = pin_parts(pin)
        by_port.setdefault(port, []).append(f"    {number} -> signals@{SIGNALS[signal]}")
    for port, connections in sorted(by_port.items()):
        lines += ["", f"gpioPort{chr(ord('A') + port)}:", *connections]
    return "\n".join(lines) + "\n"


def script(board: BoardFile, elf: Path, ports: dict[str, int], folder: Path) -> Path:
    """Write the board's description and the script that builds the machine into ``folder``;
    the script's path. ``ports``: the socket terminal of each link the board file wires."""
    description = folder / "stm32-wiring.repl"
    description.write_text(wiring(board))
    lines = [f"include @{HERE / 'cs' / part}" for part in PARTS]
    lines += [
        'mach create "dtu"',
        f"machine LoadPlatformDescription @{HERE / 'stm32f103.repl'}",
        f"machine LoadPlatformDescription @{description}",
    ]
    for name, usart in sorted(board.uarts.items()):
        lines += [
            f'emulation CreateServerSocketTerminal {ports[name]} "{name}" false',
            f"connector Connect sysbus.usart{usart} {name}",
        ]
    # booting from flash (BOOT0 low) the part fetches its vector table through the alias of
    # flash at 0 (RM0008 3.4); Renode's platform has no alias and forgets VTOR at a reset, so
    # the machine's reset macro points the core at flash again
    lines += ["macro reset", '"""', f"    sysbus.cpu VectorTableOffset {FLASH:#x}", '"""']
    lines.append(f"sysbus LoadELF @{elf.resolve()}")
    path = folder / "stm32.resc"
    path.write_text("\n".join(lines) + "\n")
    return path
