/* The SIM800-class modem driver (modem.h; the reference twin is dtu/modem_client.py).
 *
 * One parser for everything the modem sends, fed by modem_poll(): lines end at
 * CR or LF (empty lines are skipped); "> " is a prompt when one is awaited;
 * "+RECEIVE,<n>,<len>:" headers and the raw replies "+FTPGET: 2,<n>" /
 * "+HTTPREAD: <n>" switch to reading that many bytes. While a command waits
 * (modem_cmd) its lines go to the caller's reply; unsolicited lines go to
 * net_on_urc, then sms_on_urc, else to the log. modem_cmd waits by calling
 * dtu_background(), which calls modem_poll() again: the parser has one state,
 * modem_poll never runs inside itself, and a command asked for while another
 * waits is refused. */
#include "modem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtu.h"
#include "hal.h"
#include "net_hooks.h"

#define LINE_MAX_LEN MODEM_LINE_LEN
#define RECEIVE_ROOM (1460u + 32u) /* the largest +RECEIVE block and its queue header */
#define BLOCK_MAX 1460

enum rx_mode { RX_LINE, RX_RECEIVE, RX_RAW };

static struct {
    enum rx_mode mode;
    char line[LINE_MAX_LEN + 1];
    size_t line_len;
    bool line_overflow;
    bool skip_lf;         /* a header ended with CR: its LF follows */
    int recv_link;        /* RX_RECEIVE: the link and bytes left */
    size_t left;          /* RX_RECEIVE / RX_RAW: bytes still to come */
    uint8_t block[BLOCK_MAX];
    size_t block_len;
} rx;

static struct {
    bool active;        /* a command is waiting for its final */
    bool done;
    enum modem_result result;
    const char *cmd;    /* the command line as sent (for echo and "mine" lines) */
    const char *finals; /* extra finals, '|'-separated; "*" = any line */
    const char *prompt; /* "> " or "DOWNLOAD" while a data prompt is awaited */
    bool prompted;
    bool data_cmd;      /* "SEND OK" / "SEND FAIL" end it */
    modem_reply_t *reply;
} pend;

static bool polling;
static bool alive;
static modem_reply_t scratch;

void modem_init(void)
{
    memset(&rx, 0, sizeof rx);
    memset(&pend, 0, sizeof pend);
    polling = false;
    alive = false;
}

bool modem_alive(void) { return alive; }

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* True if `word` is one of the '|'-separated entries of `list` (NULL: none). */
static bool listed(const char *list, const char *word)
{
    if (!list)
        return false;
    size_t n = strlen(word);
    for (const char *w = list;;) {
        const char *bar = strchr(w, '|');
        size_t wl = bar ? (size_t)(bar - w) : strlen(w);
        if (wl == n && strncmp(w, word, n) == 0)
            return true;
        if (!bar)
            return false;
        w = bar + 1;
    }
}

/* "<digit>, <rest>" with rest one of the '|'-separated words. */
static bool link_line(const char *line, const char *words)
{
    if (!(line[0] >= '0' && line[0] <= '9' && line[1] == ',' && line[2] == ' '))
        return false;
    return listed(words, line + 3);
}

/* The unsolicited lines of modem_client.py's URC pattern. */
static bool is_urc(const char *l)
{
    static const char *const exact[] = {
        "CONNECT OK", "CONNECT FAIL", "CLOSED", "+PDP: DEACT", "RING", "RDY",
        "Call Ready", "SMS Ready", "NORMAL POWER DOWN",
    };
    static const char *const prefixed[] = {
        "+CMTI: ", "+CMT: ", "+CLIP: ", "+CRING: ", "+CPIN: ", "+HTTPACTION: ", "+FTPSIZE: ",
        "UNDER-VOLTAGE ", "OVER-VOLTAGE ", "+CDNSGIP: ",
    };
    if (link_line(l, "CONNECT OK|CONNECT FAIL|ALREADY CONNECT|CLOSED"))
        return true;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(l, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof prefixed / sizeof prefixed[0]; i++)
        if (starts(l, prefixed[i]))
            return true;
    if ((starts(l, "+CFUN: ") && l[7] >= '0' && l[7] <= '9' && !l[8]) ||
        (starts(l, "+CREG: ") && l[7] >= '0' && l[7] <= '9' && !l[8]) ||
        (starts(l, "+CGREG: ") && l[8] >= '0' && l[8] <= '9' && !l[9]))
        return true;
    if (starts(l, "+SAPBR ") && l[7] >= '0' && l[7] <= '9' && strcmp(l + 8, ": DEACT") == 0)
        return true;
    if (starts(l, "+FTPGET: 1,") && all_digits(l + 11))
        return true;
    return false;
}

