/* serial.c: the +++ escape both ways, packing by time and by length, echo,
 * backspace, over-long lines, held data, the data prompts (docs/usr721.md). */
#include <string.h>

#include "at.h"
#include "dtu.h"
#include "fake_peers.h"
#include "hal_host.h"
#include "settings.h"
#include "unit.h"

static void fresh(void)
{
    host_reset();
    fp_reset();
    settings_factory(&g_settings);
    serial_init();
    at_shutdown_due = false;
    host_set_millis(10000);
}

/* The main loop for `ms` milliseconds. */
static void pump(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        serial_poll();
        serial_task();
        host_advance(1);
    }
    serial_poll();
    serial_task();
}

static void feed(const char *text) { host_feed_str(PORT_RS232, text); }
static const char *output(void) { return host_take_str(PORT_RS232); }

static const char *packets(void)
{
    static char text[8200];
    memcpy(text, fp_packets, fp_packets_len);
    text[fp_packets_len] = 0;
    return text;
}

static void escape(void)
{
    pump(300);
    feed("+++");
    pump(50);
    CHECK_STR(output(), "a");
    feed("a");
    pump(50);
    CHECK_STR(output(), "+ok");
    CHECK(serial_command_mode());
}

static void test_escape(void)
{
    fresh();
    CHECK(!serial_command_mode());
    pump(300);
    feed("+++");
    pump(0);
    CHECK_STR(output(), ""); /* not before the burst is over */
    pump(25);
    CHECK_STR(output(), "a");
    pump(2000); /* the host may take its time */
    feed("a");
    pump(25);
    CHECK_STR(output(), "+ok");
    CHECK(serial_command_mode());
    CHECK_STR(packets(), "");

    /* "+++" in pieces, each within 200 ms */
    fresh();
    pump(300);
    feed("+");
    pump(150);
    feed("+");
    pump(150);
    feed("+");
    pump(30);
    CHECK_STR(output(), "a");
    feed("a");
    pump(30);
    CHECK_STR(output(), "+ok");
}

static void test_escape_is_data(void)
{
    /* too soon after data */
    fresh();
    pump(300);
    feed("data");
    pump(50);
    feed("+++");
    pump(400);
    CHECK_STR(output(), "");
    CHECK_STR(packets(), "data+++|");

    /* "+++x" in one burst */
    fresh();
    pump(300);
    feed("+++x");
    pump(400);
    CHECK_STR(output(), "");
    CHECK_STR(packets(), "+++x|");
    CHECK(!serial_command_mode());

    /* answered with something else than 'a' */
    fresh();
    pump(300);
    feed("+++");
    pump(30);
    CHECK_STR(output(), "a");
    feed("b");
    pump(300);
    CHECK_STR(packets(), "+++b|");
    CHECK_STR(output(), "");
    CHECK(!serial_command_mode());

    /* 'a' and more in one burst */
    fresh();
    pump(300);
    feed("+++");
    pump(30);
    CHECK_STR(output(), "a");
    feed("ab");
    pump(300);
    CHECK_STR(packets(), "+++ab|");
    CHECK_STR(output(), "");

    /* no answer within 3 s: "+++" is data, and data flows on */
    fresh();
    pump(300);
    feed("+++");
    pump(30);
    CHECK_STR(output(), "a");
    pump(2900);
    CHECK_STR(packets(), "");
    pump(200);
    CHECK_STR(packets(), "+++|");
    CHECK(!serial_command_mode());
    feed("next");
    pump(200);
    CHECK_STR(packets(), "+++|next|");

    /* pieces too far apart */
    fresh();
    pump(300);
    feed("+");
    pump(250);
    feed("++");
    pump(500);
    CHECK_STR(output(), "");
    CHECK(fp_packets_len == 5 && fp_packets[0] == '+'); /* "+|++|" */
    CHECK(!serial_command_mode());
}

static void test_packing(void)
{
    fresh();
    feed("hello");
    pump(50);
    CHECK_STR(packets(), "");
    feed(" world");
    pump(90);
    CHECK_STR(packets(), "");
    pump(20);
    CHECK_STR(packets(), "hello world|");

    fresh();
    g_settings.pack_len = 4;
    feed("abcdefghij");
    pump(0);
    CHECK_STR(packets(), "abcd|efgh|");
    pump(100);
    CHECK_STR(packets(), "abcd|efgh|ij|");

    fresh();
    g_settings.pack_time_ms = 500;
    feed("slow");
    pump(400);
    feed("er");
    pump(400);
    CHECK_STR(packets(), "");
    pump(150);
    CHECK_STR(packets(), "slower|");
    CHECK(serial_idle_ms() >= 500);
}

