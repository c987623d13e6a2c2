/* libFuzzer harness: everything the modem sends, through the driver's reply
 * parser (modem.c: lines, finals, echo, prompts, URCs, +RECEIVE blocks, raw
 * +FTPGET/+HTTPREAD replies) and net.c's handling of it (GPRS bring-up, the
 * sockets, server data) (docs/fuzzing.md "modem").
 *
 * Input: one byte choosing what the DTU does - 0..7: one command of a table
 * (plain, "*" final, raw reply, data prompt), then polls; 8..: the network
 * module's main loop (net_task) with sockets enabled - then the modem's side:
 * chunks separated by 0xFF. The first chunk arrives at once (URCs before
 * anything); each later one when the DTU has written its next line (CR), data
 * (Ctrl-Z) or ESC. After the last chunk the modem is silent (timeouts).
 * Properties, besides no sanitizer report: a reply holds at most MODEM_LINES
 * NUL-terminated lines and at most raw_cap raw bytes, a successful command has
 * its final line, and the server data handed on never exceeds what the modem sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtu.h"
#include "fake_net_peers.h"
#include "hal_host.h"
#include "modem.h"
#include "settings.h"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "fuzz_modem: " __VA_ARGS__);                                               \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

static const uint8_t *chunks;
static size_t chunks_left, modem_sent;

/* The next chunk of the modem's bytes into its UART. */
static void release(void)
{
    if (!chunks_left)
        return;
    const uint8_t *sep = memchr(chunks, 0xFF, chunks_left);
    size_t n = sep ? (size_t)(sep - chunks) : chunks_left;
    host_feed(PORT_MODEM, chunks, n);
    modem_sent += n;
    chunks += n + (sep ? 1 : 0);
    chunks_left -= n + (sep ? 1 : 0);
}

/* The modem hears the DTU: each finished line, data or escape releases a chunk. */
static void modem_side(void)
{
    uint8_t buf[256];
    size_t n;
    while ((n = host_take(PORT_MODEM, buf, sizeof buf)) > 0)
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '\r' || buf[i] == 0x1A || buf[i] == 0x1B)
                release();
}

static size_t bounded_len(const char *s, size_t cap)
{
    const char *z = memchr(s, 0, cap);
    return z ? (size_t)(z - s) : cap;
}

static void check_reply(const char *cmd, enum modem_result r, const modem_reply_t *reply)
{
    if (r != MODEM_OK && r != MODEM_ERROR && r != MODEM_TIMEOUT)
        FAIL("%s: result %d", cmd, (int)r);
    if (reply->nlines < 0 || reply->nlines > MODEM_LINES)
        FAIL("%s: %d lines", cmd, reply->nlines);
    for (int i = 0; i < reply->nlines; i++)
        if (bounded_len(reply->lines[i], MODEM_LINE_LEN) == MODEM_LINE_LEN)
            FAIL("%s: line %d without its end", cmd, i);
    if (bounded_len(reply->final, MODEM_LINE_LEN) == MODEM_LINE_LEN)
        FAIL("%s: final without its end", cmd);
    if (reply->raw_len > reply->raw_cap)
        FAIL("%s: %zu raw bytes in a buffer of %zu", cmd, reply->raw_len, reply->raw_cap);
    if (r == MODEM_OK && !reply->final[0])
        FAIL("%s: OK without a final line", cmd);
}

static const struct {
    const char *cmd, *finals, *prompt; /* prompt: a data command */
    bool raw;
} commands[8] = {
    {"AT", NULL, NULL, false},
    {"AT+CGSN", NULL, NULL, false},
    {"AT+CIFSR", "*", NULL, false},
    {"AT+CIPSHUT", "SHUT OK", NULL, false},
    {"AT+FTPGET=2,512", NULL, NULL, true},
    {"AT+HTTPREAD", NULL, NULL, true},
    {"AT+CIPSEND=0,5", NULL, "> ", false},
    {"AT+HTTPDATA=5,1000", NULL, "DOWNLOAD", false},
};

static void one_command(unsigned which)
{
    static uint8_t raw[600];
    modem_reply_t reply;
    memset(&reply, 0, sizeof reply);
    reply.raw = commands[which].raw ? raw : NULL;
    reply.raw_cap = commands[which].raw ? sizeof raw : 0;
    enum modem_result r;
    if (commands[which].prompt)
        r = modem_cmd_data(commands[which].cmd, commands[which].prompt, (const uint8_t *)"hello", 5,
                           500, &reply);
    else
        r = modem_cmd(commands[which].cmd, 500, commands[which].finals, &reply);
    check_reply(commands[which].cmd, r, &reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    host_reset();
    fake_reset();
    host_power_cut_ram(0); /* a cold boot: no socket buffers kept */
    settings_factory(&g_settings);
    for (int i = 0; i < 2; i++) {
        g_settings.sock[i].enabled = 1;
        g_settings.sock[i].port = (uint16_t)(8000 + i);
        snprintf(g_settings.sock[i].host, sizeof g_settings.sock[i].host, "192.0.2.%d", 10 + i);
    }
    g_settings.sock[1].proto = PROTO_UDP;
    g_settings.heartbeat_s = 1;
    fake_background_hook = modem_side;
    chunks = data + 1;
    chunks_left = size - 1;
    modem_sent = 0;
    modem_init();
    net_init();
    release();
    if (data[0] < 8) {
        one_command(data[0]);
        for (int i = 0; i < 50; i++) {
            modem_poll();
            host_advance(1);
        }
    } else {
        for (int i = 0; i < 200 && (chunks_left || i < 20); i++) {
            net_task();
            modem_side();
            host_advance(50);
            modem_poll();
        }
    }
    if (fake_server_len > modem_sent)
        FAIL("%zu bytes of server data from %zu bytes the modem sent", fake_server_len, modem_sent);
    return 0;
}
