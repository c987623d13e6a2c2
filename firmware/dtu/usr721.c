/* The usr721 AT dialect: every command of the manual's table 2, with the
 * validation and the reply formats of docs/usr721.md (the twin is
 * dtu/usr721.py). at_execute parses one line (at.c), finds the command's
 * handler and gives the reply lines, the final result last. A handler checks
 * every parameter before it changes anything: a command applies all its values
 * or none. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "at.h"
#include "dtu.h"
#include "hal.h"
#include "hex.h"
#include "modem.h"
#include "settings.h"
#include "store.h"

bool at_shutdown_due;

enum result { R_OK, R_ERROR, R_DONE_OK, R_DONE_FAIL }; /* DONE: the final line was given */

typedef struct {
    const at_cmd_t *cmd;
    enum at_origin origin;
    at_reply_fn reply;
    void *ctx;
    at_args_t args;
} at_run_t;

typedef enum result (*handler_fn)(at_run_t *r);

static const char *const mode_names[] = {DTU_MODE_CHOICES};
static const char *const kind_names[] = {DTU_REG_KIND_CHOICES};
static const char *const proto_names[] = {DTU_PROTO_CHOICES};
static const char *const state_names[] = {"CLOSED", "CONNECTING", "CONNECTED"};

/* ---- replies ------------------------------------------------------------------ */

static void say(at_run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(at_run_t *r, const char *fmt, ...)
{
    static char line[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    r->reply(r->ctx, line);
}

static const char *hex(const uint8_t *data, size_t len)
{
    static char text[2 * 100 + 1];
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < len && i < 100; i++) {
        text[2 * i] = digits[data[i] >> 4];
        text[2 * i + 1] = digits[data[i] & 15];
    }
    text[2 * i] = 0;
    return text;
}

/* ---- parameters ----------------------------------------------------------------- */

static bool is_form(const at_run_t *r, unsigned kinds) { return (kinds >> r->cmd->kind) & 1u; }
#define F(k) (1u << (k))

/* The SET parameters, between low and high of them. */
static bool args(at_run_t *r, int low, int high)
{
    return at_split_args(r->cmd->raw, &r->args) && r->args.n >= low && r->args.n <= high;
}

static const char *arg(const at_run_t *r, int i) { return r->args.v[i]; }

/* 1..9 digits (white space around allowed), low..high. */
static bool number(const char *text, long low, long high, long *out)
{
    size_t n = strlen(text);
    text = at_strip(text, &n);
    if (n < 1 || n > 9)
        return false;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return v >= low && v <= high;
}

static bool same_word(const char *text, size_t n, const char *word)
{
    if (strlen(word) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != word[i])
            return false;
    }
    return true;
}

/* One of the keywords (any case, white space around allowed): its index, or -1. */
static int choice(const char *text, const char *const *words, int count)
{
    size_t n = strlen(text);
    text = at_strip(text, &n);
    for (int i = 0; i < count; i++)
        if (same_word(text, n, words[i]))
            return i;
    return -1;
}

static bool printable(const char *text, size_t max, bool allow_empty)
{
    size_t n = strlen(text);
    if (n > max || (!n && !allow_empty))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 32)
            return false;
    return true;
}

/* The text stripped (in place: parameters are ours to change). */
static char *stripped(char *text)
{
    size_t n = strlen(text);
    char *s = (char *)at_strip(text, &n);
    s[n] = 0;
    return s;
}

