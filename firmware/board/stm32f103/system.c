/* Board bring-up, the watchdog and the bench's timing strap (hal.h); restart, idle and the
 * retained RAM are every Cortex-M3 board's (../cortex_m3.c). The watchdog is the IWDG (RM0008 19): started once, it resets
 * the MCU WATCHDOG_MS after the last kick and cannot be stopped. The strap is the word the bench
 * keeps in the backup registers DR1:DR2 (RM0008 5.4; platforms/renode/stm32f103.repl), "TIM" +
 * the profile byte, read with the backup domain's clocks on. */
#include "board.h"
#include "hal.h"

#define STRAP_MAGIC 0x54494D00u
#define WATCHDOG_MS 4000u

void hal_init(void)
{
    clock_init();
    leds_init();
    i2c_init();
    uart_init();
    watchdog_init();
    __asm volatile("cpsie i" ::: "memory");
}

void watchdog_init(void)
{
    uint32_t pr, rlr;
    stm32f1_iwdg(WATCHDOG_MS, &pr, &rlr);
    RCC_CSR |= RCC_CSR_LSION;
    IWDG_KR = 0x5555u; /* PR and RLR open to writes */
    IWDG_PR = pr;
    IWDG_RLR = rlr;
    IWDG_KR = 0xAAAAu;
    IWDG_KR = 0xCCCCu; /* start */
}

void hal_watchdog_kick(void)
{
    IWDG_KR = 0xAAAAu;
}

enum hal_timing hal_timing_profile(void)
{
    RCC_APB1ENR |= RCC_APB1ENR_BKPEN | RCC_APB1ENR_PWREN;
    uint32_t strap = (BKP_DR1 & 0xFFFFu) << 16 | (BKP_DR2 & 0xFFFFu);
    return strap == (STRAP_MAGIC | TIMING_FAST) ? TIMING_FAST : TIMING_REALISTIC;
}