/* 0: not a final; 1: a success final; 2: an error final. */
static int builtin_final(const char *l)
{
    if (strcmp(l, "OK") == 0 || strcmp(l, "SHUT OK") == 0 || strcmp(l, "CLOSE OK") == 0 ||
        link_line(l, "CLOSE OK"))
        return 1;
    if (strcmp(l, "ERROR") == 0 || strcmp(l, "NO CARRIER") == 0 || strcmp(l, "BUSY") == 0 ||
        strcmp(l, "NO ANSWER") == 0 || strcmp(l, "NO DIALTONE") == 0 ||
        starts(l, "+CME ERROR") || starts(l, "+CMS ERROR"))
        return 2;
    return 0;
}

/* A final the caller named; "*" (any first line) is star_final's. */
static bool listed_final(const char *l, const char *finals)
{
    return strcmp(l, "*") != 0 && listed(finals, l);
}

static bool star_final(const char *finals)
{
    return listed(finals, "*");
}

/* The reply's information line belongs to the command: "+CPIN: READY" for AT+CPIN?. */
static bool mine(const char *l)
{
    const char *name = pend.cmd + 2;
    if (*name != '+')
        return false;
    size_t n = strcspn(name, "=?");
    return strncmp(l, name, n) == 0 && l[n] == ':';
}

static void copy_line(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > MODEM_LINE_LEN - 1)
        n = MODEM_LINE_LEN - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void finish(enum modem_result result, const char *line)
{
    pend.done = true;
    pend.result = result;
    copy_line(pend.reply->final, line);
}

static void dispatch_urc(const char *line)
{
    if (net_on_urc(line))
        return;
    if (sms_on_urc(line))
        return;
    dtu_log("modem: unused line: %.100s", line);
}

static bool waiting(void) { return pend.active && !pend.done; }

/* The modem announced that it is switching itself off (SIM800: AT+CPOWD, under-voltage). */
static bool powered_down(const char *line)
{
    return strcmp(line, "NORMAL POWER DOWN") == 0 || starts(line, "UNDER-VOLTAGE POWER DOWN");
}

/* A raw reply header: "+FTPGET: 2,<n>" or "+HTTPREAD: <n>"; its byte count or -1. */
static long raw_reply(const char *l)
{
    const char *num = NULL;
    if (starts(l, "+FTPGET: 2,"))
        num = l + 11;
    else if (starts(l, "+HTTPREAD: "))
        num = l + 11;
    if (!num || !all_digits(num) || strlen(num) > 7)
        return -1;
    return strtol(num, NULL, 10);
}

/* "+RECEIVE,<n>,<len>[,...]:" → link and length; false if it is not one. */
static bool receive_header(const char *l, int *link, size_t *len)
{
    if (!starts(l, "+RECEIVE,"))
        return false;
    const char *p = l + 9;
    if (!(p[0] >= '0' && p[0] <= '9') || p[1] != ',')
        return false;
    *link = p[0] - '0';
    p += 2;
    if (!(*p >= '0' && *p <= '9'))
        return false;
    unsigned long n = 0;
    while (*p >= '0' && *p <= '9' && n < 100000)
        n = n * 10 + (unsigned long)(*p++ - '0');
    size_t l_len = strlen(l);
    if (l_len == 0 || l[l_len - 1] != ':')
        return false;
    *len = (size_t)n;
    return true;
}