/* Hex data of at most max bytes into out; the byte count, or -1. */
static int hex_data(const char *text, size_t max, uint8_t *out)
{
    size_t n = strlen(text);
    text = at_strip(text, &n);
    if (n % 2 || n > 2 * max)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

/* "+" and 1..DTU_PHONE_DIGITS digits, after stripping. */
static bool phone(const char *text)
{
    size_t n = strlen(text);
    text = at_strip(text, &n);
    if (n && *text == '+') {
        text++;
        n--;
    }
    if (n < 1 || n > DTU_PHONE_DIGITS)
        return false;
    for (size_t i = 0; i < n; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

static bool socket_index(const char *text, int *index)
{
    long n;
    if (!number(text, 1, DTU_SOCKETS, &n))
        return false;
    *index = (int)n - 1;
    return true;
}

static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}
#define SET_TEXT(field, src) copy_text(field, sizeof(field), src)

/* ---- basics ------------------------------------------------------------------------ */

static enum result cmd_at_e(at_run_t *r)
{
    long on;
    if (!number(r->cmd->raw[0] ? r->cmd->raw : "0", 0, 1, &on))
        return R_ERROR;
    serial_set_echo(on == 1);
    return R_OK;
}

static enum result cmd_civer(at_run_t *r)
{
    if (!is_form(r, F(AT_READ) | F(AT_EXEC)))
        return R_ERROR;
    say(r, "+CIVER: %s", FIRMWARE_VERSION);
    return R_OK;
}

static enum result cmd_cimod(at_run_t *r)
{
    if (r->cmd->kind == AT_READ) {
        say(r, "+CIMOD: %u", g_settings.mode);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 1, 1))
        return R_ERROR;
    long mode = choice(arg(r, 0), mode_names, DTU_MODE_COUNT);
    if (mode < 0 && !number(arg(r, 0), 0, DTU_MODE_COUNT - 1, &mode))
        return R_ERROR;
    g_settings.mode = (uint8_t)mode;
    return R_OK;
}

/* ---- the dump --------------------------------------------------------------------- */

static void dump_cipcfg(at_run_t *r)
{
    const settings_t *s = &g_settings;
    say(r, "+CIPCFG: 1, %u, 0, %u, %u, %u", s->heartbeat_s, s->pack_time_ms, s->pack_len,
        s->restart_s);
}

static void dump_cippack(at_run_t *r)
{
    const settings_t *s = &g_settings;
    say(r, "+CIPPACK: 0, \"%s\",%d", hex(s->heartbeat_data, s->heartbeat_len),
        s->heartbeat_to_serial ? 1 : 0);
    if (s->reg_mode == REG_OFF)
        say(r, "+CIPPACK: 1, \"%s\" , 0, OFF", hex(s->reg_data, s->reg_len));
    else
        say(r, "+CIPPACK: 1, \"%s\" , %d, %s", hex(s->reg_data, s->reg_len),
            s->reg_mode == REG_DATA ? 1 : 0, kind_names[s->reg_kind & 3]);
}

static void dump(at_run_t *r)
{
    const settings_t *s = &g_settings;
    dump_cipcfg(r);
    dump_cippack(r);
    say(r, "+CSTT: \"%s\", \"%s\", \"%s\"", s->apn, s->apn_user, s->apn_password);
    say(r, "+CIPNUM: %s", s->sms_number);
    for (int i = 0; i < DTU_SOCKETS; i++)
        say(r, "+CIPSTART:%d,\"%s\", \"%s\",%u, %d", i + 1, proto_names[s->sock[i].proto & 1],
            s->sock[i].host, s->sock[i].port, s->sock[i].enabled ? 1 : 0);
    say(r, "+CIMOD: %u", s->mode);
    say(r, "+CINETAT:%d", s->net_at ? 1 : 0);
    say(r, "+CICOMAT:%d", s->com_at ? 1 : 0);
    for (int i = 0; i < DTU_SOCKETS; i++)
        say(r, "+CINETPT:%d,%u", i + 1, s->sock[i].local_port);
}

/* ---- sockets and packets ------------------------------------------------------------ */

static enum result cmd_cipscont(at_run_t *r)
{
    if (r->cmd->kind == AT_READ) {
        dump(r);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 5, 5))
        return R_ERROR;
    int index, proto = choice(arg(r, 1), proto_names, DTU_PROTO_COUNT);
    char *host = stripped(r->args.v[2]);
    long port, start;
    if (!socket_index(arg(r, 0), &index) || proto < 0 || !printable(host, DTU_HOST_MAX_LEN, false) ||
        !number(arg(r, 3), DTU_PORT_MIN, DTU_PORT_MAX, &port) || !number(arg(r, 4), 0, 1, &start))
        return R_ERROR;
    socket_cfg_t *k = &g_settings.sock[index];
    k->proto = (uint8_t)proto;
    SET_TEXT(k->host, host);
    k->port = (uint16_t)port;
    k->enabled = (uint8_t)start;
    return R_OK;
}

static enum result cmd_cisoclink(at_run_t *r)
{
    static const char *const styles[] = {"0", "1", "SHORT", "LONG"};
    socket_cfg_t *socks = g_settings.sock;
    if (r->cmd->kind == AT_READ) {
        for (int i = 0; i < DTU_SOCKETS; i++)
            say(r, "+CISOCLINK: %d,%s,%u", i + 1, socks[i].long_link ? "LONG" : "SHORT",
                socks[i].idle_s);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 1, 3))
        return R_ERROR;
    long value;
    if (r->args.n == 1) { /* the vendor form: every socket */
        if (!number(arg(r, 0), 0, 1, &value))
            return R_ERROR;
        for (int i = 0; i < DTU_SOCKETS; i++)
            socks[i].long_link = (uint8_t)value;
        return R_OK;
    }
    int index, style = choice(arg(r, 1), styles, 4);
    if (!socket_index(arg(r, 0), &index) || style < 0)
        return R_ERROR;
    value = socks[index].idle_s;
    if (r->args.n == 3 && !number(arg(r, 2), DTU_IDLE_MIN, DTU_IDLE_MAX, &value))
        return R_ERROR;
    socks[index].long_link = style == 1 || style == 3;
    socks[index].idle_s = (uint8_t)value;
    return R_OK;
}

