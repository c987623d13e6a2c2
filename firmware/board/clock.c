/* hal_millis from CMSDK APB timer 0 at 0x40000000 (ARM DDI 0479 4.5), running
 * free at 25 MHz from 0xFFFFFFFF down: each reading adds the ticks elapsed since
 * the last one, so the clock follows the hardware counter even when QEMU merges
 * late timer interrupts (docs/qemu-board.md). SysTick fires at 1 kHz only to
 * wake WFI; its handler also samples the counter so a wrap (every 171 s) is
 * never missed. */
#include "board.h"
#include "hal.h"

#define TIMER0_CTRL REG32(0x40000000u)  /* bit0 enable */
#define TIMER0_VALUE REG32(0x40000004u)
#define TIMER0_RELOAD REG32(0x40000008u)
#define SYST_CSR REG32(0xE000E010u)     /* bit0 enable, 1 interrupt, 2 processor clock */
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define TICKS_PER_MS (SYSCLK_HZ / 1000u)

static uint32_t last_value, ms, rest_ticks;

void clock_init(void)
{
    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 0xFFFFFFFFu;
    TIMER0_VALUE = 0xFFFFFFFFu;
    last_value = 0xFFFFFFFFu;
    ms = rest_ticks = 0;
    TIMER0_CTRL = 1u;

    SYST_RVR = TICKS_PER_MS - 1u; /* the processor clock is 25 MHz too */
    SYST_CVR = 0;
    SYST_CSR = 7u;
}

static uint32_t sample(void)
{
    uint32_t saved = irq_save();
    uint32_t value = TIMER0_VALUE;
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
