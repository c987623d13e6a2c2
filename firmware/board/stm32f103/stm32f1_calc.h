/* The STM32F1 board's pure arithmetic, kept apart from register access so the host unit tests
 * (tests/test_stm32f1.c) check it: the bus clocks a CFGR value gives (RM0008 7.3.2, figure 8),
 * the flash wait states for a SYSCLK (3.3.3), a USART's BRR for a baud rate (27.3.4), the I2C
 * standard-mode CCR and TRISE (26.6.8, 26.6.9), a GPIO pin's CRL/CRH nibble (9.2.1, table 20)
 * and the default (unremapped) pins of each USART and I2C (9.3, tables 24-25). */
#ifndef STM32F1_CALC_H
#define STM32F1_CALC_H

#include <stdbool.h>
#include <stdint.h>

#define HSI_HZ 8000000u

typedef struct {
    uint32_t sysclk, hclk, pclk1, pclk2;
} stm32f1_clocks_t;

/* The clocks that RCC_CFGR value gives, SWS saying which source drives SYSCLK (0 HSI,
 * 1 HSE, 2 PLL; PLLSRC, PLLXTPRE, PLLMUL), with an HSE crystal of hse_hz. */
stm32f1_clocks_t stm32f1_clocks(uint32_t cfgr, uint32_t hse_hz);

/* The PLL multiplier (2..16) that brings hse_hz closest to 72 MHz without passing it. */
uint32_t stm32f1_pll_mul(uint32_t hse_hz);

/* FLASH_ACR LATENCY for SYSCLK: 0 up to 24 MHz, 1 up to 48 MHz, 2 above. */
uint32_t stm32f1_flash_latency(uint32_t sysclk_hz);

/* USART_BRR (mantissa << 4 | fraction, 16x oversampling) for baud from pclk_hz, rounded to the
 * nearest sixteenth; 0 when the baud rate cannot be reached (divider below 1 or above 4095). */
uint32_t stm32f1_usart_brr(uint32_t pclk_hz, uint32_t baud);

/* I2C_CCR and I2C_TRISE for standard mode (100 kHz, 1000 ns rise time) from PCLK1; CR2 FREQ is
 * pclk1 in MHz. CCR is at least 4 (RM0008: the minimum in standard mode). */
uint32_t stm32f1_i2c_ccr(uint32_t pclk1_hz);
uint32_t stm32f1_i2c_trise(uint32_t pclk1_hz);

/* A pin: port (0 = A .. 6 = G) and number 0..15. */
typedef struct {
    uint8_t port, pin;
} stm32f1_pin_t;

enum stm32f1_pin_mode {
    PIN_OUTPUT_PP = 0x2,   /* general purpose push-pull output, 2 MHz */
    PIN_AF_PP = 0xA,       /* alternate function push-pull, 2 MHz (USART TX) */
    PIN_AF_OD = 0xF,       /* alternate function open-drain, 50 MHz (I2C) */
    PIN_INPUT_FLOAT = 0x4, /* floating input (USART RX; the reset state) */
};

/* The CRL (pins 0-7) or CRH (pins 8-15) value with the pin's 4-bit field set to mode. */
uint32_t stm32f1_gpio_cr(uint32_t cr, unsigned pin, enum stm32f1_pin_mode mode);

/* The TX and RX pins of USART n (1..5) and the SCL and SDA pins of I2C n (1, 2), unremapped;
 * false for a peripheral the part does not have. */
bool stm32f1_usart_pins(unsigned n, stm32f1_pin_t *tx, stm32f1_pin_t *rx);
bool stm32f1_i2c_pins(unsigned n, stm32f1_pin_t *scl, stm32f1_pin_t *sda);

/* USART n's register block, its NVIC IRQ number and whether it is on APB2 (USART1). */
uint32_t stm32f1_usart_base(unsigned n);
unsigned stm32f1_usart_irq(unsigned n);

/* The IWDG prescaler code (PR: LSI / 4 << PR) and reload for a timeout with a 40 kHz LSI. */
void stm32f1_iwdg(uint32_t timeout_ms, uint32_t *pr, uint32_t *rlr);

#endif