static enum result cmd_cipcfg(at_run_t *r)
{
    if (r->cmd->kind == AT_READ) {
        dump_cipcfg(r);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 6, 6))
        return R_ERROR;
    long one, heart, zero, pack_time, pack_len, restart;
    if (!number(arg(r, 0), 1, 1, &one) ||
        !number(arg(r, 1), DTU_HEARTBEAT_S_MIN, DTU_HEARTBEAT_S_MAX, &heart) ||
        !number(arg(r, 2), 0, 0, &zero) ||
        !number(arg(r, 3), DTU_PACK_TIME_MS_MIN, DTU_PACK_TIME_MS_MAX, &pack_time) ||
        !number(arg(r, 4), DTU_PACK_LEN_MIN, DTU_PACK_LEN_MAX, &pack_len) ||
        !number(arg(r, 5), DTU_RESTART_S_MIN, DTU_RESTART_S_MAX, &restart))
        return R_ERROR;
    g_settings.heartbeat_s = (uint16_t)heart;
    g_settings.pack_time_ms = (uint16_t)pack_time;
    g_settings.pack_len = (uint16_t)pack_len;
    g_settings.restart_s = (uint16_t)restart;
    return R_OK;
}

/* AT+CIPPACK's data: hex, or text with a last parameter STR; its byte count or -1. */
static int pack_data(const char *text, bool str, size_t limit, uint8_t *out)
{
    if (!str)
        return hex_data(text, limit, out);
    if (!printable(text, limit, true))
        return -1;
    memcpy(out, text, strlen(text));
    return (int)strlen(text);
}

static enum result cmd_cippack(at_run_t *r)
{
    static const char *const encodings[] = {"HEX", "STR"};
    settings_t *s = &g_settings;
    if (r->cmd->kind == AT_READ) {
        dump_cippack(r);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 2, 5))
        return R_ERROR;
    int n = r->args.n, encoding = 0;
    if (n > 3 && (encoding = choice(arg(r, n - 1), encodings, 2)) >= 0)
        n--;
    else
        encoding = 0;
    long which, flag = 0;
    if (!number(arg(r, 0), 0, 1, &which) || n > 4)
        return R_ERROR;
    /* the registration's 100 bytes need its kind; without one, 40 as the heartbeat's */
    size_t limit = which == 0 || n < 4 ? DTU_HEARTBEAT_DATA_MAX_LEN : DTU_REG_DATA_MAX_LEN;
    uint8_t data[DTU_REG_DATA_MAX_LEN];
    int len = pack_data(arg(r, 1), encoding == 1, limit, data);
    if (len < 0 || (n > 2 && arg(r, 2)[0] && !number(arg(r, 2), 0, 1, &flag)))
        return R_ERROR;
    if (which == 0) {
        if (n > 3 || len == 0)
            return R_ERROR;
        memcpy(s->heartbeat_data, data, (size_t)len);
        s->heartbeat_len = (uint8_t)len;
        s->heartbeat_to_serial = (uint8_t)flag;
        return R_OK;
    }
    int kind = n > 3 ? choice(arg(r, 3), kind_names, DTU_REG_KIND_COUNT) : REG_USER;
    if (kind < 0 || (kind == REG_CLOUD && !memchr(data, ',', (size_t)len)))
        return R_ERROR;
    s->reg_kind = (uint8_t)kind;
    s->reg_len = (uint8_t)len;
    memcpy(s->reg_data, data, (size_t)len);
    s->reg_mode = kind == REG_USER && len == 0 ? REG_OFF : flag ? REG_DATA : REG_LINK;
    return R_OK;
}

static enum result cmd_cstt(at_run_t *r)
{
    settings_t *s = &g_settings;
    if (r->cmd->kind == AT_READ) {
        say(r, "+CSTT: \"%s\",\"%s\",\"%s\"", s->apn, s->apn_user, s->apn_password);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 1, 3))
        return R_ERROR;
    const char *apn = arg(r, 0), *user = r->args.n > 1 ? arg(r, 1) : "",
               *password = r->args.n > 2 ? arg(r, 2) : "";
    if (!printable(apn, DTU_APN_MAX_LEN, false) || !printable(user, DTU_APN_USER_MAX_LEN, true) ||
        !printable(password, DTU_APN_PASSWORD_MAX_LEN, true))
        return R_ERROR;
    SET_TEXT(s->apn, apn);
    SET_TEXT(s->apn_user, user);
    SET_TEXT(s->apn_password, password);
    return R_OK;
}

