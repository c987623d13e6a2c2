/* The board on the build host for the unit tests (hal.h, hal_host.h): each port
 * has an input queue the test fills (host_feed) and an output buffer it drains
 * (host_take); the clock moves only when the test moves it; the EEPROM is an
 * array written one transaction per page, like board/eeprom_at24c.c, and a
 * transaction from the n-th on can be made to fail (a power cut). Failed
 * transactions write nothing and are not counted as done. */
#include <stdlib.h>
#include <string.h>

#include "hal_host.h"

#define PORTS 3

typedef struct {
    uint8_t *data;
    size_t len, cap, pos; /* pos: consumed so far */
} queue_t;

static queue_t in[PORTS], out[PORTS];
static uint32_t now_ms;
static bool leds[3];
static bool pwrkey;
static int pwrkey_presses;
static uint32_t pwrkey_pressed_at, pwrkey_held;
static uint8_t eeprom[HAL_EEPROM_SIZE];
static int transactions, fail_from = -1;
static jmp_buf *restart_to;
static _Alignas(8) uint8_t retained[HAL_RETAINED_SIZE];
static enum hal_timing timing = TIMING_REALISTIC;

static void queue_put(queue_t *q, const void *data, size_t len)
{
    if (q->len + len + 1 > q->cap) {
        q->cap = (q->len + len + 1) * 2;
        q->data = realloc(q->data, q->cap);
        if (!q->data)
            abort();
    }
    memcpy(q->data + q->len, data, len);
    q->len += len;
}

static size_t queue_get(queue_t *q, uint8_t *buf, size_t max)
{
    size_t n = q->len - q->pos < max ? q->len - q->pos : max;
    if (n)
        memcpy(buf, q->data + q->pos, n);
    q->pos += n;
    if (q->pos == q->len)
        q->pos = q->len = 0;
    return n;
}

void host_reset(void)
{
    for (int p = 0; p < PORTS; p++)
        in[p].len = in[p].pos = out[p].len = out[p].pos = 0;
    now_ms = 0;
    memset(leds, 0, sizeof leds);
    pwrkey = false;
    pwrkey_presses = 0;
    pwrkey_pressed_at = pwrkey_held = 0;
    memset(eeprom, 0xFF, sizeof eeprom);
    transactions = 0;
    fail_from = -1;
}

void host_feed(enum hal_port port, const void *data, size_t len) { queue_put(&in[port], data, len); }
void host_feed_str(enum hal_port port, const char *text) { host_feed(port, text, strlen(text)); }
size_t host_take(enum hal_port port, uint8_t *buf, size_t max) { return queue_get(&out[port], buf, max); }

const char *host_take_str(enum hal_port port)
{
    static char *text;
    queue_t *q = &out[port];
    free(text);
    text = malloc(q->len - q->pos + 1);
    if (!text)
        abort();
    text[queue_get(q, (uint8_t *)text, q->len - q->pos)] = 0;
    return text;
}

void host_set_millis(uint32_t ms) { now_ms = ms; }
void host_advance(uint32_t ms) { now_ms += ms; }
bool host_led(enum hal_led led) { return leds[led]; }
bool host_pwrkey(void) { return pwrkey; }
int host_pwrkey_presses(void) { return pwrkey_presses; }
uint32_t host_pwrkey_held_ms(void) { return pwrkey_held; }
uint8_t *host_eeprom(void) { return eeprom; }
int host_eeprom_transactions(void) { return transactions; }
void host_eeprom_fail_from(int n) { fail_from = n; }
void host_on_restart(jmp_buf *where) { restart_to = where; }
void *hal_retained(void) { return retained; }
void host_power_cut_ram(uint8_t fill) { memset(retained, fill, sizeof retained); }
void host_set_timing(enum hal_timing t) { timing = t; }

/* ---- hal.h ---------------------------------------------------------------------- */
void hal_init(void) {}
size_t hal_uart_read(enum hal_port port, uint8_t *buf, size_t max) { return queue_get(&in[port], buf, max); }
void hal_uart_write(enum hal_port port, const uint8_t *buf, size_t len) { queue_put(&out[port], buf, len); }
uint32_t hal_millis(void) { return now_ms; }
void hal_led_set(enum hal_led led, bool on) { leds[led] = on; }

void hal_modem_pwrkey(bool pressed)
{
    if (pressed && !pwrkey) {
        pwrkey_presses++;
        pwrkey_pressed_at = now_ms;
    } else if (!pressed && pwrkey) {
        pwrkey_held = now_ms - pwrkey_pressed_at;
    }
    pwrkey = pressed;
}
void hal_idle(void) {}
void hal_watchdog_kick(void) {}
enum hal_timing hal_timing_profile(void) { return timing; }

bool hal_eeprom_read(uint16_t addr, uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    memcpy(buf, eeprom + addr, len);
    return true;
}

bool hal_eeprom_write(uint16_t addr, const uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    while (len > 0) {
        size_t chunk = HAL_EEPROM_PAGE - addr % HAL_EEPROM_PAGE;
        if (chunk > len)
            chunk = len;
        if (fail_from >= 0 && transactions >= fail_from)
            return false;
        memcpy(eeprom + addr, buf, chunk);
        transactions++;
        addr = (uint16_t)(addr + chunk);
        buf += chunk;
        len -= chunk;
    }
    return true;
}

void hal_restart(void)
{
    if (restart_to)
        longjmp(*restart_to, 1);
    abort();
}
