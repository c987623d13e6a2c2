/* HTTPD client mode (manual 2.1.4, R-HTTP-1, docs/httpd.md); the reference twin
 * is dtu/httpd.py, whose helpers (bearer, a command and its URC) are here too
 * and serve ftp.c as well.
 *
 * Every serial packet in HTTPD mode is one request to AT+CIHTTP's URL through
 * the modem's HTTP client: bearer (AT+SAPBR), AT+HTTPINIT, AT+HTTPPARA "CID",
 * "URL", "USERDATA" (the headers but Content-Type), for POST "CONTENT" and
 * AT+HTTPDATA with the packet as the body; AT+HTTPACTION and its URC,
 * AT+HTTPREAD in chunks of 1024 (each sent on to the host at once), AT+HTTPTERM.
 * GET puts the packet (trailing CR/LF removed, percent-encoded) in the query.
 * The body of a 2xx response goes to the host unchanged; every failure is one
 * line "\r\n+HTTPERR: <code>\r\n" (the status, the modem's 601-603, or 604 the
 * modem refused a command, 605 no/bad URL, 606 queue full).
 *
 * http_send_packet only queues (8 waiting behind the running one, like the
 * reference); http_task makes the requests one at a time, in order, from the
 * main loop. Before a request it waits up to 60 s for GPRS without blocking
 * the loop (the reference's wait_network). */
#include <stdio.h>
#include <string.h>

#include "dtu.h"
#include "hal.h"
#include "modem.h"
#include "services.h"

#define QUEUE_LIMIT 8        /* requests waiting behind the running one */
#define MAX_URL 512          /* AT+HTTPPARA "URL" limit of the module */
#define READ_CHUNK 1024
#define NETWORK_WAIT_MS 60000u
#define ACTION_TIMEOUT_MS 130000u
#define DATA_TIME_MS 10000u
#define CMD_MS 10000u

enum { MODEM_FAILED = 604, NO_REQUEST = 605, DROPPED = 606 };

/* ---- helpers shared with ftp.c (httpd.py) ---------------------------------------------- */
void svc_sleep(uint32_t ms)
{
    uint32_t since = hal_millis();
    while (dtu_since(since, hal_millis()) < ms) {
        dtu_background();
        hal_idle();
    }
}

void svc_clean(char *out, size_t cap, const char *in)
{
    size_t k = 0;
    for (; *in && k + 1 < cap; in++)
        if (*in != '"')
            out[k++] = *in;
    out[k] = 0;
}

static modem_reply_t urc_reply;

