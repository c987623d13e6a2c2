/* Test doubles for dtu.c, net.c, sms.c and modem.c, for the usr721 tests (fake_peers.h). */
#include "fake_peers.h"

#include <stdarg.h>
#include <string.h>

#include "hal_host.h"
#include "settings.h"

settings_t g_settings;

int fp_background_calls;
void (*fp_background_hook)(void);
int fp_restarts;
uint32_t fp_restart_ms;
int fp_shutdowns;
uint8_t fp_packets[8192];
size_t fp_packets_len;
int fp_packet_count;

bool fp_gprs;
enum sock_state fp_state[4];
int fp_applies;
int fp_opened[4], fp_closed[4];
bool fp_send_ok;
uint8_t fp_sent[2048];
size_t fp_sent_len;
int fp_sent_socket;

int fp_text_mode;
char fp_sms_number[32];
uint8_t fp_sms_text[512];
size_t fp_sms_len;
bool fp_sms_ok;

char fp_modem_sent[16][300];
int fp_modem_calls;
uint8_t fp_modem_data[1100];
size_t fp_modem_data_len;

#define SCRIPTS 8
static struct {
    enum modem_result result;
    char final[MODEM_LINE_LEN];
    int nlines;
    char lines[4][MODEM_LINE_LEN];
} script[SCRIPTS];
static int scripted, script_next;

void fp_reset(void)
{
    fp_background_calls = fp_restarts = fp_shutdowns = fp_packet_count = 0;
    fp_background_hook = NULL;
    fp_restart_ms = 0;
    fp_packets_len = 0;
    fp_gprs = true;
    memset(fp_state, 0, sizeof fp_state);
    fp_applies = 0;
    memset(fp_opened, 0, sizeof fp_opened);
    memset(fp_closed, 0, sizeof fp_closed);
    fp_send_ok = true;
    fp_sent_len = 0;
    fp_sent_socket = -1;
    fp_text_mode = -1;
    fp_sms_number[0] = 0;
    fp_sms_len = 0;
    fp_sms_ok = true;
    fp_modem_calls = 0;
    fp_modem_data_len = 0;
    scripted = script_next = 0;
}

/* ---- dtu.c ---- */
void serial_poll(void);

void dtu_background(void)
{
    fp_background_calls++;
    host_advance(1);
    if (fp_background_hook)
        fp_background_hook();
    serial_poll();
}

void dtu_restart_after(uint32_t ms)
{
    fp_restarts++;
    fp_restart_ms = ms;
}

void dtu_shutdown(void) { fp_shutdowns++; }

void dtu_serial_packet(const uint8_t *data, size_t len)
{
    fp_packet_count++;
    if (fp_packets_len + len + 1 <= sizeof fp_packets) {
        memcpy(fp_packets + fp_packets_len, data, len);
        fp_packets_len += len;
        fp_packets[fp_packets_len++] = '|';
    }
}

/* ---- net.c ---- */
bool net_gprs_up(void) { return fp_gprs; }
const char *net_local_ip(void) { return fp_gprs ? "10.78.245.128" : "0.0.0.0"; }
void net_apply_settings(void) { fp_applies++; }
bool net_open(int n)
{
    fp_opened[n]++;
    fp_state[n] = SOCK_CONNECTING;
    return fp_gprs;
}
void net_close(int n)
{
    fp_closed[n]++;
    fp_state[n] = SOCK_CLOSED;
}
bool net_send_now(int n, const uint8_t *data, size_t len)
{
    fp_sent_socket = n;
    if (len > sizeof fp_sent)
        len = sizeof fp_sent;
    memcpy(fp_sent, data, len);
    fp_sent_len = len;
    return fp_send_ok;
}
enum sock_state net_socket_state(int n) { return fp_state[n]; }

/* ---- sms.c ---- */
bool sms_send_text(const char *number, const uint8_t *utf8, size_t len)
{
    strncpy(fp_sms_number, number, sizeof fp_sms_number - 1);
    if (len > sizeof fp_sms_text)
        len = sizeof fp_sms_text;
    memcpy(fp_sms_text, utf8, len);
    fp_sms_len = len;
    return fp_sms_ok;
}
void sms_set_text_mode(bool on) { fp_text_mode = on; }

/* ---- modem.c ---- */
void fp_modem_script(enum modem_result result, const char *final, ...)
{
    if (scripted >= SCRIPTS)
        return;
    script[scripted].result = result;
    strncpy(script[scripted].final, final, MODEM_LINE_LEN - 1);
    script[scripted].nlines = 0;
    va_list ap;
    va_start(ap, final);
    const char *line;
    while ((line = va_arg(ap, const char *)) != NULL && script[scripted].nlines < 4)
        strncpy(script[scripted].lines[script[scripted].nlines++], line, MODEM_LINE_LEN - 1);
    va_end(ap);
    scripted++;
}

static enum modem_result answer(const char *cmd, modem_reply_t *reply)
{
    if (fp_modem_calls < 16)
        strncpy(fp_modem_sent[fp_modem_calls], cmd, sizeof fp_modem_sent[0] - 1);
    fp_modem_calls++;
    enum modem_result result = MODEM_OK;
    const char *final = "OK";
    int nlines = 0;
    if (script_next < scripted) {
        result = script[script_next].result;
        final = script[script_next].final;
        nlines = script[script_next].nlines;
    }
    if (reply) {
        reply->nlines = nlines;
        for (int i = 0; i < nlines; i++)
            strcpy(reply->lines[i], script[script_next].lines[i]);
        strcpy(reply->final, final);
    }
    if (script_next < scripted && ++script_next == scripted)
        scripted = script_next = 0; /* all used: the script starts again empty */
    return result;
}

enum modem_result modem_cmd(const char *cmd, uint32_t timeout_ms, const char *finals,
                            modem_reply_t *reply)
{
    (void)timeout_ms;
    (void)finals;
    return answer(cmd, reply);
}

enum modem_result modem_cmd_data(const char *cmd, const char *prompt, const uint8_t *data,
                                 size_t len, uint32_t timeout_ms, modem_reply_t *reply)
{
    (void)prompt;
    (void)timeout_ms;
    if (len > sizeof fp_modem_data)
        len = sizeof fp_modem_data;
    memcpy(fp_modem_data, data, len);
    fp_modem_data_len = len;
    return answer(cmd, reply);
}

