/* Internals shared by the mps2-an385 board files (not part of hal.h): register
 * access, the system clock and each driver's init. Addresses follow the ARM
 * MPS2 AN385 application note and QEMU 7.2's hw/arm/mps2.c. */
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define SYSCLK_HZ 25000000u /* the APB peripherals' clock (timers, UARTs, watchdog) */

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

void clock_init(void);
void uart_init(void);
void leds_init(void);
void i2c_init(void);
void watchdog_init(void);

/* The SBCon bit-banged I2C master (i2c_sbcon.c), used by eeprom_at24c.c. */
void i2c_start(void);
void i2c_stop(void);
bool i2c_write_byte(uint8_t byte);   /* true if the slave ACKed */
uint8_t i2c_read_byte(bool ack);     /* ack = false on the last byte */

#endif
