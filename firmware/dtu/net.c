/* GPRS and the four sockets (dtu.h net_*; the reference twins are dtu/dtu.py
 * _network/_bring_up/_on_urc/LEDs and dtu/sockets.py).
 *
 * Everything is a state machine stepped by net_task() from the main loop; each
 * step issues at most a few modem commands, so the serial side keeps running
 * between them. URC handlers (net_on_urc, net_on_receive) only record what
 * happened. Data from the servers is queued in arrival order and handed to
 * dtu_server_data() from net_task.
 *
 * A modem that does not answer AT gets its power key pressed (hal_modem_pwrkey,
 * PWRKEY_PRESS_MS, without blocking: the press is a bring-up step of its own),
 * then is synced again, like dtu.py _bring_up with Board.modem_pwrkey.
 *
 * Build switch NET_NO_RESEND (make NO_RESEND=1 -> build/dtu-noresend.elf): a
 * deliberately broken build for the network fault campaigns. When a socket's
 * connection breaks (closed by the far end or the network, a failed send or
 * heartbeat, GPRS lost) or a connect fails, the serial data buffered for it is
 * dropped, and so is what the host sends while it stays down (dropped when the
 * socket connects again), instead of being kept and resent after reconnecting
 * (R-NET-2). Each drop is logged. Never ship it. */
#include <stdio.h>
#include <string.h>

#include "dtu.h"
#include "fifo.h"
#include "hal.h"
#include "modem.h"
#include "net_hooks.h"
#include "crc32.h"

#define CMD_TIMEOUT_MS 10000u  /* modem_client.py's default */
#define DOWNLINK_SIZE 16384u
#define SYNC_TRIES 10          /* AT tries of 500 ms before the power key (dtu.py _bring_up) */
#define SYNC_TRIES_PRESSED 60  /* after a press, while the modem boots (modem_client.py sync) */
#define PWRKEY_PRESS_MS 1200u  /* a SIM800 turns on after a press of about 1 s */

/* ---- GPRS ------------------------------------------------------------------------ */
enum bring_step {
    B_SYNC, B_PWRKEY, B_ATE0, B_CMEE, B_CPIN, B_SMS, B_IDS, B_CREG, B_CGATT,
    B_SHUT, B_MUX, B_CSTT, B_CIICR, B_CIFSR,
};

static bool gprs_up;
static volatile bool pdp_lost;
static char local_ip[20] = "0.0.0.0";
static enum bring_step step;
static unsigned sync_tries;
static bool key_pressed; /* this bring-up has pressed the power key already */
static bool poll_started;
static uint32_t poll_deadline;
static uint32_t next_at; /* when the next bring-up step may run */

/* ---- sockets ---------------------------------------------------------------------- */
enum phase { P_OFF, P_WAIT, P_CONNECTING, P_CONNECTED, P_BACKOFF };
enum outcome { OUT_NONE, OUT_OK, OUT_FAIL };

struct sock {
    enum phase phase;
    bool active;        /* enabled and served (the reference's running task) */
    uint8_t proto;      /* the target the task serves */
    uint16_t port;
    char host[65];
    fifo_t *q;          /* in the kept RAM (struct kept): a restart keeps it */
    uint32_t failures, hb_failures;
    uint32_t last_tx, last_data;
    bool closed;        /* "<n>, CLOSED" or the network went */
    enum outcome outcome;
    uint32_t deadline;  /* connecting: connect timeout; back-off: its end */
    bool reg_due;       /* the once-per-connection registration packet */
    bool close_pending; /* AT+CIPCLOSE to send (net_apply_settings) */
    bool broke;         /* NET_NO_RESEND: down after a break; what is buffered is dropped */
};

static struct sock socks[DTU_SOCKETS];

/* The socket buffers live in RAM a warm reset keeps (hal_retained): a restart of the DTU
 * (8 failed connects, AT+CIRESET) must not lose the cache (behaviour.md R-NET-3; the
 * reference twin is Dtu.kept). net_keep() seals them just before the restart; net_init()
 * takes each back if the seal holds and the socket still goes to the same server. A cold
 * boot, a watchdog or fault reset, finds no seal: the buffers start empty. */
