/* The DTU MCU's driver for its SIM800-class modem on PORT_MODEM (docs/modem.md,
 * the SIMCom dialect; dtu/modem_client.py is the reference twin).
 *
 * One command at a time, each waiting for its final result. While it waits,
 * modem_cmd keeps the board alive: it calls dtu_background() (serial input,
 * escape detection, watchdog) and dispatches unsolicited lines. URC handlers
 * (net_on_*, sms_on_*, voice_on_*) run inside that wait and must NOT issue
 * modem commands: they record what happened and the *_task functions act on it
 * from the main loop. "+RECEIVE,<n>,<len>:\r\n<bytes>" blocks, "+FTPGET: 2,<n>"
 * and "+HTTPREAD: <n>" replies are read by length, never as text lines. */
#ifndef MODEM_H
#define MODEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum modem_result {
    MODEM_OK = 0,      /* final "OK" (or a result the caller named in `finals`) */
    MODEM_ERROR = 1,   /* ERROR, +CME ERROR, +CMS ERROR, NO CARRIER, BUSY, ... */
    MODEM_TIMEOUT = 2, /* no final result in time */
};

#define MODEM_LINES 16
#define MODEM_LINE_LEN 660 /* a 160-character UCS2 SMS is 640 hex digits */

typedef struct {
    int nlines;                               /* information lines before the final */
    char lines[MODEM_LINES][MODEM_LINE_LEN];  /* without CR LF; extra lines are dropped */
    char final[MODEM_LINE_LEN];               /* the final result line as received */
    uint8_t *raw;       /* caller's buffer for +FTPGET: 2 / +HTTPREAD bytes, or NULL */
    size_t raw_cap;
    size_t raw_len;     /* bytes stored in raw */
} modem_reply_t;

void modem_init(void);
/* Read and dispatch whatever the modem sent (URCs, +RECEIVE data); never blocks. */
void modem_poll(void);

/* Send `cmd` + CR and wait for its final result. `finals` is NULL or a
 * '|'-separated list of extra lines that also end the command successfully
 * (e.g. "SHUT OK", or "*" to accept the first line as final for AT+CIFSR).
 * `reply` may be NULL. */
enum modem_result modem_cmd(const char *cmd, uint32_t timeout_ms, const char *finals,
                            modem_reply_t *reply);

/* A command with a data prompt: send `cmd`, wait for "> " (or "DOWNLOAD" when
 * `prompt` is "DOWNLOAD"), send `data`, then wait for the final result
 * ("SEND OK" counts as MODEM_OK, "SEND FAIL" as MODEM_ERROR). */
enum modem_result modem_cmd_data(const char *cmd, const char *prompt, const uint8_t *data,
                                 size_t len, uint32_t timeout_ms, modem_reply_t *reply);

/* The first information line of `reply` starting with `prefix`, past the prefix
 * and leading spaces; NULL if none. */
const char *modem_line(const modem_reply_t *reply, const char *prefix);

/* True while the modem answers (false after MODEM_TIMEOUT on a plain "AT"). */
bool modem_alive(void);

#endif
