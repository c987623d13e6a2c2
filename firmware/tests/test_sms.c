/* sms.c: UTF-8 / UCS2 hex coding, 70-character parts, the password-command
 * shape, and the SMS flows through the real modem.c against a scripted modem
 * (setup, passthrough both ways, SMS AT commands, AT+CISMSEND, PDU mode, RING). */
#include <stdlib.h>

#include "fake_sms_peers.h"
#include "hal_host.h"
#include "modem.h"
#include "services.h"
#include "unit.h"

/* ---- pure ---------------------------------------------------------------------------- */
static const char *hex_of_utf8(const char *s)
{
    static uint32_t cp[512];
    static char out[4096];
    size_t n = sms_utf8_decode((const uint8_t *)s, strlen(s), cp, 512);
    sms_ucs2_hex(cp, n, out, sizeof out);
    return out;
}

static const char *utf8_of_hex(const char *hex)
{
    static char out[1024];
    int n = sms_ucs2_hex_to_utf8(hex, strlen(hex), (uint8_t *)out, sizeof out - 1);
    if (n < 0)
        return "<invalid>";
    out[n] = 0;
    return out;
}

static void test_coding(void)
{
    CHECK_STR(hex_of_utf8("hi"), "00680069");
    CHECK_STR(hex_of_utf8("10086"), "00310030003000380036");
    CHECK_STR(hex_of_utf8("你好"), "4F60597D");
    CHECK_STR(hex_of_utf8("€5"), "20AC0035");
    CHECK_STR(hex_of_utf8("温度 25℃"), "6E295EA60020003200352103");
    CHECK_STR(hex_of_utf8("\xF0\x9F\x98\x80"), "D83DDE00"); /* U+1F600: a surrogate pair */
    CHECK_STR(hex_of_utf8(""), "");
    /* invalid UTF-8: each maximal invalid part is one U+FFFD (Python "replace") */
    CHECK_STR(hex_of_utf8("a\xFF" "b"), "0061FFFD0062");
    CHECK_STR(hex_of_utf8("\xE4\xBD"), "FFFD");           /* cut short */
    CHECK_STR(hex_of_utf8("\xE4\xBD" "A"), "FFFD0041");
    CHECK_STR(hex_of_utf8("\xC0\x80"), "FFFDFFFD");       /* overlong */
    CHECK_STR(hex_of_utf8("\xED\xA0\x80"), "FFFDFFFDFFFD"); /* a surrogate */

    CHECK_STR(utf8_of_hex("4F60597D"), "你好");
    CHECK_STR(utf8_of_hex("4f60597d"), "你好");
    CHECK_STR(utf8_of_hex("D83DDE00"), "\xF0\x9F\x98\x80");
    CHECK_STR(utf8_of_hex(""), "");
    CHECK_STR(utf8_of_hex("006"), "<invalid>");    /* not whole units */
    CHECK_STR(utf8_of_hex("00G1"), "<invalid>");
    CHECK_STR(utf8_of_hex("DE00"), "<invalid>");   /* lone low surrogate */
    CHECK_STR(utf8_of_hex("D83D0041"), "<invalid>");

    /* a text that is not UCS2 hex comes through as it was (Latin-1 → UTF-8) */
    uint8_t out[64];
    size_t n = sms_text_from_modem("hello", 5, out, sizeof out);
    CHECK(n == 5 && memcmp(out, "hello", 5) == 0);
    n = sms_text_from_modem("caf\xE9", 4, out, sizeof out);
    CHECK(n == 5 && memcmp(out, "caf\xC3\xA9", 5) == 0);
    n = sms_text_from_modem("00680069", 8, out, sizeof out);
    CHECK(n == 2 && memcmp(out, "hi", 2) == 0);

    /* a buffer too small: nothing half-written */
    uint32_t cp[3] = {0x41, 0x42, 0x1F600};
    char small[9];
    CHECK(sms_ucs2_hex(cp, 3, small, sizeof small) == 0 && small[0] == 0);
    char fits[17];
    CHECK(sms_ucs2_hex(cp, 3, fits, sizeof fits) == 16);
}