#define KEPT_MAGIC 0x4B455054u /* "KEPT" */

struct kept_target {
    uint8_t enabled, proto;
    uint16_t port;
    char host[65];
};

struct kept {
    uint32_t magic; /* KEPT_MAGIC while sealed */
    uint32_t crc;   /* CRC-32 of target and q */
    struct kept_target target[DTU_SOCKETS];
    fifo_t q[DTU_SOCKETS];
};

_Static_assert(sizeof(struct kept) <= HAL_RETAINED_SIZE, "the socket buffers fit the kept RAM");

static struct kept *kept;

static uint32_t kept_crc(void)
{
    uint32_t crc = crc32_update(0, (const uint8_t *)kept->target, sizeof kept->target);
    return crc32_update(crc, (const uint8_t *)kept->q, sizeof kept->q);
}

static bool kept_for(int n) /* socket n still goes where its kept buffer was for */
{
    const struct kept_target *t = &kept->target[n];
    const socket_cfg_t *cfg = &g_settings.sock[n];
    return t->enabled && cfg->enabled && t->proto == cfg->proto && t->port == cfg->port &&
           strncmp(t->host, cfg->host, sizeof t->host) == 0;
}

void net_keep(void)
{
    for (int i = 0; i < DTU_SOCKETS; i++) {
        const socket_cfg_t *cfg = &g_settings.sock[i];
        struct kept_target *t = &kept->target[i];
        memset(t, 0, sizeof *t);
        t->enabled = cfg->enabled;
        t->proto = cfg->proto;
        t->port = cfg->port;
        strncpy(t->host, cfg->host, sizeof t->host - 1);
    }
    kept->crc = kept_crc();
    kept->magic = KEPT_MAGIC;
}

/* ---- server data, in arrival order --------------------------------------------------- */
static uint8_t down[DOWNLINK_SIZE];
static size_t down_head, down_len;
static uint32_t down_dropped;

/* ---- LEDs -------------------------------------------------------------------------------- */
static bool blinking;
static bool blink_on_phase;
static uint32_t blink_t;

static uint32_t hb_serial_at; /* the last heartbeat to the serial port */
static bool hb_serial_sent;

static modem_reply_t reply;

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static bool any_connected(void)
{
    for (int i = 0; i < DTU_SOCKETS; i++)
        if (socks[i].phase == P_CONNECTED)
            return true;
    return false;
}

static void update_leds(void)
{
    hal_led_set(LED_NET, gprs_up);
    if (!blinking)
        hal_led_set(LED_DATA, any_connected());
}

static void data_moved(void)
{
    if (blinking || !any_connected())
        return;
    blinking = true;
    blink_on_phase = false;
    blink_t = hal_millis();
    hal_led_set(LED_DATA, false);
}

static void led_tick(void)
{
    if (!blinking)
        return;
    uint32_t now = hal_millis();
    if (dtu_since(blink_t, now) < g_timing->blink_ms)
        return;
    if (!blink_on_phase) {
        blink_on_phase = true;
        blink_t = now;
        hal_led_set(LED_DATA, any_connected());
        return;
    }
    blinking = false;
    update_leds();
}

void net_background(void) { led_tick(); }

/* ---- init and status ------------------------------------------------------------------ */
void net_init(void)
{
    gprs_up = false;
    pdp_lost = false;
    strcpy(local_ip, "0.0.0.0");
    step = B_SYNC;
    sync_tries = 0;
    key_pressed = false;
    poll_started = false;
    next_at = hal_millis();
    hb_serial_sent = false;
    memset(socks, 0, sizeof socks);
    kept = hal_retained();
    bool sealed = kept->magic == KEPT_MAGIC && kept->crc == kept_crc();
    kept->magic = 0; /* a reset from now on (watchdog, fault) keeps nothing */
    for (int i = 0; i < DTU_SOCKETS; i++) {
        socks[i].q = &kept->q[i];
        if (sealed && kept_for(i) && fifo_len(socks[i].q))
            dtu_log("net: socket %d: %u bytes kept over the restart", i + 1,
                    (unsigned)fifo_len(socks[i].q));
        else
            fifo_init(socks[i].q);
    }
    down_head = down_len = 0;
    down_dropped = 0;
    blinking = false;
    net_apply_settings();
}

