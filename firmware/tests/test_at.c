/* The usr721 dialect end to end through at_execute (and at_run_remote): the
 * replies byte for byte as docs/usr721.md shows them, refused input answered
 * ERROR with no setting changed. */
#include <string.h>

#include "at.h"
#include "dtu.h"
#include "fake_peers.h"
#include "hal_host.h"
#include "settings.h"
#include "store.h"
#include "unit.h"

static char out[4096];

static void collect(void *ctx, const char *line)
{
    (void)ctx;
    if (out[0])
        strcat(out, "|");
    strcat(out, line);
}

/* The reply lines of one command, joined with '|'. */
static const char *run(const char *line)
{
    out[0] = 0;
    at_execute(line, AT_FROM_SERIAL, collect, NULL);
    return out;
}

static const char *remote(const char *text, enum at_origin origin)
{
    out[0] = 0;
    at_run_remote(text, origin, collect, NULL);
    return out;
}

static void fresh(void)
{
    host_reset();
    fp_reset();
    settings_factory(&g_settings);
    serial_init();
    at_shutdown_due = false;
}

static settings_t before;
static void remember(void) { memcpy(&before, &g_settings, sizeof before); }
static int unchanged(void) { return memcmp(&before, &g_settings, sizeof before) == 0; }

/* The line is refused and changes nothing. */
#define REFUSED(line)                                                                  \
    do {                                                                               \
        remember();                                                                    \
        CHECK_STR(run(line), "ERROR");                                                 \
        CHECK(unchanged());                                                            \
    } while (0)

static void test_parser(void)
{
    fresh();
    at_cmd_t c;
    CHECK(at_parse("+CIMOD=1", 8, &c) == 1 && !strcmp(c.name, "+CIMOD") && c.kind == AT_SET &&
          !strcmp(c.raw, "1"));
    CHECK(at_parse("+cipscont?", 10, &c) == 1 && !strcmp(c.name, "+CIPSCONT") && c.kind == AT_READ);
    CHECK(at_parse("+CIVER=?", 8, &c) == 1 && c.kind == AT_TEST);
    CHECK(at_parse("E0;+CIVER?", 10, &c) == 2);
    CHECK(at_parse("", 0, &c) == 0);
    CHECK(at_parse(";", 1, &c) == 0);
    CHECK(at_parse("+X=\"a", 5, &c) == -1);
    CHECK(at_parse("+X=\"a;b\"", 8, &c) == 1 && !strcmp(c.raw, "\"a;b\""));
    CHECK(at_parse("D10086;", 7, &c) == 1 && !strcmp(c.name, "D") && !strcmp(c.raw, "10086;"));
    CHECK(at_parse("S0?", 3, &c) == 1 && !strcmp(c.name, "S0") && c.kind == AT_READ);
    CHECK(at_parse("s00=2", 5, &c) == 1 && !strcmp(c.name, "S0") && c.kind == AT_SET &&
          !strcmp(c.raw, "2"));
    CHECK(at_parse("E?", 2, &c) == -1);
    CHECK(at_parse("W", 1, &c) == 1 && !strcmp(c.name, "W") && !c.raw[0]);
    CHECK(at_parse("+CIMOD!", 7, &c) == -1);
    CHECK(at_parse("+CIPSCONT=1,\"a\"b", 16, &c) == -1);

    at_args_t a;
    CHECK(at_split_args("1,\"TCP\", 1.2.3.4 ,80,", &a) && a.n == 5);
    CHECK_STR(a.v[1], "TCP");
    CHECK_STR(a.v[2], "1.2.3.4");
    CHECK_STR(a.v[4], "");
    CHECK(at_split_args("\"a,b\",\" c \"", &a) && a.n == 2);
    CHECK_STR(a.v[0], "a,b");
    CHECK_STR(a.v[1], " c ");
    CHECK(at_split_args("  ", &a) && a.n == 0);
    CHECK(!at_split_args("\"a", &a));
}

