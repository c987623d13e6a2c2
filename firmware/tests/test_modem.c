/* The modem driver (dtu/modem.c): finals, echo, URC dispatch, +RECEIVE blocks
 * split across reads, raw replies, prompts, timeouts, no re-entrant commands. */
#include "modem.h"

#include "dtu.h"
#include "fake_net_peers.h"
#include "hal_host.h"
#include "unit.h"

/* ---- net.c doubles (net.c itself is not linked here) ------------------------------ */
static char urcs[16][200];
static int urc_count;
static bool net_claims = true;
static uint8_t received[8192];
static size_t received_len;
static int receive_calls, receive_link;
static int background_hooks;

bool net_on_urc(const char *line)
{
    if (!net_claims)
        return false;
    snprintf(urcs[urc_count % 16], sizeof urcs[0], "%s", line);
    urc_count++;
    return true;
}

void net_on_receive(int n, const uint8_t *data, size_t len)
{
    receive_calls++;
    receive_link = n;
    if (received_len + len <= sizeof received) {
        memcpy(received + received_len, data, len);
        received_len += len;
    }
}

void net_background(void) { background_hooks++; }
static size_t downlink_room = 16384;
size_t net_downlink_room(void) { return downlink_room; }

static void setup(void)
{
    host_reset();
    fake_reset();
    modem_init();
    urc_count = 0;
    net_claims = true;
    received_len = 0;
    receive_calls = 0;
    receive_link = -1;
}

static void test_ok_and_echo(void)
{
    modem_reply_t r;
    setup();
    host_feed_str(PORT_MODEM, "\r\nOK\r\n");
    CHECK(modem_cmd("AT", 500, NULL, &r) == MODEM_OK);
    CHECK_STR(host_take_str(PORT_MODEM), "AT\r");
    CHECK_STR(r.final, "OK");
    CHECK(r.nlines == 0);
    CHECK(modem_alive());

    /* echo on: the command comes back first (ended by CR) and is skipped */
    host_feed_str(PORT_MODEM, "AT+CGSN\r\r\n867530012345678\r\n\r\nOK\r\n");
    CHECK(modem_cmd("AT+CGSN", 500, NULL, &r) == MODEM_OK);
    CHECK(r.nlines == 1);
    CHECK_STR(r.lines[0], "867530012345678");

    /* a reply without a reply struct */
    host_feed_str(PORT_MODEM, "ATE0\r\r\nOK\r\n");
    CHECK(modem_cmd("ATE0", 500, NULL, NULL) == MODEM_OK);
    CHECK(urc_count == 0 && fake_sms_urc_count == 0);
}

static void test_errors(void)
{
    modem_reply_t r;
    setup();
    host_feed_str(PORT_MODEM, "\r\nERROR\r\n");
    CHECK(modem_cmd("AT+FOO", 500, NULL, &r) == MODEM_ERROR);
    CHECK_STR(r.final, "ERROR");
    host_feed_str(PORT_MODEM, "\r\n+CME ERROR: 10\r\n");
    CHECK(modem_cmd("AT+CCID", 500, NULL, &r) == MODEM_ERROR);
    CHECK_STR(r.final, "+CME ERROR: 10");
    host_feed_str(PORT_MODEM, "\r\n+CMS ERROR: 500\r\n");
    CHECK(modem_cmd("AT+CMGR=1", 500, NULL, &r) == MODEM_ERROR);
    host_feed_str(PORT_MODEM, "\r\nNO CARRIER\r\n");
    CHECK(modem_cmd("ATD123;", 500, NULL, &r) == MODEM_ERROR);
    CHECK_STR(r.final, "NO CARRIER");
    host_feed_str(PORT_MODEM, "\r\nBUSY\r\n");
    CHECK(modem_cmd("ATD123;", 500, NULL, &r) == MODEM_ERROR);
    host_feed_str(PORT_MODEM, "\r\nNO ANSWER\r\n");
    CHECK(modem_cmd("ATD123;", 500, NULL, &r) == MODEM_ERROR);
}