bool net_gprs_up(void) { return gprs_up; }

const char *net_local_ip(void) { return local_ip; }

enum sock_state net_socket_state(int n)
{
    if (n < 0 || n >= DTU_SOCKETS)
        return SOCK_CLOSED;
    switch (socks[n].phase) {
    case P_CONNECTING:
        return SOCK_CONNECTING;
    case P_CONNECTED:
        return SOCK_CONNECTED;
    default:
        return SOCK_CLOSED;
    }
}

/* ---- URCs and received data (inside modem waits: record, send nothing) -------------------- */
static void sock_connected(int n);

bool net_on_urc(const char *line)
{
    if (line[0] >= '0' && line[0] <= '9' && line[1] == ',' && line[2] == ' ') {
        const char *ev = line + 3;
        int n = line[0] - '0';
        bool connect_ok = strcmp(ev, "CONNECT OK") == 0 || strcmp(ev, "ALREADY CONNECT") == 0;
        bool connect_fail = strcmp(ev, "CONNECT FAIL") == 0;
        bool closed = strcmp(ev, "CLOSED") == 0;
        if (!connect_ok && !connect_fail && !closed)
            return false;
        if (n < DTU_SOCKETS) {
            struct sock *s = &socks[n];
            if (connect_ok || connect_fail) {
                if (s->phase == P_CONNECTING && s->outcome == OUT_NONE) {
                    s->outcome = connect_ok ? OUT_OK : OUT_FAIL;
                    /* connected at once: the server's first data may follow in the same
                     * read, and what it asks for (a network AT reply) needs the link up */
                    if (connect_ok)
                        sock_connected(n);
                }
            } else {
                s->closed = true;
            }
        }
        return true;
    }
    if (strcmp(line, "+PDP: DEACT") == 0 || strcmp(line, "RDY") == 0 ||
        strcmp(line, "SMS Ready") == 0 || strcmp(line, "NORMAL POWER DOWN") == 0 ||
        strncmp(line, "UNDER-VOLTAGE POWER", 19) == 0) {
        if (gprs_up)
            pdp_lost = true;
        return true;
    }
    return false;
}

void net_on_receive(int n, const uint8_t *data, size_t len)
{
    data_moved();
    while (len > DTU_SEND_MAX) { /* records of at most DTU_SEND_MAX bytes */
        net_on_receive(n, data, DTU_SEND_MAX);
        data += DTU_SEND_MAX;
        len -= DTU_SEND_MAX;
    }
    if (!len)
        return;
    if (down_len + 3 + len > DOWNLINK_SIZE) {
        down_dropped += (uint32_t)len;
        dtu_log("net: socket %d: %u bytes from the server dropped (queue full)", n + 1,
                (unsigned)len);
        return;
    }
    uint8_t hdr[3] = {(uint8_t)n, (uint8_t)(len & 0xff), (uint8_t)(len >> 8)};
    size_t tail = (down_head + down_len) % DOWNLINK_SIZE;
    for (size_t i = 0; i < 3; i++)
        down[(tail + i) % DOWNLINK_SIZE] = hdr[i];
    for (size_t i = 0; i < len; i++)
        down[(tail + 3 + i) % DOWNLINK_SIZE] = data[i];
    down_len += 3 + len;
}

size_t net_downlink_room(void)
{
    return DOWNLINK_SIZE - down_len;
}

