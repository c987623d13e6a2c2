/* The STM32F1 board's pure arithmetic (board/stm32f103/calc.c) against the values RM0008 and
 * ST's start-up code give: the clock tree of the 72 MHz start-up and of the reset state, the
 * flash wait states, BRR for the bauds the DTU offers, the I2C timing, the GPIO nibbles, the
 * default pins and IRQs of each USART, the IWDG dividers. */
#include "../board/stm32f103/stm32f1_calc.h"
#include "unit.h"

static void test_clocks(void)
{
    /* SetSysClockTo72: PLL from HSE x 9, APB1 /2; SWS = PLL */
    uint32_t cfgr = (7u << 18) | (1u << 16) | (4u << 8) | (2u << 2) | 2u;
    stm32f1_clocks_t c = stm32f1_clocks(cfgr, 8000000u);
    CHECK(c.sysclk == 72000000u && c.hclk == 72000000u);
    CHECK(c.pclk1 == 36000000u && c.pclk2 == 72000000u);
    /* the reset state: HSI, every prescaler /1 */
    c = stm32f1_clocks(0, 8000000u);
    CHECK(c.sysclk == 8000000u && c.pclk1 == 8000000u && c.pclk2 == 8000000u);
    /* SWS = HSE with a 12 MHz crystal; AHB /2 (HPRE 1000), APB2 /4 (PPRE2 101) */
    c = stm32f1_clocks((1u << 2) | (8u << 4) | (5u << 11), 12000000u);
    CHECK(c.sysclk == 12000000u && c.hclk == 6000000u && c.pclk2 == 1500000u);
    /* PLL from HSI / 2 x 16 (PLLMUL 1110); 1111 is x16 too; PLLXTPRE halves HSE */
    CHECK(stm32f1_clocks((14u << 18) | (2u << 2), 0).sysclk == 64000000u);
    CHECK(stm32f1_clocks((15u << 18) | (2u << 2), 0).sysclk == 64000000u);
    CHECK(stm32f1_clocks((7u << 18) | (3u << 16) | (2u << 2), 8000000u).sysclk == 36000000u);
    /* SWS, not SW, says what runs: SW = PLL still switching gives HSI */
    CHECK(stm32f1_clocks((7u << 18) | (1u << 16) | 2u, 8000000u).sysclk == 8000000u);
}

static void test_pll(void)
{
    CHECK(stm32f1_pll_mul(8000000u) == 9u);  /* 72 MHz */
    CHECK(stm32f1_pll_mul(12000000u) == 6u); /* 72 MHz */
    CHECK(stm32f1_pll_mul(16000000u) == 4u); /* 64 MHz: 4.5 is not a setting */
    CHECK(stm32f1_pll_mul(4000000u) == 16u); /* 64 MHz: x16 at most */
}

static void test_flash_latency(void)
{
    CHECK(stm32f1_flash_latency(8000000u) == 0);
    CHECK(stm32f1_flash_latency(24000000u) == 0);
    CHECK(stm32f1_flash_latency(24000001u) == 1);
    CHECK(stm32f1_flash_latency(48000000u) == 1);
    CHECK(stm32f1_flash_latency(72000000u) == 2);
}