static enum result cmd_cinetpt(at_run_t *r)
{
    socket_cfg_t *socks = g_settings.sock;
    if (r->cmd->kind == AT_READ) {
        for (int i = 0; i < DTU_SOCKETS; i++)
            say(r, "+CINETPT:%d,%u", i + 1, socks[i].local_port);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 1, 2))
        return R_ERROR;
    int index = 0;
    long port;
    if ((r->args.n == 2 && !socket_index(arg(r, 0), &index)) ||
        !number(arg(r, r->args.n - 1), DTU_LOCAL_PORT_MIN, DTU_LOCAL_PORT_MAX, &port))
        return R_ERROR;
    socks[index].local_port = (uint16_t)port;
    return R_OK;
}

/* AT+ICF=<format>[,<parity>] (V.25ter): data bits and stop bits per format 1..6. */
static enum result icf_v25(at_run_t *r, long format)
{
    static const uint8_t bits[] = {0, 8, 8, 8, 7, 7, 7}, stops[] = {0, 2, 1, 1, 2, 1, 1};
    char parity = 'N';
    if (format == 2 || format == 5) {
        long p = 1;
        if (r->args.n > 1 && !number(arg(r, 1), 0, 3, &p))
            return R_ERROR;
        if (p > 1)
            return R_ERROR; /* mark, space: not on this UART */
        parity = p ? 'E' : 'O';
    }
    g_settings.data_bits = bits[format];
    g_settings.stop_bits = stops[format];
    g_settings.parity = parity;
    return R_OK;
}

static enum result cmd_icf(at_run_t *r)
{
    static const char *const parities[] = {DTU_PARITY_CHOICES};
    settings_t *s = &g_settings;
    if (r->cmd->kind == AT_READ) {
        say(r, "+ICF: %u,%c,%u", s->data_bits, s->parity, s->stop_bits);
        return R_OK;
    }
    long first, stop;
    if (r->cmd->kind != AT_SET || !args(r, 1, 3) || !number(arg(r, 0), 1, 8, &first))
        return R_ERROR;
    if (first == 7 || first == 8) {
        int parity = r->args.n == 3 ? choice(arg(r, 1), parities, DTU_PARITY_COUNT) : -1;
        if (parity < 0 || !number(arg(r, 2), DTU_STOP_BITS_MIN, DTU_STOP_BITS_MAX, &stop))
            return R_ERROR;
        s->data_bits = (uint8_t)first;
        s->parity = parities[parity][0];
        s->stop_bits = (uint8_t)stop;
        return R_OK;
    }
    if (first <= 6 && r->args.n <= 2)
        return icf_v25(r, first);
    return R_ERROR;
}

static enum result cmd_cipr(at_run_t *r)
{
    static const long bauds[] = {DTU_BAUDS};
    if (r->cmd->kind == AT_READ) {
        say(r, "+CIPR: %lu", (unsigned long)g_settings.baud);
        return R_OK;
    }
    long baud;
    if (r->cmd->kind != AT_SET || !args(r, 1, 1) || !number(arg(r, 0), DTU_BAUD_MIN, DTU_BAUD_MAX, &baud))
        return R_ERROR;
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++) {
        if (bauds[i] == baud) {
            g_settings.baud = (uint32_t)baud;
            return R_OK;
        }
    }
    return R_ERROR;
}

static enum result cmd_cipnum(at_run_t *r)
{
    if (r->cmd->kind == AT_READ) {
        say(r, "+CIPNUM: %s", g_settings.sms_number);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 1, 1) || !phone(arg(r, 0)))
        return R_ERROR;
    SET_TEXT(g_settings.sms_number, stripped(r->args.v[0]));
    return R_OK;
}

static enum result cmd_cihttp(at_run_t *r)
{
    static const char *const methods[] = {DTU_HTTP_METHOD_CHOICES};
    settings_t *s = &g_settings;
    if (r->cmd->kind == AT_READ) {
        say(r, "+CIHTTP: %s,\"%s\",\"%s\"", methods[s->http_method & 1], s->http_url,
            s->http_headers);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 2, 3))
        return R_ERROR;
    int method = choice(arg(r, 0), methods, DTU_HTTP_METHOD_COUNT);
    char *url = stripped(r->args.v[1]);
    const char *headers = r->args.n == 3 ? arg(r, 2) : "";
    if (method < 0 || !printable(url, DTU_HTTP_URL_MAX_LEN, false) ||
        !same_word(url, 7, "HTTP://") || !printable(headers, DTU_HTTP_HEADERS_MAX_LEN, true))
        return R_ERROR;
    s->http_method = (uint8_t)method;
    SET_TEXT(s->http_url, url);
    SET_TEXT(s->http_headers, headers);
    return R_OK;
}