static void test_parts(void)
{
    CHECK(sms_parts(0) == 1);
    CHECK(sms_parts(1) == 1);
    CHECK(sms_parts(70) == 1);
    CHECK(sms_parts(71) == 2);
    CHECK(sms_parts(140) == 2);
    CHECK(sms_parts(141) == 3);
}

static int shape(const char *text, const char **cmd, size_t *len)
{
    size_t start;
    if (!sms_password_shape(text, strlen(text), &start, len))
        return 0;
    *cmd = text + start;
    return 1;
}

static void test_shape(void)
{
    const char *cmd;
    size_t len;
    CHECK(shape("usr.cn#AT+CIVER?", &cmd, &len) && len == 16);
    CHECK(shape("\r\nusr.cn#at+civer?\r\n", &cmd, &len) && len == 16 && cmd[0] == 'u');
    CHECK(shape("#AT", &cmd, &len));                  /* empty password: ERROR later */
    CHECK(shape("0123456789abcdef#AT", &cmd, &len));  /* 16 characters */
    CHECK(!shape("0123456789abcdefg#AT", &cmd, &len)); /* 17 */
    CHECK(!shape("usr.cn#A", &cmd, &len));
    CHECK(!shape("usr.cn#BT+X", &cmd, &len));
    CHECK(!shape("hello", &cmd, &len));
    CHECK(!shape("us\rr#AT", &cmd, &len));
    CHECK(shape("a#b#AT", &cmd, &len) == 0);          /* the first '#' separates */
}

/* ---- a scripted modem for SMS ---------------------------------------------------------- */
#define MAX_SENT 8
static char sent_to[MAX_SENT][128];
static char sent_text[MAX_SENT][1200];
static int sent_count;
static const char *stored[51]; /* "+CMGR" reply text per index */
static bool refuse_cmgs;

static void sms_data(const uint8_t *d, size_t n)
{
    if (sent_count < MAX_SENT) {
        memcpy(sent_text[sent_count], d, n < 1199 ? n : 1199);
        sent_text[sent_count][n < 1199 ? n : 1199] = 0;
        sent_count++;
    }
    fsp_modem_say(refuse_cmgs ? "\r\n+CMS ERROR: 331\r\n" : "\r\n+CMGS: 1\r\n\r\nOK\r\n");
}

static void sms_modem(const char *l)
{
    if (strncmp(l, "AT+CMGS=\"", 9) == 0) {
        if (sent_count < MAX_SENT) {
            strncpy(sent_to[sent_count], l + 9, 127);
            char *q = strchr(sent_to[sent_count], '"');
            if (q)
                *q = 0;
        }
        fsp_modem_say("\r\n> ");
        fsp_modem_expect_data(true, 0);
        return;
    }
    if (strncmp(l, "AT+CMGR=", 8) == 0) {
        int i = atoi(l + 8);
        if (i >= 1 && i <= 50 && stored[i]) {
            fsp_modem_say("\r\n");
            fsp_modem_say(stored[i]);
            fsp_modem_say("\r\n\r\nOK\r\n");
        } else {
            fsp_modem_say("\r\nOK\r\n");
        }
        return;
    }
    if (strncmp(l, "AT+CMGD=", 8) == 0) {
        int i = atoi(l + 8);
        if (i >= 1 && i <= 50)
            stored[i] = NULL;
    }
    if (strcmp(l, "AT+CMGL=\"ALL\"") == 0) {
        for (int i = 1; i <= 50; i++) {
            if (stored[i]) {
                char head[64];
                snprintf(head, sizeof head, "\r\n+CMGL: %d,\"REC UNREAD\",\"x\"\r\nxx", i);
                fsp_modem_say(head);
            }
        }
        fsp_modem_say("\r\n\r\nOK\r\n");
        return;
    }
    if (strcmp(l, "ATA") == 0) {
        fsp_modem_say("\r\nOK\r\n");
        return;
    }
    fsp_modem_say("\r\nOK\r\n");
}

