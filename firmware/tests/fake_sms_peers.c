/* Test doubles for sms.c, http.c and ftp.c (fake_sms_peers.h). */
#include "fake_sms_peers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal_host.h"
#include "modem.h"
#include "net_hooks.h"
#include "settings.h"


const dtu_timing_t *g_timing = &dtu_timing_fast;
settings_t g_settings;
char g_imei[20];
char g_iccid[24];

void (*fsp_modem_handler)(const char *line);
void (*fsp_data_handler)(const uint8_t *data, size_t len);
char fsp_commands[16384];
int fsp_restarts;
uint8_t fsp_packets[4096];
size_t fsp_packets_len;
int fsp_replying;
uint8_t fsp_delivered[16384];
size_t fsp_delivered_len;
uint8_t fsp_written[70000];
size_t fsp_written_len;
char fsp_remote_text[1100];
int fsp_remote_calls;
const char *fsp_remote_reply[8];
bool fsp_gprs;

static char line[2048];
static size_t line_len;
static bool data_mode, data_ctrl_z;
static size_t data_left;
static uint8_t data[4096];
static size_t data_len;

void fsp_reset(void)
{
    host_reset();
    settings_factory(&g_settings);
    fsp_modem_handler = NULL;
    fsp_data_handler = NULL;
    fsp_commands[0] = 0;
    fsp_restarts = 0;
    fsp_packets_len = 0;
    fsp_replying = 0;
    fsp_delivered_len = fsp_written_len = 0;
    fsp_remote_text[0] = 0;
    fsp_remote_calls = 0;
    fsp_remote_reply[0] = NULL;
    fsp_gprs = true;
    line_len = 0;
    data_mode = false;
    data_len = 0;
    modem_init();
}

void fsp_modem_say(const char *text) { host_feed_str(PORT_MODEM, text); }
void fsp_modem_say_bytes(const void *bytes, size_t len) { host_feed(PORT_MODEM, bytes, len); }

void fsp_modem_expect_data(bool until_ctrl_z, size_t n)
{
    data_mode = true;
    data_ctrl_z = until_ctrl_z;
    data_left = n;
    data_len = 0;
}

/* What the firmware wrote to the modem: command lines and prompted data. */
static void modem_side(void)
{
    uint8_t buf[256];
    size_t n;
    while ((n = host_take(PORT_MODEM, buf, sizeof buf)) > 0) {
        for (size_t i = 0; i < n; i++) {
            uint8_t c = buf[i];
            if (data_mode) {
                if (data_ctrl_z && c == 0x1A) {
                    data_mode = false;
                } else {
                    if (data_len < sizeof data)
                        data[data_len++] = c;
                    if (!data_ctrl_z && --data_left == 0)
                        data_mode = false;
                }
                if (!data_mode && fsp_data_handler)
                    fsp_data_handler(data, data_len);
                continue;
            }
            if (c == '\r') {
                line[line_len] = 0;
                size_t k = strlen(fsp_commands);
                if (k + line_len + 2 < sizeof fsp_commands) {
                    memcpy(fsp_commands + k, line, line_len);
                    fsp_commands[k + line_len] = '\n';
                    fsp_commands[k + line_len + 1] = 0;
                }
                line_len = 0;
                if (fsp_modem_handler)
                    fsp_modem_handler(line);
                else
                    fsp_modem_say("\r\nOK\r\n");
            } else if (c == 0x1B) {
                line_len = 0;
            } else if (line_len + 1 < sizeof line) {
                line[line_len++] = (char)c;
            }
        }
    }
}

/* ---- dtu.c ---- */
void dtu_background(void)
{
    host_advance(1);
    modem_side();
    modem_poll();
}

void dtu_log(const char *fmt, ...)
{
    if (!getenv("FAKE_VERBOSE"))
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void dtu_restart_after(uint32_t ms)
{
    (void)ms;
    fsp_restarts++;
}

void dtu_serial_packet(const uint8_t *bytes, size_t len)
{
    if (ftp_serial_packet(bytes, len))
        return;
    if (fsp_packets_len + len + 1 <= sizeof fsp_packets) {
        memcpy(fsp_packets + fsp_packets_len, bytes, len);
        fsp_packets_len += len;
        fsp_packets[fsp_packets_len++] = '|';
    }
}

void dtu_replying(bool on) { fsp_replying += on ? 1 : -1; }

/* ---- serial.c ---- */
void serial_deliver(const uint8_t *bytes, size_t len)
{
    if (fsp_delivered_len + len <= sizeof fsp_delivered) {
        memcpy(fsp_delivered + fsp_delivered_len, bytes, len);
        fsp_delivered_len += len;
    }
}

void serial_write(const uint8_t *bytes, size_t len)
{
    if (fsp_written_len + len <= sizeof fsp_written) {
        memcpy(fsp_written + fsp_written_len, bytes, len);
        fsp_written_len += len;
    }
}

bool serial_command_mode(void) { return false; }

/* ---- at.c ---- */
bool at_run_remote(const char *text, enum at_origin origin, at_reply_fn reply, void *ctx)
{
    (void)origin;
    fsp_remote_calls++;
    strncpy(fsp_remote_text, text, sizeof fsp_remote_text - 1);
    for (int i = 0; i < 8 && fsp_remote_reply[i]; i++)
        reply(ctx, fsp_remote_reply[i]);
    return true;
}

/* ---- net.c ---- */
bool net_gprs_up(void) { return fsp_gprs; }
bool net_on_urc(const char *l)
{
    (void)l;
    return false;
}
void net_on_receive(int n, const uint8_t *bytes, size_t len)
{
    (void)n;
    (void)bytes;
    (void)len;
}
void net_background(void) {}
size_t net_downlink_room(void) { return 16384; }
