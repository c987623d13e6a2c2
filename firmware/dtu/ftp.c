/* FTP download (manual 2.1.2, R-FTP-1/2): the host MCU fetches a file in
 * 256-byte packets through dtulab's frame protocol, byte-exact as in
 * docs/ftp-protocol.md; the reference twin is dtu/ftp_download.py.
 *
 *     0x55 0xAA | cmd u8 | len u16 BE | payload | crc u16 BE
 *
 * CRC-16/CCITT-FALSE over cmd, len and payload. START (0x01: empty = AT+CIFTP,
 * or "ftp://[user[:password]@]host[:port]/path") → INFO (0x81: size u32, CRC-32
 * u32 of the whole file); GET (0x02: offset u32 [, length u16 1..256]) → DATA
 * (0x82: offset u32, bytes); END (0x03) → ACK (0x83: 03); anything wrong → NAK
 * (0xFF: cmd, code, detail), which changes nothing. NAK codes: 01 bad CRC,
 * 02 bad length, 03 unknown command, 04 no session, 05 offset past the end,
 * 06 FTP failure (detail: the modem's FTP error code, 0 when an AT command
 * failed or timed out), 07 bad source. No code of the firmware's own: files of
 * any size (up to 2^31-1) are served, see the cache below.
 *
 * Recognition (ftp_serial_packet): in FTP mode every byte is protocol (bytes
 * outside frames are skipped, a length > 512 gets NAK 02); in NET, HTTPD and
 * SMS modes the port stays transparent: a packet is protocol only if it begins
 * with a complete, well-formed frame (ftp_front: sync, length <= 512, CRC) that
 * starts a download (START), or, once a START was taken, a GET or END of it;
 * frames following it in the packet likewise, and the rest goes on as ordinary
 * data (dtu_serial_packet again), never answered. A frame split over packets is
 * reassembled; a fragment left alone for 3 s is dropped (FTP mode) or handed on
 * as data.
 *
 * Frames are queued and answered one at a time, in order, by ftp_task (replies
 * straight to the RS232 port with serial_write). START reads the whole file
 * once through the modem's FTP client (AT+FTPSIZE, then AT+FTPREST/AT+FTPGET=1,
 * AT+FTPGET=2,1460 reads, AT+FTPQUIT) for its CRC-32 and keeps the first
 * CACHE_LIMIT (64 KiB, as the reference) in a static window; a GET outside the
 * window fetches a new 64 KiB window at its offset. A download that breaks
 * after some bytes arrived resumes with AT+FTPREST (3 sessions in all).
 *
 * One difference from the reference, for RAM: there is one window buffer, so
 * a START or a window fetch that fails leaves the session (file, size, CRC)
 * as it was but with an empty window: the next GET fetches it again. */
#include <stdio.h>
#include <string.h>

#include "dtu.h"
#include "hal.h"
#include "hex.h"
#include "modem.h"
#include "services.h"
#include "crc32.h"

#define QUEUE 16                 /* frames waiting for ftp_task (the host pipelines 8 GETs) */
#define BUF_CAP 4096             /* frame reassembly */
#define CACHE_LIMIT (64u * 1024u)
#define MAX_FILE 0x7FFFFFFFul    /* AT+FTPREST's limit */
#define REASSEMBLY_MS 3000u
#define ATTEMPTS 3
#define READ 1460                /* AT+FTPGET=2,<reqlength> */
#define OPEN_TIMEOUT_MS 90000u   /* +FTPGET: 1,1 / +FTPSIZE */
#define STALL_TIMEOUT_MS 80000u
#define NETWORK_WAIT_MS 60000u
#define CMD_MS 10000u

/* ---- frames (pure) ---------------------------------------------------------------------- */
uint16_t ftp_crc16(const uint8_t *data, size_t len)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

size_t ftp_build_frame(uint8_t cmd, const uint8_t *payload, size_t len, uint8_t *out)
{
    out[0] = FTP_SYNC0;
    out[1] = FTP_SYNC1;
    out[2] = cmd;
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
    if (len)
        memcpy(out + 5, payload, len);
    uint16_t crc = ftp_crc16(out + 2, len + 3);
    out[5 + len] = (uint8_t)(crc >> 8);
    out[6 + len] = (uint8_t)crc;
    return len + FTP_OVERHEAD;
}