static void sms_reset(void)
{
    fsp_reset();
    sms_init();
    fsp_modem_handler = sms_modem;
    fsp_data_handler = sms_data;
    sent_count = 0;
    refuse_cmgs = false;
    memset(stored, 0, sizeof stored);
}

/* Let the firmware run: URCs parsed, sms_task. */
static void run(int loops)
{
    for (int i = 0; i < loops; i++) {
        dtu_background();
        sms_task();
    }
}

static void test_setup(void)
{
    sms_reset();
    stored[3] = "+CMGR: \"REC UNREAD\",\"002B0038003600310033003900310032003300340035003600370038\",\"\",\"24/05/01,10:00:00+32\"\r\n00680065006C006C006F";
    g_settings.mode = MODE_SMS;
    sms_modem_setup();
    CHECK_STR(fsp_commands, "AT+CMGF=1\nAT+CSCS=\"UCS2\"\nAT+CSMP=17,167,0,8\nAT+CNMI=2,1,0,0,0\n"
                            "AT+CMGL=\"ALL\"\n");
    fsp_commands[0] = 0;
    run(3);
    /* the message stored while the DTU was down is read, deleted and delivered */
    CHECK_STR(fsp_commands, "AT+CMGR=3\nAT+CMGD=3\n");
    CHECK(fsp_delivered_len == 5 && memcmp(fsp_delivered, "hello", 5) == 0);
    CHECK(stored[3] == NULL);
}

static void test_passthrough_out(void)
{
    sms_reset();
    sms_modem_setup();
    g_settings.mode = MODE_SMS;
    strcpy(g_settings.sms_number, "10086");
    const char *t = "你好，世界！温度 25℃";
    sms_send_packet((const uint8_t *)t, strlen(t));
    CHECK(sent_count == 1);
    CHECK_STR(sent_to[0], "00310030003000380036");
    CHECK_STR(sent_text[0], "4F60597DFF0C4E16754CFF016E295EA60020003200352103");

    /* 150 characters: 70 + 70 + 10, each its own AT+CMGS */
    sent_count = 0;
    char longtext[151];
    for (int i = 0; i < 150; i++)
        longtext[i] = (char)('a' + i % 26);
    longtext[150] = 0;
    sms_send_packet((const uint8_t *)longtext, 150);
    CHECK(sent_count == 3);
    CHECK(strlen(sent_text[0]) == 280 && strlen(sent_text[1]) == 280 && strlen(sent_text[2]) == 40);
    CHECK(strncmp(sent_text[1], "0073", 4) == 0); /* 70 % 26 = 18: 's' */

    /* 70 Chinese characters are one SMS, 71 two */
    sent_count = 0;
    char zh[71 * 3 + 1] = "";
    for (int i = 0; i < 71; i++)
        strcat(zh, "中");
    sms_send_packet((const uint8_t *)zh, 70 * 3);
    CHECK(sent_count == 1);
    sms_send_packet((const uint8_t *)zh, 71 * 3);
    CHECK(sent_count == 3 && strcmp(sent_text[2], "4E2D") == 0);

    /* no number: nothing sent */
    sent_count = 0;
    g_settings.sms_number[0] = 0;
    sms_send_packet((const uint8_t *)"x", 1);
    CHECK(sent_count == 0);
}

