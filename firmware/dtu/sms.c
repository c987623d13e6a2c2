/* SMS passthrough (R-SMS-1/2), SMS AT commands (R-AT-5), AT+CISMSEND, incoming
 * calls (AT+CIRINGSTA) and the URC waiters of HTTP and FTP. The reference twin
 * is dtu/services.py.
 *
 * The modem is kept in SMS text mode with AT+CSCS="UCS2" and AT+CSMP=17,167,0,8,
 * so numbers and texts are UCS2 (UTF-16BE) hex both ways and any language
 * passes unchanged. New messages come as +CMTI (AT+CNMI=2,1,0,0,0); the URC
 * handler only records the index and sms_task reads it (AT+CMGR), deletes it
 * (AT+CMGD) and acts on it, one at a time, in arrival order. Messages that
 * arrived while the DTU was down are found with AT+CMGL="ALL" at setup.
 *
 * An incoming text "<pw>#AT...[;AT...]" runs as SMS AT commands when
 * AT+CISMSAT=1: each command in turn (split before every ";AT"), the reply
 * lines joined with CR LF, sent back to the sender in one SMS (several of 70
 * characters when longer). Any other text goes to the serial port (UTF-8) in
 * SMS mode and is dropped otherwise. Outgoing texts go in parts of 70 code
 * points (services.py send_sms), each part one AT+CMGS.
 *
 * AT+CMGF=0 through the passthrough (sms_set_text_mode(false)) stops all of
 * this until AT+CMGF=1 or the next modem setup; +CMTI indices are kept
 * meanwhile and read afterwards. In AT work mode the serial port owns the
 * module: the DTU leaves the SMS store alone (no AT+CMGL at setup, +CMTI not
 * read, nothing deleted), so the host finds every message itself. */
#include <stdio.h>
#include <string.h>

#include "dtu.h"
#include "hal.h"
#include "hex.h"
#include "modem.h"
#include "services.h"

#define INBOX 64          /* +CMTI indices waiting (the SIM holds 50) */
#define CODEPOINTS 2048   /* one outgoing text: a serial packet (≤ 1460 bytes) or a reply */
#define REPLY_TEXT 2048   /* the joined reply lines of one SMS command text */
#define URC_KEEP 4        /* recorded URC lines for a waiter */
#define SMS_READ_MS 30000 /* AT+CMGR, AT+CMGD, AT+CMGL */
#define SMS_SEND_MS 90000 /* AT+CMGS */

/* ---- text coding ------------------------------------------------------------------- */
size_t sms_utf8_decode(const uint8_t *in, size_t len, uint32_t *out, size_t cap)
{
    size_t i = 0, n = 0;
    while (i < len && n < cap) {
        uint8_t b = in[i];
        if (b < 0x80) {
            out[n++] = b;
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        uint8_t lo = 0x80, hi = 0xBF; /* the allowed range of the first continuation byte */
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
            cp = b & 0x1Fu;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            cp = b & 0x0Fu;
            if (b == 0xE0)
                lo = 0xA0; /* no overlong forms */
            if (b == 0xED)
                hi = 0x9F; /* no surrogates */
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            cp = b & 0x07u;
            if (b == 0xF0)
                lo = 0x90;
            if (b == 0xF4)
                hi = 0x8F; /* ≤ U+10FFFF */
        } else {
            out[n++] = 0xFFFD;
            i++;
            continue;
        }
        size_t j = 1;
        for (; j <= need; j++) {
            if (i + j >= len)
                break;
            uint8_t c = in[i + j];
            if (c < (j == 1 ? lo : 0x80) || c > (j == 1 ? hi : 0xBF))
                break;
            cp = (cp << 6) | (c & 0x3Fu);
        }
        if (j > need) {
            out[n++] = cp;
            i += need + 1;
        } else { /* the maximal valid prefix becomes one U+FFFD */
            out[n++] = 0xFFFD;
            i += j;
        }
    }
    return n;
}

size_t sms_latin1_decode(const uint8_t *in, size_t len, uint32_t *out, size_t cap)
{
    size_t n = len < cap ? len : cap;
    for (size_t i = 0; i < n; i++)
        out[i] = in[i];
    return n;
}

