/* The settings record's factory values and its range check (the reference twin
 * is dtu/settings.py; the ranges are those the usr721 commands accept,
 * docs/usr721.md). g_settings itself is defined in dtu.c. */
#include "settings.h"

#include <string.h>

static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

void settings_factory(settings_t *s)
{
    memset(s, 0, sizeof *s); /* padding too: the record is stored byte for byte */
    s->version = SETTINGS_VERSION;
    s->mode = MODE_NET;
    for (int i = 0; i < DTU_SOCKETS; i++) {
        s->sock[i].enabled = 0;
        s->sock[i].proto = PROTO_TCP;
        s->sock[i].long_link = 1;
        s->sock[i].idle_s = 10;
        s->sock[i].port = 0;
        s->sock[i].local_port = 0;
    }
    copy_str(s->apn, sizeof s->apn, "CMNET");
    s->heartbeat_s = 0;
    s->heartbeat_to_serial = 0;
    s->heartbeat_len = 10;
    memcpy(s->heartbeat_data, "www.usr.cn", 10);
    s->pack_time_ms = 100;
    s->pack_len = 1460;
    s->restart_s = 0;
    s->reg_mode = REG_OFF;
    s->reg_kind = REG_USER;
    s->reg_len = 0;
    s->baud = 115200;
    s->data_bits = 8;
    s->parity = 'N';
    s->stop_bits = 1;
    s->http_method = HTTP_GET;
    s->ftp_port = 21;
    copy_str(s->ftp_user, sizeof s->ftp_user, "anonymous");
    copy_str(s->password, sizeof s->password, "usr.cn");
    s->net_at = 0;
    s->com_at = 0;
    s->sms_at = 1;
    s->ring_answer = 0;
}

/* NUL-terminated inside its field, no control characters, at least `min` long. */
static int text_ok(const char *t, size_t size, size_t min)
{
    size_t n = 0;
    while (n < size && t[n])
        if ((unsigned char)t[n++] < 32)
            return 0;
    return n < size && n >= min;
}

static int flag_ok(uint8_t v) { return v <= 1; }

static int phone_ok(const char *p)
{
    if (!text_ok(p, 22, 0))
        return 0;
    if (!p[0])
        return 1;
    if (*p == '+')
        p++;
    size_t n = 0;
    for (; p[n]; n++)
        if (p[n] < '0' || p[n] > '9')
            return 0;
    return n >= 1 && n <= 20;
}

static int password_ok(const char *p)
{
    if (!text_ok(p, 17, 1))
        return 0;
    for (; *p; p++)
        if (*p < '!' || *p > '~' || *p == '#')
            return 0;
    return 1;
}

static int baud_ok(uint32_t b)
{
    static const uint32_t bauds[] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++)
        if (bauds[i] == b)
            return 1;
    return 0;
}

static int sockets_ok(const settings_t *s)
{
    for (int i = 0; i < DTU_SOCKETS; i++) {
        const socket_cfg_t *k = &s->sock[i];
        if (!flag_ok(k->enabled) || k->proto > PROTO_UDP || !flag_ok(k->long_link) || k->idle_s < 2 ||
            !text_ok(k->host, sizeof k->host, 0))
            return 0;
    }
    return 1;
}

static int texts_ok(const settings_t *s)
{
    return text_ok(s->apn, sizeof s->apn, 1) && text_ok(s->apn_user, sizeof s->apn_user, 0) &&
           text_ok(s->apn_password, sizeof s->apn_password, 0) && phone_ok(s->sms_number) &&
           text_ok(s->http_url, sizeof s->http_url, 0) &&
           text_ok(s->http_headers, sizeof s->http_headers, 0) &&
           text_ok(s->ftp_host, sizeof s->ftp_host, 0) && text_ok(s->ftp_user, sizeof s->ftp_user, 0) &&
           text_ok(s->ftp_password, sizeof s->ftp_password, 0) &&
           text_ok(s->ftp_path, sizeof s->ftp_path, 0) && password_ok(s->password) &&
           text_ok(s->boot_message, sizeof s->boot_message, 0);
}

int settings_valid(const settings_t *s)
{
    if (s->version != SETTINGS_VERSION || s->mode > MODE_SMS || !sockets_ok(s) || !texts_ok(s))
        return 0;
    if (!flag_ok(s->heartbeat_to_serial) || s->heartbeat_len < 1 || s->heartbeat_len > 40)
        return 0;
    if (s->pack_time_ms < 10 || s->pack_time_ms > 2000 || s->pack_len < 1 || s->pack_len > 1460)
        return 0;
    if (s->reg_mode > REG_DATA || s->reg_kind > REG_CLOUD || s->reg_len > 100)
        return 0;
    if (!baud_ok(s->baud) || (s->data_bits != 7 && s->data_bits != 8) || s->stop_bits < 1 ||
        s->stop_bits > 2 || (s->parity != 'N' && s->parity != 'E' && s->parity != 'O'))
        return 0;
    if (s->http_method > HTTP_POST || s->ftp_port == 0)
        return 0;
    return flag_ok(s->net_at) && flag_ok(s->com_at) && flag_ok(s->sms_at) && flag_ok(s->ring_answer);
}
