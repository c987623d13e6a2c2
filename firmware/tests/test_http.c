/* http.c: the query string and header rules of docs/httpd.md, and requests
 * through the real modem.c against a scripted SIM800 HTTP client (GET, POST,
 * error statuses, the queue, a missing URL, the bearer). */
#include <stdlib.h>

#include "fake_sms_peers.h"
#include "hal_host.h"
#include "modem.h"
#include "services.h"
#include "unit.h"

static const char *q(const char *url, const char *packet)
{
    static char out[600];
    if (http_query_url(url, (const uint8_t *)packet, strlen(packet), out, 513) < 0)
        return "<too long>";
    return out;
}

static void test_query(void)
{
    CHECK_STR(q("http://h/api", "id=7&t=21.5 C\r\n"), "http://h/api?id=7&t=21.5%20C");
    CHECK_STR(q("http://h/api?k=1", "a=b"), "http://h/api?k=1&a=b");
    CHECK_STR(q("http://h/api?", "a=b"), "http://h/api?a=b");
    CHECK_STR(q("http://h/api?k=1&", "a=b"), "http://h/api?k=1&a=b");
    CHECK_STR(q("http://h/api", "\r\n"), "http://h/api");
    CHECK_STR(q("http://h/api", ""), "http://h/api");
    CHECK_STR(q("http://h/", "-._~/?#\xE4"), "http://h/?-._~%2F%3F%23%E4");
    char big[600];
    memset(big, 'a', 503);
    big[503] = 0; /* "http://h/?" + 503: 513 characters */
    CHECK_STR(q("http://h/", big), "<too long>");
    big[502] = 0; /* 512: the modem's limit */
    CHECK(strlen(q("http://h/", big)) == 512);

    char ct[64], ud[128];
    http_split_headers("Content-Type: text/plain\\r\\nX-Token: abc", ct, sizeof ct, ud, sizeof ud);
    CHECK_STR(ct, "text/plain");
    CHECK_STR(ud, "X-Token: abc");
    http_split_headers(" A : 1 \r\nB:2\nbad line\\r\\ncontent-type:x/y\\r\\n:v", ct, sizeof ct, ud,
                       sizeof ud);
    CHECK_STR(ct, "x/y");
    CHECK_STR(ud, "A: 1\\r\\nB: 2");
    http_split_headers("", ct, sizeof ct, ud, sizeof ud);
    CHECK_STR(ct, "");
    CHECK_STR(ud, "");
}

/* ---- a scripted SIM800 HTTP client -------------------------------------------------------- */
static int status = 200;
static const char *body = "hello body";
static bool inited, bearer_open;
static char posted[2048];
static size_t posted_len;

static void http_data(const uint8_t *d, size_t n)
{
    memcpy(posted, d, n);
    posted_len = n;
    fsp_modem_say("\r\nOK\r\n");
}

static void http_modem(const char *l)
{
    char out[128];
    if (strcmp(l, "AT+SAPBR=2,1") == 0) {
        fsp_modem_say(bearer_open ? "\r\n+SAPBR: 1,1,\"10.78.245.128\"\r\n\r\nOK\r\n"
                                  : "\r\n+SAPBR: 1,3,\"0.0.0.0\"\r\n\r\nOK\r\n");
    } else if (strcmp(l, "AT+SAPBR=1,1") == 0) {
        bearer_open = true;
        fsp_modem_say("\r\nOK\r\n");
    } else if (strcmp(l, "AT+HTTPINIT") == 0) {
        fsp_modem_say(inited ? "\r\n+CME ERROR: 3\r\n" : "\r\nOK\r\n");
        inited = true;
    } else if (strcmp(l, "AT+HTTPTERM") == 0) {
        fsp_modem_say(inited ? "\r\nOK\r\n" : "\r\n+CME ERROR: 3\r\n");
        inited = false;
    } else if (strncmp(l, "AT+HTTPDATA=", 12) == 0) {
        fsp_modem_say("\r\nDOWNLOAD\r\n");
        fsp_modem_expect_data(false, (size_t)atoi(l + 12));
    } else if (strncmp(l, "AT+HTTPACTION=", 14) == 0) {
        snprintf(out, sizeof out, "\r\nOK\r\n\r\n+HTTPACTION: %c,%d,%u\r\n", l[14], status,
                 status == 200 ? (unsigned)strlen(body) : 0u);
        fsp_modem_say(out);
    } else if (strncmp(l, "AT+HTTPREAD=", 12) == 0) {
        unsigned start = (unsigned)atoi(l + 12), size = (unsigned)atoi(strchr(l, ',') + 1);
        snprintf(out, sizeof out, "\r\n+HTTPREAD: %u\r\n", size);
        fsp_modem_say(out);
        fsp_modem_say_bytes(body + start, size);
        fsp_modem_say("\r\nOK\r\n");
    } else {
        fsp_modem_say("\r\nOK\r\n");
    }
}

static void http_reset(void)
{
    fsp_reset();
    sms_init();
    fsp_modem_handler = http_modem;
    fsp_data_handler = http_data;
    status = 200;
    body = "hello body";
    inited = bearer_open = false;
    posted_len = 0;
    g_settings.mode = MODE_HTTPD;
    g_settings.http_method = HTTP_GET;
    strcpy(g_settings.http_url, "http://127.0.0.1:8080/api");
    strcpy(g_settings.http_headers, "Content-Type: text/plain\\r\\nX-Token: abc");
}