static void deliver_downlink(void)
{
    static uint8_t block[DTU_SEND_MAX];
    while (down_len >= 3) {
        int n = down[down_head];
        size_t len = (size_t)down[(down_head + 1) % DOWNLINK_SIZE] |
                     ((size_t)down[(down_head + 2) % DOWNLINK_SIZE] << 8);
        for (size_t i = 0; i < len; i++)
            block[i] = down[(down_head + 3 + i) % DOWNLINK_SIZE];
        down_head = (down_head + 3 + len) % DOWNLINK_SIZE;
        down_len -= 3 + len;
        if (!down_len)
            down_head = 0;
        dtu_server_data(n, block, len);
    }
}

/* ---- GPRS bring-up (dtu.py _bring_up), one step per net_task ------------------------------- */
static void bring_up_failed(const char *why)
{
    dtu_log("net: GPRS bring-up failed: %s", why);
    step = B_SYNC;
    sync_tries = 0;
    key_pressed = false;
    poll_started = false;
    next_at = hal_millis() + g_timing->network_retry_ms;
}

static void go(enum bring_step next)
{
    step = next;
    poll_started = false;
    next_at = hal_millis();
}

/* A poll of dtu.py _poll: true once a line matches; false to wait or on failure. */
static bool poll(const char *cmd, bool (*match)(const char *), uint32_t timeout_ms)
{
    uint32_t now = hal_millis();
    if (!poll_started) {
        poll_started = true;
        poll_deadline = now + timeout_ms;
    }
    modem_cmd(cmd, CMD_TIMEOUT_MS, NULL, &reply);
    for (int i = 0; i < reply.nlines && i < MODEM_LINES; i++)
        if (match(reply.lines[i]))
            return true;
    now = hal_millis();
    if ((int32_t)(now - poll_deadline) > 0) {
        char why[80];
        snprintf(why, sizeof why, "%s: no answer in time", cmd);
        bring_up_failed(why);
        return false;
    }
    next_at = now + (timeout_ms > 10000 ? 500u : 100u);
    return false;
}

static bool cpin_ready(const char *l) { return strcmp(l, "+CPIN: READY") == 0; }

static bool creg_ok(const char *l)
{
    return strncmp(l, "+CREG: ", 7) == 0 && l[7] >= '0' && l[7] <= '9' && l[8] == ',' &&
           (l[9] == '1' || l[9] == '5') && l[10] == 0;
}

static bool cgatt_ok(const char *l) { return strcmp(l, "+CGATT: 1") == 0; }

static bool is_ip(const char *s)
{
    int dots = 0, digits = 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (!digits)
                return false;
            dots++;
            digits = 0;
        } else if (*s >= '0' && *s <= '9') {
            digits++;
        } else {
            return false;
        }
    }
    return dots == 3 && digits;
}

static bool must(const char *cmd, uint32_t timeout_ms, enum bring_step next)
{
    if (modem_cmd(cmd, timeout_ms, NULL, &reply) != MODEM_OK) {
        char why[120];
        snprintf(why, sizeof why, "%.60s: %.50s", cmd, reply.final[0] ? reply.final : "no answer");
        bring_up_failed(why);
        return false;
    }
    go(next);
    return true;
}