static void test_passthrough_in(void)
{
    sms_reset();
    sms_modem_setup();
    g_settings.mode = MODE_SMS;
    stored[7] = "+CMGR: \"REC UNREAD\",\"00310033003900310032003300340035003600370038\",\"\",\"24/05/01,10:00:00+32\"\r\n65365230FF0C8C228C22";
    fsp_modem_say("\r\n+CMTI: \"SM\",7\r\n");
    run(3);
    CHECK(fsp_delivered_len == strlen("收到，谢谢") &&
          memcmp(fsp_delivered, "收到，谢谢", fsp_delivered_len) == 0);
    CHECK(sent_count == 0);

    /* not in SMS mode: dropped */
    fsp_delivered_len = 0;
    g_settings.mode = MODE_NET;
    stored[8] = "+CMGR: \"REC UNREAD\",\"0031\",\"\",\"24/05/01,10:00:00+32\"\r\n0061";
    fsp_modem_say("\r\n+CMTI: \"SM\",8\r\n");
    run(3);
    CHECK(fsp_delivered_len == 0);
    CHECK(stored[8] == NULL); /* read and deleted all the same */

    /* AT mode: the serial port owns the module, the DTU leaves the store alone */
    g_settings.mode = MODE_AT;
    fsp_commands[0] = 0;
    stored[9] = "+CMGR: \"REC UNREAD\",\"0031\",\"\",\"24/05/01,10:00:00+32\"\r\n0061";
    fsp_modem_say("\r\n+CMTI: \"SM\",9\r\n");
    run(3);
    CHECK(fsp_commands[0] == 0 && stored[9] != NULL && fsp_delivered_len == 0);
    sms_modem_setup(); /* a boot in AT mode lists nothing either */
    CHECK(strstr(fsp_commands, "CMGL") == NULL && strstr(fsp_commands, "CMGR") == NULL);
    run(3);
    CHECK(strstr(fsp_commands, "CMGR") == NULL && stored[9] != NULL);
    stored[9] = NULL;
    g_settings.mode = MODE_NET;
}

static void test_sms_commands(void)
{
    sms_reset();
    sms_modem_setup();
    g_settings.mode = MODE_NET;
    /* "usr.cn#AT+CIPNUM=10010;AT+CIMOD=4;AT+CIPNUM?" from 13912345678 */
    static char msg[600];
    strcpy(msg, "+CMGR: \"REC UNREAD\",\"00310033003900310032003300340035003600370038\",\"\",\"x\"\r\n");
    strcat(msg, hex_of_utf8("usr.cn#AT+CIPNUM=10010;AT+CIMOD=4;AT+CIPNUM?"));
    stored[2] = msg;
    static const char *replies[] = {"OK", "OK", "+CIPNUM: 10010", "OK", NULL};
    memcpy(fsp_remote_reply, replies, sizeof replies);
    fsp_modem_say("\r\n+CMTI: \"SM\",2\r\n");
    run(3);
    CHECK(fsp_remote_calls == 1);
    CHECK_STR(fsp_remote_text, "usr.cn#AT+CIPNUM=10010;AT+CIMOD=4;AT+CIPNUM?");
    CHECK(sent_count == 1);
    CHECK_STR(sent_to[0], "00310033003900310032003300340035003600370038");
    CHECK_STR(sent_text[0], hex_of_utf8("OK\r\nOK\r\n+CIPNUM: 10010\r\nOK"));
    CHECK(fsp_delivered_len == 0);
    CHECK(fsp_replying == 0);

    /* a reply longer than 70 characters: several SMS */
    sent_count = 0;
    static const char *many[] = {"+CINET: 1,CONNECTED", "+CINET: 2,CLOSED", "+CINET: 3,CLOSED",
                                 "+CINET: 4,CLOSED", "+CINET: GPRS,ATTACHED", "OK", NULL};
    memcpy(fsp_remote_reply, many, sizeof many);
    static char msg2[300];
    strcpy(msg2, "+CMGR: \"REC UNREAD\",\"0031\",\"\",\"x\"\r\n");
    strcat(msg2, hex_of_utf8("usr.cn#AT+CINET?"));
    stored[4] = msg2;
    fsp_modem_say("\r\n+CMTI: \"SM\",4\r\n");
    run(3);
    CHECK(sent_count == 2);
    CHECK(strlen(sent_text[0]) == 280);

    /* AT+CISMSAT=0: the text is text (SMS mode: to the serial port) */
    sent_count = 0;
    fsp_remote_calls = 0;
    g_settings.sms_at = 0;
    g_settings.mode = MODE_SMS;
    static char msg3[300];
    strcpy(msg3, "+CMGR: \"REC UNREAD\",\"0031\",\"\",\"x\"\r\n");
    strcat(msg3, hex_of_utf8("usr.cn#AT+CIMOD=0"));
    stored[5] = msg3;
    fsp_modem_say("\r\n+CMTI: \"SM\",5\r\n");
    run(3);
    CHECK(fsp_remote_calls == 0 && sent_count == 0);
    CHECK(fsp_delivered_len == 17 && memcmp(fsp_delivered, "usr.cn#AT+CIMOD=0", 17) == 0);
}

