/* The CMSDK APB watchdog at 0x40008000 (ARM DDI 0479 4.6; present in QEMU 7.2's
 * mps2-an385, clocked at 25 MHz, its interrupt wired to NMI). The counter runs
 * down from LOAD; the first time it reaches zero it raises the interrupt (NMI)
 * and reloads, the second time, with the interrupt still pending, it resets the
 * board (RESEN). hal_watchdog_kick clears the interrupt and reloads the counter.
 * So the board resets WATCHDOG_S seconds after the last kick, in two halves. */
#include "board.h"
#include "hal.h"

#define WDOG_LOAD REG32(0x40008000u)
#define WDOG_CONTROL REG32(0x40008008u) /* bit0 INTEN (runs the counter), bit1 RESEN */
#define WDOG_INTCLR REG32(0x4000800Cu)
#define WDOG_LOCK REG32(0x40008C00u)
#define WDOG_UNLOCK_KEY 0x1ACCE551u
#define WATCHDOG_S 4u

void watchdog_init(void)
{
    WDOG_LOCK = WDOG_UNLOCK_KEY;
    WDOG_LOAD = SYSCLK_HZ / 2u * WATCHDOG_S;
    WDOG_CONTROL = 3u;
    WDOG_LOCK = 0;
}

void hal_watchdog_kick(void)
{
    WDOG_LOCK = WDOG_UNLOCK_KEY;
    WDOG_INTCLR = 1u;
    WDOG_LOCK = 0;
}

/* The first timeout: wait, interrupt pending, for the second one to reset. */
void NMI_Handler(void)
{
    for (;;)
        ;
}