static void run(int n)
{
    for (int i = 0; i < n; i++) {
        dtu_background();
        http_task();
    }
}

static bool delivered(const char *want)
{
    bool ok = fsp_delivered_len == strlen(want) && memcmp(fsp_delivered, want, fsp_delivered_len) == 0;
    if (!ok)
        fprintf(stderr, "delivered: %.*s\n", (int)fsp_delivered_len, fsp_delivered);
    fsp_delivered_len = 0;
    return ok;
}

static void test_requests(void)
{
    http_reset();
    http_send_packet((const uint8_t *)"id=7&t=21.5 C\r\n", 15);
    CHECK(fsp_commands[0] == 0); /* queued: made from the loop */
    run(1);
    CHECK(delivered("hello body"));
    CHECK_STR(fsp_commands, "AT+SAPBR=2,1\nAT+SAPBR=3,1,\"CONTYPE\",\"GPRS\"\nAT+SAPBR=3,1,\"APN\",\"CMNET\"\n"
                            "AT+SAPBR=1,1\nAT+HTTPINIT\nAT+HTTPPARA=\"CID\",1\n"
                            "AT+HTTPPARA=\"URL\",\"http://127.0.0.1:8080/api?id=7&t=21.5%20C\"\n"
                            "AT+HTTPPARA=\"USERDATA\",\"X-Token: abc\"\nAT+HTTPACTION=0\n"
                            "AT+HTTPREAD=0,10\nAT+HTTPTERM\n");

    /* POST: the packet is the body, Content-Type from the headers */
    fsp_commands[0] = 0;
    g_settings.http_method = HTTP_POST;
    http_send_packet((const uint8_t *)"\x01\x02\r\n\x1A", 5);
    run(1);
    CHECK(delivered("hello body"));
    CHECK(posted_len == 5 && memcmp(posted, "\x01\x02\r\n\x1A", 5) == 0);
    CHECK(strstr(fsp_commands, "AT+SAPBR=2,1\nAT+HTTPINIT\nAT+HTTPPARA=\"CID\",1\n"
                               "AT+HTTPPARA=\"URL\",\"http://127.0.0.1:8080/api\"\n"
                               "AT+HTTPPARA=\"USERDATA\",\"X-Token: abc\"\n"
                               "AT+HTTPPARA=\"CONTENT\",\"text/plain\"\nAT+HTTPDATA=5,10000\n"
                               "AT+HTTPACTION=1\n") != NULL);

    /* a body over several reads */
    static char large[3000];
    for (int i = 0; i < 2999; i++)
        large[i] = (char)('A' + i % 26);
    body = large;
    fsp_commands[0] = 0;
    http_send_packet((const uint8_t *)"x", 1);
    run(1);
    CHECK(delivered(large));
    CHECK(strstr(fsp_commands, "AT+HTTPREAD=0,1024\nAT+HTTPREAD=1024,1024\nAT+HTTPREAD=2048,951\n"));

    /* statuses */
    status = 404;
    http_send_packet((const uint8_t *)"x", 1);
    run(1);
    CHECK(delivered("\r\n+HTTPERR: 404\r\n"));
    status = 601;
    http_send_packet((const uint8_t *)"x", 1);
    run(1);
    CHECK(delivered("\r\n+HTTPERR: 601\r\n"));

    /* HTTPINIT refused (left initialised): HTTPTERM, HTTPINIT again */
    status = 200;
    body = "ok";
    inited = true;
    fsp_commands[0] = 0;
    http_send_packet((const uint8_t *)"x", 1);
    run(1);
    CHECK(delivered("ok"));
    CHECK(strstr(fsp_commands, "AT+HTTPINIT\nAT+HTTPTERM\nAT+HTTPINIT\n") != NULL);

    /* no URL, a '"' in it */
    g_settings.http_url[0] = 0;
    http_send_packet((const uint8_t *)"x", 1);
    run(1);
    CHECK(delivered("\r\n+HTTPERR: 605\r\n"));
    strcpy(g_settings.http_url, "http://h/\"");
    http_send_packet((const uint8_t *)"x", 1);
    run(1);
    CHECK(delivered("\r\n+HTTPERR: 605\r\n"));

    /* the queue: 8 wait behind the running one, the 10th is dropped */
    strcpy(g_settings.http_url, "http://h/");
    fsp_gprs = false; /* the first waits for GPRS */
    http_send_packet((const uint8_t *)"x", 1);
    run(2);
    CHECK(delivered(""));
    for (int i = 0; i < 9; i++)
        http_send_packet((const uint8_t *)"x", 1);
    CHECK(delivered("\r\n+HTTPERR: 606\r\n"));
    fsp_gprs = true;
    run(12);
    CHECK(delivered("okokokokokokokokok"));

    /* no GPRS for 60 s: the request is tried anyway */
    fsp_gprs = false;
    http_send_packet((const uint8_t *)"x", 1);
    run(2);
    CHECK(delivered(""));
    host_advance(60000);
    run(1);
    CHECK(delivered("ok"));
}

int main(void)
{
    test_query();
    test_requests();
    return unit_done("test_http");
}