static const char HEX[] = "0123456789ABCDEF";

static void put_unit(char *out, uint16_t u)
{
    out[0] = HEX[(u >> 12) & 15];
    out[1] = HEX[(u >> 8) & 15];
    out[2] = HEX[(u >> 4) & 15];
    out[3] = HEX[u & 15];
}

size_t sms_ucs2_hex(const uint32_t *cp, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c > 0x10FFFF)
            c = 0xFFFD;
        size_t need = c > 0xFFFF ? 8 : 4;
        if (k + need + 1 > cap) {
            out[0] = 0;
            return 0;
        }
        if (c > 0xFFFF) {
            c -= 0x10000;
            put_unit(out + k, (uint16_t)(0xD800 + (c >> 10)));
            put_unit(out + k + 4, (uint16_t)(0xDC00 + (c & 0x3FF)));
        } else {
            put_unit(out + k, (uint16_t)c);
        }
        k += need;
    }
    out[k] = 0;
    return k;
}

static int get_unit(const char *hex, uint32_t *u)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(hex[i]);
        if (d < 0)
            return -1;
        v = (v << 4) | (uint32_t)d;
    }
    *u = v;
    return 0;
}

/* One code point as UTF-8 into out[k..cap); returns the new k, or 0 if it does not fit. */
static size_t put_utf8(uint8_t *out, size_t k, size_t cap, uint32_t c)
{
    uint8_t b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (uint8_t)(0xC0 | (c >> 6));
        b[1] = (uint8_t)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (c >> 12));
        b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (c >> 18));
        b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (c & 0x3F));
        n = 4;
    }
    if (k + n > cap)
        return 0;
    memcpy(out + k, b, n);
    return k + n;
}

int sms_ucs2_hex_to_utf8(const char *hex, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t u, c;
        if (get_unit(hex + i, &u))
            return -1;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return -1; /* a lone low surrogate */
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo;
            if (i + 8 > len || get_unit(hex + i + 4, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            c = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 4;
        } else {
            c = u;
        }
        size_t nk = put_utf8(out, k, cap, c);
        if (nk == 0)
            return -1;
        k = nk;
    }
    return (int)k;
}

size_t sms_text_from_modem(const char *text, size_t len, uint8_t *out, size_t cap)
{
    int n = sms_ucs2_hex_to_utf8(text, len, out, cap);
    if (n >= 0)
        return (size_t)n;
    size_t k = 0; /* not UCS2 hex: the text as it came (a Latin-1 line) */
    for (size_t i = 0; i < len; i++) {
        size_t nk = put_utf8(out, k, cap, (uint8_t)text[i]);
        if (nk == 0)
            break;
        k = nk;
    }
    return k;
}

size_t sms_parts(size_t n)
{
    return n ? (n + SMS_TEXT_LIMIT - 1) / SMS_TEXT_LIMIT : 1;
}

/* ---- SMS AT commands: the shape --------------------------------------------------------- */
bool sms_password_shape(const char *text, size_t len, size_t *start, size_t *cmd_len)
{
    size_t a = 0, b = len;
    while (a < b && (text[a] == '\r' || text[a] == '\n'))
        a++;
    while (b > a && (text[b - 1] == '\r' || text[b - 1] == '\n'))
        b--;
    size_t hash = a;
    while (hash < b && text[hash] != '#')
        hash++;
    if (hash == b || hash - a > 16)
        return false;
    for (size_t i = a; i < hash; i++)
        if (text[i] == '\r')
            return false;
    if (b - hash < 3 || (text[hash + 1] | 0x20) != 'a' || (text[hash + 2] | 0x20) != 't')
        return false;
    *start = a;
    *cmd_len = b - a;
    return true;
}