static void test_timeout(void)
{
    modem_reply_t r;
    setup();
    host_feed_str(PORT_MODEM, "\r\nOK\r\n");
    CHECK(modem_cmd("AT", 500, NULL, NULL) == MODEM_OK);
    CHECK(modem_alive());
    uint32_t t0 = hal_millis();
    CHECK(modem_cmd("AT", 300, NULL, &r) == MODEM_TIMEOUT);
    CHECK(hal_millis() - t0 >= 300 && hal_millis() - t0 < 320);
    CHECK_STR(r.final, "");
    CHECK(!modem_alive());
    /* a late final after the timeout is not taken for the next command's */
    host_feed_str(PORT_MODEM, "\r\nOK\r\n");
    modem_poll();
    host_feed_str(PORT_MODEM, "\r\nERROR\r\n");
    CHECK(modem_cmd("AT+X", 300, NULL, &r) == MODEM_ERROR);
}

/* A modem that switches itself off mid-command (under-voltage) ends that command at
 * once: nothing would answer it (the network campaign's undervoltage@connecting). */
static void test_power_down_ends_the_command(void)
{
    modem_reply_t r;
    setup();
    host_feed_str(PORT_MODEM, "\r\nUNDER-VOLTAGE POWER DOWN\r\n");
    uint32_t t0 = hal_millis();
    CHECK(modem_cmd("AT+CIPSTART=0,\"TCP\",\"127.0.0.1\",5000", 10000, NULL, &r) == MODEM_ERROR);
    CHECK(hal_millis() - t0 < 100);
    CHECK_STR(r.final, "UNDER-VOLTAGE POWER DOWN");
    CHECK(urc_count == 1); /* net still hears of it */
}

/* With no room for server data, modem_poll leaves the modem's bytes unread (the
 * emulator holds them back) until there is room again; a command still reads. */
static void test_no_room_holds_server_data_back(void)
{
    setup();
    downlink_room = 100;
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,0,3:\r\nabc");
    modem_poll();
    CHECK(received_len == 0);
    downlink_room = 16384;
    modem_poll();
    CHECK(received_len == 3 && memcmp(received, "abc", 3) == 0);
}

static void test_other_finals(void)
{
    modem_reply_t r;
    setup();
    host_feed_str(PORT_MODEM, "\r\nSHUT OK\r\n");
    CHECK(modem_cmd("AT+CIPSHUT", 500, NULL, &r) == MODEM_OK);
    CHECK_STR(r.final, "SHUT OK");
    host_feed_str(PORT_MODEM, "\r\n2, CLOSE OK\r\n");
    CHECK(modem_cmd("AT+CIPCLOSE=2", 500, NULL, &r) == MODEM_OK);
    CHECK_STR(r.final, "2, CLOSE OK");
    host_feed_str(PORT_MODEM, "\r\nCLOSE OK\r\n");
    CHECK(modem_cmd("AT+CIPCLOSE", 500, NULL, &r) == MODEM_OK);
    /* "*": the first line is the final (AT+CIFSR's bare IP) */
    host_feed_str(PORT_MODEM, "\r\n10.78.245.128\r\n");
    CHECK(modem_cmd("AT+CIFSR", 500, "*", &r) == MODEM_OK);
    CHECK_STR(r.final, "10.78.245.128");
    host_feed_str(PORT_MODEM, "\r\nERROR\r\n");
    CHECK(modem_cmd("AT+CIFSR", 500, "*", &r) == MODEM_ERROR);
    /* a named final wins over the URC of the same text */
    host_feed_str(PORT_MODEM, "\r\nNORMAL POWER DOWN\r\n");
    CHECK(modem_cmd("AT+CPOWD=1", 500, "NORMAL POWER DOWN", &r) == MODEM_OK);
    CHECK(urc_count == 0);
    host_feed_str(PORT_MODEM, "\r\nDONE\r\n");
    CHECK(modem_cmd("AT+X", 500, "READY|DONE", &r) == MODEM_OK);
    CHECK_STR(r.final, "DONE");
}