static void copy_id(char *dst, size_t cap, const modem_reply_t *r)
{
    const char *src = r->nlines ? r->lines[0] : "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void gprs_ready(void)
{
    gprs_up = true;
    key_pressed = false;
    dtu_log("net: GPRS up, local IP %s", local_ip);
    update_leds();
}

static void bring_up_step(void)
{
    char cmd[200];
    switch (step) {
    case B_SYNC:
        if (modem_cmd("AT", 500, NULL, NULL) == MODEM_OK) {
            go(B_ATE0);
        } else if (key_pressed && ++sync_tries >= SYNC_TRIES_PRESSED) {
            bring_up_failed("the modem does not answer AT");
        } else if (!key_pressed && ++sync_tries >= SYNC_TRIES) {
            /* off (power-down URC, AT+CPOWD) or hung: press its power key (dtu.py) */
            dtu_log("net: the modem does not answer: pressing its power key");
            hal_modem_pwrkey(true);
            key_pressed = true;
            step = B_PWRKEY;
            next_at = hal_millis() + PWRKEY_PRESS_MS;
        }
        return;
    case B_PWRKEY: /* held for PWRKEY_PRESS_MS: release, then sync while it boots */
        hal_modem_pwrkey(false);
        sync_tries = 0;
        go(B_SYNC);
        return;
    case B_ATE0:
        must("ATE0", CMD_TIMEOUT_MS, B_CMEE);
        return;
    case B_CMEE:
        must("AT+CMEE=1", CMD_TIMEOUT_MS, B_CPIN);
        return;
    case B_CPIN:
        if (poll("AT+CPIN?", cpin_ready, 30000))
            go(B_SMS);
        return;
    case B_SMS:
        /* sms.c reads the IMEI and ICCID first, then sets SMS up (services.py setup_sms) */
        sms_modem_setup();
        go(B_IDS);
        return;
    case B_IDS: /* what sms_modem_setup could not read */
        if (!g_imei[0] && modem_cmd("AT+CGSN", CMD_TIMEOUT_MS, NULL, &reply) == MODEM_OK)
            copy_id(g_imei, sizeof g_imei, &reply);
        if (!g_iccid[0] && modem_cmd("AT+CCID", CMD_TIMEOUT_MS, NULL, &reply) == MODEM_OK)
            copy_id(g_iccid, sizeof g_iccid, &reply);
        go(B_CREG);
        return;
    case B_CREG:
        if (poll("AT+CREG?", creg_ok, g_timing->registration_wait_ms))
            go(B_CGATT);
        return;
    case B_CGATT:
        if (poll("AT+CGATT?", cgatt_ok, g_timing->registration_wait_ms))
            go(B_SHUT);
        return;
    case B_SHUT:
        if (must("AT+CIPSHUT", 70000, B_MUX))
            pdp_lost = false;
        return;
    case B_MUX:
        must("AT+CIPMUX=1", CMD_TIMEOUT_MS, B_CSTT);
        return;
    case B_CSTT:
        snprintf(cmd, sizeof cmd, "AT+CSTT=\"%s\",\"%s\",\"%s\"", g_settings.apn,
                 g_settings.apn_user, g_settings.apn_password);
        must(cmd, CMD_TIMEOUT_MS, B_CIICR);
        return;
    case B_CIICR:
        must("AT+CIICR", 90000, B_CIFSR);
        return;
    case B_CIFSR:
        if (modem_cmd("AT+CIFSR", CMD_TIMEOUT_MS, "*", &reply) != MODEM_OK || !is_ip(reply.final)) {
            bring_up_failed(reply.final[0] ? reply.final : "AT+CIFSR: no answer");
            return;
        }
        copy_str(local_ip, sizeof local_ip, reply.final);
        go(B_SYNC);
        gprs_ready();
        return;
    }
}

/* ---- sockets (sockets.py) -------------------------------------------------------------------- */
static size_t registration_packet(const uint8_t **data)
{
    switch (g_settings.reg_kind) {
    case REG_IMEI:
        *data = (const uint8_t *)g_imei;
        return strlen(g_imei);
    case REG_ICCID:
        *data = (const uint8_t *)g_iccid;
        return strlen(g_iccid);
    default: /* USER and CLOUD: the bytes given */
        *data = g_settings.reg_data;
        return g_settings.reg_len <= sizeof g_settings.reg_data ? g_settings.reg_len
                                                                 : sizeof g_settings.reg_data;
    }
}

/* AT+CIPSEND; true only on SEND OK. */
static bool sock_send(int n, const uint8_t *data, size_t len)
{
    struct sock *s = &socks[n];
    if (!len)
        return true;
    if (s->closed)
        return false;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "AT+CIPSEND=%d,%u", n, (unsigned)len);
    enum modem_result r = modem_cmd_data(cmd, "> ", data, len, g_timing->send_timeout_ms, &reply);
    size_t fl = strlen(reply.final);
    if (r == MODEM_OK && fl >= 7 && strcmp(reply.final + fl - 7, "SEND OK") == 0) {
        s->last_tx = hal_millis();
        return true;
    }
    return false;
}