static void test_framing(void)
{
    fresh();
    CHECK_STR(run("AT"), "OK");
    CHECK_STR(run("at;"), "OK");
    CHECK_STR(run("  aT  "), "OK");
    CHECK_STR(run("AT+FOO"), "ERROR");
    CHECK_STR(run("ATE0;+CIVER?"), "ERROR");
    CHECK_STR(run("hello"), "ERROR");
    CHECK_STR(run("AT+CIVER=1"), "ERROR");
    CHECK_STR(run("AT+CIVER=?"), "ERROR");
    CHECK_STR(run("AT+CIVER?"), "+CIVER: " FIRMWARE_VERSION "|OK");
    CHECK_STR(run("AT+CIVER"), "+CIVER: " FIRMWARE_VERSION "|OK");
    char longline[300] = "AT+CIPR=";
    memset(longline + 8, '1', 259);
    longline[267] = 0;
    REFUSED(longline);
    /* exactly 256 bytes is fine: AT+CIMODID="<x>" is refused for its length (32), not the line's */
    char line256[300] = "AT+CSTT=\"";
    memset(line256 + 9, 'a', 50);
    strcpy(line256 + 59, "\",\"\",\"\"");
    CHECK_STR(run(line256), "OK");
}

static void test_echo_and_mode(void)
{
    fresh();
    CHECK_STR(run("ATE0"), "OK");
    CHECK_STR(run("ATE1"), "OK");
    CHECK_STR(run("ATE"), "OK");
    CHECK_STR(run("ATE2"), "ERROR");
    CHECK_STR(run("AT+CIMOD?"), "+CIMOD: 0|OK");
    CHECK_STR(run("AT+CIMOD=SMS"), "OK");
    CHECK(g_settings.mode == MODE_SMS);
    CHECK_STR(run("at+cimod=\"httpd\""), "OK");
    CHECK(g_settings.mode == MODE_HTTPD);
    CHECK_STR(run("AT+CIMOD=4"), "OK");
    CHECK_STR(run("AT+CIMOD?"), "+CIMOD: 4|OK");
    REFUSED("AT+CIMOD=5");
    REFUSED("AT+CIMOD");
    REFUSED("AT+CIMOD=");
    REFUSED("AT+CIMOD=1,2");
}

static const char *factory_dump =
    "+CIPCFG: 1, 0, 0, 100, 1460, 0|"
    "+CIPPACK: 0, \"7777772E7573722E636E\",0|"
    "+CIPPACK: 1, \"\" , 0, OFF|"
    "+CSTT: \"CMNET\", \"\", \"\"|"
    "+CIPNUM: |"
    "+CIPSTART:1,\"TCP\", \"\",0, 0|"
    "+CIPSTART:2,\"TCP\", \"\",0, 0|"
    "+CIPSTART:3,\"TCP\", \"\",0, 0|"
    "+CIPSTART:4,\"TCP\", \"\",0, 0|"
    "+CIMOD: 0|+CINETAT:0|+CICOMAT:0|"
    "+CINETPT:1,0|+CINETPT:2,0|+CINETPT:3,0|+CINETPT:4,0|OK";

