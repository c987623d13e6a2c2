/* The DTU firmware's core: boot (settings from the EEPROM, the AT+CIMODID
 * message), the cooperative main loop, restarts and shutdown, and the routing
 * of serial packets and server data between the modules (behaviour.md R-MODE-1,
 * R-AT-3, R-AT-4; the reference twin is dtu/dtu.py). */
#include "dtu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hal.h"
#include "modem.h"
#include "store.h"

const dtu_timing_t *g_timing = &dtu_timing_realistic;
settings_t g_settings;
char g_imei[20];
char g_iccid[24];

static bool restart_due;
static uint32_t restart_at;
static int replying; /* remote commands whose reply is still on its way */

void dtu_log(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 3)
        n = (int)(sizeof line - 3);
    line[n++] = '\r';
    line[n++] = '\n';
    hal_uart_write(PORT_DEBUG, (const uint8_t *)line, (size_t)n);
}

void dtu_boot(void)
{
    g_timing = hal_timing_profile() == TIMING_FAST ? &dtu_timing_fast : &dtu_timing_realistic;
    hal_led_set(LED_POW, true);
    hal_led_set(LED_NET, false);
    hal_led_set(LED_DATA, false);
    bool stored = store_load(&g_settings);
    dtu_log("dtu: %s, settings %s, mode %u", FIRMWARE_VERSION, stored ? "stored" : "factory",
            g_settings.mode);
    if (g_settings.boot_message[0]) {
        serial_write((const uint8_t *)"\r\n", 2);
        serial_write((const uint8_t *)g_settings.boot_message, strlen(g_settings.boot_message));
        serial_write((const uint8_t *)"\r\n", 2);
    }
    serial_init();
    modem_init();
    sms_init();
    net_init();
    dtu_log("dtu: ready");
}

void dtu_replying(bool on)
{
    replying += on ? 1 : -1;
    if (replying < 0)
        replying = 0;
}

void dtu_restart_after(uint32_t ms)
{
    restart_due = true;
    restart_at = hal_millis() + ms;
}

void dtu_shutdown(void)
{
    hal_led_set(LED_NET, false);
    hal_led_set(LED_DATA, false);
    modem_cmd("AT+CPOWD=1", 2000, "NORMAL POWER DOWN", NULL);
    dtu_log("dtu: shut down until the power is cycled");
    for (;;) {
        hal_watchdog_kick();
        hal_idle();
    }
}

void dtu_background(void)
{
    hal_watchdog_kick();
    serial_poll();
    modem_poll();
    if (restart_due && !replying && (int32_t)(hal_millis() - restart_at) >= 0) {
        dtu_log("dtu: restart");
        net_keep(); /* the cache survives the restart (R-NET-3) */
        hal_restart();
    }
}

void dtu_loop_once(void)
{
    dtu_background();
    serial_task();
    net_task();
    sms_task();
    ftp_task();
    hal_idle();
}

void dtu_serial_packet(const uint8_t *data, size_t len)
{
    if (ftp_serial_packet(data, len))
        return;
    char text[300];
    const char *cmd;
    /* R-AT-3: only "<the password>#AT..." is a command; a wrong password is pile data */
    if (g_settings.com_at && len < sizeof text && at_password_command((const char *)data, len, &cmd) &&
        at_password_right((const char *)data, len)) {
        memcpy(text, data, len);
        text[len] = 0;
        at_run_remote(text, AT_FROM_SERIAL, NULL, NULL); /* NULL: framed reply to the host */
        return;
    }
    switch (g_settings.mode) {
    case MODE_NET:
        net_send_packet(data, len);
        break;
    case MODE_SMS:
        sms_send_packet(data, len);
        break;
    case MODE_HTTPD:
        http_send_packet(data, len);
        break;
    default:
        break;
    }
}

/* The reply to a network password command: each line + CR LF, sent back on the socket. */
struct net_reply {
    size_t len;
    char text[1024];
};

static void collect(void *ctx, const char *line)
{
    struct net_reply *r = ctx;
    size_t n = strlen(line);
    if (r->len + n + 2 > sizeof r->text)
        return;
    memcpy(r->text + r->len, line, n);
    memcpy(r->text + r->len + n, "\r\n", 2);
    r->len += n + 2;
}

void dtu_server_data(int n, const uint8_t *data, size_t len)
{
    static struct net_reply reply;
    char text[300];
    const char *cmd;
    if (g_settings.net_at && len < sizeof text && at_password_command((const char *)data, len, &cmd)) {
        memcpy(text, data, len);
        text[len] = 0;
        reply.len = 0;
        at_run_remote(text, AT_FROM_NETWORK, collect, &reply);
        net_send_now(n, (const uint8_t *)reply.text, reply.len);
        return;
    }
    if (g_settings.mode == MODE_NET)
        serial_deliver(data, len);
}
