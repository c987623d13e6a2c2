/* The board as the DTU logic sees it: byte ports, a millisecond clock, LEDs, the
 * modem's power key, the settings EEPROM, restart and idle. firmware/board/ implements it for the
 * mps2-an385 board (QEMU, Renode); firmware/host/ implements it on the build host
 * for the unit tests. Nothing in firmware/dtu/ includes anything board-specific. */
#ifndef HAL_H
#define HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hal_port {
    PORT_RS232 = 0, /* UART0: the RS232 port to the charging pile (the host) */
    PORT_MODEM = 1, /* UART1: the GSM/GPRS modem */
    PORT_DEBUG = 2, /* UART2: debug console (log lines) */
};

enum hal_led { LED_POW = 0, LED_NET = 1, LED_DATA = 2 };

enum hal_timing { TIMING_REALISTIC = 0, TIMING_FAST = 1 };

void hal_init(void);

/* Non-blocking read of up to max received bytes; returns how many. */
size_t hal_uart_read(enum hal_port port, uint8_t *buf, size_t max);
/* Queue bytes for transmission; blocks only while the TX ring is full. */
void hal_uart_write(enum hal_port port, const uint8_t *buf, size_t len);

/* Milliseconds since boot, from a free-running hardware timer (wraps at 2^32). */
uint32_t hal_millis(void);

void hal_led_set(enum hal_led led, bool on);

/* The GPIO that pulls the modem's PWRKEY line low: true = pressed, false =
 * released (the state at reset). A press of about 1 s turns a SIM800 on (one
 * of about 1.5 s turns a running one off); the caller times the press. */
void hal_modem_pwrkey(bool pressed);

/* The settings EEPROM (AT24C32 class: 4096 bytes, 32-byte pages).
 * hal_eeprom_write writes one transaction per page touched, in order, and
 * returns only after each page's write cycle; false on a bus error. */
#define HAL_EEPROM_SIZE 4096u
#define HAL_EEPROM_PAGE 32u
bool hal_eeprom_read(uint16_t addr, uint8_t *buf, size_t len);
bool hal_eeprom_write(uint16_t addr, const uint8_t *buf, size_t len);

/* Restart the MCU (a warm reset: the firmware starts again from its reset vector). */
void hal_restart(void) __attribute__((noreturn));

/* RAM that keeps its contents over hal_restart() but not over a power cut:
 * HAL_RETAINED_SIZE bytes, 8-byte aligned, outside every linker section (so neither
 * the start-up code nor a loader touches it). After a cold boot it holds anything
 * (zeros on the emulators, noise on silicon): its user validates what it finds. */
#define HAL_RETAINED_SIZE (128u * 1024u)
void *hal_retained(void);
/* Sleep until the next interrupt (or return at once on the host). */
void hal_idle(void);
void hal_watchdog_kick(void);

/* The timing profile strapped by the bench (see docs/targets.md). */
enum hal_timing hal_timing_profile(void);

#endif
