/* Board bring-up, restart, idle and the bench's timing strap (hal.h).
 * Restart is the ARMv7-M SCB AIRCR SYSRESETREQ (QEMU and Renode reset the whole
 * machine, RAM kept: the retained region, which no linker section covers, comes
 * through unchanged); idle is WFI, woken by the 1 kHz SysTick or a UART. The strap word
 * at 0x203FFF00 (outside every linker section) is "TIM" + profile byte
 * (0x54494D00 | profile), put there by QEMU's -device loader before each start. */
#include "board.h"
#include "hal.h"

#define SCB_AIRCR REG32(0xE000ED0Cu)
#define AIRCR_SYSRESETREQ 0x05FA0004u /* VECTKEY | SYSRESETREQ */
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

void hal_restart(void)
{
    __asm volatile("dsb" ::: "memory");
    SCB_AIRCR = AIRCR_SYSRESETREQ;
    __asm volatile("dsb" ::: "memory");
    for (;;)
        ;
}

extern uint8_t __retained_start[];

void *hal_retained(void) { return __retained_start; }

void hal_idle(void)
{
    __asm volatile("wfi" ::: "memory");
}

enum hal_timing hal_timing_profile(void)
{
    return STRAP_WORD == (STRAP_MAGIC | TIMING_FAST) ? TIMING_FAST : TIMING_REALISTIC;
}