static bool host_command(uint8_t cmd)
{
    return cmd == FTP_START || cmd == FTP_GET || cmd == FTP_END;
}

int ftp_front(const uint8_t *buf, size_t len, bool download)
{
    if ((len >= 1 && buf[0] != FTP_SYNC0) || (len >= 2 && buf[1] != FTP_SYNC1))
        return FTP_FRONT_DATA;
    if (len >= 3 && buf[2] != FTP_START && !(download && (buf[2] == FTP_GET || buf[2] == FTP_END)))
        return FTP_FRONT_DATA;
    if (len < FTP_HEADER)
        return FTP_FRONT_WAIT;
    size_t size = (size_t)buf[3] << 8 | buf[4];
    if (size > FTP_MAX_PAYLOAD)
        return FTP_FRONT_DATA;
    if (len < FTP_OVERHEAD + size)
        return FTP_FRONT_WAIT;
    uint16_t crc = (uint16_t)(buf[FTP_HEADER + size] << 8 | buf[FTP_HEADER + size + 1]);
    return ftp_crc16(buf + 2, size + 3) == crc ? FTP_FRONT_FRAME : FTP_FRONT_DATA;
}

/* ---- the source (pure) ------------------------------------------------------------------- */
static bool printable(const char *s)
{
    for (; *s; s++)
        if ((uint8_t)*s < 0x20 || *s == 0x7F || *s == '"')
            return false;
    return true;
}

int ftp_source_from(ftp_source_t *src, const char *path, const char *host, unsigned long port,
                    const char *user, const char *password)
{
    const char *slash = strrchr(path, '/');
    size_t folder_len = slash ? (size_t)(slash - path) : 0;
    const char *name = slash ? slash + 1 : path;
    if (strlen(host) > 49 || strlen(user) > 49 || strlen(password) > 49 || folder_len > 255 ||
        strlen(name) > 99)
        return FTP_BAD_SOURCE;
    if (!host[0] || !name[0] || !printable(host) || !printable(user) || !printable(password) ||
        !printable(name) || port == 0 || port > 65535)
        return FTP_BAD_SOURCE;
    memcpy(src->folder, path, folder_len);
    src->folder[folder_len] = 0;
    if (!printable(src->folder))
        return FTP_BAD_SOURCE;
    if (!folder_len && path[0] == '/')
        strcpy(src->folder, "/");
    strcpy(src->host, host);
    strcpy(src->user, user);
    strcpy(src->password, password);
    strcpy(src->name, name);
    src->port = (uint16_t)port;
    return 0;
}

/* urllib.parse.unquote of in[0..len) into out[cap]; false if it does not fit or
 * decodes to a NUL. */
static bool unquote(const char *in, size_t len, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%' && i + 2 < len && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
            c = (char)(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2]));
            i += 2;
        }
        if (k + 1 >= cap || c == 0)
            return false;
        out[k++] = c;
    }
    out[k] = 0;
    return true;
}

