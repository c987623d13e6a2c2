/* GPRS and the sockets (dtu/net.c, dtu/fifo.c) against a small scripted modem:
 * the bring-up sequence, buffering (R-NET-2), reconnect and restart (R-NET-3),
 * short links (R-NET-4), registration (R-REG-1), heartbeats (R-HB-1..3), LEDs
 * (R-LED-2/3), server data in order, the modem's power key. */
#include "dtu.h"
#include "fake_net_peers.h"
#include "fifo.h"
#include "hal_host.h"
#include "modem.h"
#include "unit.h"

/* ---- the FIFO ------------------------------------------------------------------- */
static fifo_t fq;

static void test_fifo(void)
{
    uint8_t out[FIFO_CAP];
    fifo_init(&fq);
    CHECK(fifo_len(&fq) == 0 && fifo_peek(&fq, out, 10, true) == 0);
    fifo_put(&fq, (const uint8_t *)"abc", 3);
    fifo_put(&fq, (const uint8_t *)"", 0);
    fifo_put(&fq, (const uint8_t *)"de", 2);
    CHECK(fifo_len(&fq) == 5);
    CHECK(fifo_peek(&fq, out, 10, false) == 3 && memcmp(out, "abc", 3) == 0);
    CHECK(fifo_peek(&fq, out, 10, true) == 5 && memcmp(out, "abcde", 5) == 0);
    CHECK(fifo_peek(&fq, out, 4, true) == 4);
    fifo_consume(&fq, 2); /* "c" stays a packet of its own */
    CHECK(fifo_peek(&fq, out, 10, false) == 1 && out[0] == 'c');
    fifo_consume(&fq, 1);
    CHECK(fifo_peek(&fq, out, 10, false) == 2 && memcmp(out, "de", 2) == 0);
    fifo_consume(&fq, 2);
    CHECK(fifo_len(&fq) == 0 && fq.dropped == 0);

    /* the limit: the oldest bytes go first and are counted; order kept */
    fifo_init(&fq);
    static uint8_t pkt[1000];
    uint8_t seq = 0;
    for (int i = 0; i < 20; i++) { /* 20000 bytes: 4640 too many */
        for (size_t j = 0; j < sizeof pkt; j++)
            pkt[j] = seq++;
        fifo_put(&fq, pkt, sizeof pkt);
    }
    CHECK(fifo_len(&fq) == FIFO_CAP);
    CHECK(fq.dropped == 20000 - FIFO_CAP);
    CHECK(fifo_peek(&fq, out, sizeof out, true) == FIFO_CAP);
    bool in_order = true;
    for (size_t i = 0; i < FIFO_CAP; i++)
        if (out[i] != (uint8_t)(20000 - FIFO_CAP + i))
            in_order = false;
    CHECK(in_order);
    /* the newest part of the cut packet is a packet: 5000-4640 = 360 bytes */
    CHECK(fifo_peek(&fq, out, sizeof out, false) == 360);
    fifo_consume(&fq, 360);
    CHECK(fifo_peek(&fq, out, sizeof out, false) == 1000);
    /* wrap around many times: still in order */
    fifo_init(&fq);
    uint8_t w = 0, r = 0;
    bool ok = true;
    for (int round = 0; round < 200; round++) {
        uint8_t p[333];
        for (size_t j = 0; j < sizeof p; j++)
            p[j] = w++;
        fifo_put(&fq, p, sizeof p);
        size_t n = fifo_peek(&fq, out, 500, true);
        for (size_t j = 0; j < n; j++)
            if (out[j] != (uint8_t)(r + j))
                ok = false;
        fifo_consume(&fq, n > 100 ? n - 100 : n);
        r = (uint8_t)(r + (n > 100 ? n - 100 : n));
    }
    CHECK(ok && fq.dropped == 0);
    /* one packet bigger than the whole buffer */
    fifo_init(&fq);
    static uint8_t huge[FIFO_CAP + 10];
    for (size_t j = 0; j < sizeof huge; j++)
        huge[j] = (uint8_t)j;
    fifo_put(&fq, huge, sizeof huge);
    CHECK(fifo_len(&fq) == FIFO_CAP && fq.dropped == 10);
    CHECK(fifo_peek(&fq, out, 1, false) == 1 && out[0] == 10);
}

