/* Test doubles for what modem.c and net.c use of the modules they do not own
 * (dtu.c, serial.c, sms.c): they record the calls. Only the modem and net tests
 * link them. */
#ifndef FAKE_NET_PEERS_H
#define FAKE_NET_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtu.h"


/* dtu_background(): advances the host clock by 1 ms, runs the hook, then modem_poll(). */
extern void (*fake_background_hook)(void);
extern int fake_background_calls;

extern int fake_restarts;            /* dtu_restart_after calls */
extern int fake_logs;                /* dtu_log lines (also printed when FAKE_VERBOSE is set) */
extern char fake_last_log[200];

extern uint8_t fake_server_data[65536]; /* dtu_server_data, concatenated */
extern size_t fake_server_len;
extern int fake_server_calls;
extern int fake_server_last_n;
extern void (*fake_server_hook)(int n); /* called after recording, as dtu.c answers network AT */

extern uint8_t fake_serial_out[4096];   /* serial_deliver + serial_write, concatenated */
extern size_t fake_serial_len;
extern uint32_t fake_serial_heard_at;   /* the host's last byte (serial_idle_ms counts from it) */
extern bool fake_command_mode;

extern int fake_sms_setups;
extern char fake_sms_urcs[8][200];      /* the last lines sms_on_urc saw */
extern int fake_sms_urc_count;
extern bool fake_sms_claims;            /* sms_on_urc's answer */

void fake_reset(void);

#endif