int ftp_parse_url(ftp_source_t *src, const uint8_t *payload, size_t len)
{
    /* urlsplit: surrounding C0 controls and spaces go, tabs and line ends anywhere */
    static char url[FTP_MAX_PAYLOAD + 1];
    size_t n = 0;
    while (len && payload[0] <= 0x20) {
        payload++;
        len--;
    }
    while (len && payload[len - 1] <= 0x20)
        len--;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = payload[i];
        if (c >= 0x80)
            return FTP_BAD_SOURCE; /* not ASCII */
        if (c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == 0)
            return FTP_BAD_SOURCE;
        url[n++] = (char)c;
    }
    url[n] = 0;
    if (n < 6 || (url[0] | 0x20) != 'f' || (url[1] | 0x20) != 't' || (url[2] | 0x20) != 'p' ||
        url[3] != ':' || url[4] != '/' || url[5] != '/')
        return FTP_BAD_SOURCE;
    char *mark = strchr(url, '#'); /* an empty query or fragment is no query or fragment */
    if (mark) {
        if (mark[1])
            return FTP_BAD_SOURCE;
        *mark = 0;
    }
    mark = strchr(url, '?');
    if (mark) {
        if (mark[1])
            return FTP_BAD_SOURCE;
        *mark = 0;
    }
    const char *netloc = url + 6;
    const char *path = strchr(netloc, '/');
    size_t netloc_len = path ? (size_t)(path - netloc) : strlen(netloc);
    if (!path)
        path = "";
    /* userinfo@hostinfo, split at the last '@' */
    const char *at = NULL;
    for (size_t i = 0; i < netloc_len; i++)
        if (netloc[i] == '@')
            at = netloc + i;
    static char user[64], password[64], host[64], full_path[300];
    user[0] = password[0] = 0;
    const char *hostinfo = netloc;
    size_t hostinfo_len = netloc_len;
    if (at) {
        size_t ui_len = (size_t)(at - netloc);
        const char *colon = memchr(netloc, ':', ui_len);
        size_t ul = colon ? (size_t)(colon - netloc) : ui_len;
        if (!unquote(netloc, ul, user, sizeof user))
            return FTP_BAD_SOURCE;
        if (colon && !unquote(colon + 1, ui_len - ul - 1, password, sizeof password))
            return FTP_BAD_SOURCE;
        hostinfo = at + 1;
        hostinfo_len = netloc_len - ui_len - 1;
    }
    const char *port_s = NULL;
    size_t host_len, port_len = 0;
    if (hostinfo_len && hostinfo[0] == '[') { /* IPv6 literal */
        const char *close = memchr(hostinfo, ']', hostinfo_len);
        if (!close)
            return FTP_BAD_SOURCE;
        host_len = (size_t)(close - hostinfo - 1);
        if (host_len >= sizeof host)
            return FTP_BAD_SOURCE;
        memcpy(host, hostinfo + 1, host_len);
        const char *rest = close + 1;
        size_t rest_len = hostinfo_len - (size_t)(rest - hostinfo);
        if (rest_len && rest[0] == ':') {
            port_s = rest + 1;
            port_len = rest_len - 1;
        }
    } else {
        const char *colon = memchr(hostinfo, ':', hostinfo_len);
        host_len = colon ? (size_t)(colon - hostinfo) : hostinfo_len;
        if (host_len >= sizeof host)
            return FTP_BAD_SOURCE;
        memcpy(host, hostinfo, host_len);
        if (colon) {
            port_s = colon + 1;
            port_len = hostinfo_len - host_len - 1;
        }
    }
    host[host_len] = 0;
    for (char *h = host; *h; h++) /* urlsplit's hostname is lower case */
        if (*h >= 'A' && *h <= 'Z')
            *h = (char)(*h + 32);
    unsigned long port = 0;
    if (port_len) {
        for (size_t i = 0; i < port_len; i++) {
            if (port_s[i] < '0' || port_s[i] > '9' || port > 65535)
                return FTP_BAD_SOURCE;
            port = port * 10 + (unsigned long)(port_s[i] - '0');
        }
        if (port > 65535)
            return FTP_BAD_SOURCE;
    }
    if (port == 0)
        port = 21; /* "parts.port or 21" */
    if (!unquote(path, strlen(path), full_path, sizeof full_path))
        return FTP_BAD_SOURCE;
    return ftp_source_from(src, full_path, host, port, user, password);
}

/* ---- framing state ----------------------------------------------------------------------- */
static uint8_t buf[BUF_CAP];
static size_t blen;
static bool expiry_armed, expiry_ftp_mode;
static uint32_t expiry_since;
static bool passing; /* a packet handed back to dtu_serial_packet as ordinary data */
static bool downloading; /* outside FTP mode: a START was taken, its GETs and END count */
static uint8_t pass_buf[BUF_CAP];

static struct {
    uint8_t cmd;
    uint16_t len;
    uint8_t payload[FTP_MAX_PAYLOAD];
} queue[QUEUE];
static unsigned q_head, q_count;

static void put(uint8_t cmd, const uint8_t *payload, size_t len)
{
    if (q_count == QUEUE) {
        dtu_log("ftp: %d frames waiting, frame 0x%02x dropped", QUEUE, cmd);
        return;
    }
    unsigned slot = (q_head + q_count) % QUEUE;
    queue[slot].cmd = cmd;
    queue[slot].len = (uint16_t)len;
    memcpy(queue[slot].payload, payload, len);
    q_count++;
}

static void nak_later(uint8_t cmd, uint8_t code)
{
    uint8_t p[3] = {cmd, code, 0};
    put(FTP_NAK, p, 3);
}