static enum result cmd_ciftp(at_run_t *r)
{
    settings_t *s = &g_settings;
    if (r->cmd->kind == AT_READ) {
        say(r, "+CIFTP: \"%s\",%u,\"%s\",\"%s\",\"%s\"", s->ftp_host, s->ftp_port, s->ftp_user,
            s->ftp_password, s->ftp_path);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 5, 5))
        return R_ERROR;
    char *host = stripped(r->args.v[0]);
    long port;
    if (!printable(host, DTU_FTP_HOST_MAX_LEN, false) ||
        !number(arg(r, 1), DTU_FTP_PORT_MIN, DTU_FTP_PORT_MAX, &port) ||
        !printable(arg(r, 2), DTU_FTP_USER_MAX_LEN, true) ||
        !printable(arg(r, 3), DTU_FTP_PASSWORD_MAX_LEN, true) ||
        !printable(arg(r, 4), DTU_FTP_PATH_MAX_LEN, false))
        return R_ERROR;
    SET_TEXT(s->ftp_host, host);
    s->ftp_port = (uint16_t)port;
    SET_TEXT(s->ftp_user, arg(r, 2));
    SET_TEXT(s->ftp_password, arg(r, 3));
    SET_TEXT(s->ftp_path, arg(r, 4));
    return R_OK;
}

/* ---- persistence and system ----------------------------------------------------- */

static enum result cmd_atw(at_run_t *r)
{
    if (r->cmd->raw[0])
        return R_ERROR;
    return store_save(&g_settings) ? R_OK : R_ERROR;
}

static enum result cmd_cireload(at_run_t *r)
{
    if (r->cmd->kind != AT_EXEC)
        return R_ERROR;
    settings_factory(&g_settings);
    bool saved = store_save(&g_settings);
    dtu_restart_after(100);
    return saved ? R_OK : R_ERROR;
}

static enum result cmd_cipsw(at_run_t *r)
{
    if (r->cmd->kind != AT_SET || !args(r, 2, 2) || strcmp(arg(r, 0), g_settings.password) != 0)
        return R_ERROR;
    const char *pw = arg(r, 1);
    if (!settings_password_ok(pw))
        return R_ERROR;
    SET_TEXT(g_settings.password, pw);
    return R_OK;
}

static uint8_t *switch_field(const char *name)
{
    if (!strcmp(name, "+CINETAT"))
        return &g_settings.net_at;
    if (!strcmp(name, "+CICOMAT"))
        return &g_settings.com_at;
    if (!strcmp(name, "+CISMSAT"))
        return &g_settings.sms_at;
    return &g_settings.ring_answer; /* +CIRINGSTA */
}

static enum result cmd_switch(at_run_t *r)
{
    uint8_t *field = switch_field(r->cmd->name);
    if (r->cmd->kind == AT_READ) {
        say(r, "%s: %d", r->cmd->name, *field ? 1 : 0);
        return R_OK;
    }
    long value;
    if (r->cmd->kind != AT_SET || !args(r, 1, 1) || !number(arg(r, 0), 0, 1, &value))
        return R_ERROR;
    *field = (uint8_t)value;
    return R_OK;
}

static enum result cmd_cioptime(at_run_t *r)
{
    long ms;
    if (r->cmd->kind != AT_SET || !args(r, 1, 1) || !number(arg(r, 0), 0, DTU_OPTIME_MAX_MS, &ms))
        return R_ERROR;
    uint32_t start = hal_millis();
    while (dtu_since(start, hal_millis()) < (uint32_t)ms) {
        dtu_background();
        hal_idle();
    }
    return R_OK;
}

static enum result cmd_cimodid(at_run_t *r)
{
    if (r->cmd->kind == AT_READ) {
        say(r, "+CIMODID: \"%s\"", g_settings.boot_message);
        return R_OK;
    }
    if (r->cmd->kind != AT_SET || !args(r, 1, 1) || !printable(arg(r, 0), DTU_BOOT_MESSAGE_MAX_LEN, true))
        return R_ERROR;
    SET_TEXT(g_settings.boot_message, arg(r, 0));
    return R_OK;
}