static void test_cipscont(void)
{
    fresh();
    CHECK_STR(run("AT+CIPSCONT?"), factory_dump);
    CHECK_STR(run("AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",40037,1"), "OK");
    CHECK_STR(run("AT+CIPSCONT=2,UDP,127.0.0.1,45063,0"), "OK");
    CHECK_STR(run("AT+CIPNUM=10086"), "OK");
    CHECK_STR(run("AT+CIPSCONT?"),
              "+CIPCFG: 1, 0, 0, 100, 1460, 0|"
              "+CIPPACK: 0, \"7777772E7573722E636E\",0|"
              "+CIPPACK: 1, \"\" , 0, OFF|"
              "+CSTT: \"CMNET\", \"\", \"\"|"
              "+CIPNUM: 10086|"
              "+CIPSTART:1,\"TCP\", \"127.0.0.1\",40037, 1|"
              "+CIPSTART:2,\"UDP\", \"127.0.0.1\",45063, 0|"
              "+CIPSTART:3,\"TCP\", \"\",0, 0|"
              "+CIPSTART:4,\"TCP\", \"\",0, 0|"
              "+CIMOD: 0|+CINETAT:0|+CICOMAT:0|"
              "+CINETPT:1,0|+CINETPT:2,0|+CINETPT:3,0|+CINETPT:4,0|OK");
    CHECK(fp_applies == 0); /* applied when the host leaves command mode */
    REFUSED("AT+CIPSCONT=1,TCP");
    REFUSED("AT+CIPSCONT=5,TCP,a,1,1");
    REFUSED("AT+CIPSCONT=1,SCTP,a,1,1");
    REFUSED("AT+CIPSCONT=1,TCP,,1,1");
    REFUSED("AT+CIPSCONT=1,TCP,a,0,1");
    REFUSED("AT+CIPSCONT=1,TCP,a,65536,1");
    REFUSED("AT+CIPSCONT=1,TCP,a,80,2");
    REFUSED("AT+CIPSCONT=1,TCP,a,80,1,1");
    CHECK_STR(run("AT+CIPSCONT=3,tcp,\"a,b\",80,1"), "OK");
    CHECK_STR(g_settings.sock[2].host, "a,b");
}

static void test_cisoclink(void)
{
    fresh();
    CHECK_STR(run("AT+CISOCLINK?"), "+CISOCLINK: 1,LONG,10|+CISOCLINK: 2,LONG,10|"
                                    "+CISOCLINK: 3,LONG,10|+CISOCLINK: 4,LONG,10|OK");
    CHECK_STR(run("AT+CISOCLINK=2,SHORT,30"), "OK");
    CHECK_STR(run("AT+CISOCLINK=0"), "OK");
    CHECK_STR(run("AT+CISOCLINK?"), "+CISOCLINK: 1,SHORT,10|+CISOCLINK: 2,SHORT,30|"
                                    "+CISOCLINK: 3,SHORT,10|+CISOCLINK: 4,SHORT,10|OK");
    CHECK_STR(run("AT+CISOCLINK=3,1"), "OK");
    CHECK(g_settings.sock[2].long_link == 1 && g_settings.sock[2].idle_s == 10);
    REFUSED("AT+CISOCLINK=2");
    REFUSED("AT+CISOCLINK=2,SHORT,1");
    REFUSED("AT+CISOCLINK=2,SHORT,256");
    REFUSED("AT+CISOCLINK=2,MEDIUM");
    REFUSED("AT+CISOCLINK=5,LONG");
}

static void test_cipcfg_cippack(void)
{
    fresh();
    CHECK_STR(run("AT+CIPCFG?"), "+CIPCFG: 1, 0, 0, 100, 1460, 0|OK");
    CHECK_STR(run("AT+CIPCFG=1,30,0,100,1460,0"), "OK");
    CHECK(g_settings.heartbeat_s == 30);
    REFUSED("AT+CIPCFG=1,30,0,5,1460,0");
    REFUSED("AT+CIPCFG=2,30,0,100,1460,0");
    REFUSED("AT+CIPCFG=1,30,1,100,1460,0");
    REFUSED("AT+CIPCFG=1,30,0,100,1461,0");
    REFUSED("AT+CIPCFG=1,30,0,100,1460");

    CHECK_STR(run("AT+CIPPACK?"),
              "+CIPPACK: 0, \"7777772E7573722E636E\",0|+CIPPACK: 1, \"\" , 0, OFF|OK");
    CHECK_STR(run("AT+CIPPACK=0,\"31313131\",\"1\""), "OK");
    CHECK_STR(run("AT+CIPPACK=1,\"31303031\",\"0\""), "OK");
    CHECK_STR(run("AT+CIPPACK?"),
              "+CIPPACK: 0, \"31313131\",1|+CIPPACK: 1, \"31303031\" , 0, USER|OK");
    CHECK_STR(run("AT+CIPPACK=1,\"\",\"0\",\"IMEI\""), "OK");
    CHECK(g_settings.reg_kind == REG_IMEI && g_settings.reg_mode == REG_LINK);
    CHECK_STR(run("AT+CIPPACK=1,\"\",\"1\",\"ICCID\""), "OK");
    CHECK(g_settings.reg_kind == REG_ICCID && g_settings.reg_mode == REG_DATA);
    CHECK_STR(run("AT+CIPPACK=1,\"31323334353637383930313233343536373839302C3132333435363738\","
                  "\"0\",\"CLOUD\""),
              "OK");
    CHECK_STR(run("AT+CIPPACK?"),
              "+CIPPACK: 0, \"31313131\",1|+CIPPACK: 1, "
              "\"31323334353637383930313233343536373839302C3132333435363738\" , 0, CLOUD|OK");
    CHECK_STR(run("AT+CIPPACK=1,,0"), "OK");
    CHECK(g_settings.reg_mode == REG_OFF && g_settings.reg_kind == REG_USER);
    CHECK_STR(run("AT+CIPPACK=1,\"LOGIN:1001\",\"0\",USER,STR"), "OK");
    CHECK_STR(run("AT+CIPPACK?"),
              "+CIPPACK: 0, \"31313131\",1|+CIPPACK: 1, \"4C4F47494E3A31303031\" , 0, USER|OK");
    CHECK_STR(run("AT+CIPPACK=0,abcd"), "OK");
    CHECK(g_settings.heartbeat_len == 2 && g_settings.heartbeat_data[0] == 0xAB &&
          !g_settings.heartbeat_to_serial);
    REFUSED("AT+CIPPACK=0,\"\"");
    REFUSED("AT+CIPPACK=0,\"123\"");
    REFUSED("AT+CIPPACK=0,\"zz\"");
    REFUSED("AT+CIPPACK=0,31,0,USER");
    REFUSED("AT+CIPPACK=2,31");
    REFUSED("AT+CIPPACK=1,31,2");
    REFUSED("AT+CIPPACK=1,3132,0,CLOUD");
    REFUSED("AT+CIPPACK=1,31,0,SERIAL");
    REFUSED("AT+CIPPACK=1");
    char big[300] = "AT+CIPPACK=1,";
    memset(big + 13, 'A', 82); /* 41 bytes: too many without a kind */
    big[95] = 0;
    REFUSED(big);
    strcat(big, ",0,USER"); /* up to 100 with one */
    CHECK_STR(run(big), "OK");
    CHECK(g_settings.reg_len == 41);
}

static void test_cstt_cinetpt_icf_cipr(void)
{
    fresh();
    CHECK_STR(run("AT+CSTT?"), "+CSTT: \"CMNET\",\"\",\"\"|OK");
    CHECK_STR(run("AT+CSTT=\"CMNET\",\"\",\"\""), "OK");
    CHECK_STR(run("AT+CSTT=UNINET"), "OK");
    CHECK_STR(run("AT+CSTT?"), "+CSTT: \"UNINET\",\"\",\"\"|OK");
    CHECK_STR(run("AT+CSTT=a,b,c"), "OK");
    CHECK_STR(run("AT+CSTT?"), "+CSTT: \"a\",\"b\",\"c\"|OK");
    REFUSED("AT+CSTT=\"\"");
    REFUSED("AT+CSTT=a,b,c,d");

    CHECK_STR(run("AT+CINETPT?"), "+CINETPT:1,0|+CINETPT:2,0|+CINETPT:3,0|+CINETPT:4,0|OK");
    CHECK_STR(run("AT+CINETPT=2,5000"), "OK");
    CHECK_STR(run("AT+CINETPT=0"), "OK");
    CHECK_STR(run("AT+CINETPT=7"), "OK");
    CHECK_STR(run("AT+CINETPT?"), "+CINETPT:1,7|+CINETPT:2,5000|+CINETPT:3,0|+CINETPT:4,0|OK");
    REFUSED("AT+CINETPT=5,1");
    REFUSED("AT+CINETPT=65536");

    CHECK_STR(run("AT+ICF?"), "+ICF: 8,N,1|OK");
    CHECK_STR(run("AT+ICF=8,E,1"), "OK");
    CHECK_STR(run("AT+ICF=3,3"), "OK");
    CHECK_STR(run("AT+ICF?"), "+ICF: 8,N,1|OK");
    CHECK_STR(run("AT+ICF=2,1"), "OK");
    CHECK_STR(run("AT+ICF?"), "+ICF: 8,E,1|OK");
    CHECK_STR(run("AT+ICF=5,0"), "OK");
    CHECK_STR(run("AT+ICF?"), "+ICF: 7,O,1|OK");
    CHECK_STR(run("AT+ICF=1"), "OK");
    CHECK_STR(run("AT+ICF?"), "+ICF: 8,N,2|OK");
    CHECK_STR(run("AT+ICF=7,o,2"), "OK");
    CHECK_STR(run("AT+ICF?"), "+ICF: 7,O,2|OK");
    REFUSED("AT+ICF=5,2");
    REFUSED("AT+ICF=8,E");
    REFUSED("AT+ICF=8,M,1");
    REFUSED("AT+ICF=9");
    REFUSED("AT+ICF=3,1,1");

    CHECK_STR(run("AT+CIPR?"), "+CIPR: 115200|OK");
    CHECK_STR(run("AT+CIPR=9600"), "OK");
    CHECK_STR(run("AT+CIPR?"), "+CIPR: 9600|OK");
    REFUSED("AT+CIPR=1000");
    REFUSED("AT+CIPR=230400");
}

static void test_texts(void)
{
    fresh();
    CHECK_STR(run("AT+CIPNUM?"), "+CIPNUM: |OK");
    CHECK_STR(run("AT+CIPNUM=10086"), "OK");
    CHECK_STR(run("AT+CIPNUM?"), "+CIPNUM: 10086|OK");
    CHECK_STR(run("AT+CIPNUM=+8613912345678"), "OK");
    REFUSED("AT+CIPNUM=123456789012345678901");
    REFUSED("AT+CIPNUM=12a");
    REFUSED("AT+CIPNUM=");

    CHECK_STR(run("AT+CIHTTP?"), "+CIHTTP: GET,\"\",\"\"|OK");
    CHECK_STR(run("AT+CIHTTP=POST,\"http://127.0.0.1:8080/api\",\"Content-Type: text/plain\""), "OK");
    CHECK_STR(run("AT+CIHTTP?"),
              "+CIHTTP: POST,\"http://127.0.0.1:8080/api\",\"Content-Type: text/plain\"|OK");
    REFUSED("AT+CIHTTP=PUT,http://a");
    REFUSED("AT+CIHTTP=GET,https://a");
    REFUSED("AT+CIHTTP=GET");

    CHECK_STR(run("AT+CIFTP?"), "+CIFTP: \"\",21,\"anonymous\",\"\",\"\"|OK");
    CHECK_STR(run("AT+CIFTP=\"127.0.0.1\",2121,\"anonymous\",\"\",\"/fw.bin\""), "OK");
    CHECK_STR(run("AT+CIFTP?"), "+CIFTP: \"127.0.0.1\",2121,\"anonymous\",\"\",\"/fw.bin\"|OK");
    REFUSED("AT+CIFTP=\"\",21,a,b,/x");
    REFUSED("AT+CIFTP=h,0,a,b,/x");
    REFUSED("AT+CIFTP=h,21,a,b,");

    CHECK_STR(run("AT+CIMODID=\"[USR-GPRS232-721]\""), "OK");
    CHECK_STR(run("AT+CIMODID?"), "+CIMODID: \"[USR-GPRS232-721]\"|OK");
    REFUSED("AT+CIMODID=123456789012345678901234567890123");

    CHECK_STR(run("AT+CIPSW=\"usr.cn\",\"abc123\""), "OK");
    CHECK_STR(run("AT+CIPSW=\"usr.cn\",\"x\""), "ERROR");
    CHECK_STR(run("AT+CIPSW=abc123,usr.cn"), "OK");
    REFUSED("AT+CIPSW=usr.cn,a#b");
    REFUSED("AT+CIPSW=usr.cn,\"a b\"");
    REFUSED("AT+CIPSW=usr.cn,12345678901234567");

    CHECK_STR(run("AT+CINETAT?"), "+CINETAT: 0|OK");
    CHECK_STR(run("AT+CINETAT=1"), "OK");
    CHECK_STR(run("AT+CICOMAT=1"), "OK");
    CHECK_STR(run("AT+CISMSAT?"), "+CISMSAT: 1|OK");
    CHECK_STR(run("AT+CISMSAT=0"), "OK");
    CHECK_STR(run("AT+CIRINGSTA?"), "+CIRINGSTA: 0|OK");
    CHECK_STR(run("AT+CIRINGSTA=1"), "OK");
    CHECK(g_settings.net_at && g_settings.com_at && !g_settings.sms_at && g_settings.ring_answer);
    REFUSED("AT+CINETAT=2");
    REFUSED("AT+CINETAT");
}

static void test_system(void)
{
    fresh();
    CHECK_STR(run("AT+CIMOD=4"), "OK");
    CHECK_STR(run("ATW"), "OK");
    settings_t loaded;
    CHECK(store_load(&loaded) && loaded.mode == 4);
    CHECK_STR(run("ATW1"), "ERROR");
    CHECK_STR(run("AT+CIRELOAD"), "OK");
    CHECK(g_settings.mode == 0 && fp_restarts == 1 && fp_restart_ms == 100);
    CHECK(store_load(&loaded) && loaded.mode == 0);
    CHECK_STR(run("AT+CIRESET"), "OK");
    CHECK(fp_restarts == 2);
    CHECK_STR(run("AT+CIRESET?"), "ERROR");
    CHECK_STR(run("AT+CISHUTDOWN"), "OK");
    CHECK(at_shutdown_due);
    at_shutdown_due = false;

    uint32_t t0 = hal_millis();
    CHECK_STR(run("AT+CIOPTIME=500"), "OK");
    CHECK(hal_millis() - t0 >= 500 && hal_millis() - t0 < 510);
    REFUSED("AT+CIOPTIME=20000");

    CHECK_STR(run("AT+CINET?"), "+CINET: 1,CLOSED|+CINET: 2,CLOSED|+CINET: 3,CLOSED|"
                                "+CINET: 4,CLOSED|+CINET: GPRS,ATTACHED|OK");
    fp_state[0] = SOCK_CONNECTED;
    fp_state[1] = SOCK_CONNECTING;
    fp_gprs = false;
    CHECK_STR(run("AT+CINET?"), "+CINET: 1,CONNECTED|+CINET: 2,CONNECTING|+CINET: 3,CLOSED|"
                                "+CINET: 4,CLOSED|+CINET: GPRS,DETACHED|OK");
    CHECK_STR(run("AT+CIDTUIP?"), "+CIDTUIP: 0.0.0.0|OK");
    fp_gprs = true;
    CHECK_STR(run("AT+CIDTUIP?"), "+CIDTUIP: 10.78.245.128|OK");
    CHECK_STR(run("AT+CINET"), "ERROR");
}

static void test_sockets(void)
{
    fresh();
    CHECK_STR(run("AT+CIOPEN=1"), "ERROR"); /* no host */
    CHECK_STR(run("AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",43001,0"), "OK");
    CHECK_STR(run("AT+CIOPEN=1"), "OK");
    CHECK(fp_opened[0] == 1 && g_settings.sock[0].enabled);
    CHECK_STR(run("AT+CICLOSE=1"), "OK");
    CHECK(fp_closed[0] == 1 && !g_settings.sock[0].enabled);
    CHECK_STR(run("AT+CIOPEN=\"UDP\",\"127.0.0.1\",33901"), "OK");
    CHECK(g_settings.sock[0].proto == PROTO_UDP && g_settings.sock[0].port == 33901 &&
          fp_opened[0] == 2);
    CHECK_STR(run("AT+CICLOSE"), "OK");
    CHECK(fp_closed[0] == 2);
    REFUSED("AT+CIOPEN=TCP,1.2.3.4");
    REFUSED("AT+CICLOSE=5");
    fp_gprs = false;
    REFUSED("AT+CIOPEN=\"TCP\",\"127.0.0.1\",33901");

    /* AT+CISEND outside the serial session (here: no data prompt) */
    fp_state[1] = SOCK_CONNECTED;
    CHECK_STR(run("AT+CISEND=2,5"), "ERROR");
    CHECK_STR(run("AT+CISMSEND=10086,\"hello from the DTU\""), "OK");
    CHECK_STR(fp_sms_number, "10086");
    CHECK(fp_sms_len == 18 && !memcmp(fp_sms_text, "hello from the DTU", 18));
    CHECK_STR(run("AT+CISMSEND=10086,\"caf\xe9\""), "OK");
    CHECK(fp_sms_len == 5 && !memcmp(fp_sms_text, "caf\xc3\xa9", 5));
    fp_sms_ok = false;
    CHECK_STR(run("AT+CISMSEND=10086,hi"), "ERROR");
    REFUSED("AT+CISMSEND=abc,hi");
    REFUSED("AT+CISMSEND=10086,");
}

static void test_modem_commands(void)
{
    fresh();
    fp_modem_script(MODEM_OK, "OK", "866262034567891", NULL);
    CHECK_STR(run("AT+CGSN"), "866262034567891|OK");
    CHECK_STR(fp_modem_sent[0], "AT+CGSN");
    fp_modem_script(MODEM_OK, "OK", "+CCLK: \"26/11/24,12:56:55+00\"", NULL);
    CHECK_STR(run("AT+CCLK?"), "+CCLK: \"26/11/24,12:56:55+00\"|OK");
    CHECK_STR(fp_modem_sent[1], "AT+CCLK?");
    fp_modem_script(MODEM_ERROR, "+CME ERROR: 795", NULL);
    CHECK_STR(run("AT+CCLK=\"bad\""), "+CME ERROR: 795");
    CHECK_STR(fp_modem_sent[2], "AT+CCLK=\"bad\"");
    fp_modem_script(MODEM_ERROR, "NO CARRIER", NULL);
    CHECK_STR(run("ATA"), "NO CARRIER");
    CHECK_STR(run("ATD10086;"), "OK");
    CHECK_STR(fp_modem_sent[4], "ATD10086;");
    fp_modem_script(MODEM_OK, "OK", "10086", NULL);
    CHECK_STR(run("ATDL"), "10086|OK");
    CHECK_STR(fp_modem_sent[5], "ATDL");
    fp_modem_script(MODEM_OK, "OK", "000", NULL);
    CHECK_STR(run("ATS0?"), "000|OK");
    CHECK_STR(fp_modem_sent[6], "ATS0?");
    CHECK_STR(run("AT+CMGF=0"), "OK");
    CHECK(fp_text_mode == 0);
    CHECK_STR(run("AT+CMGF=1"), "OK");
    CHECK(fp_text_mode == 1);
    fp_modem_script(MODEM_TIMEOUT, "", NULL);
    CHECK_STR(run("AT+CSQ"), "ERROR");
    int calls = fp_modem_calls;
    CHECK_STR(run("AT+CSQ?"), "ERROR");
    CHECK_STR(run("AT+CGSN=1"), "ERROR");
    CHECK_STR(run("ATS0"), "ERROR");
    CHECK_STR(run("AT+CMGS=\"0031\""), "ERROR"); /* no data prompt outside the session */
    CHECK(fp_modem_calls == calls);

    fp_modem_script(MODEM_OK, "OK", NULL);
    fp_modem_script(MODEM_OK, "OK", "+CREG: 2,1,\"1A2B\",\"3C4D\"", NULL);
    CHECK_STR(run("AT+CILAC?"), "+CILAC: 1A2B,3C4D|OK");
    CHECK_STR(fp_modem_sent[calls], "AT+CREG=2");
    CHECK_STR(fp_modem_sent[calls + 1], "AT+CREG?");
    CHECK_STR(fp_modem_sent[calls + 2], "AT+CREG=0");
    fp_modem_script(MODEM_OK, "OK", NULL);
    fp_modem_script(MODEM_OK, "OK", "+CREG: 2,0", NULL);
    CHECK_STR(run("AT+CILAC?"), "ERROR");
}

static void test_remote(void)
{
    fresh();
    const char *cmd;
    CHECK(at_password_command("usr.cn#AT+CIVER?\r\n", 18, &cmd) && !strncmp(cmd, "AT+CIVER?", 9));
    CHECK(at_password_command("bad#at", 6, &cmd));
    CHECK(!at_password_command("usr.cn#hello", 12, &cmd));
    CHECK(!at_password_command("usr.cnAT+CIVER?", 15, &cmd));
    CHECK(!at_password_command("12345678901234567#AT", 20, &cmd));
    /* R-AT-3: only the running password makes a serial packet a command */
    CHECK(at_password_right("usr.cn#AT+CIVER?\r", 17));
    CHECK(!at_password_right("bad#AT+CIVER?\r", 14));
    CHECK(!at_password_right("meter#ATTN-LOW", 14));
    CHECK(!at_password_right("usr.cnx#AT", 10) && !at_password_right("usr.c#AT", 8));
    CHECK(!at_password_right("usr.cn#hello", 12));

    CHECK_STR(remote("usr.cn#AT+CIVER?", AT_FROM_NETWORK), "+CIVER: " FIRMWARE_VERSION "|OK");
    CHECK(fp_applies == 1);
    CHECK_STR(remote("bad#AT+CIVER?", AT_FROM_NETWORK), "ERROR");
    CHECK_STR(remote("usr.cn#AT+CIPNUM=10010;AT+CIOPTIME=500;AT+CIPNUM?", AT_FROM_SMS),
              "OK|OK|+CIPNUM: 10010|OK");
    CHECK_STR(remote("bad#AT+CIPNUM=1;AT+CIMOD=4", AT_FROM_SMS), "ERROR|ERROR");
    CHECK_STR(g_settings.sms_number, "10010");
    CHECK_STR(remote("usr.cn#AT+CIPNUM=1;AT+CIMOD=4", AT_FROM_NETWORK), "ERROR");
    CHECK_STR(remote("bad#AT+CIVER?", AT_FROM_SERIAL), ""); /* nothing at all */
    CHECK_STR(remote("usr.cn#AT+CISEND=1,5\r\n", AT_FROM_SERIAL), "ERROR");

    /* reply == NULL: framed to the host */
    host_take_str(PORT_RS232);
    at_run_remote("usr.cn#AT+CIPNUM=10086\r", AT_FROM_SERIAL, NULL, NULL);
    CHECK_STR(host_take_str(PORT_RS232), "\r\nOK\r\n");
    at_run_remote("wrong#AT+CIVER?\r", AT_FROM_SERIAL, NULL, NULL);
    CHECK_STR(host_take_str(PORT_RS232), "");
}

int main(void)
{
    test_parser();
    test_framing();
    test_echo_and_mode();
    test_cipscont();
    test_cisoclink();
    test_cipcfg_cippack();
    test_cstt_cinetpt_icf_cipr();
    test_texts();
    test_system();
    test_sockets();
    test_modem_commands();
    test_remote();
    return unit_done("test_at");
}
