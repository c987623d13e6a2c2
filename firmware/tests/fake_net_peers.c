/* Test doubles for the modem and net tests (fake_net_peers.h). */
#include "fake_net_peers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal_host.h"
#include "modem.h"

const dtu_timing_t *g_timing = &dtu_timing_fast;
settings_t g_settings;
char g_imei[20];
char g_iccid[24];

void (*fake_background_hook)(void);
int fake_background_calls;
int fake_restarts;
int fake_logs;
char fake_last_log[200];
uint8_t fake_server_data[65536];
size_t fake_server_len;
int fake_server_calls;
int fake_server_last_n;
void (*fake_server_hook)(int n);
uint8_t fake_serial_out[4096];
size_t fake_serial_len;
uint32_t fake_serial_heard_at;
bool fake_command_mode;
int fake_sms_setups;
char fake_sms_urcs[8][200];
int fake_sms_urc_count;
bool fake_sms_claims;

void fake_reset(void)
{
    fake_background_hook = NULL;
    fake_background_calls = 0;
    fake_restarts = 0;
    fake_logs = 0;
    fake_last_log[0] = 0;
    fake_server_len = 0;
    fake_server_calls = 0;
    fake_server_last_n = -1;
    fake_server_hook = NULL;
    fake_serial_len = 0;
    fake_serial_heard_at = 0;
    fake_command_mode = false;
    fake_sms_setups = 0;
    fake_sms_urc_count = 0;
    fake_sms_claims = false;
    g_imei[0] = g_iccid[0] = 0;
}

/* ---- dtu.c ---------------------------------------------------------------------- */
void dtu_background(void)
{
    fake_background_calls++;
    host_advance(1);
    if (fake_background_hook)
        fake_background_hook();
    modem_poll();
}

void dtu_restart_after(uint32_t ms)
{
    (void)ms;
    fake_restarts++;
}

void dtu_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake_last_log, sizeof fake_last_log, fmt, ap);
    va_end(ap);
    fake_logs++;
    if (getenv("FAKE_VERBOSE"))
        fprintf(stderr, "[%u] log: %s\n", (unsigned)hal_millis(), fake_last_log);
}

void dtu_server_data(int n, const uint8_t *data, size_t len)
{
    fake_server_calls++;
    fake_server_last_n = n;
    if (fake_server_len + len <= sizeof fake_server_data) {
        memcpy(fake_server_data + fake_server_len, data, len);
        fake_server_len += len;
    }
    if (fake_server_hook)
        fake_server_hook(n);
}

/* ---- serial.c -------------------------------------------------------------------- */
static void serial_out(const uint8_t *data, size_t len)
{
    if (fake_serial_len + len <= sizeof fake_serial_out) {
        memcpy(fake_serial_out + fake_serial_len, data, len);
        fake_serial_len += len;
    }
}

void serial_deliver(const uint8_t *data, size_t len) { serial_out(data, len); }
void serial_write(const uint8_t *data, size_t len) { serial_out(data, len); }
bool serial_command_mode(void) { return fake_command_mode; }
uint32_t serial_idle_ms(void) { return hal_millis() - fake_serial_heard_at; }

/* ---- sms.c --------------------------------------------------------------------------- */
void sms_modem_setup(void) { fake_sms_setups++; }

bool sms_on_urc(const char *line)
{
    snprintf(fake_sms_urcs[fake_sms_urc_count % 8], sizeof fake_sms_urcs[0], "%s", line);
    fake_sms_urc_count++;
    return fake_sms_claims;
}
