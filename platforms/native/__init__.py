"""The native target: the project's DTU logic built for the build host, run as a process.

firmware/dtu/*.c — the same sources as the ARM image — compiled with the build host's gcc
on firmware/native/hal_native.c (``make -C firmware native``: with AddressSanitizer and
UBSan; ``native COVERAGE=1``: with gcov counters), or any program built on that HAL given
with ``firmware=``. It runs wired as the board file says (platforms/board_file.py): what the
bench does with its signals, and how power maps to it, is platforms/emulator.py; the process
and its links are machine.py. No MCU is emulated: no instruction timing, no UART hardware
(docs/targets.md "The native target" says what it cannot model).
"""

from __future__ import annotations

from dtulab.platforms.base import register
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.platforms.native.machine import NativeMachine


@register
class NativeTarget(EmulatorTarget):
    name = "native"

    machine_class = NativeMachine
    project_goal = "native"
