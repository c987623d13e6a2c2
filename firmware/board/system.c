/* Board bring-up and the bench's timing strap (hal.h); restart, idle and the retained RAM
 * are every Cortex-M3 board's (cortex_m3.c). The strap word
 * at 0x203FFF00 (outside every linker section) is "TIM" + profile byte
 * (0x54494D00 | profile), put there by QEMU's -device loader before each start. */
#include "board.h"
#include "hal.h"

#define STRAP_WORD REG32(0x203FFF00u)
#define STRAP_MAGIC 0x54494D00u

void hal_init(void)
{
    clock_init();
    leds_init();
    i2c_init();
    uart_init();
    watchdog_init();
    __asm volatile("cpsie i" ::: "memory");
}

enum hal_timing hal_timing_profile(void)
{
    return STRAP_WORD == (STRAP_MAGIC | TIMING_FAST) ? TIMING_FAST : TIMING_REALISTIC;
}
