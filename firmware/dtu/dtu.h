/* The DTU firmware's modules and what each offers the others (behaviour.md,
 * docs/usr721.md). One cooperative main loop (dtu.c) calls each module's
 * *_task(); blocking modem commands keep the serial port alive through
 * dtu_background(). The Python twins in the dtu package are the reference behaviour. */
#ifndef DTU_H
#define DTU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

#define FIRMWARE_VERSION "dtulab-firmware 0.1.0 (usr721)"

/* ---- dtu.c: boot, main loop, restarts, timing -------------------------------- */
typedef struct {
    uint32_t reconnect_min_ms;     /* back-off after a failed connect, doubling */
    uint32_t reconnect_max_ms;
    uint32_t restart_after;        /* failed connects in a row before a restart (R-NET-3) */
    uint32_t connect_timeout_ms;   /* CIPSTART to CONNECT OK */
    uint32_t send_timeout_ms;
    uint32_t network_retry_ms;     /* after a failed GPRS bring-up */
    uint32_t registration_wait_ms;
    uint32_t blink_ms;             /* DATA LED off-time per packet (R-LED-3) */
} dtu_timing_t;

extern const dtu_timing_t dtu_timing_realistic, dtu_timing_fast; /* timing.c */
extern const dtu_timing_t *g_timing; /* realistic or fast, from hal_timing_profile() */
extern char g_imei[20];              /* read from the modem at bring-up ("" until then) */
extern char g_iccid[24];

void dtu_boot(void);
void dtu_loop_once(void);
/* What must keep running while a module waits (inside modem_cmd): serial input
 * and the escape sequence, modem URCs, the watchdog, a due restart. */
void dtu_background(void);
/* Restart the firmware `ms` from now (AT+CIRESET, AT+CIRELOAD, failures). */
void dtu_restart_after(uint32_t ms);
/* A remote command's reply (SMS, network) is on its way: a restart asked for
 * meanwhile waits until every such reply is done (on == false). */
void dtu_replying(bool on);
/* AT+CISHUTDOWN: POW on, NET and DATA off, modem off, nothing answered. */
void dtu_shutdown(void);
void dtu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A packet from the host in a transparent mode (serial.c hands each one here):
 * FTP frame, serial password command (R-AT-3), or data for the work mode. */
void dtu_serial_packet(const uint8_t *data, size_t len);
/* Data from socket n (0-based), in arrival order: a network password command
 * (R-AT-4) when CINETAT is on, else data for the host in NET mode. Called
 * from net_task, never from inside a modem wait. */
void dtu_server_data(int n, const uint8_t *data, size_t len);
/* Elapsed ms since `since` (wrap-safe). */
static inline uint32_t dtu_since(uint32_t since, uint32_t now) { return now - since; }

/* ---- serial.c: the RS232 port (framing, +++ escape, packing, command mode) ---- */
void serial_init(void);
void serial_poll(void);                              /* read the host's bytes; never blocks */
void serial_task(void);                              /* run command lines, hand packets on */
void serial_write(const uint8_t *data, size_t len);  /* to the host now (replies) */
void serial_deliver(const uint8_t *data, size_t len);/* host-bound data: held in command mode */
bool serial_command_mode(void);
uint32_t serial_idle_ms(void);                       /* since the host's last byte */

/* ---- at.c / usr721.c: the usr721 dialect ------------------------------------- */
enum at_origin { AT_FROM_SERIAL, AT_FROM_NETWORK, AT_FROM_SMS };
/* One reply line (no CR LF); the final result ("OK", "ERROR", a modem final,
 * "SEND OK") is the last line given. */
typedef void (*at_reply_fn)(void *ctx, const char *line);
/* Run one command line (without CR). Returns true when its final was OK/SEND OK. */
bool at_execute(const char *line, enum at_origin origin, at_reply_fn reply, void *ctx);
/* If text[0..len) has the shape "<password>#AT..." (any password of 1..16
 * characters; at_run_remote checks it), point *cmd at the "AT..." part and
 * return true. */
bool at_password_command(const char *text, size_t len, const char **cmd);
/* text[0..len) is "<the password>#AT..." with the running password (R-AT-3: on the
 * serial port anything else is data). */
bool at_password_right(const char *text, size_t len);
/* "<pw>#AT..." from the serial port, the network or SMS: a right password runs
 * the command(s) (socket changes apply at once unless the host is in command
 * mode); a wrong one gets "ERROR" (network, SMS; the serial port never passes
 * one: it is data there). reply == NULL (serial): each line goes to the host
 * framed "\r\n<line>\r\n". */
bool at_run_remote(const char *text, enum at_origin origin, at_reply_fn reply, void *ctx);

/* ---- net.c: GPRS and the four sockets ------------------------------------------ */
enum sock_state { SOCK_CLOSED = 0, SOCK_CONNECTING = 1, SOCK_CONNECTED = 2 };
void net_init(void);
void net_task(void);
bool net_gprs_up(void);
const char *net_local_ip(void);                       /* "0.0.0.0" before GPRS is up */
void net_send_packet(const uint8_t *data, size_t len);/* NET mode: to every enabled socket */
void net_apply_settings(void);                        /* socket settings changed */
void net_keep(void); /* seal the socket buffers for the restart about to happen */
bool net_open(int n);                                 /* AT+CIOPEN (n 0-based); false: no GPRS */
void net_close(int n);                                /* AT+CICLOSE */
bool net_send_now(int n, const uint8_t *data, size_t len); /* AT+CISEND: true on SEND OK */
enum sock_state net_socket_state(int n);
void net_on_receive(int n, const uint8_t *data, size_t len); /* from modem.c */
bool net_on_urc(const char *line);                    /* true if the line was net's */

/* ---- sms.c: SMS passthrough (R-SMS-1/2), SMS AT commands (R-AT-5), calls ---- */
void sms_init(void);
void sms_modem_setup(void);                           /* CMGF=1, CSCS="UCS2", CNMI */
void sms_task(void);
void sms_send_packet(const uint8_t *data, size_t len);/* SMS mode: to CIPNUM */
bool sms_send_text(const char *number, const uint8_t *utf8, size_t len); /* AT+CISMSEND */
bool sms_on_urc(const char *line);                    /* +CMTI, +CMT, RING, +CLIP, ... */
void sms_set_text_mode(bool on);                      /* AT+CMGF passthrough seen */

/* ---- http.c: HTTPD client mode (R-HTTP-1) ------------------------------------- */
void http_send_packet(const uint8_t *data, size_t len);

/* ---- ftp.c: FTP download frames (R-FTP-1/2, docs/ftp-protocol.md) ------------- */
/* A serial packet starting 0x55 0xAA in any transparent mode; returns true if it
 * was an FTP frame (answered on the serial port). */
bool ftp_serial_packet(const uint8_t *data, size_t len);
void ftp_task(void);

#endif
