/* What sms.c, http.c and ftp.c share (the twin of dtu/services.py and of the
 * helpers dtu/httpd.py lends to dtu/ftp_download.py). Private to those three
 * modules and their unit tests; the rest of the firmware uses dtu.h.
 *
 * The pure parts (text coding, the password-command shape, the SMS AT command
 * splitting) do not touch the modem and are unit-tested on the host. */
#ifndef SERVICES_H
#define SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modem.h"

#define SMS_TEXT_LIMIT 70 /* UCS2 characters in one SMS (services.py) */

/* ---- text coding (sms.c, pure) --------------------------------------------------- */
/* UTF-8 → code points; every invalid sequence (its maximal valid prefix) becomes
 * U+FFFD, like Python's decode("utf-8", "replace"). Returns the count stored
 * (at most cap; the rest is cut). */
size_t sms_utf8_decode(const uint8_t *in, size_t len, uint32_t *out, size_t cap);
/* Latin-1 bytes → code points (one each). */
size_t sms_latin1_decode(const uint8_t *in, size_t len, uint32_t *out, size_t cap);
/* Code points → UTF-16BE as upper-case hex ("4F60597D"), NUL-terminated: what
 * AT+CSCS="UCS2" takes (services.py ucs2_hex). Returns the number of hex digits,
 * or 0 with out = "" if it does not fit (or n == 0). */
size_t sms_ucs2_hex(const uint32_t *cp, size_t n, char *out, size_t cap);
/* A UCS2 (UTF-16BE) hex string → UTF-8 (surrogate pairs joined). Returns the
 * byte count, or -1 if `hex` is not hex of valid UTF-16BE (odd digit count, a
 * non-hex digit, a lone surrogate) or does not fit in cap. */
int sms_ucs2_hex_to_utf8(const char *hex, size_t len, uint8_t *out, size_t cap);
/* services.py from_ucs2_hex + encode("utf-8"): the decoded text, or the text as
 * it came (Latin-1 → UTF-8) when it is not UCS2 hex. Returns the byte count. */
size_t sms_text_from_modem(const char *text, size_t len, uint8_t *out, size_t cap);
/* The number of SMS a text of n code points takes (70 per SMS; an empty text is one). */
size_t sms_parts(size_t n);

/* ---- SMS AT commands (sms.c, pure; at.c splits the chain before every ";AT") ---------- */
/* usr721.py password_command: after stripping CR/LF at both ends, is text
 * "<pw>#AT..." (pw at most 16 bytes without CR, "AT" in any case)? On true,
 * *start and *len give the stripped command text. */
bool sms_password_shape(const char *text, size_t len, size_t *start, size_t *cmd_len);

/* ---- URCs awaited by HTTP and FTP (sms.c) ----------------------------------------- */
/* Start recording unsolicited lines that begin with `prefix` (e.g. "+HTTPACTION:");
 * earlier recorded ones are forgotten. sms_on_urc records them. */
void svc_urc_expect(const char *prefix);
/* The oldest recorded line into line[cap]; false if none. */
bool svc_urc_take(char *line, size_t cap);
/* Stop recording. */
void svc_urc_stop(void);
/* The first information line of `reply` that begins with `prefix` (the whole
 * line, prefix included), or NULL. */
const char *svc_reply_line(const modem_reply_t *reply, const char *prefix);
/* Keep the board alive for ms (dtu_background), as clock.sleep in the reference. */
void svc_sleep(uint32_t ms);
/* httpd.py command_urc: send `cmd` (final OK wanted), then wait up to
 * timeout_ms for a line beginning with `prefix`, among the command's own lines
 * first, then among the URCs. The line goes to line[cap]. */
enum modem_result svc_command_urc(const char *cmd, const char *prefix, uint32_t timeout_ms,
                                  char *line, size_t cap);
