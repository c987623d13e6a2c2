"""The Renode target: a DTU firmware image on the DTU board (renode.repl) under Renode.

With an STM32 board file (``--board stm32f103``, or a user's: platforms/board_file.py) the board
is instead Renode's STM32F103 with dtulab's parts (stm32f103.repl, stm32.py), and the project's
image is the STM32 build of the same firmware (``make -C firmware BOARD=stm32f103``).

The same ELF as the qemu target (the project's firmware/, or ``firmware=``)
runs on renode.repl — the mps2-an385 memory map with Renode's Cortex-M,
NVIC, CMSDK UARTs and SP804 dual timer, and Python peripherals for what
Renode lacks (platforms/renode/*.py: the SCC with the LEDs and PWRKEY, the
SBCon I2C EEPROM, the watchdog, the supply-voltage register, the timing
strap). machine.py drives Renode through its robot server (robot_server.py); the bench side
(links, LEDs, EEPROM mirror, power) is platforms/emulator.py. Renode is not
installable from this project's package sources: the target finds a user's
Renode through ``RENODE`` or ``renode`` on PATH, and without one every use
is "unsupported on renode: Renode not installed".
"""

from __future__ import annotations

from dtulab.platforms.base import TargetError, register
from dtulab.platforms.board import Board
from dtulab.platforms.board_file import MPS2, STM32
from dtulab.platforms.emulator import EmulatorOptions, EmulatorTarget
from dtulab.platforms.renode.machine import RenodeMachine, find_renode


@register
class RenodeTarget(EmulatorTarget):
    name = "renode"

    machines = MPS2 + STM32

    def __init__(self, board: Board, options: EmulatorOptions) -> None:
        find_renode()  # Unsupported, with the reason, where there is no Renode
        super().__init__(board, options)
        if self.board_file.machine in STM32:
            self.project_goal = f"BOARD={self.board_file.machine}"

    machine_class = RenodeMachine

    async def monitor(self, line: str) -> str:
        """Renode's monitor, through its robot server (``ExecuteCommand``)."""
        if self.machine is None or self.machine.control is None:
            raise TargetError("Renode is not running (the board is off)")
        return str(await self.machine.control.execute(line))
