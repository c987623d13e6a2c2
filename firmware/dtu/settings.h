/* The DTU's settings: every parameter of the manual's table 2 (usr721 dialect,
 * docs/usr721.md); the factory values, ranges and sizes are the contract's
 * (dtulab/contract/usr721.toml, generated into contract.h; dtu/settings.py is the
 * reference twin). ATW stores this record with store.c; AT+CIRELOAD resets it. */
#ifndef SETTINGS_H
#define SETTINGS_H

#include <stdint.h>

#include "contract.h"

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
    uint8_t idle_s;    /* short link idle time, s */
    uint16_t port;     /* 0 = unset */
    uint16_t local_port; /* AT+CINETPT, 0 = any */
    char host[DTU_HOST_MAX_LEN + 1]; /* "" = unset */
} socket_cfg_t;

typedef struct {
    uint8_t version; /* SETTINGS_VERSION */
    uint8_t mode;    /* enum dtu_mode */
    socket_cfg_t sock[DTU_SOCKETS];
    char apn[DTU_APN_MAX_LEN + 1], apn_user[DTU_APN_USER_MAX_LEN + 1];
    char apn_password[DTU_APN_PASSWORD_MAX_LEN + 1];
    uint16_t heartbeat_s;        /* 0 = off */
    uint8_t heartbeat_to_serial; /* R-HB-2 */
    uint8_t heartbeat_len;
    uint8_t heartbeat_data[DTU_HEARTBEAT_DATA_MAX_LEN];
    uint16_t pack_time_ms;
    uint16_t pack_len;
    uint16_t restart_s;
    uint8_t reg_mode; /* enum reg_mode */
    uint8_t reg_kind; /* enum reg_kind */
    uint8_t reg_len;
    uint8_t reg_data[DTU_REG_DATA_MAX_LEN];
    uint32_t baud;
    uint8_t data_bits;
    char parity; /* 'N', 'E', 'O' */
    uint8_t stop_bits;
    char sms_number[DTU_SMS_NUMBER_MAX_LEN + 1];
    uint8_t http_method; /* enum http_method */
    char http_url[DTU_HTTP_URL_MAX_LEN + 1];
    char http_headers[DTU_HTTP_HEADERS_MAX_LEN + 1];
    char ftp_host[DTU_FTP_HOST_MAX_LEN + 1];
    uint16_t ftp_port;
    char ftp_user[DTU_FTP_USER_MAX_LEN + 1], ftp_password[DTU_FTP_PASSWORD_MAX_LEN + 1];
    char ftp_path[DTU_FTP_PATH_MAX_LEN + 1];
    char password[DTU_PASSWORD_MAX_LEN + 1];
    uint8_t net_at, com_at, sms_at, ring_answer;
    char boot_message[DTU_BOOT_MESSAGE_MAX_LEN + 1]; /* AT+CIMODID */
} settings_t;

/* The running settings (what the AT commands change; ATW saves them). */
extern settings_t g_settings;

void settings_factory(settings_t *s);
/* 1 if every field is in range (a record read from the EEPROM is checked with it). */
int settings_valid(const settings_t *s);
/* 1 if p may be the password (R-AT-3): printable, no blank, no '#', not empty, fits. */
int settings_password_ok(const char *p);

#endif