/* ---- state ------------------------------------------------------------------------- */
static bool ready;      /* sms_modem_setup has put the modem in UCS2 text mode */
static bool text_mode;  /* false after AT+CMGF=0 by the host */
static bool relist;     /* the last AT+CMGL listing was cut: list again when the inbox is empty */
static bool ring_due;   /* RING seen with AT+CIRINGSTA=1: ATA from sms_task */
static bool busy;       /* sms_task is running (it may be entered again from a command) */
static uint8_t inbox[INBOX];
static unsigned inbox_head, inbox_count;

static char urc_prefix[24];
static char urc_lines[URC_KEEP][MODEM_LINE_LEN];
static unsigned urc_head, urc_count;

static modem_reply_t rd;   /* AT+CMGR / AT+CMGL / AT+CGSN replies */
static modem_reply_t sent; /* AT+CMGS replies */
static uint32_t cps[CODEPOINTS];
static char hexbuf[SMS_TEXT_LIMIT * 8 + 2];
static char text_hex[MODEM_LINES * MODEM_LINE_LEN];
static uint8_t text[1024]; /* one incoming SMS as UTF-8 */
static char reply_text[REPLY_TEXT];
static size_t reply_len;

void sms_init(void)
{
    ready = false;
    text_mode = true;
    relist = false;
    ring_due = false;
    busy = false;
    inbox_head = inbox_count = 0;
    urc_prefix[0] = 0;
    urc_head = urc_count = 0;
}

static void inbox_put(unsigned index)
{
    if (inbox_count == INBOX) {
        dtu_log("sms: inbox full, SMS %u left on the SIM", index);
        return;
    }
    inbox[(inbox_head + inbox_count) % INBOX] = (uint8_t)index;
    inbox_count++;
}

/* Read "<digits>" at s; returns the value or -1. */
static long number_at(const char *s, const char **end)
{
    long v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9' && v < 100000000)
        v = v * 10 + (*p++ - '0');
    if (end)
        *end = p;
    return v;
}

/* AT+CMGL="ALL" at setup: what arrived while the DTU was down. The reply keeps
 * MODEM_LINES lines: when it was full, sms_task lists again once these are read. */
static void list_stored(void)
{
    enum modem_result r = modem_cmd("AT+CMGL=\"ALL\"", SMS_READ_MS, NULL, &rd);
    if (r == MODEM_TIMEOUT)
        return;
    for (int i = 0; i < rd.nlines; i++) {
        if (strncmp(rd.lines[i], "+CMGL: ", 7) == 0) {
            const char *end;
            long index = number_at(rd.lines[i] + 7, &end);
            if (index > 0 && *end == ',')
                inbox_put((unsigned)index);
        }
    }
    relist = rd.nlines >= MODEM_LINES; /* more may be stored than the reply could carry */
}

void sms_modem_setup(void)
{
    /* services.py setup_sms also reads AT+CGSN and AT+CCID: net.c does that just before */
    ready = false;
    rd.raw = NULL;
    if (modem_cmd("AT+CMGF=1", 10000, NULL, NULL) != MODEM_OK ||
        modem_cmd("AT+CSCS=\"UCS2\"", 10000, NULL, NULL) != MODEM_OK ||
        modem_cmd("AT+CSMP=17,167,0,8", 10000, NULL, NULL) != MODEM_OK ||
        modem_cmd("AT+CNMI=2,1,0,0,0", 10000, NULL, NULL) != MODEM_OK) {
        dtu_log("sms: modem setup failed");
        return;
    }
    ready = true;
    text_mode = true;
    if (g_settings.mode != MODE_AT) /* in AT mode the stored messages are the host's */
        list_stored();
}

void sms_set_text_mode(bool on)
{
    if (on != text_mode)
        dtu_log("sms: the host set %s mode: DTU SMS functions %s", on ? "text" : "PDU",
                on ? "back" : "stopped");
    text_mode = on;
}

/* ---- sending ------------------------------------------------------------------------- */
/* services.py send_sms: parts of 70 code points, each one AT+CMGS (number and text
 * as UCS2 hex, the text ended by Ctrl-Z). */
