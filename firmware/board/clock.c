/* hal_millis from timer 1 of the dual timer at 0x40002000 (ARM DDI 0271, SP804;
 * CMSDK APB dual timer on AN385 — QEMU models it, and Renode's ARM_SP804_Timer
 * too, unlike the single CMSDK timers), running free at 25 MHz from 0xFFFFFFFF
 * down as a 32-bit counter: each reading adds the ticks elapsed since
 * the last one, so the clock follows the hardware counter even when QEMU merges
 * late timer interrupts (docs/qemu-board.md). SysTick fires at 1 kHz only to
 * wake WFI; its handler also samples the counter so a wrap (every 171 s) is
 * never missed. */
#include "board.h"
#include "hal.h"

#define TIMER1_LOAD REG32(0x40002000u)
#define TIMER1_VALUE REG32(0x40002004u)
#define TIMER1_CTRL REG32(0x40002008u) /* bit7 enable, bit6 periodic, bit1 32-bit */
#define CTRL_FREE_32 0x82u              /* enabled, free-running, 32-bit, prescale 1 */
#define SYST_CSR REG32(0xE000E010u)     /* bit0 enable, 1 interrupt, 2 processor clock */
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define TICKS_PER_MS (SYSCLK_HZ / 1000u)

static uint32_t last_value, ms, rest_ticks;

void clock_init(void)
{
    TIMER1_CTRL = 0;
    TIMER1_LOAD = 0xFFFFFFFFu;
    last_value = 0xFFFFFFFFu;
    ms = rest_ticks = 0;
    TIMER1_CTRL = CTRL_FREE_32;

    SYST_RVR = TICKS_PER_MS - 1u; /* the processor clock is 25 MHz too */
    SYST_CVR = 0;
    SYST_CSR = 7u;
}

static uint32_t sample(void)
{
    uint32_t saved = irq_save();
    uint32_t value = TIMER1_VALUE;
    uint32_t elapsed = last_value - value; /* a down-counter; wraps modulo 2^32 */
    last_value = value;
    ms += elapsed / TICKS_PER_MS;
    rest_ticks += elapsed % TICKS_PER_MS;
    if (rest_ticks >= TICKS_PER_MS) {
        rest_ticks -= TICKS_PER_MS;
        ms++;
    }
    uint32_t now = ms;
    irq_restore(saved);
    return now;
}

uint32_t hal_millis(void)
{
    return sample();
}

void SysTick_Handler(void)
{
    sample();
}
