/* The STM32F1 board's pure arithmetic (stm32f1_calc.h says what and where from). */
#include "stm32f1_calc.h"

stm32f1_clocks_t stm32f1_clocks(uint32_t cfgr, uint32_t hse_hz)
{
    static const uint16_t ahb_div[8] = {2, 4, 8, 16, 64, 128, 256, 512}; /* HPRE 1xxx */
    stm32f1_clocks_t c;
    switch ((cfgr >> 2) & 3u) { /* SWS */
    case 1:
        c.sysclk = hse_hz;
        break;
    case 2: {
        uint32_t mul = ((cfgr >> 18) & 0xFu) + 2u; /* PLLMUL 0000 = x2 .. 1110 = x16 */
        if (mul > 16u)
            mul = 16u; /* 1111 is x16 too */
        uint32_t in = HSI_HZ / 2u;                /* PLLSRC 0: HSI / 2 */
        if (cfgr & (1u << 16))                    /* PLLSRC 1: HSE, halved by PLLXTPRE */
            in = cfgr & (1u << 17) ? hse_hz / 2u : hse_hz;
        c.sysclk = in * mul;
        break;
    }
    default:
        c.sysclk = HSI_HZ;
    }
    uint32_t hpre = (cfgr >> 4) & 0xFu;
    c.hclk = hpre & 8u ? c.sysclk / ahb_div[hpre & 7u] : c.sysclk;
    uint32_t ppre1 = (cfgr >> 8) & 7u, ppre2 = (cfgr >> 11) & 7u; /* 0xx: /1, 1xx: /2 << xx */
    c.pclk1 = ppre1 & 4u ? c.hclk / (2u << (ppre1 & 3u)) : c.hclk;
    c.pclk2 = ppre2 & 4u ? c.hclk / (2u << (ppre2 & 3u)) : c.hclk;
    return c;
}

uint32_t stm32f1_pll_mul(uint32_t hse_hz)
{
    uint32_t mul = hse_hz ? 72000000u / hse_hz : 16u;
    return mul < 2u ? 2u : mul > 16u ? 16u : mul;
}

uint32_t stm32f1_flash_latency(uint32_t sysclk_hz)
{
    return sysclk_hz <= 24000000u ? 0u : sysclk_hz <= 48000000u ? 1u : 2u;
}

uint32_t stm32f1_usart_brr(uint32_t pclk_hz, uint32_t baud)
{
    if (baud == 0)
        return 0;
    uint32_t sixteenths = (pclk_hz + baud / 2u) / baud; /* USARTDIV x 16, rounded */
    if (sixteenths < 16u || sixteenths > 0xFFFFu)
        return 0;
    return sixteenths; /* mantissa in bits 15:4, fraction in 3:0: the same number */
}

uint32_t stm32f1_i2c_ccr(uint32_t pclk1_hz)
{
    uint32_t ccr = pclk1_hz / (2u * 100000u); /* Thigh = Tlow = CCR x Tpclk1 */
    return ccr < 4u ? 4u : ccr;
}

uint32_t stm32f1_i2c_trise(uint32_t pclk1_hz)
{
    return pclk1_hz / 1000000u + 1u; /* 1000 ns / Tpclk1 + 1 */
}

uint32_t stm32f1_gpio_cr(uint32_t cr, unsigned pin, enum stm32f1_pin_mode mode)
{
    unsigned shift = (pin % 8u) * 4u;
    return (cr & ~(0xFu << shift)) | ((uint32_t)mode << shift);
}

bool stm32f1_usart_pins(unsigned n, stm32f1_pin_t *tx, stm32f1_pin_t *rx)
{
    static const stm32f1_pin_t pins[5][2] = {
        {{0, 9}, {0, 10}},  /* USART1: PA9, PA10 */
        {{0, 2}, {0, 3}},   /* USART2: PA2, PA3 */
        {{1, 10}, {1, 11}}, /* USART3: PB10, PB11 */
        {{2, 10}, {2, 11}}, /* UART4: PC10, PC11 */
        {{2, 12}, {3, 2}},  /* UART5: PC12, PD2 */
    };
    if (n < 1u || n > 5u)
        return false;
    *tx = pins[n - 1u][0];
    *rx = pins[n - 1u][1];
    return true;
}

bool stm32f1_i2c_pins(unsigned n, stm32f1_pin_t *scl, stm32f1_pin_t *sda)
{
    if (n != 1u && n != 2u)
        return false;
    *scl = (stm32f1_pin_t){1, n == 1u ? 6u : 10u}; /* I2C1: PB6, PB7; I2C2: PB10, PB11 */
    *sda = (stm32f1_pin_t){1, n == 1u ? 7u : 11u};
    return true;
}

uint32_t stm32f1_usart_base(unsigned n)
{
    return n == 1u ? 0x40013800u : 0x40004400u + 0x400u * (n - 2u);
}

unsigned stm32f1_usart_irq(unsigned n)
{
    return n <= 3u ? 36u + n : 48u + n; /* USART1..3: 37..39, UART4, 5: 52, 53 */
}

void stm32f1_iwdg(uint32_t timeout_ms, uint32_t *pr, uint32_t *rlr)
{
    for (uint32_t p = 0; p <= 6u; p++) {
        uint32_t hz = 40000u / (4u << p);
        uint32_t ticks = timeout_ms * hz / 1000u;
        if (ticks <= 0xFFFu || p == 6u) {
            *pr = p;
            *rlr = ticks > 0xFFFu ? 0xFFFu : ticks ? ticks : 1u;
            return;
        }
    }
}