static enum result cmd_cireset(at_run_t *r)
{
    if (r->cmd->kind != AT_EXEC)
        return R_ERROR;
    dtu_restart_after(100);
    return R_OK;
}

static enum result cmd_cishutdown(at_run_t *r)
{
    if (r->cmd->kind != AT_EXEC)
        return R_ERROR;
    at_shutdown_due = true; /* serial_task switches off once the reply is out */
    return R_OK;
}

static enum result cmd_entm(at_run_t *r)
{
    if (r->cmd->kind != AT_EXEC)
        return R_ERROR;
    if (r->origin == AT_FROM_SERIAL)
        serial_leave_command_mode();
    return R_OK;
}

/* ---- status -------------------------------------------------------------------------- */

static enum result cmd_cinet(at_run_t *r)
{
    if (r->cmd->kind != AT_READ)
        return R_ERROR;
    for (int i = 0; i < DTU_SOCKETS; i++) {
        unsigned state = (unsigned)net_socket_state(i);
        say(r, "+CINET: %d,%s", i + 1, state_names[state <= 2 ? state : 0]);
    }
    say(r, "+CINET: GPRS,%s", net_gprs_up() ? "ATTACHED" : "DETACHED");
    return R_OK;
}

static enum result cmd_cidtuip(at_run_t *r)
{
    if (r->cmd->kind != AT_READ)
        return R_ERROR;
    const char *ip = net_local_ip();
    say(r, "+CIDTUIP: %s", ip && ip[0] ? ip : "0.0.0.0");
    return R_OK;
}

static modem_reply_t modem_reply; /* static: too big for the stack */

/* Upper-case hex digits at s: how many. */
static size_t hex_run(const char *s)
{
    size_t n = 0;
    while ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'A' && s[n] <= 'F'))
        n++;
    return n;
}

/* The first "<hex>","<hex>" in line (the LAC and cell of +CREG: 2,1,"1A2B","3C4D"). */
static bool find_cell(const char *line, char *lac, char *cell, size_t size)
{
    for (const char *p = line; *p; p++) {
        if (*p != '"')
            continue;
        size_t a = hex_run(p + 1);
        if (!a || strncmp(p + 1 + a, "\",\"", 3) != 0)
            continue;
        const char *q = p + 1 + a + 3;
        size_t b = hex_run(q);
        if (!b || q[b] != '"' || a >= size || b >= size)
            continue;
        memcpy(lac, p + 1, a);
        lac[a] = 0;
        memcpy(cell, q, b);
        cell[b] = 0;
        return true;
    }
    return false;
}

static enum result cmd_cilac(at_run_t *r)
{
    if (r->cmd->kind != AT_READ || modem_cmd("AT+CREG=2", 10000, NULL, NULL) != MODEM_OK)
        return R_ERROR;
    enum modem_result got = modem_cmd("AT+CREG?", 10000, NULL, &modem_reply);
    modem_cmd("AT+CREG=0", 10000, NULL, NULL);
    const char *line = got == MODEM_OK ? modem_line(&modem_reply, "+CREG:") : NULL;
    char lac[16], cell[16];
    if (!line || !find_cell(line, lac, cell, sizeof lac))
        return R_ERROR; /* not registered: no cell */
    say(r, "+CILAC: %s,%s", lac, cell);
    return R_OK;
}

/* ---- sockets by hand --------------------------------------------------------------- */

static enum result cmd_ciopen(at_run_t *r)
{
    if (r->cmd->kind != AT_SET || !args(r, 1, 3) || r->args.n == 2)
        return R_ERROR;
    int index = 0, proto = 0;
    long port = 0;
    char *host = NULL;
    if (r->args.n == 3) { /* the vendor form: socket 1 to this server */
        proto = choice(arg(r, 0), proto_names, DTU_PROTO_COUNT);
        host = stripped(r->args.v[1]);
        if (proto < 0 || !printable(host, DTU_HOST_MAX_LEN, false) ||
            !number(arg(r, 2), DTU_PORT_MIN, DTU_PORT_MAX, &port))
            return R_ERROR;
    } else if (!socket_index(arg(r, 0), &index) || !g_settings.sock[index].host[0]) {
        return R_ERROR;
    }
    if (!net_gprs_up())
        return R_ERROR;
    socket_cfg_t *k = &g_settings.sock[index];
    if (host) {
        k->proto = (uint8_t)proto;
        SET_TEXT(k->host, host);
        k->port = (uint16_t)port;
    }
    k->enabled = 1;
    return net_open(index) ? R_OK : R_ERROR;
}