static void test_command_mode(void)
{
    fresh();
    escape();
    feed("AT+CIVER?\r");
    pump(1);
    CHECK_STR(output(), "AT+CIVER?\r\r\n+CIVER: " FIRMWARE_VERSION "\r\n\r\nOK\r\n");
    feed("ATE0\r");
    pump(1);
    CHECK_STR(output(), "ATE0\r\r\nOK\r\n");
    feed("AT+CIVER?\r");
    pump(1);
    CHECK_STR(output(), "\r\n+CIVER: " FIRMWARE_VERSION "\r\n\r\nOK\r\n");
    feed("ATE1\r");
    pump(1);
    output();

    feed("AT+CIVEX\bR?\r\n");
    pump(1);
    CHECK_STR(output(), "AT+CIVEX\bR?\r\r\n+CIVER: " FIRMWARE_VERSION "\r\n\r\nOK\r\n\n");
    feed("  \r");
    pump(1);
    CHECK_STR(output(), "  \r"); /* an empty line: no reply */
    feed("hello\r");
    pump(1);
    CHECK_STR(output(), "hello\r\r\nERROR\r\n");

    char line[400] = "AT+CIPR=";
    memset(line + 8, '1', 259);
    strcpy(line + 267, "\r");
    feed(line);
    pump(10);
    const char *got = output();
    CHECK(strlen(got) == 268 + 9 && !strcmp(got + 268, "\r\nERROR\r\n"));
    CHECK(g_settings.baud == 115200);
    /* 256 bytes exactly runs */
    char ok256[300] = "AT+CIMODID=\"";
    memset(ok256 + 12, 'x', 32);
    strcpy(ok256 + 44, "\"");
    memset(ok256 + 45, ' ', 211);
    strcpy(ok256 + 256, "\r");
    feed(ok256);
    pump(10);
    CHECK(strstr(output(), "\r\nOK\r\n") != NULL);

    /* server data is held, and written after AT+ENTM */
    serial_deliver((const uint8_t *)"held", 4);
    pump(10);
    CHECK_STR(output(), "");
    feed("AT+CIPSCONT=1,TCP,127.0.0.1,40037,1\r");
    pump(1);
    CHECK(fp_applies == 0);
    output();
    feed("AT+ENTM\r");
    pump(1);
    CHECK_STR(output(), "AT+ENTM\r\r\nOK\r\nheld");
    CHECK(!serial_command_mode() && fp_applies == 1);
    serial_deliver((const uint8_t *)"direct", 6);
    CHECK_STR(output(), "direct");
    feed("upstream");
    pump(200);
    CHECK_STR(packets(), "upstream|");
}

static void test_held_limit(void)
{
    static uint8_t data[16 * 1024];
    static uint8_t got[20 * 1024];
    fresh();
    escape();
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    serial_deliver(data, sizeof data);
    feed("ATE0\rAT+ENTM\r");
    pump(1);
    size_t n = host_take(PORT_RS232, got, sizeof got);
    size_t head = strlen("ATE0\r\r\nOK\r\n\r\nOK\r\n");
    CHECK(n == head + DTU_BUFFER_LIMIT);
    CHECK(memcmp(got + head, data + sizeof data - DTU_BUFFER_LIMIT, DTU_BUFFER_LIMIT) == 0);
}

static void test_at_mode(void)
{
    fresh();
    g_settings.mode = MODE_AT;
    feed("AT\r");
    pump(1);
    CHECK_STR(output(), "AT\r\r\nOK\r\n");
    feed("AT+ENTM\r");
    pump(1);
    CHECK_STR(output(), "AT+ENTM\r\r\nOK\r\n");
    pump(300);
    feed("+++");
    pump(50);
    CHECK_STR(output(), "+++"); /* an echo: no escape in AT mode */
    feed("\r");
    pump(1);
    CHECK_STR(output(), "\r\r\nERROR\r\n");
    feed("AT+CIMOD=0\r");
    pump(1);
    output();
    feed("data");
    pump(200);
    CHECK_STR(packets(), "data|");
}

static int rest_at;
static void rest_later(void) /* the host sends the rest of the data 100 ms after the prompt */
{
    if (++rest_at == 100)
        feed("lo");
}

static void test_prompts(void)
{
    fresh();
    escape();
    fp_state[0] = SOCK_CONNECTED;
    fp_background_hook = rest_later;
    feed("AT+CISEND=1,5\rhel");
    pump(1);
    fp_background_hook = NULL;
    CHECK(rest_at >= 100); /* it waited for the rest */
    CHECK_STR(output(), "AT+CISEND=1,5\r\r\n> \r\nSEND OK\r\n");
    CHECK(fp_sent_socket == 0 && fp_sent_len == 5 && !memcmp(fp_sent, "hello", 5));
    fp_send_ok = false;
    feed("AT+CISEND=1,2\r\r\n");
    pump(1);
    CHECK_STR(output(), "AT+CISEND=1,2\r\r\n> \r\nSEND FAIL\r\n");
    feed("AT+CISEND=2,5\r");
    pump(1);
    CHECK_STR(output(), "AT+CISEND=2,5\r\r\nERROR\r\n");

    fp_modem_script(MODEM_OK, "OK", "+CMGS: 1", NULL);
    feed("AT+CMGS=\"00310030003000380036\"\r00680069\x1a");
    pump(1);
    CHECK_STR(output(), "AT+CMGS=\"00310030003000380036\"\r\r\n> \r\n+CMGS: 1\r\n\r\nOK\r\n");
    CHECK_STR(fp_modem_sent[0], "AT+CMGS=\"00310030003000380036\"");
    CHECK(fp_modem_data_len == 9 && !memcmp(fp_modem_data, "00680069\x1a", 9));
    feed("AT+CMGS=\"0031\"\rabc\x1b");
    pump(1);
    CHECK_STR(output(), "AT+CMGS=\"0031\"\r\r\n> \r\nOK\r\n");
    CHECK(fp_modem_calls == 1);

    feed("AT+CISHUTDOWN\r");
    pump(1);
    CHECK_STR(output(), "AT+CISHUTDOWN\r\r\nOK\r\n");
    CHECK(fp_shutdowns == 1);
}

int main(void)
{
    test_escape();
    test_escape_is_data();
    test_packing();
    test_command_mode();
    test_held_limit();
    test_at_mode();
    test_prompts();
    return unit_done("test_serial");
}