static void drop(size_t n)
{
    memmove(buf, buf + n, blen - n);
    blen -= n;
}

/* ftp_download.py _State.parse: queue every complete frame in buf; return how
 * many bytes (moved to pass_buf) are ordinary data. */
static size_t parse(bool ftp_mode)
{
    while (blen) {
        if (!ftp_mode) {
            int front = ftp_front(buf, blen, downloading);
            if (front == FTP_FRONT_WAIT)
                return 0;
            if (front == FTP_FRONT_DATA) {
                size_t n = blen;
                memcpy(pass_buf, buf, n);
                blen = 0;
                return n;
            }
            size_t size = (size_t)buf[3] << 8 | buf[4];
            downloading = buf[2] != FTP_END; /* END closes the download (for recognition) */
            put(buf[2], buf + FTP_HEADER, size);
            drop(FTP_OVERHEAD + size);
            continue;
        }
        {
            size_t start = 0;
            while (start + 1 < blen && !(buf[start] == FTP_SYNC0 && buf[start + 1] == FTP_SYNC1))
                start++;
            if (start + 1 >= blen) { /* no frame here: keep a trailing 0x55 (half a sync) */
                bool half = buf[blen - 1] == FTP_SYNC0;
                drop(blen - (half ? 1 : 0));
                return 0;
            }
            drop(start);
        }
        if (blen < FTP_HEADER)
            return 0;
        uint8_t cmd = buf[2];
        size_t size = (size_t)buf[3] << 8 | buf[4];
        if (size > FTP_MAX_PAYLOAD) {
            nak_later(cmd, FTP_BAD_LENGTH);
            drop(2);
            continue;
        }
        if (blen < FTP_OVERHEAD + size)
            return 0;
        uint16_t crc = (uint16_t)(buf[FTP_HEADER + size] << 8 | buf[FTP_HEADER + size + 1]);
        if (ftp_crc16(buf + 2, size + 3) != crc)
            nak_later(cmd, FTP_BAD_CRC);
        else if (!host_command(cmd))
            nak_later(cmd, FTP_UNKNOWN_COMMAND);
        else
            put(cmd, buf + FTP_HEADER, size);
        drop(FTP_OVERHEAD + size);
    }
    return 0;
}

static void pass_on(size_t n)
{
    static uint8_t data[BUF_CAP];
    memcpy(data, pass_buf, n);
    passing = true;
    dtu_serial_packet(data, n);
    passing = false;
}

bool ftp_serial_packet(const uint8_t *data, size_t len)
{
    if (passing)
        return false;
    bool ftp_mode = g_settings.mode == MODE_FTP;
    if (!blen && !ftp_mode && ftp_front(data, len, downloading) == FTP_FRONT_DATA)
        return false;
    expiry_armed = false;
    size_t pass = 0;
    while (len) {
        size_t n = BUF_CAP - blen < len ? BUF_CAP - blen : len;
        memcpy(buf + blen, data, n);
        blen += n;
        data += n;
        len -= n;
        pass = parse(ftp_mode);
        if (pass && len) { /* ordinary data longer than the buffer: on in pieces */
            pass_on(pass);
            pass = 0;
        }
        if (blen == BUF_CAP) /* cannot happen: parse leaves at most one partial frame */
            blen = 0;
    }
    if (blen) {
        expiry_armed = true;
        expiry_ftp_mode = ftp_mode;
        expiry_since = hal_millis();
    }
    if (pass)
        pass_on(pass);
    return true;
}

/* ---- the modem's FTP client --------------------------------------------------------------- */
enum { OK_ = 0, FAIL = 1 };
typedef struct {
    uint8_t code, detail;
    bool hard; /* an AT command failed: no resume (the reference's ModemError) */
} ftp_error_t;

static ftp_error_t err;
static modem_reply_t rep;
static uint8_t rbuf[READ];
static char cmd[300];

static int fail(uint8_t code, uint8_t detail, bool hard)
{
    err.code = code;
    err.detail = detail;
    err.hard = hard;
    return FAIL;
}

static int modem_failed(void)
{
    return fail(FTP_FAILED, 0, true);
}

static bool command_ok(const char *line)
{
    rep.raw = NULL;
    return modem_cmd(line, CMD_MS, NULL, &rep) == MODEM_OK;
}

