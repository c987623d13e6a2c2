/* The settings record's factory values and its range check, both from the
 * contract (contract.h, generated from dtulab/contract/usr721.toml; the reference twin
 * is dtu/settings.py). g_settings itself is defined in dtu.c. */
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

static const char *const parities[] = {DTU_PARITY_CHOICES}; /* one letter each */

void settings_factory(settings_t *s)
{
    memset(s, 0, sizeof *s); /* padding too: the record is stored byte for byte */
    s->version = SETTINGS_VERSION;
    s->mode = DTU_MODE_DEFAULT;
    for (int i = 0; i < DTU_SOCKETS; i++) {
        s->sock[i].enabled = DTU_ENABLED_DEFAULT;
        s->sock[i].proto = DTU_PROTO_DEFAULT;
        s->sock[i].long_link = DTU_LONG_LINK_DEFAULT;
        s->sock[i].idle_s = DTU_IDLE_DEFAULT;
        s->sock[i].port = DTU_PORT_DEFAULT;
        s->sock[i].local_port = DTU_LOCAL_PORT_DEFAULT;
        copy_str(s->sock[i].host, sizeof s->sock[i].host, DTU_HOST_DEFAULT);
    }
    copy_str(s->apn, sizeof s->apn, DTU_APN_DEFAULT);
    copy_str(s->apn_user, sizeof s->apn_user, DTU_APN_USER_DEFAULT);
    copy_str(s->apn_password, sizeof s->apn_password, DTU_APN_PASSWORD_DEFAULT);
    s->heartbeat_s = DTU_HEARTBEAT_S_DEFAULT;
    s->heartbeat_to_serial = DTU_HEARTBEAT_TO_SERIAL_DEFAULT;
    s->heartbeat_len = DTU_HEARTBEAT_DATA_DEFAULT_LEN;
    memcpy(s->heartbeat_data, DTU_HEARTBEAT_DATA_DEFAULT, DTU_HEARTBEAT_DATA_DEFAULT_LEN);
    s->pack_time_ms = DTU_PACK_TIME_MS_DEFAULT;
    s->pack_len = DTU_PACK_LEN_DEFAULT;
    s->restart_s = DTU_RESTART_S_DEFAULT;
    s->reg_mode = DTU_REG_MODE_DEFAULT;
    s->reg_kind = DTU_REG_KIND_DEFAULT;
    s->reg_len = DTU_REG_DATA_DEFAULT_LEN;
    memcpy(s->reg_data, DTU_REG_DATA_DEFAULT, DTU_REG_DATA_DEFAULT_LEN);
    s->baud = DTU_BAUD_DEFAULT;
    s->data_bits = DTU_DATA_BITS_DEFAULT;
    s->parity = parities[DTU_PARITY_DEFAULT][0];
    s->stop_bits = DTU_STOP_BITS_DEFAULT;
    copy_str(s->sms_number, sizeof s->sms_number, DTU_SMS_NUMBER_DEFAULT);
    s->http_method = DTU_HTTP_METHOD_DEFAULT;
    copy_str(s->http_url, sizeof s->http_url, DTU_HTTP_URL_DEFAULT);
    copy_str(s->http_headers, sizeof s->http_headers, DTU_HTTP_HEADERS_DEFAULT);
    copy_str(s->ftp_host, sizeof s->ftp_host, DTU_FTP_HOST_DEFAULT);
    s->ftp_port = DTU_FTP_PORT_DEFAULT;
    copy_str(s->ftp_user, sizeof s->ftp_user, DTU_FTP_USER_DEFAULT);
    copy_str(s->ftp_password, sizeof s->ftp_password, DTU_FTP_PASSWORD_DEFAULT);
    copy_str(s->ftp_path, sizeof s->ftp_path, DTU_FTP_PATH_DEFAULT);
    copy_str(s->password, sizeof s->password, DTU_PASSWORD_DEFAULT);
    s->net_at = DTU_NET_AT_DEFAULT;
    s->com_at = DTU_COM_AT_DEFAULT;
    s->sms_at = DTU_SMS_AT_DEFAULT;
    s->ring_answer = DTU_RING_ANSWER_DEFAULT;
    copy_str(s->boot_message, sizeof s->boot_message, DTU_BOOT_MESSAGE_DEFAULT);
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
    if (!text_ok(p, sizeof ((settings_t *)0)->sms_number, 0))
        return 0;
    if (!p[0])
        return 1;
    if (*p == '+')
        p++;
    size_t n = 0;
    for (; p[n]; n++)
        if (p[n] < '0' || p[n] > '9')
            return 0;
    return n >= 1 && n <= DTU_PHONE_DIGITS;
}