static enum result cmd_ciclose(at_run_t *r)
{
    int index = 0;
    if (r->cmd->kind == AT_SET) {
        if (!args(r, 1, 1) || !socket_index(arg(r, 0), &index))
            return R_ERROR;
    } else if (r->cmd->kind != AT_EXEC) {
        return R_ERROR;
    }
    g_settings.sock[index].enabled = 0;
    net_close(index);
    return R_OK;
}

static enum result cmd_cisend(at_run_t *r)
{
    static uint8_t data[DTU_SEND_MAX];
    int index;
    long size;
    if (r->cmd->kind != AT_SET || !args(r, 2, 2) || !socket_index(arg(r, 0), &index) ||
        !number(arg(r, 1), 1, DTU_SEND_MAX, &size))
        return R_ERROR;
    if (net_socket_state(index) != SOCK_CONNECTED || r->origin != AT_FROM_SERIAL ||
        !serial_in_session())
        return R_ERROR;
    serial_write((const uint8_t *)"\r\n> ", 4);
    serial_read_exact(data, (size_t)size);
    bool sent = net_send_now(index, data, (size_t)size);
    r->reply(r->ctx, sent ? "SEND OK" : "SEND FAIL");
    return sent ? R_DONE_OK : R_DONE_FAIL;
}

/* The text of AT+CISMSEND as UTF-8: the command line is Latin-1 (an SMS
 * command's text is UTF-8 already); the character count, or -1 if too long. */
static int sms_text(const char *text, enum at_origin origin, uint8_t *out, size_t *len)
{
    int chars = 0;
    size_t n = 0;
    for (const uint8_t *p = (const uint8_t *)text; *p; p++) {
        if (origin == AT_FROM_SMS || *p < 0x80) {
            chars += origin != AT_FROM_SMS || (*p & 0xC0) != 0x80;
            out[n++] = *p;
        } else {
            chars++;
            out[n++] = (uint8_t)(0xC0 | *p >> 6);
            out[n++] = (uint8_t)(0x80 | (*p & 0x3F));
        }
    }
    *len = n;
    return chars;
}

static enum result cmd_cismsend(at_run_t *r)
{
    static uint8_t text[2 * DTU_LINE_MAX];
    size_t len;
    if (r->cmd->kind != AT_SET || !args(r, 2, 2) || !phone(arg(r, 0)))
        return R_ERROR;
    int chars = sms_text(arg(r, 1), r->origin, text, &len);
    if (chars < 1 || chars > DTU_SMS_MAX)
        return R_ERROR;
    return sms_send_text(stripped(r->args.v[0]), text, len) ? R_OK : R_ERROR;
}

/* ---- standard GSM commands answered by the modem (R-AT-6) --------------------------- */

static const struct {
    const char *name;
    unsigned forms;
} passthrough[] = {
    {"+CGSN", F(AT_EXEC)},          {"+CIMI", F(AT_EXEC)},
    {"+CCLK", F(AT_READ) | F(AT_SET)}, {"+CSQ", F(AT_EXEC)},
    {"+COPS", F(AT_READ)},          {"+CMGF", F(AT_SET) | F(AT_READ)},
    {"+CMGL", F(AT_EXEC) | F(AT_SET)}, {"+CMGR", F(AT_SET)},
    {"+CSCA", F(AT_READ) | F(AT_SET)}, {"D", F(AT_EXEC)},
    {"A", F(AT_EXEC)},              {"H", F(AT_EXEC)},
    {"S0", F(AT_SET) | F(AT_READ)},
};

static char modem_line_buf[DTU_LINE_MAX + 40];

/* The command line for the modem: AT<name><raw>, AT<name>?, AT<name>=<raw>. */
static const char *modem_text(const at_cmd_t *cmd)
{
    const char *sep = cmd->kind == AT_READ ? "?" : cmd->kind == AT_SET ? "=" : "";
    snprintf(modem_line_buf, sizeof modem_line_buf, "AT%s%s%s", cmd->name, sep,
             cmd->kind == AT_READ ? "" : cmd->raw);
    return modem_line_buf;
}

static enum result relay(at_run_t *r, enum modem_result got)
{
    if (got == MODEM_TIMEOUT)
        return R_ERROR;
    for (int i = 0; i < modem_reply.nlines && i < MODEM_LINES; i++)
        r->reply(r->ctx, modem_reply.lines[i]);
    r->reply(r->ctx, modem_reply.final);
    return got == MODEM_OK ? R_DONE_OK : R_DONE_FAIL;
}

