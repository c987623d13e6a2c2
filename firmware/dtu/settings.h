/* The DTU's settings: every parameter of the manual's table 2 (usr721 dialect,
 * docs/usr721.md) with its factory value (dtu/settings.py is the reference twin).
 * ATW stores this record with store.c; AT+CIRELOAD resets it. */
#ifndef SETTINGS_H
#define SETTINGS_H

#include <stdint.h>

#define DTU_SOCKETS 4
#define SETTINGS_VERSION 1

enum dtu_mode { MODE_NET = 0, MODE_FTP = 1, MODE_AT = 2, MODE_HTTPD = 3, MODE_SMS = 4 };
enum reg_mode { REG_OFF = 0, REG_LINK = 1, REG_DATA = 2 };
enum reg_kind { REG_USER = 0, REG_IMEI = 1, REG_ICCID = 2, REG_CLOUD = 3 };
enum proto { PROTO_TCP = 0, PROTO_UDP = 1 };
enum http_method { HTTP_GET = 0, HTTP_POST = 1 };

typedef struct {
    uint8_t enabled;   /* AT+CIPSCONT <start> */
    uint8_t proto;     /* enum proto */
    uint8_t long_link; /* R-NET-4: 1 long, 0 short */
    uint8_t idle_s;    /* short link idle time 2..255 s (default 10) */
    uint16_t port;     /* 0 = unset */
    uint16_t local_port; /* AT+CINETPT, 0 = any */
    char host[65];     /* "" = unset */
} socket_cfg_t;

typedef struct {
    uint8_t version; /* SETTINGS_VERSION */
    uint8_t mode;    /* enum dtu_mode */
    socket_cfg_t sock[DTU_SOCKETS];
    char apn[51], apn_user[51], apn_password[51];
    uint16_t heartbeat_s;        /* 0 = off */
    uint8_t heartbeat_to_serial; /* R-HB-2 */
    uint8_t heartbeat_len;       /* 1..40 bytes */
    uint8_t heartbeat_data[40];  /* factory: "www.usr.cn" */
    uint16_t pack_time_ms;       /* 10..2000, factory 100 */
    uint16_t pack_len;           /* 1..1460, factory 1460 */
    uint16_t restart_s;
    uint8_t reg_mode; /* enum reg_mode */
    uint8_t reg_kind; /* enum reg_kind */
    uint8_t reg_len;  /* 0..100 */
    uint8_t reg_data[100];
    uint32_t baud;
    uint8_t data_bits;
    char parity; /* 'N', 'E', 'O' */
    uint8_t stop_bits;
    char sms_number[22];
    uint8_t http_method; /* enum http_method */
    char http_url[201];
    char http_headers[201];
    char ftp_host[50];
    uint16_t ftp_port;
    char ftp_user[50], ftp_password[50];
    char ftp_path[256];
    char password[17]; /* factory "usr.cn" */
    uint8_t net_at, com_at, sms_at, ring_answer;
    char boot_message[33]; /* AT+CIMODID */
} settings_t;

/* The running settings (what the AT commands change; ATW saves them). */
extern settings_t g_settings;

void settings_factory(settings_t *s);
/* 1 if every field is in range (a record read from the EEPROM is checked with it). */
int settings_valid(const settings_t *s);

#endif