static int configure(const ftp_source_t *src)
{
    rep.raw = NULL;
    if (modem_cmd("AT+FTPQUIT", CMD_MS, NULL, &rep) == MODEM_TIMEOUT) /* an earlier session */
        return modem_failed();
    if (!svc_ensure_bearer() || !command_ok("AT+FTPCID=1"))
        return modem_failed();
    snprintf(cmd, sizeof cmd, "AT+FTPSERV=\"%s\"", src->host);
    if (!command_ok(cmd))
        return modem_failed();
    snprintf(cmd, sizeof cmd, "AT+FTPPORT=%u", src->port);
    if (!command_ok(cmd))
        return modem_failed();
    snprintf(cmd, sizeof cmd, "AT+FTPUN=\"%s\"", src->user);
    if (!command_ok(cmd))
        return modem_failed();
    snprintf(cmd, sizeof cmd, "AT+FTPPW=\"%s\"", src->password);
    if (!command_ok(cmd) || !command_ok("AT+FTPMODE=1") || !command_ok("AT+FTPTYPE=\"I\""))
        return modem_failed();
    snprintf(cmd, sizeof cmd, "AT+FTPGETPATH=\"%s\"", src->folder);
    if (!command_ok(cmd))
        return modem_failed();
    snprintf(cmd, sizeof cmd, "AT+FTPGETNAME=\"%s\"", src->name);
    if (!command_ok(cmd))
        return modem_failed();
    return OK_;
}

/* The code after the last ',' of "+FTPGET: 1,<code>". */
static unsigned long last_number(const char *line)
{
    const char *p = strrchr(line, ',');
    unsigned long v = 0;
    if (p) {
        p++;
        svc_number(&p, &v);
    }
    return v;
}

static int ftp_size(const ftp_source_t *src, uint32_t *size)
{
    char urc[MODEM_LINE_LEN];
    if (configure(src))
        return FAIL;
    if (svc_command_urc("AT+FTPSIZE", "+FTPSIZE:", OPEN_TIMEOUT_MS, urc, sizeof urc) != MODEM_OK)
        return modem_failed();
    const char *p = urc + 9; /* "+FTPSIZE: 1,<error>,<size>" */
    unsigned long one, code, value;
    if (p[0] != ' ' || (p++, !svc_number(&p, &one)) || one != 1 || *p++ != ',' ||
        !svc_number(&p, &code) || *p++ != ',' || !svc_number(&p, &value) || *p)
        return fail(FTP_FAILED, 0, true);
    if (code)
        return fail(FTP_FAILED, (uint8_t)code, true);
    if (value > MAX_FILE)
        return fail(FTP_FAILED, 0, true);
    *size = (uint32_t)value;
    return OK_;
}

typedef void (*sink_fn)(const uint8_t *data, size_t len);

/* ftp_download.py _read_once: one FTP session from offset, count bytes to sink;
 * *got says how many arrived (also on failure). */
