"""The QEMU target: a DTU firmware image on the mps2-an385 board under qemu-system-arm.

The image (the project's firmware/, built on demand, or any ELF given with
``firmware=``) runs in QEMU (machine.py) wired as the board file says
(platforms/board_file.py). The board's signals come from QEMU's trace
(trace.py): SCC CFG1 writes (LEDs, the modem's PWRKEY) and the I2C write
transactions of QEMU's at24c EEPROM; what the bench does with them, and how
power maps to the emulator, is platforms/emulator.py. Power (qemu-board.md
"Power events"): a cut kills the process, power back starts a new one, a
brown-out is QMP ``stop`` and power returning QMP ``system_reset`` + ``cont``.
"""

from __future__ import annotations

from dtulab.platforms.base import register
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.platforms.qemu.machine import QemuMachine


@register
class QemuTarget(EmulatorTarget):
    name = "qemu"

    machine_class = QemuMachine
