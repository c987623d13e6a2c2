/* Internals shared by the STM32F103 board files (not part of hal.h): the wiring from the board
 * file (pins.h, written by platforms/board_file.py from platforms/stm32f103.toml or the
 * BOARD_FILE given to make), the bus clocks the start-up reached, and each driver's init. */
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "pins.h"
#include "stm32f1.h"
#include "stm32f1_calc.h"

extern stm32f1_clocks_t board_clocks; /* what clock_init reached (HSE + PLL, or HSI) */

static inline uint32_t irq_save(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void irq_restore(uint32_t primask)
{
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* A pin as a general purpose push-pull output, driven to level (its port clock on). */
void gpio_output(stm32f1_pin_t pin, bool level);
void gpio_write(stm32f1_pin_t pin, bool level);
void gpio_mode(stm32f1_pin_t pin, enum stm32f1_pin_mode mode);

void clock_init(void);
void uart_init(void);
void leds_init(void);
void i2c_init(void);
void watchdog_init(void);

#endif