static void test_send_text_and_pdu_mode(void)
{
    sms_reset();
    sms_modem_setup();
    CHECK(sms_send_text("+8613800000000", (const uint8_t *)"hello from the DTU", 18));
    CHECK(sent_count == 1);
    CHECK_STR(sent_to[0], hex_of_utf8("+8613800000000"));
    refuse_cmgs = true;
    CHECK(!sms_send_text("10086", (const uint8_t *)"x", 1));
    refuse_cmgs = false;

    /* AT+CMGF=0 by the host: no sending, no reading until AT+CMGF=1 */
    sms_set_text_mode(false);
    sent_count = 0;
    CHECK(!sms_send_text("10086", (const uint8_t *)"x", 1));
    g_settings.mode = MODE_SMS;
    stored[9] = "+CMGR: \"REC UNREAD\",\"0031\",\"\",\"x\"\r\n0061";
    fsp_modem_say("\r\n+CMTI: \"SM\",9\r\n");
    fsp_commands[0] = 0;
    run(3);
    CHECK(fsp_commands[0] == 0 && sent_count == 0);
    sms_set_text_mode(true);
    run(3);
    CHECK_STR(fsp_commands, "AT+CMGR=9\nAT+CMGD=9\n");
    CHECK(fsp_delivered_len == 1 && fsp_delivered[0] == 'a');
}

static void test_ring(void)
{
    sms_reset();
    sms_modem_setup();
    fsp_commands[0] = 0;
    g_settings.ring_answer = 0;
    fsp_modem_say("\r\nRING\r\n\r\n+CLIP: \"13912345678\",129\r\n");
    run(2);
    CHECK(fsp_commands[0] == 0);
    g_settings.ring_answer = 1;
    fsp_modem_say("\r\nRING\r\n");
    run(2);
    CHECK_STR(fsp_commands, "ATA\n");
}

static void test_urc_waiter(void)
{
    sms_reset();
    char line[64];
    CHECK(!sms_on_urc("+HTTPACTION: 0,200,5")); /* nobody waits */
    svc_urc_expect("+HTTPACTION:");
    CHECK(sms_on_urc("+HTTPACTION: 0,200,5"));
    CHECK(!sms_on_urc("+FTPGET: 1,1"));
    CHECK(svc_urc_take(line, sizeof line));
    CHECK_STR(line, "+HTTPACTION: 0,200,5");
    CHECK(!svc_urc_take(line, sizeof line));
    svc_urc_stop();
    CHECK(!sms_on_urc("+HTTPACTION: 0,200,5"));
}

int main(void)
{
    test_coding();
    test_parts();
    test_shape();
    test_setup();
    test_passthrough_out();
    test_passthrough_in();
    test_sms_commands();
    test_send_text_and_pdu_mode();
    test_ring();
    test_urc_waiter();
    return unit_done("test_sms");
}