#ifdef NET_NO_RESEND
static void drop_buffered(int n, const char *why)
{
    struct sock *s = &socks[n];
    size_t len = fifo_len(s->q);
    if (len)
        dtu_log("net: socket %d: %u buffered bytes dropped (%s, NET_NO_RESEND)", n + 1,
                (unsigned)len, why);
    fifo_init(s->q);
}

/* The connection broke or failed: the build that forgets what it buffered. */
static void connection_broke(int n)
{
    socks[n].broke = true;
    drop_buffered(n, "connection lost");
}
#else
static void connection_broke(int n) { (void)n; } /* R-NET-2: kept to resend */
#endif

static void backoff(struct sock *s, uint32_t ms)
{
    s->phase = P_BACKOFF;
    s->deadline = hal_millis() + ms;
}

/* The connection ended (closed by us or the far end): reconnect after the minimum delay. */
static void after_serve(struct sock *s)
{
    s->phase = P_WAIT;
    update_leds();
    if (gprs_up)
        backoff(s, g_timing->reconnect_min_ms);
}

static void sock_close(int n)
{
    char cmd[24];
    snprintf(cmd, sizeof cmd, "AT+CIPCLOSE=%d", n);
    modem_cmd(cmd, CMD_TIMEOUT_MS, NULL, NULL);
    socks[n].closed = true;
    after_serve(&socks[n]);
}

static void connect_failed(int n)
{
    struct sock *s = &socks[n];
    connection_broke(n);
    s->phase = P_WAIT;
    s->failures++;
    update_leds();
    if (s->failures >= g_timing->restart_after) {
        dtu_log("net: socket %d failed %u times in a row: restart", n + 1, (unsigned)s->failures);
        s->active = false;
        s->phase = P_OFF;
        dtu_restart_after(0);
        return;
    }
    uint32_t delay = g_timing->reconnect_min_ms;
    for (uint32_t i = 1; i < s->failures && delay < g_timing->reconnect_max_ms; i++)
        delay *= 2;
    if (delay > g_timing->reconnect_max_ms)
        delay = g_timing->reconnect_max_ms;
    backoff(s, delay);
}

static void sock_connect(int n)
{
    struct sock *s = &socks[n];
    const socket_cfg_t *cfg = &g_settings.sock[n];
    char cmd[120];
    s->phase = P_CONNECTING;
    s->closed = false;
    s->outcome = OUT_NONE;
    snprintf(cmd, sizeof cmd, "AT+CIPSTART=%d,\"%s\",\"%s\",%u", n,
             cfg->proto == PROTO_UDP ? "UDP" : "TCP", cfg->host, (unsigned)cfg->port);
    if (modem_cmd(cmd, CMD_TIMEOUT_MS, NULL, NULL) != MODEM_OK && s->outcome == OUT_NONE)
        s->outcome = OUT_FAIL;
    s->deadline = hal_millis() + g_timing->connect_timeout_ms;
}

static void sock_connected(int n)
{
    struct sock *s = &socks[n];
    s->phase = P_CONNECTED;
    s->failures = 0;
    s->hb_failures = 0;
    s->last_tx = hal_millis();
    s->reg_due = g_settings.reg_mode == REG_LINK;
#ifdef NET_NO_RESEND
    if (s->broke) /* what the host sent while it was down */
        drop_buffered(n, "reconnected");
    s->broke = false;
#endif
    dtu_log("net: socket %d connected", n + 1);
    update_leds();
}

