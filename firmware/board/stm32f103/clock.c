/* The vendor-style clock start-up (as ST's system_stm32f10x.c SetSysClockTo72 does it, RM0008
 * 7.2): HSE on and ready, the flash wait states and the prefetch buffer (3.3.3) before the
 * switch, AHB /1, APB2 /1, APB1 /2 (36 MHz at most), the PLL on HSE up to 72 MHz (x 9 from
 * the usual 8 MHz crystal), then SYSCLK switched to the PLL and SWS checked. An HSE that does
 * not start leaves the part on HSI (8 MHz), as the vendor code does. board_clocks says what was reached, from CFGR itself (stm32f1_clocks), and
 * the drivers derive their dividers from it. hal_millis counts SysTick interrupts at 1 kHz
 * (HCLK / 1000): Renode's STM32F103 has no general purpose timers, and its SysTick follows the
 * virtual clock exactly. */
#include "board.h"
#include "hal.h"

#define STARTUP_POLLS 0x5000u /* HSE_STARTUP_TIMEOUT-style bound on each ready flag */
#define CFGR_SW_PLL 2u
#define CFGR_PPRE1_DIV2 (4u << 8)
#define CFGR_PLLSRC_HSE (1u << 16)
#define CFGR_PLLMUL(m) (((m) - 2u) << 18)

stm32f1_clocks_t board_clocks;
static volatile uint32_t ms;

static bool wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    for (uint32_t i = 0; i < STARTUP_POLLS; i++)
        if ((*reg & mask) == value)
            return true;
    return false;
}

static void pll_72mhz(void)
{
    RCC_CR |= RCC_CR_HSEON;
    if (!wait_set(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY))
        return; /* no crystal: stay on HSI */
    uint32_t mul = stm32f1_pll_mul(BOARD_HSE_HZ);
    FLASH_ACR = FLASH_ACR_PRFTBE | stm32f1_flash_latency(BOARD_HSE_HZ * mul);
    RCC_CFGR = CFGR_PPRE1_DIV2 | CFGR_PLLSRC_HSE | CFGR_PLLMUL(mul); /* HPRE, PPRE2 /1 */
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_set(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY))
        return;
    RCC_CFGR = (RCC_CFGR & ~3u) | CFGR_SW_PLL;
    wait_set(&RCC_CFGR, 0xCu, CFGR_SW_PLL << 2);
}

void clock_init(void)
{
    SCB_VTOR = 0x08000000u; /* the vector table at the start of flash */
    pll_72mhz();
    board_clocks = stm32f1_clocks(RCC_CFGR, BOARD_HSE_HZ);
    ms = 0;
    SYST_RVR = board_clocks.hclk / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* the processor clock, the interrupt, enabled */
}

uint32_t hal_millis(void)
{
    return ms;
}

void SysTick_Handler(void)
{
    ms++;
}