static int read_once(const ftp_source_t *src, uint32_t offset, uint32_t count, sink_fn sink,
                     uint32_t *got)
{
    char urc[MODEM_LINE_LEN];
    *got = 0;
    if (configure(src))
        return FAIL;
    snprintf(cmd, sizeof cmd, "AT+FTPREST=%lu", (unsigned long)offset);
    if (!command_ok(cmd))
        return modem_failed();
    if (svc_command_urc("AT+FTPGET=1", "+FTPGET: 1,", OPEN_TIMEOUT_MS, urc, sizeof urc) != MODEM_OK)
        return modem_failed();
    unsigned long code = last_number(urc);
    if (code != 1)
        return fail(FTP_FAILED, (uint8_t)code, true);
    int result = OK_;
    uint32_t last_progress = hal_millis();
    while (*got < count) {
        svc_urc_expect("+FTPGET: 1,"); /* registered before the read goes out */
        rep.raw = rbuf;
        rep.raw_cap = sizeof rbuf;
        rep.raw_len = 0;
        enum modem_result r = modem_cmd("AT+FTPGET=2,1460", CMD_MS, NULL, &rep);
        rep.raw = NULL;
        if (r == MODEM_TIMEOUT) {
            result = modem_failed();
            break;
        }
        unsigned long error = 0;
        for (int i = 0; i < rep.nlines && i < MODEM_LINES; i++) {
            if (strncmp(rep.lines[i], "+FTPGET: 1,", 11) == 0) {
                unsigned long c = last_number(rep.lines[i]);
                if (c > 1 && !error)
                    error = c;
            }
        }
        if (rep.raw_len) {
            size_t part = rep.raw_len < count - *got ? rep.raw_len : count - *got;
            sink(rbuf, part);
            *got += (uint32_t)part;
            last_progress = hal_millis();
        }
        if (*got >= count)
            break;
        if (r != MODEM_OK) { /* no session any more: it ended or failed */
            result = fail(FTP_FAILED, (uint8_t)error, false);
            break;
        }
        if (!rep.raw_len) { /* nothing buffered: wait for "+FTPGET: 1,1" (or poll) */
            uint32_t since = hal_millis();
            while (dtu_since(since, hal_millis()) < 250) {
                if (svc_urc_take(urc, sizeof urc)) {
                    unsigned long c = last_number(urc);
                    if (c > 1 && !error)
                        error = c;
                    break;
                }
                dtu_background();
                hal_idle();
            }
        }
        if (error) {
            result = fail(FTP_FAILED, (uint8_t)error, false);
            break;
        }
        if (dtu_since(last_progress, hal_millis()) > STALL_TIMEOUT_MS) {
            result = fail(FTP_FAILED, 64, false);
            break;
        }
    }
    svc_urc_stop();
    modem_cmd("AT+FTPQUIT", CMD_MS, NULL, NULL); /* ends the session, if the module has not */
    return result;
}

/* ftp_download.py download: count bytes from offset to sink; a session that broke
 * after some progress is resumed with AT+FTPREST (ATTEMPTS sessions in all). */
static int download(const ftp_source_t *src, uint32_t offset, uint32_t count, sink_fn sink)
{
    uint32_t done = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        uint32_t got;
        if (read_once(src, offset + done, count - done, sink, &got) == OK_)
            return OK_;
        done += got;
        dtu_log("ftp: download at %lu failed (%u, %u)", (unsigned long)(offset + done), err.code,
                err.detail);
        if (err.hard || !got || attempt == ATTEMPTS - 1)
            return FAIL;
    }
    return FAIL;
}

/* ---- the session ---------------------------------------------------------------------------- */
static struct {
    bool active;
    ftp_source_t source;
    uint32_t size, crc;
    uint32_t window_start, window_len;
} session;
static uint8_t cache[CACHE_LIMIT];
static uint32_t fill, crc_acc;

static void sink_start(const uint8_t *data, size_t len)
{
    crc_acc = crc32_update(crc_acc, data, (uint32_t)len);
    size_t room = CACHE_LIMIT - fill;
    size_t n = len < room ? len : room;
    memcpy(cache + fill, data, n);
    fill += (uint32_t)n;
}

static void sink_window(const uint8_t *data, size_t len)
{
    size_t room = CACHE_LIMIT - fill;
    size_t n = len < room ? len : room;
    memcpy(cache + fill, data, n);
    fill += (uint32_t)n;
}

static bool network_deferred; /* the frame at the queue's head waits for GPRS */
static uint32_t network_since;

/* The reference's wait_network (60 s, then on anyway) without blocking the loop:
 * true while the frame must wait. */
static bool wait_network(void)
{
    if (net_gprs_up())
        return false;
    if (!network_deferred) {
        network_deferred = true;
        network_since = hal_millis();
    }
    return dtu_since(network_since, hal_millis()) < NETWORK_WAIT_MS;
}

static ftp_source_t start_src;

static int start(const uint8_t *payload, size_t len)
{
    int bad = len ? ftp_parse_url(&start_src, payload, len)
                  : ftp_source_from(&start_src, g_settings.ftp_path, g_settings.ftp_host,
                                    g_settings.ftp_port, g_settings.ftp_user,
                                    g_settings.ftp_password);
    if (bad)
        return fail(FTP_BAD_SOURCE, 0, true);
    uint32_t size = 0;
    if (ftp_size(&start_src, &size))
        return FAIL;
    session.window_len = 0; /* the window buffer is the new download's now */
    fill = 0;
    crc_acc = 0;
    if (size && download(&start_src, 0, size, sink_start))
        return FAIL;
    session.active = true;
    session.source = start_src;
    session.size = size;
    session.crc = crc_acc;
    session.window_start = 0;
    session.window_len = fill;
    return OK_;
}