static bool send_codepoints(const char *number, const uint32_t *cp, size_t n)
{
    if (!ready || !text_mode) {
        dtu_log("sms: not sent, %s", ready ? "the modem is in PDU mode" : "SMS not ready");
        return false;
    }
    uint32_t num[24];
    size_t nn = sms_latin1_decode((const uint8_t *)number, strlen(number), num, 24);
    char numhex[24 * 4 + 1];
    sms_ucs2_hex(num, nn, numhex, sizeof numhex);
    char cmd[sizeof numhex + 16];
    snprintf(cmd, sizeof cmd, "AT+CMGS=\"%s\"", numhex);
    size_t start = 0;
    do {
        size_t part = n - start < SMS_TEXT_LIMIT ? n - start : SMS_TEXT_LIMIT;
        size_t k = sms_ucs2_hex(cp + start, part, hexbuf, sizeof hexbuf - 1);
        hexbuf[k++] = 0x1A;
        sent.raw = NULL;
        enum modem_result r =
            modem_cmd_data(cmd, "> ", (const uint8_t *)hexbuf, k, SMS_SEND_MS, &sent);
        if (r != MODEM_OK) {
            dtu_log("sms: AT+CMGS to %s failed (%s)", number, r == MODEM_TIMEOUT ? "timeout" : sent.final);
            return false;
        }
        start += part;
    } while (start < n);
    return true;
}

void sms_send_packet(const uint8_t *data, size_t len)
{
    if (!g_settings.sms_number[0]) {
        dtu_log("sms: passthrough without a number (AT+CIPNUM)");
        return;
    }
    size_t n = sms_utf8_decode(data, len, cps, CODEPOINTS);
    send_codepoints(g_settings.sms_number, cps, n);
}

bool sms_send_text(const char *number, const uint8_t *utf8, size_t len)
{
    static uint32_t own[CODEPOINTS]; /* may run inside an SMS command while cps is free, but be safe */
    size_t n = sms_utf8_decode(utf8, len, own, CODEPOINTS);
    return send_codepoints(number, own, n);
}

/* ---- receiving ------------------------------------------------------------------------ */
static void collect(void *ctx, const char *line)
{
    (void)ctx;
    size_t n = strlen(line);
    size_t sep = reply_len ? 2 : 0;
    if (reply_len + sep + n >= sizeof reply_text)
        return;
    memcpy(reply_text + reply_len, "\r\n", sep);
    memcpy(reply_text + reply_len + sep, line, n);
    reply_len += sep + n;
}

/* services.py incoming_sms */
static void incoming(const char *sender, const uint8_t *utf8, size_t len)
{
    size_t start, cmd_len;
    if (sms_password_shape((const char *)utf8, len, &start, &cmd_len) && g_settings.sms_at) {
        dtu_log("sms: commands from %s", sender);
        static char line[sizeof text + 1];
        memcpy(line, utf8 + start, cmd_len);
        line[cmd_len] = 0;
        reply_len = 0;
        dtu_replying(true);
        /* at.c runs each command of the chain (split before every ";AT") */
        at_run_remote(line, AT_FROM_SMS, collect, NULL);
        size_t n = sms_latin1_decode((const uint8_t *)reply_text, reply_len, cps, CODEPOINTS);
        send_codepoints(sender, cps, n);
        dtu_replying(false);
        return;
    }
    if (g_settings.mode == MODE_SMS)
        serial_deliver(utf8, len);
}

