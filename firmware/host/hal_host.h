/* The board on the build host, for the unit tests (host/hal_host.c): byte
 * queues instead of UARTs, a clock the test moves, LEDs and the modem's power
 * key as flags (presses counted), the EEPROM
 * as a 4096-byte array whose writes can be made to fail from the N-th
 * transaction on (a power cut between transactions). */
#ifndef HAL_HOST_H
#define HAL_HOST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"

void host_reset(void); /* empty queues, clock 0, LEDs off, key released, EEPROM erased (0xFF) */
void host_feed(enum hal_port port, const void *data, size_t len); /* what hal_uart_read will return */
void host_feed_str(enum hal_port port, const char *text);
size_t host_take(enum hal_port port, uint8_t *buf, size_t max);  /* what was written, consumed */
/* Everything written to `port` so far as a NUL-terminated string (consumed). */
const char *host_take_str(enum hal_port port);
void host_set_millis(uint32_t ms);
void host_advance(uint32_t ms);
bool host_led(enum hal_led led);
bool host_pwrkey(void);                       /* the modem's power key is pressed now */
int host_pwrkey_presses(void);                /* released-to-pressed changes since host_reset */
uint32_t host_pwrkey_held_ms(void);           /* how long the last finished press lasted */
uint8_t *host_eeprom(void);                   /* the image */
int host_eeprom_transactions(void);           /* write transactions done since host_reset */
/* Transactions from the n-th (0-based, counted since host_reset) on fail and write nothing;
 * -1 = never. */
void host_eeprom_fail_from(int n);
/* hal_restart() longjmps here when set (else it aborts the test). */
void host_on_restart(jmp_buf *where);
/* A power cut: the retained RAM (hal_retained) holds this byte everywhere afterwards;
 * host_reset leaves it alone, like a warm reset. */
void host_power_cut_ram(uint8_t fill);
void host_set_timing(enum hal_timing timing);

#endif