bool svc_number(const char **p, unsigned long *value)
{
    const char *s = *p;
    unsigned long v = 0;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9') {
        unsigned long d = (unsigned long)(*s++ - '0');
        if (v > (0xFFFFFFFFul - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *p = s;
    *value = v;
    return true;
}

enum modem_result svc_command_urc(const char *cmd, const char *prefix, uint32_t timeout_ms,
                                  char *line, size_t cap)
{
    svc_urc_expect(prefix); /* registered before the command goes out */
    urc_reply.raw = NULL;
    enum modem_result r = modem_cmd(cmd, CMD_MS, NULL, &urc_reply);
    if (r != MODEM_OK) {
        svc_urc_stop();
        return r;
    }
    const char *found = svc_reply_line(&urc_reply, prefix);
    if (found) {
        strncpy(line, found, cap - 1);
        line[cap - 1] = 0;
        svc_urc_stop();
        return MODEM_OK;
    }
    uint32_t since = hal_millis();
    for (;;) {
        if (svc_urc_take(line, cap)) {
            svc_urc_stop();
            return MODEM_OK;
        }
        if (dtu_since(since, hal_millis()) > timeout_ms) {
            svc_urc_stop();
            dtu_log("%s: no %s within %lu ms", cmd, prefix, (unsigned long)timeout_ms);
            return MODEM_TIMEOUT;
        }
        dtu_background();
        hal_idle();
    }
}

bool svc_ensure_bearer(void)
{
    static modem_reply_t rep;
    char cmd[100], value[64];
    for (int i = 0; i < 20; i++) {
        rep.raw = NULL;
        if (modem_cmd("AT+SAPBR=2,1", CMD_MS, NULL, &rep) != MODEM_OK)
            return false;
        const char *status = modem_line(&rep, "+SAPBR:");
        if (!status)
            return false;
        int state = 3;
        const char *comma = strchr(status, ',');
        if (comma && comma[1] >= '0' && comma[1] <= '9')
            state = comma[1] - '0';
        if (state == 1)
            return true;
        if (state == 3) {
            if (modem_cmd("AT+SAPBR=3,1,\"CONTYPE\",\"GPRS\"", CMD_MS, NULL, NULL) != MODEM_OK)
                return false;
            svc_clean(value, sizeof value, g_settings.apn);
            snprintf(cmd, sizeof cmd, "AT+SAPBR=3,1,\"APN\",\"%s\"", value);
            if (modem_cmd(cmd, CMD_MS, NULL, NULL) != MODEM_OK)
                return false;
            if (g_settings.apn_user[0]) {
                svc_clean(value, sizeof value, g_settings.apn_user);
                snprintf(cmd, sizeof cmd, "AT+SAPBR=3,1,\"USER\",\"%s\"", value);
                if (modem_cmd(cmd, CMD_MS, NULL, NULL) != MODEM_OK)
                    return false;
            }
            if (g_settings.apn_password[0]) {
                svc_clean(value, sizeof value, g_settings.apn_password);
                snprintf(cmd, sizeof cmd, "AT+SAPBR=3,1,\"PWD\",\"%s\"", value);
                if (modem_cmd(cmd, CMD_MS, NULL, NULL) != MODEM_OK)
                    return false;
            }
            return modem_cmd("AT+SAPBR=1,1", 90000, NULL, NULL) == MODEM_OK;
        }
        svc_sleep(500); /* connecting or closing: ask again */
    }
    dtu_log("http: bearer 1 neither opens nor closes");
    return false;
}

/* ---- the request (pure parts) ------------------------------------------------------------ */
static bool url_safe(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '=' || c == '&';
}

/* httpd.py query_url: the URL with the packet as its query, into out[cap].
 * Returns the length, or -1 if it would be longer than cap - 1. */
int http_query_url(const char *url, const uint8_t *packet, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    while (len && (packet[len - 1] == '\r' || packet[len - 1] == '\n'))
        len--;
    size_t k = strlen(url);
    if (k + 1 > cap)
        return -1;
    memcpy(out, url, k);
    if (len) {
        if (!strchr(url, '?')) {
            if (k + 2 > cap)
                return -1;
            out[k++] = '?';
        } else if (k == 0 || (url[k - 1] != '?' && url[k - 1] != '&')) {
            if (k + 2 > cap)
                return -1;
            out[k++] = '&';
        }
        for (size_t i = 0; i < len; i++) {
            uint8_t c = packet[i];
            if (url_safe(c)) {
                if (k + 2 > cap)
                    return -1;
                out[k++] = (char)c;
            } else {
                if (k + 4 > cap)
                    return -1;
                out[k++] = '%';
                out[k++] = hex[c >> 4];
                out[k++] = hex[c & 15];
            }
        }
    }
    out[k] = 0;
    return (int)k;
}

static bool ws(char c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}

/* httpd.py split_headers: AT+CIHTTP's lines (separated by the typed "\r\n", a
 * real CR LF or LF) → the Content-Type value and the other lines "Name: value"
 * joined with the typed "\r\n" (AT+HTTPPARA "USERDATA"). */
void http_split_headers(const char *text, char *content_type, size_t ct_cap, char *userdata,
                        size_t ud_cap)
{
    size_t ud = 0;
    content_type[0] = 0;
    userdata[0] = 0;
    const char *p = text;
    for (;;) {
        const char *end = p;
        size_t sep = 0;
        for (; *end; end++) {
            if (strncmp(end, "\\r\\n", 4) == 0) {
                sep = 4;
                break;
            }
            if (end[0] == '\r' && end[1] == '\n') {
                sep = 2;
                break;
            }
            if (end[0] == '\n') {
                sep = 1;
                break;
            }
        }
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (colon) {
            const char *na = p, *nb = colon, *va = colon + 1, *vb = end;
            while (na < nb && ws(*na))
                na++;
            while (nb > na && ws(nb[-1]))
                nb--;
            while (va < vb && ws(*va))
                va++;
            while (vb > va && ws(vb[-1]))
                vb--;
            size_t nl = (size_t)(nb - na), vl = (size_t)(vb - va);
            if (nl) {
                bool ct = nl == 12;
                for (size_t i = 0; ct && i < 12; i++) {
                    char c = na[i];
                    if (c >= 'A' && c <= 'Z')
                        c = (char)(c + 32);
                    ct = c == "content-type"[i];
                }
                if (ct) {
                    size_t n = vl < ct_cap - 1 ? vl : ct_cap - 1;
                    memcpy(content_type, va, n);
                    content_type[n] = 0;
                } else if (ud + (ud ? 4 : 0) + nl + 2 + vl + 1 <= ud_cap) {
                    if (ud) {
                        memcpy(userdata + ud, "\\r\\n", 4);
                        ud += 4;
                    }
                    memcpy(userdata + ud, na, nl);
                    ud += nl;
                    memcpy(userdata + ud, ": ", 2);
                    ud += 2;
                    memcpy(userdata + ud, va, vl);
                    ud += vl;
                    userdata[ud] = 0;
                }
            }
        }
        if (!*end)
            break;
        p = end + sep;
    }
}

/* ---- the queue ---------------------------------------------------------------------------- */
static struct {
    uint16_t len;
    uint8_t data[DTU_PACK_LEN_MAX];
} queue[QUEUE_LIMIT + 1];
static unsigned q_head, q_count;
static bool running, waiting;
static uint32_t wait_since;
static char url[MAX_URL + 8];

static modem_reply_t rep;
static uint8_t chunk[READ_CHUNK];

static void http_error(int code)
{
    char line[32];
    int n = snprintf(line, sizeof line, "\r\n+HTTPERR: %d\r\n", code);
    serial_deliver((const uint8_t *)line, (size_t)n);
}

void http_send_packet(const uint8_t *data, size_t len)
{
    unsigned queued_waiting = q_count - (running || waiting ? 1u : 0u);
    if (q_count == QUEUE_LIMIT + 1 || queued_waiting >= QUEUE_LIMIT) {
        dtu_log("httpd: %d requests waiting, packet dropped", QUEUE_LIMIT);
        http_error(DROPPED);
        return;
    }
    if (len > DTU_PACK_LEN_MAX) {
        dtu_log("httpd: packet of %u bytes cut to %u", (unsigned)len, DTU_PACK_LEN_MAX);
        len = DTU_PACK_LEN_MAX;
    }
    unsigned slot = (q_head + q_count) % (QUEUE_LIMIT + 1);
    memcpy(queue[slot].data, data, len);
    queue[slot].len = (uint16_t)len;
    q_count++;
}

/* The URL of the request at the queue's head; 0 or NO_REQUEST. */
static int prepare(const uint8_t *packet, size_t len)
{
    int n;
    if (g_settings.http_method == HTTP_POST) {
        n = (int)strlen(g_settings.http_url);
        if (n > MAX_URL)
            return NO_REQUEST;
        memcpy(url, g_settings.http_url, (size_t)n + 1);
    } else {
        n = http_query_url(g_settings.http_url, packet, len, url, MAX_URL + 1);
    }
    if (n <= 0 || strchr(url, '"'))
        return NO_REQUEST;
    return 0;
}

/* httpd.py _request after the URL check and the network wait: 0 or an error code. */
static int perform(const uint8_t *packet, size_t len)
{
    static char cmd[MAX_URL + 40];
    char content_type[210], userdata[260], clean[270];
    bool post = g_settings.http_method == HTTP_POST;
    http_split_headers(g_settings.http_headers, content_type, sizeof content_type, userdata,
                       sizeof userdata);
    if (!svc_ensure_bearer())
        return MODEM_FAILED;
    enum modem_result r = modem_cmd("AT+HTTPINIT", CMD_MS, NULL, NULL);
    if (r == MODEM_TIMEOUT)
        return MODEM_FAILED;
    if (r != MODEM_OK) { /* still initialised (an earlier request was cut short) */
        if (modem_cmd("AT+HTTPTERM", CMD_MS, NULL, NULL) == MODEM_TIMEOUT ||
            modem_cmd("AT+HTTPINIT", CMD_MS, NULL, NULL) != MODEM_OK)
            return MODEM_FAILED;
    }
    if (modem_cmd("AT+HTTPPARA=\"CID\",1", CMD_MS, NULL, NULL) != MODEM_OK)
        return MODEM_FAILED;
    snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"URL\",\"%s\"", url);
    if (modem_cmd(cmd, CMD_MS, NULL, NULL) != MODEM_OK)
        return MODEM_FAILED;
    if (userdata[0]) {
        svc_clean(clean, sizeof clean, userdata);
        snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"USERDATA\",\"%s\"", clean);
        if (modem_cmd(cmd, CMD_MS, NULL, NULL) != MODEM_OK)
            return MODEM_FAILED;
    }
    if (post) {
        svc_clean(clean, sizeof clean, content_type);
        snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"CONTENT\",\"%s\"",
                 clean[0] ? clean : "application/octet-stream");
        if (modem_cmd(cmd, CMD_MS, NULL, NULL) != MODEM_OK)
            return MODEM_FAILED;
        snprintf(cmd, sizeof cmd, "AT+HTTPDATA=%u,%u", (unsigned)len, DATA_TIME_MS);
        rep.raw = NULL;
        if (modem_cmd_data(cmd, "DOWNLOAD", packet, len, 30000, &rep) != MODEM_OK)
            return MODEM_FAILED;
    }
    char urc[MODEM_LINE_LEN];
    snprintf(cmd, sizeof cmd, "AT+HTTPACTION=%d", post ? 1 : 0);
    if (svc_command_urc(cmd, "+HTTPACTION:", ACTION_TIMEOUT_MS, urc, sizeof urc) != MODEM_OK)
        return MODEM_FAILED;

    int code = 0;
    unsigned long method, status, size;
    const char *p = urc + 13; /* "+HTTPACTION: <method>,<status>,<len>" exactly */
    if (!svc_number(&p, &method) || *p++ != ',' || !svc_number(&p, &status) || *p++ != ',' ||
        !svc_number(&p, &size) || *p) {
        code = MODEM_FAILED;
    } else if (status < 200 || status >= 300) {
        code = (int)status;
    } else {
        unsigned long start = 0;
        while (start < size) {
            unsigned long n = size - start < READ_CHUNK ? size - start : READ_CHUNK;
            snprintf(cmd, sizeof cmd, "AT+HTTPREAD=%lu,%lu", start, n);
            rep.raw = chunk;
            rep.raw_cap = sizeof chunk;
            rep.raw_len = 0;
            if (modem_cmd(cmd, CMD_MS, NULL, &rep) != MODEM_OK) {
                code = MODEM_FAILED;
                break;
            }
            if (!rep.raw_len)
                break;
            serial_deliver(chunk, rep.raw_len);
            start += rep.raw_len;
        }
        rep.raw = NULL;
    }
    modem_cmd("AT+HTTPTERM", CMD_MS, NULL, NULL);
    return code;
}

void http_task(void)
{
    if (running || !q_count)
        return;
    const uint8_t *packet = queue[q_head].data;
    size_t len = queue[q_head].len;
    int code;
    if (!waiting) {
        code = prepare(packet, len);
        if (code) {
            http_error(code);
            goto done;
        }
        waiting = true;
        wait_since = hal_millis();
    }
    if (!net_gprs_up() && dtu_since(wait_since, hal_millis()) < NETWORK_WAIT_MS)
        return; /* the reference's wait_network: try again from the next loop */
    running = true;
    code = perform(packet, len);
    running = false;
    if (code) {
        dtu_log("httpd: request failed: %d", code);
        http_error(code);
    }
done:
    waiting = false;
    q_head = (q_head + 1) % (QUEUE_LIMIT + 1);
    q_count--;
}