static void test_brr(void)
{
    /* RM0008 table 192: 115200 from 72 MHz is USARTDIV 39.0625 (0x271); from 36 MHz 19.53
     * (312.5 sixteenths, rounded up: 0x139) */
    CHECK(stm32f1_usart_brr(72000000u, 115200u) == 0x271u);
    CHECK(stm32f1_usart_brr(36000000u, 115200u) == 0x139u);
    CHECK(stm32f1_usart_brr(36000000u, 9600u) == 0xEA6u); /* 234.375 */
    /* every baud rate the DTU offers (AT+UART) is reachable from PCLK1 except 300 (divider
     * above 4095); none are from a clock too slow for 16x oversampling */
    static const uint32_t bauds[] = {600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
    for (unsigned i = 0; i < sizeof bauds / sizeof bauds[0]; i++) {
        uint32_t brr = stm32f1_usart_brr(36000000u, bauds[i]);
        uint32_t got = 36000000u * 16u / (brr * 16u); /* the baud rate it gives */
        CHECK(brr != 0 && got + got / 50u >= bauds[i] && got <= bauds[i] + bauds[i] / 50u);
    }
    CHECK(stm32f1_usart_brr(36000000u, 300u) == 0);
    CHECK(stm32f1_usart_brr(1000000u, 115200u) == 0);
    CHECK(stm32f1_usart_brr(72000000u, 0) == 0);
}

static void test_i2c(void)
{
    CHECK(stm32f1_i2c_ccr(36000000u) == 180u); /* 100 kHz */
    CHECK(stm32f1_i2c_trise(36000000u) == 37u);
    CHECK(stm32f1_i2c_ccr(2000000u) == 10u);
    CHECK(stm32f1_i2c_ccr(400000u) == 4u); /* never below the minimum */
}

static void test_gpio(void)
{
    /* reset value 0x44444444: every pin a floating input */
    CHECK(stm32f1_gpio_cr(0x44444444u, 12, PIN_OUTPUT_PP) == 0x44424444u);
    CHECK(stm32f1_gpio_cr(0x44444444u, 6, PIN_AF_OD) == 0x4F444444u);
    CHECK(stm32f1_gpio_cr(0x44444444u, 9, PIN_AF_PP) == 0x444444A4u);
    CHECK(stm32f1_gpio_cr(0xFFFFFFFFu, 0, PIN_INPUT_FLOAT) == 0xFFFFFFF4u);

    stm32f1_pin_t tx, rx;
    CHECK(stm32f1_usart_pins(1, &tx, &rx) && tx.port == 0 && tx.pin == 9 && rx.pin == 10);
    CHECK(stm32f1_usart_pins(3, &tx, &rx) && tx.port == 1 && tx.pin == 10 && rx.pin == 11);
    CHECK(stm32f1_usart_pins(5, &tx, &rx) && tx.port == 2 && tx.pin == 12 && rx.port == 3 && rx.pin == 2);
    CHECK(!stm32f1_usart_pins(0, &tx, &rx) && !stm32f1_usart_pins(6, &tx, &rx));
    stm32f1_pin_t scl, sda;
    CHECK(stm32f1_i2c_pins(1, &scl, &sda) && scl.port == 1 && scl.pin == 6 && sda.pin == 7);
    CHECK(stm32f1_i2c_pins(2, &scl, &sda) && scl.pin == 10 && sda.pin == 11);
    CHECK(!stm32f1_i2c_pins(3, &scl, &sda));
}

static void test_usarts(void)
{
    CHECK(stm32f1_usart_base(1) == 0x40013800u && stm32f1_usart_base(2) == 0x40004400u);
    CHECK(stm32f1_usart_base(3) == 0x40004800u && stm32f1_usart_base(5) == 0x40005000u);
    CHECK(stm32f1_usart_irq(1) == 37u && stm32f1_usart_irq(3) == 39u);
    CHECK(stm32f1_usart_irq(4) == 52u && stm32f1_usart_irq(5) == 53u);
}

static void test_iwdg(void)
{
    uint32_t pr, rlr;
    stm32f1_iwdg(4000u, &pr, &rlr); /* 40 kHz / 64 = 625 Hz: 2500 ticks */
    CHECK(pr == 4u && rlr == 2500u);
    stm32f1_iwdg(100u, &pr, &rlr); /* 40 kHz / 4: 1000 ticks */
    CHECK(pr == 0u && rlr == 1000u);
    stm32f1_iwdg(60000u, &pr, &rlr); /* beyond the longest (26.2 s): the longest */
    CHECK(pr == 6u && rlr == 0xFFFu);
}

int main(void)
{
    test_clocks();
    test_pll();
    test_flash_latency();
    test_brr();
    test_i2c();
    test_gpio();
    test_usarts();
    test_iwdg();
    return unit_done("stm32f1");
}
