/* Test doubles for what sms.c, http.c and ftp.c use of the modules they do not
 * own (dtu.c, serial.c, at.c, net.c), and a scriptable modem behind the real
 * modem.c: every command line the firmware writes to PORT_MODEM goes to
 * fsp_modem_handler, which answers with fsp_modem_say (fed to the modem UART).
 * Only test_sms, test_http and test_ftp link them. */
#ifndef FAKE_SMS_PEERS_H
#define FAKE_SMS_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtu.h"

/* The modem. A line (without CR) the firmware sent; for a data command the
 * handler calls fsp_modem_expect_data (up to Ctrl-Z, or n bytes), and the data
 * then comes to fsp_data_handler. */
extern void (*fsp_modem_handler)(const char *line);
extern void (*fsp_data_handler)(const uint8_t *data, size_t len);
void fsp_modem_say(const char *text);
void fsp_modem_say_bytes(const void *data, size_t len);
void fsp_modem_expect_data(bool until_ctrl_z, size_t n);
extern char fsp_commands[16384]; /* every command line, each followed by '\n' */

/* dtu.c */
extern int fsp_restarts;
extern uint8_t fsp_packets[4096]; /* dtu_serial_packet: every packet, each followed by '|' */
extern size_t fsp_packets_len;
extern int fsp_replying;          /* dtu_replying nesting */

/* serial.c: serial_deliver and serial_write, concatenated each */
extern uint8_t fsp_delivered[16384];
extern size_t fsp_delivered_len;
extern uint8_t fsp_written[70000];
extern size_t fsp_written_len;

/* at.c: at_run_remote records the text and answers with the scripted lines */
extern char fsp_remote_text[1100];
extern int fsp_remote_calls;
extern const char *fsp_remote_reply[8]; /* NULL-terminated */

/* net.c */
extern bool fsp_gprs;

void fsp_reset(void);

#endif