static void handle_line(const char *line)
{
    alive = true;
    int link;
    size_t size;
    if (receive_header(line, &link, &size)) {
        if (size) {
            rx.mode = RX_RECEIVE;
            rx.recv_link = link;
            rx.left = size;
            rx.block_len = 0;
        }
        return;
    }
    if (!waiting()) {
        dispatch_urc(line);
        return;
    }
    if (strcmp(line, pend.cmd) == 0) /* the echo */
        return;
    if (pend.prompt && strcmp(pend.prompt, "DOWNLOAD") == 0 && strcmp(line, "DOWNLOAD") == 0) {
        pend.prompted = true;
        return;
    }
    if (listed_final(line, pend.finals)) {
        finish(MODEM_OK, line);
        return;
    }
    if (!mine(line) && is_urc(line)) {
        dispatch_urc(line);
        if (powered_down(line)) /* nothing will answer the command in flight */
            finish(MODEM_ERROR, line);
        return;
    }
    if (pend.data_cmd) {
        size_t n = strlen(line);
        if (n >= 7 && strcmp(line + n - 7, "SEND OK") == 0) {
            finish(MODEM_OK, line);
            return;
        }
        if (n >= 9 && strcmp(line + n - 9, "SEND FAIL") == 0) {
            finish(MODEM_ERROR, line);
            return;
        }
    }
    int fin = builtin_final(line);
    if (fin) {
        finish(fin == 1 ? MODEM_OK : MODEM_ERROR, line);
        return;
    }
    if (star_final(pend.finals)) {
        finish(MODEM_OK, line);
        return;
    }
    modem_reply_t *r = pend.reply;
    if (r->nlines < MODEM_LINES)
        copy_line(r->lines[r->nlines++], line);
    long raw = raw_reply(line);
    if (raw > 0) {
        rx.mode = RX_RAW;
        rx.left = (size_t)raw;
    }
}

static void flush_block(void)
{
    if (rx.block_len) {
        net_on_receive(rx.recv_link, rx.block, rx.block_len);
        rx.block_len = 0;
    }
}

static void feed_byte(uint8_t c)
{
    if (rx.skip_lf) {
        rx.skip_lf = false;
        if (c == '\n')
            return;
    }
    switch (rx.mode) {
    case RX_RECEIVE:
        rx.block[rx.block_len++] = c;
        rx.left--;
        if (rx.block_len == sizeof rx.block || rx.left == 0)
            flush_block();
        if (rx.left == 0)
            rx.mode = RX_LINE;
        return;
    case RX_RAW:
        if (waiting()) {
            modem_reply_t *r = pend.reply;
            if (r->raw && r->raw_len < r->raw_cap)
                r->raw[r->raw_len++] = c;
        }
        if (--rx.left == 0)
            rx.mode = RX_LINE;
        return;
    case RX_LINE:
        break;
    }
    if (c == '\r' || c == '\n') {
        if (rx.line_len == 0)
            return;
        rx.line[rx.line_len] = 0;
        rx.line_len = 0;
        rx.line_overflow = false;
        handle_line(rx.line);
        if (rx.mode != RX_LINE && c == '\r')
            rx.skip_lf = true;
        return;
    }
    if (c == 0)
        return;
    if (rx.line_len < LINE_MAX_LEN)
        rx.line[rx.line_len++] = (char)c;
    else
        rx.line_overflow = true;
    if (rx.line_len == 2 && rx.line[0] == '>' && rx.line[1] == ' ' && waiting() && pend.prompt &&
        strcmp(pend.prompt, "> ") == 0 && !pend.prompted) {
        pend.prompted = true;
        rx.line_len = 0;
    }
}