static enum result cmd_passthrough(at_run_t *r)
{
    size_t i = 0;
    while (strcmp(passthrough[i].name, r->cmd->name) != 0)
        i++;
    if (!is_form(r, passthrough[i].forms))
        return R_ERROR;
    memset(&modem_reply, 0, sizeof modem_reply);
    enum modem_result got = modem_cmd(modem_text(r->cmd), 90000, NULL, &modem_reply);
    if (got == MODEM_OK && r->cmd->kind == AT_SET && !strcmp(r->cmd->name, "+CMGF")) {
        long on;
        if (number(r->cmd->raw, 0, 1, &on))
            sms_set_text_mode(on == 1);
    }
    return relay(r, got);
}

/* AT+CMGS relays the modem's prompt: the host's text up to Ctrl-Z goes to the modem. */
static enum result cmd_cmgs(at_run_t *r)
{
    static uint8_t text[1024 + 1];
    if (r->cmd->kind != AT_SET || r->origin != AT_FROM_SERIAL || !serial_in_session())
        return R_ERROR;
    serial_write((const uint8_t *)"\r\n> ", 4);
    int n = serial_read_until_ctrl_z(text, sizeof text - 1);
    if (n < 0)
        return R_OK; /* ESC: nothing is sent */
    text[n++] = 0x1A;
    memset(&modem_reply, 0, sizeof modem_reply);
    enum modem_result got =
        modem_cmd_data(modem_text(r->cmd), "> ", text, (size_t)n, 90000, &modem_reply);
    if (got != MODEM_OK)
        return R_ERROR;
    return relay(r, got);
}

/* ---- the table and the line --------------------------------------------------------- */

static const struct {
    const char *name;
    handler_fn run;
} commands[] = {
    {"E", cmd_at_e},           {"+CIVER", cmd_civer},       {"+CIMOD", cmd_cimod},
    {"+CIPSCONT", cmd_cipscont}, {"+CISOCLINK", cmd_cisoclink}, {"+CIPCFG", cmd_cipcfg},
    {"+CIPPACK", cmd_cippack}, {"+CSTT", cmd_cstt},         {"+CINETPT", cmd_cinetpt},
    {"+ICF", cmd_icf},         {"+CIPR", cmd_cipr},         {"+CIPNUM", cmd_cipnum},
    {"+CIHTTP", cmd_cihttp},   {"+CIFTP", cmd_ciftp},       {"W", cmd_atw},
    {"+CIRELOAD", cmd_cireload}, {"+CIPSW", cmd_cipsw},     {"+CINETAT", cmd_switch},
    {"+CICOMAT", cmd_switch},  {"+CISMSAT", cmd_switch},    {"+CIRINGSTA", cmd_switch},
    {"+CIOPTIME", cmd_cioptime}, {"+CIMODID", cmd_cimodid}, {"+CIRESET", cmd_cireset},
    {"+CISHUTDOWN", cmd_cishutdown}, {"+ENTM", cmd_entm},   {"+CINET", cmd_cinet},
    {"+CIDTUIP", cmd_cidtuip}, {"+CILAC", cmd_cilac},       {"+CIOPEN", cmd_ciopen},
    {"+CICLOSE", cmd_ciclose}, {"+CISEND", cmd_cisend},     {"+CISMSEND", cmd_cismsend},
    {"+CMGS", cmd_cmgs},
};

static handler_fn find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, name))
            return commands[i].run;
    for (size_t i = 0; i < sizeof passthrough / sizeof passthrough[0]; i++)
        if (!strcmp(passthrough[i].name, name))
            return cmd_passthrough;
    return NULL;
}

bool at_execute(const char *line, enum at_origin origin, at_reply_fn reply, void *ctx)
{
    static at_cmd_t cmd;
    at_run_t run = {.cmd = &cmd, .origin = origin, .reply = reply, .ctx = ctx};
    size_t n = strlen(line);
    const char *text = at_strip(line, &n);
    enum result got = R_ERROR;
    if (n <= DTU_LINE_MAX && n >= 2 && (text[0] == 'A' || text[0] == 'a') &&
        (text[1] == 'T' || text[1] == 't')) {
        int count = at_parse(text + 2, n - 2, &cmd);
        handler_fn handler = count == 1 ? find(cmd.name) : NULL;
        if (count == 0)
            got = R_OK;
        else if (handler)
            got = handler(&run);
    }
#ifdef DIFF_PLANTED /* make variants: dtu-planted.elf, a divergence dtulab diff must find */
    if (got == R_OK || got == R_ERROR)
        reply(ctx, got == R_OK ? "OK" : "ERR");
#else
    if (got == R_OK || got == R_ERROR)
        reply(ctx, got == R_OK ? "OK" : "ERROR");
#endif
    return got == R_OK || got == R_DONE_OK;
}