/* httpd.py ensure_bearer: open SAPBR profile 1 (GPRS, the DTU's APN) unless open. */
bool svc_ensure_bearer(void);
/* Digits at *p (advanced past them) as *value; false if none (or above 2^32). */
bool svc_number(const char **p, unsigned long *value);
/* A value for a quoted AT string parameter: '"' dropped (httpd.py _clean). */
void svc_clean(char *out, size_t cap, const char *in);

/* ---- HTTPD (http.c) ------------------------------------------------------------------ */
/* httpd.py query_url: `url` with the packet (trailing CR/LF removed, every byte
 * but A-Z a-z 0-9 - . _ ~ = & as %XX) after '?' (or '&' if the URL has a query,
 * nothing if it ends in '?' or '&'). Returns the length, -1 if it needs more than cap. */
int http_query_url(const char *url, const uint8_t *packet, size_t len, char *out, size_t cap);
/* httpd.py split_headers: AT+CIHTTP's header lines → Content-Type's value and the
 * other lines "Name: value" joined by the typed "\r\n" (AT+HTTPPARA "USERDATA"). */
void http_split_headers(const char *text, char *content_type, size_t ct_cap, char *userdata,
                        size_t ud_cap);
/* Runs the queued HTTPD requests, one at a time (called from ftp_task: dtu.c's
 * loop has no http_task of its own). */
void http_task(void);

/* ---- FTP frames (ftp.c, pure; docs/ftp-protocol.md) ------------------------------------ */
#define FTP_SYNC0 0x55
#define FTP_SYNC1 0xAA
#define FTP_HEADER 5   /* sync, cmd, len */
#define FTP_OVERHEAD 7 /* + crc */
#define FTP_MAX_PAYLOAD 512
#define FTP_PACKET 256
enum { FTP_START = 0x01, FTP_GET = 0x02, FTP_END = 0x03 };
enum { FTP_INFO = 0x81, FTP_DATA = 0x82, FTP_ACK = 0x83, FTP_NAK = 0xFF };
enum {
    FTP_BAD_CRC = 0x01,
    FTP_BAD_LENGTH = 0x02,
    FTP_UNKNOWN_COMMAND = 0x03,
    FTP_NO_SESSION = 0x04,
    FTP_PAST_END = 0x05,
    FTP_FAILED = 0x06,
    FTP_BAD_SOURCE = 0x07,
};
enum { FTP_FRONT_DATA = 0, FTP_FRONT_WAIT = 1, FTP_FRONT_FRAME = 2 };

typedef struct {
    char host[50];
    uint16_t port;
    char user[50], password[50];
    char folder[256]; /* AT+FTPGETPATH ("" = the login folder) */
    char name[100];   /* AT+FTPGETNAME */
} ftp_source_t;

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR). */
uint16_t ftp_crc16(const uint8_t *data, size_t len);
/* The frame 55 AA cmd len payload crc into out (len + 7 bytes); returns its length. */
size_t ftp_build_frame(uint8_t cmd, const uint8_t *payload, size_t len, uint8_t *out);
/* Outside FTP mode (the port stays transparent, behaviour.md R-FTP-1): FTP_FRONT_FRAME if
 * buf[0..len) begins with a complete, well-formed frame (sync, length <= 512, CRC) that
 * the port takes - START, or GET and END while a download runs (download) -;
 * FTP_FRONT_WAIT while it may still become one; else FTP_FRONT_DATA. */
int ftp_front(const uint8_t *buf, size_t len, bool download);
/* ftp_download.py source_from: 0, or FTP_BAD_SOURCE (no host or file name, a '"'
 * or control character, too long for the modem, port not 1..65535). */
int ftp_source_from(ftp_source_t *src, const char *path, const char *host, unsigned long port,
                    const char *user, const char *password);
/* START's URL payload "ftp://[user[:password]@]host[:port]/path" (%XX escapes,
 * port 21 by default): 0, or FTP_BAD_SOURCE. */
int ftp_parse_url(ftp_source_t *src, const uint8_t *payload, size_t len);

#endif