static void read_message(unsigned index)
{
    char cmd[24];
    snprintf(cmd, sizeof cmd, "AT+CMGR=%u", index);
    rd.raw = NULL;
    enum modem_result r = modem_cmd(cmd, SMS_READ_MS, NULL, &rd);
    if (r != MODEM_OK) {
        dtu_log("sms: reading SMS %u failed", index);
        return;
    }
    /* copy out what is needed: the reply buffer is used again below */
    char sender_hex[MODEM_LINE_LEN] = "";
    int nlines = rd.nlines;
    size_t tl = 0;
    if (nlines >= 2) {
        const char *h = rd.lines[0];
        if (strncmp(h, "+CMGR: \"", 8) == 0) {
            const char *p = strchr(h + 8, '"');
            if (p && p[1] == ',' && p[2] == '"') {
                const char *q = strchr(p + 3, '"');
                if (q) {
                    size_t n = (size_t)(q - (p + 3));
                    memcpy(sender_hex, p + 3, n);
                    sender_hex[n] = 0;
                }
            }
        }
        for (int i = 1; i < nlines; i++) {
            size_t n = strlen(rd.lines[i]);
            if (n == MODEM_LINE_LEN - 1) { /* cut by the modem driver: keep whole UCS2 units */
                dtu_log("sms: SMS %u longer than a modem line, cut", index);
                n -= n % 4;
            }
            memcpy(text_hex + tl, rd.lines[i], n);
            tl += n;
        }
    }
    snprintf(cmd, sizeof cmd, "AT+CMGD=%u", index);
    if (modem_cmd(cmd, SMS_READ_MS, NULL, NULL) == MODEM_TIMEOUT) {
        dtu_log("sms: deleting SMS %u failed", index);
        return;
    }
    if (nlines < 2)
        return;
    char sender[64];
    size_t sl = sms_text_from_modem(sender_hex, strlen(sender_hex), (uint8_t *)sender, sizeof sender - 1);
    sender[sl] = 0;
    size_t len = sms_text_from_modem(text_hex, tl, text, sizeof text);
    incoming(sender, text, len);
}

void sms_task(void)
{
    if (busy)
        return;
    busy = true;
    if (ring_due) {
        ring_due = false;
        modem_cmd("ATA", 10000, NULL, NULL);
    }
    if (g_settings.mode == MODE_AT) { /* left in the store for the host */
        inbox_count = 0;
        relist = false;
    }
    if (ready && text_mode) {
        if (inbox_count) {
            unsigned index = inbox[inbox_head];
            inbox_head = (inbox_head + 1) % INBOX;
            inbox_count--;
            read_message(index);
        } else if (relist) {
            list_stored();
        }
    }
    busy = false;
}

/* ---- URCs ------------------------------------------------------------------------------ */
bool sms_on_urc(const char *line)
{
    if (strncmp(line, "+CMTI: \"", 8) == 0) {
        const char *p = strchr(line + 8, '"');
        const char *end;
        long index = p && p[1] == ',' ? number_at(p + 2, &end) : -1;
        if (index >= 0 && *end == 0) {
            if (g_settings.mode != MODE_AT)
                inbox_put((unsigned)index);
            return true;
        }
    }
    if ((strcmp(line, "RING") == 0 || strcmp(line, "+CRING: VOICE") == 0) && g_settings.ring_answer) {
        ring_due = true;
        return true;
    }
    if (urc_prefix[0] && strncmp(line, urc_prefix, strlen(urc_prefix)) == 0) {
        if (urc_count == URC_KEEP) { /* keep the newest */
            urc_head = (urc_head + 1) % URC_KEEP;
            urc_count--;
        }
        char *slot = urc_lines[(urc_head + urc_count) % URC_KEEP];
        strncpy(slot, line, MODEM_LINE_LEN - 1);
        slot[MODEM_LINE_LEN - 1] = 0;
        urc_count++;
        return true;
    }
    return false;
}

void svc_urc_expect(const char *prefix)
{
    strncpy(urc_prefix, prefix, sizeof urc_prefix - 1);
    urc_prefix[sizeof urc_prefix - 1] = 0;
    urc_head = urc_count = 0;
}

bool svc_urc_take(char *line, size_t cap)
{
    if (!urc_count)
        return false;
    strncpy(line, urc_lines[urc_head], cap - 1);
    line[cap - 1] = 0;
    urc_head = (urc_head + 1) % URC_KEEP;
    urc_count--;
    return true;
}

void svc_urc_stop(void)
{
    urc_prefix[0] = 0;
    urc_head = urc_count = 0;
}

const char *svc_reply_line(const modem_reply_t *reply, const char *prefix)
{
    size_t n = strlen(prefix);
    for (int i = 0; i < reply->nlines && i < MODEM_LINES; i++)
        if (strncmp(reply->lines[i], prefix, n) == 0)
            return reply->lines[i];
    return NULL;
}