int settings_password_ok(const char *p)
{
    if (!text_ok(p, sizeof ((settings_t *)0)->password, DTU_PASSWORD_MIN_LEN))
        return 0;
    for (; *p; p++)
        if (*p < '!' || *p > '~' || *p == '#')
            return 0;
    return 1;
}

static int baud_ok(uint32_t b)
{
    static const uint32_t bauds[] = {DTU_BAUDS};
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++)
        if (bauds[i] == b)
            return 1;
    return 0;
}

static int parity_ok(char p)
{
    for (int i = 0; i < DTU_PARITY_COUNT; i++)
        if (parities[i][0] == p)
            return 1;
    return 0;
}

static int sockets_ok(const settings_t *s)
{
    for (int i = 0; i < DTU_SOCKETS; i++) {
        const socket_cfg_t *k = &s->sock[i];
        if (!flag_ok(k->enabled) || k->proto >= DTU_PROTO_COUNT || !flag_ok(k->long_link) ||
            k->idle_s < DTU_IDLE_MIN || !text_ok(k->host, sizeof k->host, 0))
            return 0;
    }
    return 1;
}

static int texts_ok(const settings_t *s)
{
    return text_ok(s->apn, sizeof s->apn, DTU_APN_MIN_LEN) && text_ok(s->apn_user, sizeof s->apn_user, 0) &&
           text_ok(s->apn_password, sizeof s->apn_password, 0) && phone_ok(s->sms_number) &&
           text_ok(s->http_url, sizeof s->http_url, 0) &&
           text_ok(s->http_headers, sizeof s->http_headers, 0) &&
           text_ok(s->ftp_host, sizeof s->ftp_host, 0) && text_ok(s->ftp_user, sizeof s->ftp_user, 0) &&
           text_ok(s->ftp_password, sizeof s->ftp_password, 0) &&
           text_ok(s->ftp_path, sizeof s->ftp_path, 0) && settings_password_ok(s->password) &&
           text_ok(s->boot_message, sizeof s->boot_message, 0);
}

int settings_valid(const settings_t *s)
{
    if (s->version != SETTINGS_VERSION || s->mode >= DTU_MODE_COUNT || !sockets_ok(s) ||
        !texts_ok(s))
        return 0;
    if (!flag_ok(s->heartbeat_to_serial) || s->heartbeat_len < DTU_HEARTBEAT_DATA_MIN_LEN ||
        s->heartbeat_len > DTU_HEARTBEAT_DATA_MAX_LEN)
        return 0;
    if (s->pack_time_ms < DTU_PACK_TIME_MS_MIN || s->pack_time_ms > DTU_PACK_TIME_MS_MAX ||
        s->pack_len < DTU_PACK_LEN_MIN || s->pack_len > DTU_PACK_LEN_MAX)
        return 0;
    if (s->reg_mode >= DTU_REG_MODE_COUNT || s->reg_kind >= DTU_REG_KIND_COUNT ||
        s->reg_len > DTU_REG_DATA_MAX_LEN)
        return 0;
    if (!baud_ok(s->baud) || s->data_bits < DTU_DATA_BITS_MIN || s->data_bits > DTU_DATA_BITS_MAX ||
        s->stop_bits < DTU_STOP_BITS_MIN || s->stop_bits > DTU_STOP_BITS_MAX ||
        !parity_ok(s->parity))
        return 0;
    if (s->http_method >= DTU_HTTP_METHOD_COUNT || s->ftp_port < DTU_FTP_PORT_MIN)
        return 0;
    return flag_ok(s->net_at) && flag_ok(s->com_at) && flag_ok(s->sms_at) && flag_ok(s->ring_answer);
}