/* Send the oldest queued data; it leaves the queue only on SEND OK. */
static bool send_next(int n)
{
    static uint8_t buf[DTU_SEND_MAX];
    struct sock *s = &socks[n];
    const uint8_t *prefix = NULL;
    size_t plen = 0;
    if (g_settings.reg_mode == REG_DATA)
        plen = registration_packet(&prefix);
    if (plen > DTU_SEND_MAX / 2)
        plen = DTU_SEND_MAX / 2;
    if (plen)
        memcpy(buf, prefix, plen);
    bool stream = g_settings.sock[n].proto == PROTO_TCP && !plen; /* TCP: fill the segment */
    size_t chunk = fifo_peek(s->q, buf + plen, DTU_SEND_MAX - plen, stream);
    if (!sock_send(n, buf, plen + chunk))
        return false;
    fifo_consume(s->q, chunk);
    data_moved();
    return true;
}

static void serve(int n)
{
    struct sock *s = &socks[n];
    const socket_cfg_t *cfg = &g_settings.sock[n];
    if (s->closed) {
        connection_broke(n);
        sock_close(n);
        return;
    }
    if (s->reg_due) {
        s->reg_due = false;
        const uint8_t *reg;
        size_t len = registration_packet(&reg);
        sock_send(n, reg, len);
        return;
    }
    if (fifo_len(s->q)) {
        if (!send_next(n)) {
            connection_broke(n);
            sock_close(n);
        }
        return;
    }
    uint32_t now = hal_millis();
    if (!cfg->long_link && dtu_since(s->last_data, now) >= (uint32_t)cfg->idle_s * 1000u) {
        dtu_log("net: socket %d idle: closed (short link)", n + 1);
        sock_close(n);
        return;
    }
    if (g_settings.heartbeat_s && !g_settings.heartbeat_to_serial &&
        dtu_since(s->last_tx, now) >= (uint32_t)g_settings.heartbeat_s * 1000u) {
        size_t len = g_settings.heartbeat_len <= sizeof g_settings.heartbeat_data
                         ? g_settings.heartbeat_len
                         : sizeof g_settings.heartbeat_data;
        if (sock_send(n, g_settings.heartbeat_data, len)) {
            s->hb_failures = 0;
        } else {
            s->hb_failures++;
            s->last_tx = now; /* the next attempt one heartbeat time after this one began */
            if (s->hb_failures > DTU_HEARTBEAT_FAILURES) {
                dtu_log("net: socket %d: %u heartbeats failed", n + 1, (unsigned)s->hb_failures);
                connection_broke(n);
                sock_close(n);
            }
        }
    }
}

static void sock_step(int n)
{
    struct sock *s = &socks[n];
    if (s->close_pending) {
        s->close_pending = false;
        char cmd[24];
        snprintf(cmd, sizeof cmd, "AT+CIPCLOSE=%d", n);
        modem_cmd(cmd, CMD_TIMEOUT_MS, NULL, NULL);
    }
    if (!s->active)
        return;
    switch (s->phase) {
    case P_OFF:
        s->phase = P_WAIT;
        /* fall through */
    case P_WAIT:
        if (!gprs_up)
            return;
        if (!g_settings.sock[n].long_link && !fifo_len(s->q))
            return; /* a short link opens when there is data */
        sock_connect(n);
        return;
    case P_CONNECTING: /* CONNECT OK moves it on at once (net_on_urc) */
        if (s->outcome == OUT_FAIL || (int32_t)(hal_millis() - s->deadline) >= 0)
            connect_failed(n);
        return;
    case P_CONNECTED:
        serve(n);
        return;
    case P_BACKOFF:
        if ((int32_t)(hal_millis() - s->deadline) >= 0)
            s->phase = P_WAIT;
        return;
    }
}

static void network_lost(void)
{
    dtu_log("net: GPRS lost");
    gprs_up = false;
    pdp_lost = false;
    for (int i = 0; i < DTU_SOCKETS; i++) {
        struct sock *s = &socks[i];
        if (s->phase == P_CONNECTING || s->phase == P_CONNECTED)
            connection_broke(i);
        s->closed = true;
        if (s->phase == P_CONNECTING && s->outcome == OUT_NONE)
            s->outcome = OUT_FAIL;
        else if (s->phase == P_CONNECTED)
            s->phase = P_WAIT;
    }
    update_leds();
    step = B_SYNC;
    sync_tries = 0;
    key_pressed = false;
    poll_started = false;
    next_at = hal_millis() + g_timing->network_retry_ms;
}