void modem_poll(void)
{
    if (polling)
        return;
    polling = true;
    uint8_t buf[64];
    size_t n;
    /* outside a command, leave the modem's bytes where they are while server data has
     * no room for another +RECEIVE block (a block plus its header) */
    while ((waiting() || net_downlink_room() >= RECEIVE_ROOM) &&
           (n = hal_uart_read(PORT_MODEM, buf, sizeof buf)) > 0) {
        for (size_t i = 0; i < n; i++)
            feed_byte(buf[i]);
    }
    net_background();
    polling = false;
}

static void start(const char *cmd, const char *finals, modem_reply_t *reply)
{
    if (!reply)
        reply = &scratch;
    reply->nlines = 0;
    reply->final[0] = 0;
    reply->raw_len = 0;
    if (reply == &scratch) {
        reply->raw = NULL;
        reply->raw_cap = 0;
    }
    memset(&pend, 0, sizeof pend);
    pend.active = true;
    pend.cmd = cmd;
    pend.finals = finals;
    pend.reply = reply;
    pend.result = MODEM_TIMEOUT;
    if (rx.mode == RX_RAW) /* a raw reply left over from a timed-out command */
        rx.mode = RX_LINE;
}

static void write_line(const char *cmd)
{
    hal_uart_write(PORT_MODEM, (const uint8_t *)cmd, strlen(cmd));
    hal_uart_write(PORT_MODEM, (const uint8_t *)"\r", 1);
}

/* Wait until the final (or the prompt, with until_prompt) or the timeout. */
static void wait_for(uint32_t t0, uint32_t timeout_ms, bool until_prompt)
{
    for (;;) {
        modem_poll();
        if (pend.done || (until_prompt && pend.prompted))
            return;
        if (dtu_since(t0, hal_millis()) >= timeout_ms)
            return;
        dtu_background();
        if (pend.done || (until_prompt && pend.prompted))
            return;
        hal_idle();
    }
}

static enum modem_result end(void)
{
    enum modem_result result = pend.done ? pend.result : MODEM_TIMEOUT;
    if (result == MODEM_TIMEOUT) {
        dtu_log("modem: %.60s: no answer", pend.cmd);
        if (strcmp(pend.cmd, "AT") == 0)
            alive = false;
    }
    pend.active = false;
    pend.reply = &scratch;
    return result;
}

/* One command at a time: a command asked for while another waits (from a URC
 * handler, say) is refused at once. */
static bool busy(const char *cmd, modem_reply_t *reply)
{
    if (!pend.active)
        return false;
    dtu_log("modem: %.60s refused: %.60s is waiting", cmd, pend.cmd);
    if (reply) {
        reply->nlines = 0;
        reply->final[0] = 0;
    }
    return true;
}

enum modem_result modem_cmd(const char *cmd, uint32_t timeout_ms, const char *finals,
                            modem_reply_t *reply)
{
    if (busy(cmd, reply))
        return MODEM_ERROR;
    start(cmd, finals, reply);
    write_line(cmd);
    wait_for(hal_millis(), timeout_ms, false);
    return end();
}

enum modem_result modem_cmd_data(const char *cmd, const char *prompt, const uint8_t *data,
                                 size_t len, uint32_t timeout_ms, modem_reply_t *reply)
{
    if (busy(cmd, reply))
        return MODEM_ERROR;
    start(cmd, NULL, reply);
    pend.prompt = prompt ? prompt : "> ";
    pend.data_cmd = true;
    write_line(cmd);
    wait_for(hal_millis(), timeout_ms, true);
    if (!pend.prompted) {
        if (!pend.done) { /* give the prompt up */
            hal_uart_write(PORT_MODEM, (const uint8_t *)"\x1b", 1);
            wait_for(hal_millis(), timeout_ms < 1000 ? timeout_ms : 1000, false);
            if (!pend.done) {
                end();
                return MODEM_TIMEOUT;
            }
        }
        enum modem_result r = end();
        return r == MODEM_OK ? MODEM_ERROR : r; /* no prompt: nothing was sent */
    }
    hal_uart_write(PORT_MODEM, data, len);
    wait_for(hal_millis(), timeout_ms, false);
    return end();
}
