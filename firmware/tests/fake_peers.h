/* Test doubles for what the usr721 modules (at.c, usr721.c, serial.c, store.c)
 * use of the modules they do not own (dtu.c, net.c, sms.c, modem.c): they
 * record the calls and answer what the test scripted. Only test_at,
 * test_serial and test_store link them. */
#ifndef FAKE_PEERS_H
#define FAKE_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtu.h"
#include "modem.h"

/* dtu_* */
extern int fp_background_calls; /* dtu_background: advances the clock 1 ms, serial_poll() */
extern void (*fp_background_hook)(void); /* run by dtu_background after the clock moved */
extern int fp_restarts;
extern uint32_t fp_restart_ms;
extern int fp_shutdowns;
extern uint8_t fp_packets[8192]; /* dtu_serial_packet: every packet, each followed by '|' */
extern size_t fp_packets_len;
extern int fp_packet_count;

/* net_* */
extern bool fp_gprs;
extern enum sock_state fp_state[4];
extern int fp_applies;
extern int fp_opened[4], fp_closed[4];
extern bool fp_send_ok;
extern uint8_t fp_sent[2048];
extern size_t fp_sent_len;
extern int fp_sent_socket;

/* sms_* */
extern int fp_text_mode; /* -1 until sms_set_text_mode */
extern char fp_sms_number[32];
extern uint8_t fp_sms_text[512];
extern size_t fp_sms_len;
extern bool fp_sms_ok;

/* modem_*: each call takes the next scripted answer (default: OK, no lines) */
extern char fp_modem_sent[16][300]; /* the command lines, in order */
extern int fp_modem_calls;
extern uint8_t fp_modem_data[1100]; /* modem_cmd_data's data */
extern size_t fp_modem_data_len;
/* Script the next answer: result, final line, then up to 4 information lines (NULL-ended). */
void fp_modem_script(enum modem_result result, const char *final, ...);

void fp_reset(void);

#endif