/* A reply frame into out; returns its length, or 0 when the frame must wait for GPRS. */
static size_t run(uint8_t command, const uint8_t *payload, size_t len, uint8_t *out)
{
    uint8_t p[4 + 256];
    if (command == FTP_NAK)
        return ftp_build_frame(FTP_NAK, payload, len, out);
    if (command == FTP_START) {
        if (wait_network())
            return 0;
        if (start(payload, len))
            goto nak;
        p[0] = (uint8_t)(session.size >> 24);
        p[1] = (uint8_t)(session.size >> 16);
        p[2] = (uint8_t)(session.size >> 8);
        p[3] = (uint8_t)session.size;
        p[4] = (uint8_t)(session.crc >> 24);
        p[5] = (uint8_t)(session.crc >> 16);
        p[6] = (uint8_t)(session.crc >> 8);
        p[7] = (uint8_t)session.crc;
        return ftp_build_frame(FTP_INFO, p, 8, out);
    }
    if (command == FTP_GET) {
        if (len != 4 && len != 6) {
            fail(FTP_BAD_LENGTH, 0, true);
            goto nak;
        }
        uint32_t offset = (uint32_t)payload[0] << 24 | (uint32_t)payload[1] << 16 |
                          (uint32_t)payload[2] << 8 | payload[3];
        uint32_t length = len == 6 ? (uint32_t)payload[4] << 8 | payload[5] : FTP_PACKET;
        if (length == 0 || length > FTP_PACKET) {
            fail(FTP_BAD_LENGTH, 0, true);
            goto nak;
        }
        if (!session.active) {
            fail(FTP_NO_SESSION, 0, true);
            goto nak;
        }
        if (offset >= session.size) {
            fail(FTP_PAST_END, 0, true);
            goto nak;
        }
        uint32_t end = session.size - offset < length ? session.size : offset + length;
        if (!(session.window_start <= offset &&
              end <= session.window_start + session.window_len)) {
            if (wait_network())
                return 0;
            uint32_t count = session.size - offset < CACHE_LIMIT ? session.size - offset : CACHE_LIMIT;
            session.window_len = 0;
            session.window_start = offset;
            fill = 0;
            if (download(&session.source, offset, count, sink_window))
                goto nak;
            session.window_len = fill;
            if (end > session.window_start + session.window_len) { /* the file shrank */
                fail(FTP_FAILED, 0, true);
                goto nak;
            }
        }
        memcpy(p, payload, 4);
        memcpy(p + 4, cache + (offset - session.window_start), end - offset);
        return ftp_build_frame(FTP_DATA, p, 4 + (end - offset), out);
    }
    /* END */
    if (len) {
        fail(FTP_BAD_LENGTH, 0, true);
        goto nak;
    }
    session.active = false;
    session.window_len = 0;
    p[0] = FTP_END;
    return ftp_build_frame(FTP_ACK, p, 1, out);
nak:
    p[0] = command;
    p[1] = err.code;
    p[2] = err.detail;
    return ftp_build_frame(FTP_NAK, p, 3, out);
}

static bool busy;

void ftp_task(void)
{
    if (expiry_armed && dtu_since(expiry_since, hal_millis()) >= REASSEMBLY_MS) {
        expiry_armed = false;
        size_t n = blen;
        blen = 0;
        if (n && !expiry_ftp_mode) { /* a fragment nobody completed: ordinary data */
            memcpy(pass_buf, buf, n);
            pass_on(n);
        }
    }
    http_task(); /* dtu.c's loop has no HTTPD task of its own */
    if (busy || !q_count)
        return;
    busy = true;
    static uint8_t reply[FTP_OVERHEAD + 4 + FTP_PACKET + 8];
    uint8_t cmd = queue[q_head].cmd;
    size_t n = run(cmd, queue[q_head].payload, queue[q_head].len, reply);
    if (n) {
        if (cmd == FTP_START && !session.active)
            downloading = false; /* no download runs: GET and END frames are data again */
        network_deferred = false;
        q_head = (q_head + 1) % QUEUE;
        q_count--;
        serial_write(reply, n);
    }
    busy = false;
}