/* ---- a scripted modem --------------------------------------------------------------- */
static char cmdlog[40000];
static size_t cmdlog_len;
static char mline[2048];
static size_t mline_len;
static int data_link = -1;
static size_t data_left;
static uint8_t srv[4][20000];
static size_t srv_len[4];
static int srv_sends[4];
static const char *connect_reply[4];
static bool send_fail, silent, unregistered;
static int starts[4];

static void respond(const char *s) { host_feed_str(PORT_MODEM, s); }

static void log_cmd(const char *cmd)
{
    size_t n = strlen(cmd);
    if (cmdlog_len + n + 2 < sizeof cmdlog) {
        memcpy(cmdlog + cmdlog_len, cmd, n);
        cmdlog[cmdlog_len + n] = '\n';
        cmdlog_len += n + 1;
        cmdlog[cmdlog_len] = 0;
    }
}

static void handle(const char *cmd)
{
    char out[200];
    int n;
    unsigned len;
    log_cmd(cmd);
    if (silent)
        return;
    if (!strcmp(cmd, "AT+CPIN?"))
        respond("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    else if (!strcmp(cmd, "AT+CGSN"))
        respond("\r\n867530012345678\r\n\r\nOK\r\n");
    else if (!strcmp(cmd, "AT+CCID"))
        respond("\r\n89860012345678901234\r\n\r\nOK\r\n");
    else if (!strcmp(cmd, "AT+CREG?"))
        respond(unregistered ? "\r\n+CREG: 0,2\r\n\r\nOK\r\n" : "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    else if (!strcmp(cmd, "AT+CGATT?"))
        respond("\r\n+CGATT: 1\r\n\r\nOK\r\n");
    else if (!strcmp(cmd, "AT+CIPSHUT"))
        respond("\r\nSHUT OK\r\n");
    else if (!strcmp(cmd, "AT+CIFSR"))
        respond("\r\n10.78.245.128\r\n");
    else if (sscanf(cmd, "AT+CIPSTART=%d,", &n) == 1 && n >= 0 && n < 4) {
        starts[n]++;
        respond("\r\nOK\r\n");
        if (connect_reply[n]) {
            snprintf(out, sizeof out, "\r\n%d, %s\r\n", n, connect_reply[n]);
            respond(out);
        }
    } else if (sscanf(cmd, "AT+CIPSEND=%d,%u", &n, &len) == 2 && n >= 0 && n < 4) {
        respond("\r\n> ");
        data_link = n;
        data_left = len;
    } else if (sscanf(cmd, "AT+CIPCLOSE=%d", &n) == 1) {
        snprintf(out, sizeof out, "\r\n%d, CLOSE OK\r\n", n);
        respond(out);
    } else if (!strncmp(cmd, "AT", 2))
        respond("\r\nOK\r\n");
}

static uint8_t attempt[4][2000];
static size_t attempt_len[4];

static void fake_modem(void)
{
    uint8_t buf[256];
    size_t got;
    while ((got = host_take(PORT_MODEM, buf, sizeof buf)) > 0) {
        for (size_t i = 0; i < got; i++) {
            uint8_t c = buf[i];
            if (data_left) {
                attempt[data_link][attempt_len[data_link]++] = c;
                if (--data_left == 0) {
                    char out[40];
                    srv_sends[data_link]++;
                    if (send_fail) {
                        snprintf(out, sizeof out, "\r\n%d, SEND FAIL\r\n", data_link);
                    } else {
                        memcpy(srv[data_link] + srv_len[data_link], attempt[data_link],
                               attempt_len[data_link]);
                        srv_len[data_link] += attempt_len[data_link];
                        snprintf(out, sizeof out, "\r\n%d, SEND OK\r\n", data_link);
                    }
                    attempt_len[data_link] = 0;
                    respond(out);
                }
            } else if (c == '\r') {
                mline[mline_len] = 0;
                mline_len = 0;
                handle(mline);
            } else if (c != 0x1b && mline_len < sizeof mline - 1) {
                mline[mline_len++] = (char)c;
            }
        }
    }
}

static void run(uint32_t ms)
{
    uint32_t end = hal_millis() + ms;
    while ((int32_t)(hal_millis() - end) < 0) {
        fake_modem();
        net_task();
        fake_modem();
        modem_poll();
        host_advance(1);
    }
}

/* Run until cond() or `ms` passed; true if cond() became true. */
static bool run_until(bool (*cond)(void), uint32_t ms)
{
    uint32_t end = hal_millis() + ms;
    while ((int32_t)(hal_millis() - end) < 0) {
        if (cond())
            return true;
        run(1);
    }
    return cond();
}

static bool gprs(void) { return net_gprs_up(); }
static bool connected0(void) { return net_socket_state(0) == SOCK_CONNECTED; }

static void setup(void)
{
    host_reset();
    fake_reset();
    memset(&g_settings, 0, sizeof g_settings);
    strcpy(g_settings.apn, "CMNET");
    g_settings.heartbeat_len = 2;
    memcpy(g_settings.heartbeat_data, "HB", 2);
    for (int i = 0; i < DTU_SOCKETS; i++) {
        g_settings.sock[i].long_link = 1;
        g_settings.sock[i].idle_s = 10;
        connect_reply[i] = "CONNECT OK";
        srv_len[i] = 0;
        srv_sends[i] = 0;
        attempt_len[i] = 0;
        starts[i] = 0;
    }
    cmdlog_len = 0;
    cmdlog[0] = 0;
    mline_len = 0;
    data_left = 0;
    send_fail = silent = unregistered = false;
    fake_background_hook = fake_modem;
    host_power_cut_ram(0); /* a cold boot: nothing kept from a test before */
    modem_init();
    net_init();
}

static void enable(int n, int proto, const char *host, uint16_t port)
{
    g_settings.sock[n].enabled = 1;
    g_settings.sock[n].proto = (uint8_t)proto;
    g_settings.sock[n].port = port;
    strcpy(g_settings.sock[n].host, host);
}

static size_t count(const char *text)
{
    size_t k = 0;
    for (const char *p = cmdlog; (p = strstr(p, text)) != NULL; p++)
        k++;
    return k;
}

static void test_bring_up(void)
{
    setup();
    CHECK(!net_gprs_up());
    CHECK_STR(net_local_ip(), "0.0.0.0");
    CHECK(run_until(gprs, 2000));
    CHECK_STR(cmdlog, "AT\nATE0\nAT+CMEE=1\nAT+CPIN?\nAT+CGSN\nAT+CCID\nAT+CREG?\nAT+CGATT?\n"
                      "AT+CIPSHUT\nAT+CIPMUX=1\nAT+CSTT=\"CMNET\",\"\",\"\"\nAT+CIICR\nAT+CIFSR\n");
    CHECK_STR(g_imei, "867530012345678");
    CHECK_STR(g_iccid, "89860012345678901234");
    CHECK_STR(net_local_ip(), "10.78.245.128");
    CHECK(fake_sms_setups == 1);
    CHECK(host_led(LED_NET));
    CHECK(!host_led(LED_DATA));
    CHECK(net_socket_state(0) == SOCK_CLOSED);
    CHECK(!net_open(7));
}

static void test_bring_up_retries(void)
{
    setup();
    silent = true;
    run(5000 + 300); /* 10 AT tries of 500 ms, then network_retry */
    CHECK(!net_gprs_up());
    CHECK(count("AT\n") >= 10 && count("AT\n") <= 12);
    CHECK(count("ATE0") == 0);
    silent = false;
    unregistered = true;
    run(3000);
    CHECK(!net_gprs_up() && count("AT+CREG?") >= 5);
    CHECK(count("AT+CGATT?") == 0);
    unregistered = false;
    CHECK(run_until(gprs, 2000));

    /* registration never comes: the bring-up fails after registration_wait and starts again */
    setup();
    unregistered = true;
    run(dtu_timing_fast.registration_wait_ms + 2000);
    CHECK(!net_gprs_up());
    CHECK(count("ATE0") == 2);
}

static void test_buffering(void)
{
    setup();
    enable(0, PROTO_TCP, "1.2.3.4", 5000);
    net_apply_settings();
    net_send_packet((const uint8_t *)"abc", 3);
    net_send_packet((const uint8_t *)"def", 3);
    net_send_packet((const uint8_t *)"ghi", 3); /* socket 1 is disabled: not queued there */
    CHECK(run_until(connected0, 2000));
    CHECK(count("AT+CIPSTART=0,\"TCP\",\"1.2.3.4\",5000") == 1);
    run(100);
    CHECK(srv_len[0] == 9 && memcmp(srv[0], "abcdefghi", 9) == 0);
    CHECK(srv_sends[0] == 1); /* a TCP stream: one segment */
    CHECK(srv_len[1] == 0);
    CHECK(host_led(LED_DATA));

    /* SEND FAIL keeps the data: closed, reconnected, sent once */
    send_fail = true;
    net_send_packet((const uint8_t *)"jkl", 3);
    run(50);
    CHECK(count("AT+CIPCLOSE=0") >= 1);
    send_fail = false;
    run(1000);
    CHECK(srv_len[0] == 12 && memcmp(srv[0], "abcdefghijkl", 12) == 0);
    CHECK(starts[0] >= 2);

    /* 15 KB while down: the oldest dropped; the rest in order */
    setup();
    enable(0, PROTO_UDP, "1.2.3.4", 5000);
    net_apply_settings();
    static uint8_t pkt[1000];
    uint8_t seq = 0;
    for (int i = 0; i < 20; i++) {
        for (size_t j = 0; j < sizeof pkt; j++)
            pkt[j] = seq++;
        net_send_packet(pkt, sizeof pkt);
    }
    run(3000);
    CHECK(srv_len[0] == DTU_BUFFER_LIMIT);
    bool in_order = true;
    for (size_t i = 0; i < srv_len[0]; i++)
        if (srv[0][i] != (uint8_t)(20000 - DTU_BUFFER_LIMIT + i))
            in_order = false;
    CHECK(in_order);
    CHECK(count("AT+CIPSTART=0,\"UDP\"") == 1);
    CHECK(count("AT+CIPSEND=0,360") == 1); /* UDP: packet by packet */
    CHECK(count("AT+CIPSEND=0,1000") == 15);
}

static void test_registration(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    g_settings.reg_mode = REG_LINK;
    g_settings.reg_kind = REG_USER;
    g_settings.reg_len = 3;
    memcpy(g_settings.reg_data, "REG", 3);
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    run(100);
    CHECK(srv_len[0] == 3 && memcmp(srv[0], "REG", 3) == 0);
    net_send_packet((const uint8_t *)"x", 1);
    net_send_packet((const uint8_t *)"y", 1);
    run(100);
    CHECK(srv_len[0] == 5 && memcmp(srv[0], "REGxy", 5) == 0);

    /* before every packet, the IMEI */
    setup();
    enable(0, PROTO_TCP, "h", 1);
    g_settings.reg_mode = REG_DATA;
    g_settings.reg_kind = REG_IMEI;
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    net_send_packet((const uint8_t *)"x", 1);
    net_send_packet((const uint8_t *)"yz", 2);
    run(100);
    CHECK(srv_len[0] == 33 && memcmp(srv[0], "867530012345678x867530012345678yz", 33) == 0);

    /* ICCID once per connection */
    setup();
    enable(0, PROTO_TCP, "h", 1);
    g_settings.reg_mode = REG_LINK;
    g_settings.reg_kind = REG_ICCID;
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    run(10);
    CHECK(srv_len[0] == 20 && memcmp(srv[0], "89860012345678901234", 20) == 0);
}

static void test_heartbeat(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    g_settings.heartbeat_s = 1;
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    run(900);
    CHECK(srv_len[0] == 0);
    run(200);
    CHECK(srv_len[0] == 2 && memcmp(srv[0], "HB", 2) == 0);
    /* data resets the timer */
    run(500);
    net_send_packet((const uint8_t *)"d", 1);
    run(900);
    CHECK(srv_len[0] == 3);
    run(200);
    CHECK(srv_len[0] == 5 && memcmp(srv[0], "HBdHB", 5) == 0);

    /* failed heartbeats: the fourth closes the socket, which reconnects */
    send_fail = true;
    size_t closes = count("AT+CIPCLOSE=0");
    run(3500);
    CHECK(count("AT+CIPCLOSE=0") == closes);
    run(1000);
    CHECK(count("AT+CIPCLOSE=0") == closes + 1);
    send_fail = false;
    CHECK(run_until(connected0, 1000));
    CHECK(starts[0] == 2);
}

static void test_serial_heartbeat(void)
{
    setup();
    g_settings.heartbeat_s = 1;
    g_settings.heartbeat_to_serial = 1;
    enable(0, PROTO_TCP, "h", 1);
    net_apply_settings();
    /* the first one heartbeat time after the host's last byte, then every heartbeat time */
    fake_serial_heard_at = hal_millis();
    run(995);
    CHECK(fake_serial_len == 0);
    run(10);
    CHECK(fake_serial_len == 2 && memcmp(fake_serial_out, "HB", 2) == 0);
    run(990);
    CHECK(fake_serial_len == 2);
    run(10);
    CHECK(fake_serial_len == 4);
    fake_command_mode = true;
    run(1000);
    CHECK(fake_serial_len == 4);
    fake_command_mode = false;
    /* the host talks: counted from its last byte again */
    fake_serial_heard_at = hal_millis();
    run(500);
    fake_serial_heard_at = hal_millis();
    run(995);
    CHECK(fake_serial_len == 4);
    run(10);
    CHECK(fake_serial_len == 6);
    CHECK(srv_len[0] == 0); /* nothing to the server */
}

static void test_restart_after_failures(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    connect_reply[0] = "CONNECT FAIL";
    net_apply_settings();
    run(3000);
    /* back-off 100, 200, 400, 800, 1000, 1000, 1000: the 8th failure is after ~4.5 s */
    CHECK(starts[0] >= 5 && starts[0] < 8 && fake_restarts == 0);
    run(3000);
    CHECK(starts[0] == 8 && fake_restarts == 1);

    /* no answer at all: the connect timeout counts as a failure */
    setup();
    enable(0, PROTO_TCP, "h", 1);
    connect_reply[0] = NULL;
    net_apply_settings();
    run(1000);
    CHECK(net_socket_state(0) == SOCK_CONNECTING);
    run(dtu_timing_fast.connect_timeout_ms);
    CHECK(starts[0] == 2);
}

static void test_network_loss(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    enable(2, PROTO_UDP, "u", 2);
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    run(100);
    CHECK(net_socket_state(2) == SOCK_CONNECTED);
    CHECK(host_led(LED_NET) && host_led(LED_DATA));
    host_feed_str(PORT_MODEM, "\r\n0, CLOSED\r\n\r\n2, CLOSED\r\n\r\n+PDP: DEACT\r\n");
    run(5);
    CHECK(!net_gprs_up());
    CHECK(net_socket_state(0) == SOCK_CLOSED && net_socket_state(2) == SOCK_CLOSED);
    CHECK(!host_led(LED_NET) && !host_led(LED_DATA));
    net_send_packet((const uint8_t *)"kept", 4);
    size_t ates = count("ATE0");
    CHECK(run_until(connected0, 2000));
    CHECK(count("ATE0") == ates + 1);
    run(200);
    CHECK(srv_len[0] == 4 && memcmp(srv[0], "kept", 4) == 0);
    CHECK(srv_len[2] == 4);
    /* the modem rebooted */
    host_feed_str(PORT_MODEM, "\r\nRDY\r\n");
    run(5);
    CHECK(!net_gprs_up());
    CHECK(run_until(gprs, 2000));
    /* a remote close alone: reconnect after reconnect_min */
    CHECK(run_until(connected0, 2000));
    int before = starts[0];
    host_feed_str(PORT_MODEM, "\r\n0, CLOSED\r\n");
    run(20);
    CHECK(net_socket_state(0) == SOCK_CLOSED);
    run(200);
    CHECK(starts[0] == before + 1 && net_socket_state(0) == SOCK_CONNECTED);
    CHECK(fake_restarts == 0);
}

/* The modem stops answering (dtu.py _bring_up with Board.modem_pwrkey): after
 * the AT tries its power key is pressed for about 1.2 s, without blocking the
 * main loop, then it is synced again while it boots. */
static bool key_down(void) { return host_pwrkey(); }
static bool key_up(void) { return !host_pwrkey(); }

static void test_power_key(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    CHECK(host_pwrkey_presses() == 0 && !host_pwrkey());
    /* the modem powers itself down (the under-voltage fault), then is silent */
    silent = true;
    respond("\r\nUNDER-VOLTAGE POWER DOWN\r\n");
    run(5);
    CHECK(!net_gprs_up() && !host_led(LED_NET) && !host_led(LED_DATA));
    net_send_packet((const uint8_t *)"kept", 4);
    size_t ats = count("AT\n");
    uint32_t t0 = hal_millis();
    CHECK(run_until(key_down, 8000));
    CHECK(count("AT\n") - ats == 10);                  /* 10 tries of 500 ms first */
    CHECK(hal_millis() - t0 >= 5000 && hal_millis() - t0 <= 5500);
    CHECK(host_pwrkey_presses() == 1);
    /* held without blocking: net_task returns at once and sends nothing meanwhile */
    uint32_t t = hal_millis();
    net_task();
    CHECK(hal_millis() == t);
    run(1000);
    CHECK(host_pwrkey() && count("AT\n") - ats == 10);
    silent = false; /* the press turned it on */
    CHECK(run_until(key_up, 500));
    CHECK(host_pwrkey_held_ms() >= 1200 && host_pwrkey_held_ms() <= 1210);
    CHECK(run_until(connected0, 3000));
    CHECK(net_gprs_up() && host_led(LED_NET));
    CHECK(host_pwrkey_presses() == 1);
    run(200);
    CHECK(srv_len[0] == 4 && memcmp(srv[0], "kept", 4) == 0); /* R-NET-2: resent */

    /* a modem that stays silent: 10 tries, a press, 60 tries while it would boot,
     * the bring-up fails; network_retry later the same again */
    setup();
    silent = true;
    run(40000);
    CHECK(host_pwrkey_presses() == 1 && !host_pwrkey());
    CHECK(count("AT\n") > 70 && count("AT\n") < 80); /* 10 + 60, then the next round */
    run(3000);
    CHECK(host_pwrkey_presses() == 2);
    CHECK(!net_gprs_up() && fake_restarts == 0);
    /* a modem that answers at once is never pressed */
    setup();
    CHECK(run_until(gprs, 2000));
    CHECK(host_pwrkey_presses() == 0);
}

static void test_receive_in_order(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    enable(1, PROTO_TCP, "h2", 1);
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    run(50);
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,0,3:\r\nabc\r\n+RECEIVE,1,2:\r\nde");
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,0,4:\r\nf\r\ng");
    run(5);
    CHECK(fake_server_calls == 3);
    CHECK(fake_server_len == 9 && memcmp(fake_server_data, "abcdef\r\ng", 9) == 0);
    CHECK(fake_server_last_n == 0);
    /* data received inside a send (in a modem wait) is delivered afterwards, in order */
    net_send_packet((const uint8_t *)"q", 1);
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,0,1:\r\nZ");
    run(20);
    CHECK(fake_server_len == 10 && fake_server_data[9] == 'Z');
    /* net_send_now: only while connected */
    CHECK(net_send_now(0, (const uint8_t *)"now", 3));
    CHECK(memcmp(srv[0] + srv_len[0] - 3, "now", 3) == 0);
    CHECK(!net_send_now(3, (const uint8_t *)"x", 1));
}

static bool answered;
static void answer(int n) { answered = net_send_now(n, (const uint8_t *)"re", 2); }

/* CONNECT OK and the server's first data in one read (Renode delivers UART bytes in
 * bursts): the data is handled with the link already up, so it can be answered. */
static void test_data_right_after_connect_ok(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    connect_reply[0] = "CONNECT OK\r\n\r\n+RECEIVE,0,2:\r\nhi";
    fake_server_hook = answer;
    answered = false;
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    run(20);
    CHECK(fake_server_len == 2 && memcmp(fake_server_data, "hi", 2) == 0);
    CHECK(answered && srv_len[0] == 2 && memcmp(srv[0], "re", 2) == 0);
}

static void test_short_link(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    g_settings.sock[0].long_link = 0;
    g_settings.sock[0].idle_s = 2;
    net_apply_settings();
    run(1000);
    CHECK(net_gprs_up() && starts[0] == 0); /* opens only for data */
    net_send_packet((const uint8_t *)"a", 1);
    run(100);
    CHECK(starts[0] == 1 && srv_len[0] == 1);
    run(1800);
    CHECK(net_socket_state(0) == SOCK_CONNECTED);
    run(300);
    CHECK(net_socket_state(0) == SOCK_CLOSED && count("AT+CIPCLOSE=0") == 1);
    run(2000);
    CHECK(starts[0] == 1);
    net_send_packet((const uint8_t *)"b", 1);
    run(100);
    CHECK(starts[0] == 2 && srv_len[0] == 2);
}

static void test_apply_and_leds(void)
{
    setup();
    enable(0, PROTO_TCP, "h", 1);
    net_apply_settings();
    CHECK(run_until(connected0, 2000));
    run(20);
    /* the DATA LED blinks per packet moved */
    net_send_packet((const uint8_t *)"a", 1);
    run(5);
    CHECK(!host_led(LED_DATA));
    run(60);
    CHECK(host_led(LED_DATA));
    /* pointed elsewhere: closed and connected to the new server */
    strcpy(g_settings.sock[0].host, "other");
    net_apply_settings();
    CHECK(net_socket_state(0) == SOCK_CLOSED);
    run(50);
    CHECK(count("AT+CIPCLOSE=0") == 1);
    CHECK(count("AT+CIPSTART=0,\"TCP\",\"other\",1") == 1);
    CHECK(net_socket_state(0) == SOCK_CONNECTED);
    /* AT+CICLOSE / AT+CIOPEN */
    net_close(0);
    run(50);
    CHECK(count("AT+CIPCLOSE=0") == 2);
    CHECK(net_socket_state(0) == SOCK_CLOSED && !host_led(LED_DATA));
    CHECK(g_settings.sock[0].enabled == 0);
    CHECK(net_open(0));
    run(50);
    CHECK(net_socket_state(0) == SOCK_CONNECTED);
    /* disabled sockets queue nothing */
    g_settings.sock[0].enabled = 0;
    net_apply_settings();
    net_send_packet((const uint8_t *)"zz", 2);
    run(50);
    CHECK(count("AT+CIPSEND=0,2") == 0);
}

/* The firmware starts again after hal_restart (the settings and the kept RAM stay). */
static void warm_restart(void)
{
    host_reset();
    fake_reset();
    for (int i = 0; i < DTU_SOCKETS; i++)
        srv_len[i] = 0;
    mline_len = 0;
    data_left = 0;
    fake_background_hook = fake_modem;
    modem_init();
    net_init();
    net_apply_settings();
}

static void cache_one_record(void) /* socket 1 cannot connect: the record waits in its buffer */
{
    connect_reply[0] = "CONNECT FAIL";
    net_send_packet((const uint8_t *)"BILL-RECORD", 11);
    run(300);
    CHECK(srv_len[0] == 0 && starts[0] >= 1);
    connect_reply[0] = "CONNECT OK";
}

/* A fresh DTU whose socket 1 (to 1.2.3.4:5000) holds a record, sealed for a restart. */
static void cached_and_sealed(void)
{
    setup();
    enable(0, PROTO_TCP, "1.2.3.4", 5000);
    net_apply_settings();
    cache_one_record();
    net_keep();
}

static bool record_arrives(void)
{
    if (!run_until(connected0, 3000))
        return false;
    run(200);
    return srv_len[0] == 11 && memcmp(srv[0], "BILL-RECORD", 11) == 0;
}

static void test_buffers_kept_over_a_restart(void)
{
    /* R-NET-3: the restart (net_keep, then hal_restart) keeps the cache */
    cached_and_sealed();
    warm_restart();
    CHECK(record_arrives());

    /* a reset nobody prepared (a watchdog, a fault) right after the boot that took the
     * buffers back: the seal was used up by that boot, nothing is trusted */
    cached_and_sealed();
    connect_reply[0] = "CONNECT FAIL";
    warm_restart();
    warm_restart();
    connect_reply[0] = "CONNECT OK";
    CHECK(run_until(connected0, 3000) && (run(200), srv_len[0] == 0));

    /* a power cut: whatever the RAM holds afterwards, nothing is kept */
    cached_and_sealed();
    host_power_cut_ram(0xA5);
    warm_restart();
    CHECK(run_until(connected0, 3000) && (run(200), srv_len[0] == 0));

    /* the socket goes to another server after the restart: its old buffer is dropped */
    cached_and_sealed();
    enable(0, PROTO_TCP, "1.2.3.4", 5001);
    warm_restart();
    CHECK(run_until(connected0, 3000) && (run(200), srv_len[0] == 0));
}

int main(void)
{
    test_buffers_kept_over_a_restart();
    test_fifo();
    test_bring_up();
    test_bring_up_retries();
    test_buffering();
    test_registration();
    test_heartbeat();
    test_serial_heartbeat();
    test_restart_after_failures();
    test_network_loss();
    test_power_key();
    test_receive_in_order();
    test_data_right_after_connect_ok();
    test_short_link();
    test_apply_and_leds();
    return unit_done("test_net");
}