static void test_urcs(void)
{
    modem_reply_t r;
    setup();
    /* URCs in the middle of a command go to net, then sms; the reply is intact */
    host_feed_str(PORT_MODEM, "\r\n0, CONNECT OK\r\n\r\n+CSQ: 24,0\r\n\r\n+CMTI: \"SM\",3\r\n\r\nOK\r\n");
    net_claims = true;
    CHECK(modem_cmd("AT+CSQ", 500, NULL, &r) == MODEM_OK);
    CHECK(r.nlines == 1);
    CHECK_STR(r.lines[0], "+CSQ: 24,0");
    CHECK(urc_count == 2);
    CHECK_STR(urcs[0], "0, CONNECT OK");
    CHECK_STR(urcs[1], "+CMTI: \"SM\",3");

    /* net does not claim: sms_on_urc sees it; nobody claims: logged, no crash */
    net_claims = false;
    host_feed_str(PORT_MODEM, "\r\nRING\r\n\r\nSOMETHING ODD\r\n");
    int logs = fake_logs;
    modem_poll();
    CHECK(fake_sms_urc_count == 2);
    CHECK_STR(fake_sms_urcs[0], "RING");
    CHECK_STR(fake_sms_urcs[1], "SOMETHING ODD");
    CHECK(fake_logs == logs + 2);

    /* the command's own information line is not a URC: +CPIN: READY for AT+CPIN? */
    net_claims = true;
    urc_count = 0;
    host_feed_str(PORT_MODEM, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    CHECK(modem_cmd("AT+CPIN?", 500, NULL, &r) == MODEM_OK);
    CHECK(r.nlines == 1 && urc_count == 0);
    CHECK_STR(modem_line(&r, "+CPIN:"), "READY");
    CHECK(modem_line(&r, "+CREG:") == NULL);
    /* ...but it is one while another command waits */
    host_feed_str(PORT_MODEM, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    CHECK(modem_cmd("AT", 500, NULL, &r) == MODEM_OK);
    CHECK(r.nlines == 0 && urc_count == 1);
    /* a line split over several reads */
    urc_count = 0;
    host_feed_str(PORT_MODEM, "\r\n+PDP: DE");
    modem_poll();
    CHECK(urc_count == 0);
    host_feed_str(PORT_MODEM, "ACT\r");
    modem_poll();
    host_feed_str(PORT_MODEM, "\n");
    modem_poll();
    CHECK(urc_count == 1);
    CHECK_STR(urcs[0], "+PDP: DEACT");
    CHECK(background_hooks > 0);
}

static void test_receive(void)
{
    setup();
    /* a binary block with CR, LF, NUL and text that looks like a final */
    static const uint8_t payload[] = {'a', '\r', '\n', 0, 'O', 'K', '\r', '\n', 0xff};
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,1,9:\r\n");
    host_feed(PORT_MODEM, payload, 4);
    modem_poll();
    CHECK(received_len <= 4);
    host_feed(PORT_MODEM, payload + 4, 5);
    host_feed_str(PORT_MODEM, "\r\n1, CLOSED\r\n");
    modem_poll();
    CHECK(received_len == 9 && memcmp(received, payload, 9) == 0);
    CHECK(receive_link == 1);
    CHECK(urc_count == 1);
    CHECK_STR(urcs[0], "1, CLOSED");

    /* the header itself split, and a block arriving inside a command */
    received_len = 0;
    urc_count = 0;
    modem_reply_t r;
    host_feed_str(PORT_MODEM, "\r\n+RECEI");
    modem_poll();
    host_feed_str(PORT_MODEM, "VE,0,3:\r");
    modem_poll();
    host_feed_str(PORT_MODEM, "\n\nOK\r\nOK\r\n");
    CHECK(modem_cmd("AT", 500, NULL, &r) == MODEM_OK);
    CHECK(received_len == 3 && memcmp(received, "\nOK", 3) == 0);
    CHECK(receive_link == 0);
    CHECK(r.nlines == 0);

    /* a full 1460-byte block, then another right after */
    received_len = 0;
    static uint8_t big[1460];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,2,1460:\r\n");
    host_feed(PORT_MODEM, big, sizeof big);
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,2,2:\r\nzz");
    modem_poll();
    CHECK(received_len == 1462 && memcmp(received, big, 1460) == 0 && memcmp(received + 1460, "zz", 2) == 0);
    /* with the sender (AT+CIPSRIP=1) */
    received_len = 0;
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,3,2,1.2.3.4:5000:\r\nhi");
    modem_poll();
    CHECK(received_len == 2 && memcmp(received, "hi", 2) == 0 && receive_link == 3);
}

static void test_raw_replies(void)
{
    modem_reply_t r;
    uint8_t raw[16];
    setup();
    r.raw = raw;
    r.raw_cap = sizeof raw;
    static const char ftp[] = "\r\n+FTPGET: 2,7\r\nOK\r\n\0x\r\nOK\r\n";
    host_feed(PORT_MODEM, ftp, sizeof ftp - 1);
    CHECK(modem_cmd("AT+FTPGET=2,7", 500, NULL, &r) == MODEM_OK);
    CHECK(r.raw_len == 7 && memcmp(raw, "OK\r\n\0x\r", 7) == 0);
    CHECK_STR(r.lines[0], "+FTPGET: 2,7");
    CHECK_STR(r.final, "OK");

    /* more than the buffer: the rest is read and dropped; parsing stays in step */
    r.raw_cap = 4;
    host_feed_str(PORT_MODEM, "\r\n+HTTPREAD: 10\r\n0123456789\r\nOK\r\n");
    CHECK(modem_cmd("AT+HTTPREAD", 500, NULL, &r) == MODEM_OK);
    CHECK(r.raw_len == 4 && memcmp(raw, "0123", 4) == 0);
    /* split across reads */
    r.raw_cap = sizeof raw;
    host_feed_str(PORT_MODEM, "\r\n+HTTPREAD: 5\r\nab");
    host_feed_str(PORT_MODEM, "");
    CHECK(modem_cmd("AT+HTTPREAD=0,5", 50, NULL, &r) == MODEM_TIMEOUT);
    /* "+FTPGET: 2,0": nothing follows */
    host_feed_str(PORT_MODEM, "\r\n+FTPGET: 2,0\r\n\r\nOK\r\n");
    CHECK(modem_cmd("AT+FTPGET=2,7", 500, NULL, &r) == MODEM_OK);
    CHECK(r.raw_len == 0);
    /* no buffer: still read by length */
    r.raw = NULL;
    host_feed_str(PORT_MODEM, "\r\n+HTTPREAD: 4\r\nOK\r\n\r\nOK\r\n");
    CHECK(modem_cmd("AT+HTTPREAD", 500, NULL, &r) == MODEM_OK);
    CHECK(r.raw_len == 0 && r.nlines == 1);
    /* +FTPGET: 1,1 is a URC */
    urc_count = 0;
    host_feed_str(PORT_MODEM, "\r\n+FTPGET: 1,1\r\n");
    modem_poll();
    CHECK(urc_count == 1);
}

static void test_prompts(void)
{
    modem_reply_t r;
    setup();
    host_feed_str(PORT_MODEM, "\r\n> \r\n0, SEND OK\r\n");
    CHECK(modem_cmd_data("AT+CIPSEND=0,5", "> ", (const uint8_t *)"hel\0o", 5, 1000, &r) == MODEM_OK);
    uint8_t out[64];
    size_t n = host_take(PORT_MODEM, out, sizeof out);
    CHECK(n == 20 && memcmp(out, "AT+CIPSEND=0,5\rhel\0o", 20) == 0);
    CHECK_STR(r.final, "0, SEND OK");

    host_feed_str(PORT_MODEM, "\r\n> \r\n1, SEND FAIL\r\n");
    CHECK(modem_cmd_data("AT+CIPSEND=1,2", "> ", (const uint8_t *)"ab", 2, 1000, &r) == MODEM_ERROR);
    CHECK_STR(r.final, "1, SEND FAIL");
    host_take_str(PORT_MODEM);

    /* an error instead of the prompt: the data is not sent */
    host_feed_str(PORT_MODEM, "\r\nERROR\r\n");
    CHECK(modem_cmd_data("AT+CIPSEND=1,2", "> ", (const uint8_t *)"ab", 2, 1000, &r) == MODEM_ERROR);
    CHECK_STR(host_take_str(PORT_MODEM), "AT+CIPSEND=1,2\r");

    /* no prompt at all: ESC gives it up */
    CHECK(modem_cmd_data("AT+CIPSEND=1,2", "> ", (const uint8_t *)"ab", 2, 100, &r) == MODEM_TIMEOUT);
    CHECK_STR(host_take_str(PORT_MODEM), "AT+CIPSEND=1,2\r\x1b");

    /* a prompt that arrives in two reads, with a URC before it */
    urc_count = 0;
    host_feed_str(PORT_MODEM, "\r\n0, CLOSED\r\n\r\n>");
    fake_background_hook = NULL;
    modem_poll();
    host_feed_str(PORT_MODEM, " \r\nOK\r\n");
    CHECK(modem_cmd_data("AT+CMGS=\"1\"", "> ", (const uint8_t *)"x\x1a", 2, 1000, &r) == MODEM_OK);
    CHECK(urc_count == 1);

    /* DOWNLOAD */
    host_take_str(PORT_MODEM);
    host_feed_str(PORT_MODEM, "\r\nDOWNLOAD\r\n\r\nOK\r\n");
    CHECK(modem_cmd_data("AT+HTTPDATA=3,1000", "DOWNLOAD", (const uint8_t *)"a=1", 3, 1000, &r) == MODEM_OK);
    CHECK_STR(host_take_str(PORT_MODEM), "AT+HTTPDATA=3,1000\ra=1");
    CHECK(r.nlines == 0);
}

/* A command asked for from inside a modem wait is refused, the waiting one goes on. */
static enum modem_result inner;
static int inner_calls;
static void reenter(void)
{
    if (inner_calls++ == 0) {
        inner = modem_cmd("AT+INNER", 100, NULL, NULL);
        host_feed_str(PORT_MODEM, "\r\nOK\r\n");
    }
}

static void test_no_reentry(void)
{
    setup();
    inner_calls = 0;
    fake_background_hook = reenter;
    CHECK(modem_cmd("AT", 500, NULL, NULL) == MODEM_OK);
    CHECK(inner == MODEM_ERROR);
    CHECK_STR(host_take_str(PORT_MODEM), "AT\r");
    fake_background_hook = NULL;
}

static void test_garbage(void)
{
    modem_reply_t r;
    setup();
    static char junk[3000];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i % 251 + 1);
    net_claims = false;
    host_feed(PORT_MODEM, junk, sizeof junk);
    host_feed_str(PORT_MODEM, "\r\n+RECEIVE,x,3:\r\n+RECEIVE,1,:\r\n");
    modem_poll();
    static char longline[1000];
    memset(longline, 'L', sizeof longline - 1);
    host_feed_str(PORT_MODEM, longline);
    host_feed_str(PORT_MODEM, "\r\nOK\r\n");
    CHECK(modem_cmd("AT", 500, NULL, &r) == MODEM_OK);
    CHECK(r.nlines == 1 && strlen(r.lines[0]) == MODEM_LINE_LEN - 1);
    /* more lines than the reply holds */
    for (int i = 0; i < MODEM_LINES + 5; i++)
        host_feed_str(PORT_MODEM, "\r\n+CMGL: 1,\"REC READ\"\r\n");
    host_feed_str(PORT_MODEM, "\r\nOK\r\n");
    CHECK(modem_cmd("AT+CMGL=\"ALL\"", 500, NULL, &r) == MODEM_OK);
    CHECK(r.nlines == MODEM_LINES);
}

int main(void)
{
    test_ok_and_echo();
    test_errors();
    test_timeout();
    test_power_down_ends_the_command();
    test_no_room_holds_server_data_back();
    test_other_finals();
    test_urcs();
    test_receive();
    test_raw_replies();
    test_prompts();
    test_no_reentry();
    test_garbage();
    return unit_done("test_modem");
}