/* R-HB-2 (behaviour.md "Heartbeat"): to the serial port once the host has been quiet for
 * the heartbeat time, then every heartbeat time while it stays quiet - due at the later of
 * its last byte and the last heartbeat, plus the heartbeat time; never in command mode. */
static void serial_heartbeat(void)
{
    const settings_t *st = &g_settings;
    if (!st->heartbeat_s || !st->heartbeat_to_serial || serial_command_mode())
        return;
    uint32_t period = (uint32_t)st->heartbeat_s * 1000u, now = hal_millis();
    uint32_t since_hb = hb_serial_sent ? dtu_since(hb_serial_at, now) : UINT32_MAX;
    if (serial_idle_ms() < period || since_hb < period)
        return;
    hb_serial_at = now;
    hb_serial_sent = true;
    size_t len = st->heartbeat_len <= sizeof st->heartbeat_data ? st->heartbeat_len
                                                               : sizeof st->heartbeat_data;
    serial_deliver(st->heartbeat_data, len);
}

void net_task(void)
{
    deliver_downlink();
    led_tick();
    if (gprs_up && pdp_lost)
        network_lost();
    if (!gprs_up && (int32_t)(hal_millis() - next_at) >= 0)
        bring_up_step();
    serial_heartbeat();
    for (int i = 0; i < DTU_SOCKETS; i++) {
        sock_step(i);
        if (gprs_up && pdp_lost)
            network_lost();
    }
    deliver_downlink();
    led_tick();
}

/* ---- the serial side and the AT commands ---------------------------------------------------- */
void net_send_packet(const uint8_t *data, size_t len)
{
    uint32_t now = hal_millis();
    for (int i = 0; i < DTU_SOCKETS; i++) {
        if (!g_settings.sock[i].enabled)
            continue;
        uint32_t before = socks[i].q->dropped;
        fifo_put(socks[i].q, data, len);
        if (socks[i].q->dropped != before)
            dtu_log("net: socket %d buffer full: %u bytes dropped so far", i + 1,
                    (unsigned)socks[i].q->dropped);
        socks[i].last_data = now;
    }
}

void net_apply_settings(void)
{
    for (int i = 0; i < DTU_SOCKETS; i++) {
        struct sock *s = &socks[i];
        const socket_cfg_t *cfg = &g_settings.sock[i];
        bool want = cfg->enabled != 0;
        bool same = s->proto == cfg->proto && s->port == cfg->port &&
                    strcmp(s->host, cfg->host) == 0;
        if (s->active && (!want || !same)) { /* disabled, or pointed elsewhere */
            s->active = false;
            if (s->phase == P_CONNECTING || s->phase == P_CONNECTED)
                s->close_pending = true;
            s->phase = P_OFF;
        }
        if (want && !s->active) {
            s->proto = cfg->proto;
            s->port = cfg->port;
            copy_str(s->host, sizeof s->host, cfg->host);
            s->active = true;
            s->phase = P_WAIT;
        }
    }
    update_leds();
}

bool net_open(int n)
{
    if (n < 0 || n >= DTU_SOCKETS || !gprs_up)
        return false;
    g_settings.sock[n].enabled = 1;
    net_apply_settings();
    return true;
}

void net_close(int n)
{
    if (n < 0 || n >= DTU_SOCKETS)
        return;
    g_settings.sock[n].enabled = 0;
    net_apply_settings();
}

bool net_send_now(int n, const uint8_t *data, size_t len)
{
    if (n < 0 || n >= DTU_SOCKETS || socks[n].phase != P_CONNECTED)
        return false;
    if (len > DTU_SEND_MAX)
        len = DTU_SEND_MAX;
    return sock_send(n, data, len);
}
