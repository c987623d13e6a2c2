/* ftp.c: CRC-16, the example frames of docs/ftp-protocol.md byte for byte, the
 * START URL, NAK cases, recognition in the work modes, and whole sessions
 * through the real modem.c against a scripted SIM800 FTP client (a file larger
 * than the 64 KiB window, a broken download resumed with AT+FTPREST). */
#include <stdlib.h>

#include "fake_sms_peers.h"
#include "hal_host.h"
#include "modem.h"
#include "services.h"
#include "crc32.h"
#include "unit.h"

static size_t unhex(const char *text, uint8_t *out)
{
    size_t n = 0;
    while (*text) {
        if (*text == ' ') {
            text++;
            continue;
        }
        unsigned v;
        sscanf(text, "%2x", &v);
        out[n++] = (uint8_t)v;
        text += 2;
    }
    return n;
}

static int frame_is(uint8_t cmd, const char *payload_hex, const char *want_hex)
{
    uint8_t payload[600], want[600], got[700];
    size_t pl = unhex(payload_hex, payload), wl = unhex(want_hex, want);
    size_t gl = ftp_build_frame(cmd, payload, pl, got);
    return gl == wl && memcmp(got, want, wl) == 0;
}

static void test_frames(void)
{
    CHECK(ftp_crc16((const uint8_t *)"123456789", 9) == 0x29B1);
    CHECK(frame_is(0x01, "", "55 AA 01 00 00 FB AC"));
    const char *url = "ftp://dtu:secret@192.0.2.10:2121/fw/image.bin";
    char url_hex[200] = "";
    for (const char *p = url; *p; p++)
        sprintf(url_hex + strlen(url_hex), "%02X", (unsigned char)*p);
    CHECK(frame_is(0x01, url_hex,
                   "55 AA 01 00 2D 66 74 70 3A 2F 2F 64 74 75 3A 73 65 63 72 65 74 40 31 39 32 2E "
                   "30 2E 32 2E 31 30 3A 32 31 32 31 2F 66 77 2F 69 6D 61 67 65 2E 62 69 6E 9B 18"));
    CHECK(frame_is(0x81, "00 00 C8 00 1C 29 1C A3", "55 AA 81 00 08 00 00 C8 00 1C 29 1C A3 90 34"));
    CHECK(frame_is(0x02, "00 00 01 00", "55 AA 02 00 04 00 00 01 00 2B 1A"));
    CHECK(frame_is(0x02, "00 00 C7 F0 00 10", "55 AA 02 00 06 00 00 C7 F0 00 10 6C DA"));
    CHECK(frame_is(0x82, "00 00 C7 F0 DE AD BE EF", "55 AA 82 00 08 00 00 C7 F0 DE AD BE EF 59 99"));
    CHECK(frame_is(0x03, "", "55 AA 03 00 00 95 CC"));
    CHECK(frame_is(0x83, "03", "55 AA 83 00 01 03 C1 76"));
    CHECK(frame_is(0xFF, "02 01 00", "55 AA FF 00 03 02 01 00 9C 22"));
    CHECK(frame_is(0xFF, "02 05 00", "55 AA FF 00 03 02 05 00 50 E6"));
    CHECK(frame_is(0xFF, "01 06 3F", "55 AA FF 00 03 01 06 3F 9B 59"));

    /* outside FTP mode only a whole, well-formed START - or a GET/END of a download - counts */
    uint8_t f[600];
    size_t fl = ftp_build_frame(FTP_START, NULL, 0, f);
    CHECK(ftp_front(f, 1, false) == FTP_FRONT_WAIT && ftp_front(f, fl - 1, false) == FTP_FRONT_WAIT);
    CHECK(ftp_front(f, fl, false) == FTP_FRONT_FRAME);
    f[fl - 1] ^= 1; /* the CRC */
    CHECK(ftp_front(f, fl, false) == FTP_FRONT_DATA);
    const uint8_t get_frame[] = {0x55, 0xAA, 0x02, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x2B, 0x1A};
    CHECK(ftp_front(get_frame, sizeof get_frame, false) == FTP_FRONT_DATA); /* no download */
    CHECK(ftp_front(get_frame, sizeof get_frame, true) == FTP_FRONT_FRAME);
    const uint8_t h3[] = {0x55, 0xAA, 0x04}, h5[] = {0x55, 0xAA, 0x01, 0x02, 0x01};
    const uint8_t h4[] = {0x55, 0xAA, 0x01, 0x02, 0x00};
    CHECK(ftp_front(h3, 3, true) == FTP_FRONT_DATA);
    CHECK(ftp_front(h4, 5, false) == FTP_FRONT_WAIT); /* 512: the rest may come */
    CHECK(ftp_front(h5, 5, false) == FTP_FRONT_DATA); /* 513 */
    CHECK(ftp_front((const uint8_t *)"AB", 2, false) == FTP_FRONT_DATA);
}

static int url_ok(const char *url, ftp_source_t *src)
{
    return ftp_parse_url(src, (const uint8_t *)url, strlen(url)) == 0;
}

static void test_url(void)
{
    ftp_source_t s;
    CHECK(url_ok("ftp://dtu:secret@192.0.2.10:2121/fw/image.bin", &s));
    CHECK_STR(s.host, "192.0.2.10");
    CHECK(s.port == 2121);
    CHECK_STR(s.user, "dtu");
    CHECK_STR(s.password, "secret");
    CHECK_STR(s.folder, "/fw");
    CHECK_STR(s.name, "image.bin");
    CHECK(url_ok("FTP://Files.Example.COM/a.bin", &s));
    CHECK_STR(s.host, "files.example.com");
    CHECK(s.port == 21);
    CHECK_STR(s.user, "");
    CHECK_STR(s.folder, "/");
    CHECK_STR(s.name, "a.bin");
    CHECK(url_ok("ftp://u%40x:p%3Aw@h:0/dir%20a/f%2Eb", &s));
    CHECK_STR(s.user, "u@x");
    CHECK_STR(s.password, "p:w");
    CHECK(s.port == 21); /* "parts.port or 21" */
    CHECK_STR(s.folder, "/dir a");
    CHECK_STR(s.name, "f.b");
    CHECK(url_ok("ftp://a@b@h/x", &s)); /* the last '@' ends the user part */
    CHECK_STR(s.user, "a@b");
    CHECK_STR(s.host, "h");
    CHECK(url_ok("ftp://h/f?", &s)); /* an empty query is none */

    CHECK(!url_ok("http://h/f", &s));
    CHECK(!url_ok("ftp://h/", &s));      /* no file name */
    CHECK(!url_ok("ftp://h", &s));
    CHECK(!url_ok("ftp:///f", &s));      /* no host */
    CHECK(!url_ok("ftp://h/f?x=1", &s));
    CHECK(!url_ok("ftp://h/f#x", &s));
    CHECK(!url_ok("ftp://h:99999/f", &s));
    CHECK(!url_ok("ftp://h:2x/f", &s));
    CHECK(!url_ok("ftp://h/a%22b", &s)); /* '"' cannot go in an AT string */
    CHECK(!url_ok("ftp://h/a%0Ab", &s));
    CHECK(!url_ok("ftp://h/\xC3\xA9", &s)); /* not ASCII */
    CHECK(!url_ok("ftp://0123456789012345678901234567890123456789012345678901/f", &s)); /* host 52 */
    CHECK(url_ok("ftp://012345678901234567890123456789012345678901234567/f", &s)); /* 48 */

    CHECK(ftp_source_from(&s, "/fw.bin", "127.0.0.1", 2121, "anonymous", "") == 0);
    CHECK_STR(s.folder, "/");
    CHECK_STR(s.name, "fw.bin");
    CHECK(ftp_source_from(&s, "fw.bin", "127.0.0.1", 21, "", "") == 0);
    CHECK_STR(s.folder, "");
    CHECK(ftp_source_from(&s, "", "127.0.0.1", 21, "", "") == FTP_BAD_SOURCE);
    CHECK(ftp_source_from(&s, "/f", "", 21, "", "") == FTP_BAD_SOURCE);
}

/* ---- a scripted SIM800 FTP client --------------------------------------------------------- */
#define FILE_SIZE 150000u
static uint8_t file[FILE_SIZE];
static uint32_t file_size;
static bool session_open;
static uint32_t rest, pos;
static uint32_t break_at;    /* the data connection breaks here once (0 = never) */
static int size_error;       /* +FTPSIZE: 1,<error>,0 */
static int sizes, opens;

static void ftp_modem(const char *l)
{
    if (strcmp(l, "AT+SAPBR=2,1") == 0) {
        fsp_modem_say("\r\n+SAPBR: 1,1,\"10.78.245.128\"\r\n\r\nOK\r\n");
    } else if (strcmp(l, "AT+FTPSIZE") == 0) {
        char u[64];
        sizes++;
        snprintf(u, sizeof u, "\r\nOK\r\n\r\n+FTPSIZE: 1,%d,%lu\r\n", size_error,
                 size_error ? 0ul : (unsigned long)file_size);
        fsp_modem_say(u);
    } else if (strncmp(l, "AT+FTPREST=", 11) == 0) {
        rest = (uint32_t)strtoul(l + 11, NULL, 10);
        fsp_modem_say("\r\nOK\r\n");
    } else if (strcmp(l, "AT+FTPGET=1") == 0) {
        opens++;
        session_open = true;
        pos = rest;
        fsp_modem_say("\r\nOK\r\n\r\n+FTPGET: 1,1\r\n");
    } else if (strncmp(l, "AT+FTPGET=2,", 12) == 0) {
        if (!session_open) {
            fsp_modem_say("\r\n+CME ERROR: 3\r\n");
            return;
        }
        if (break_at && pos == break_at) {
            break_at = 0;
            session_open = false;
            fsp_modem_say("\r\n+FTPGET: 2,0\r\n\r\nOK\r\n\r\n+FTPGET: 1,79\r\n");
            return;
        }
        uint32_t n = (uint32_t)atoi(l + 12);
        if (n > 1000)
            n = 1000; /* the module hands out what it has buffered */
        if (n > file_size - pos)
            n = file_size - pos;
        if (break_at && pos < break_at && pos + n > break_at)
            n = break_at - pos;
        char h[40];
        snprintf(h, sizeof h, "\r\n+FTPGET: 2,%lu\r\n", (unsigned long)n);
        fsp_modem_say(h);
        fsp_modem_say_bytes(file + pos, n);
        fsp_modem_say("\r\nOK\r\n");
        pos += n;
        if (pos == file_size) {
            session_open = false;
            fsp_modem_say("\r\n+FTPGET: 1,0\r\n");
        }
    } else if (strcmp(l, "AT+FTPQUIT") == 0) {
        fsp_modem_say(session_open ? "\r\nOK\r\n\r\n+FTPGET: 1,86\r\n" : "\r\nOK\r\n");
        session_open = false;
    } else {
        fsp_modem_say("\r\nOK\r\n");
    }
}

static void ftp_reset(void)
{
    fsp_reset();
    sms_init();
    fsp_modem_handler = ftp_modem;
    session_open = false;
    rest = pos = 0;
    break_at = 0;
    size_error = 0;
    sizes = opens = 0;
    file_size = FILE_SIZE;
    uint32_t x = 12345;
    for (uint32_t i = 0; i < FILE_SIZE; i++) {
        x = x * 1103515245u + 12345u;
        file[i] = (uint8_t)(x >> 16);
    }
    g_settings.mode = MODE_FTP;
    strcpy(g_settings.ftp_host, "127.0.0.1");
    g_settings.ftp_port = 2121;
    strcpy(g_settings.ftp_user, "anonymous");
    strcpy(g_settings.ftp_path, "/fw/image.bin");
}

static void send_frame(uint8_t cmd, const uint8_t *payload, size_t len)
{
    uint8_t f[600];
    size_t n = ftp_build_frame(cmd, payload, len, f);
    CHECK(ftp_serial_packet(f, n));
}

static void get(uint32_t offset, int length)
{
    uint8_t p[6] = {(uint8_t)(offset >> 24), (uint8_t)(offset >> 16), (uint8_t)(offset >> 8),
                    (uint8_t)offset, (uint8_t)(length >> 8), (uint8_t)length};
    send_frame(FTP_GET, p, length < 0 ? 4 : 6);
}

static void run_frames(int n)
{
    for (int i = 0; i < n; i++)
        ftp_task();
}

/* The next reply frame on the serial port: its cmd, payload into p, length; -1 if none. */
static size_t taken;
static int reply(uint8_t *p, size_t *len)
{
    if (taken + 7 > fsp_written_len)
        return -1;
    const uint8_t *f = fsp_written + taken;
    size_t n = (size_t)f[3] << 8 | f[4];
    if (f[0] != 0x55 || f[1] != 0xAA || taken + 7 + n > fsp_written_len)
        return -2;
    if (ftp_crc16(f + 2, n + 3) != ((uint16_t)f[5 + n] << 8 | f[6 + n]))
        return -3;
    memcpy(p, f + 5, n);
    *len = n;
    taken += 7 + n;
    return f[2];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool is_nak(uint8_t cmd, uint8_t code, uint8_t detail)
{
    uint8_t p[600];
    size_t n;
    return reply(p, &n) == FTP_NAK && n == 3 && p[0] == cmd && p[1] == code && p[2] == detail;
}

static void test_session(void)
{
    ftp_reset();
    taken = 0;
    send_frame(FTP_START, NULL, 0);
    run_frames(1);
    uint8_t p[600];
    size_t n;
    CHECK(reply(p, &n) == FTP_INFO && n == 8);
    CHECK(be32(p) == FILE_SIZE);
    CHECK(be32(p + 4) == crc32_update(0, file, FILE_SIZE));
    CHECK(strstr(fsp_commands, "AT+FTPSERV=\"127.0.0.1\"\nAT+FTPPORT=2121\nAT+FTPUN=\"anonymous\"\n"
                               "AT+FTPPW=\"\"\nAT+FTPMODE=1\nAT+FTPTYPE=\"I\"\n"
                               "AT+FTPGETPATH=\"/fw\"\nAT+FTPGETNAME=\"image.bin\"\nAT+FTPSIZE\n") != NULL);
    CHECK(sizes == 1 && opens == 1);

    /* GETs from the window: 8 pipelined in one packet */
    uint8_t many[8 * 13];
    size_t k = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t q[4] = {0, 0, (uint8_t)i, 0};
        k += ftp_build_frame(FTP_GET, q, 4, many + k);
    }
    CHECK(ftp_serial_packet(many, k));
    run_frames(8);
    for (int i = 0; i < 8; i++) {
        CHECK(reply(p, &n) == FTP_DATA && n == 260 && be32(p) == (uint32_t)i * 256 &&
              memcmp(p + 4, file + i * 256, 256) == 0);
    }
    CHECK(opens == 1);

    /* a GET outside the 64 KiB window fetches a new window at its offset */
    fsp_commands[0] = 0;
    get(100000, 16);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_DATA && n == 20 && be32(p) == 100000 &&
          memcmp(p + 4, file + 100000, 16) == 0);
    CHECK(strstr(fsp_commands, "AT+FTPREST=100000\n") != NULL);
    CHECK(opens == 2);
    get(FILE_SIZE - 1, 1); /* the window's last byte: no fetch */
    run_frames(1);
    CHECK(reply(p, &n) == FTP_DATA && n == 5 && p[4] == file[FILE_SIZE - 1]);
    CHECK(opens == 2);

    /* the end of the file: fewer bytes */
    get(FILE_SIZE - 10, -1);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_DATA && n == 14 && memcmp(p + 4, file + FILE_SIZE - 10, 10) == 0);

    /* NAKs */
    get(FILE_SIZE, 16);
    run_frames(1);
    CHECK(is_nak(FTP_GET, FTP_PAST_END, 0));
    get(0, 0);
    run_frames(1);
    CHECK(is_nak(FTP_GET, FTP_BAD_LENGTH, 0));
    get(0, 257);
    run_frames(1);
    CHECK(is_nak(FTP_GET, FTP_BAD_LENGTH, 0));
    uint8_t five[5] = {0};
    send_frame(FTP_GET, five, 5);
    run_frames(1);
    CHECK(is_nak(FTP_GET, FTP_BAD_LENGTH, 0));
    uint8_t bad[] = {0x55, 0xAA, 0x02, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x2B, 0x1B};
    CHECK(ftp_serial_packet(bad, sizeof bad));
    run_frames(1);
    CHECK(is_nak(FTP_GET, FTP_BAD_CRC, 0));
    send_frame(0x09, NULL, 0); /* unknown, FTP mode */
    run_frames(1);
    CHECK(is_nak(0x09, FTP_UNKNOWN_COMMAND, 0));
    send_frame(FTP_END, five, 1);
    run_frames(1);
    CHECK(is_nak(FTP_END, FTP_BAD_LENGTH, 0));

    /* END, then GET has no session; END again is still ACKed */
    send_frame(FTP_END, NULL, 0);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_ACK && n == 1 && p[0] == FTP_END);
    get(0, 16);
    run_frames(1);
    CHECK(is_nak(FTP_GET, FTP_NO_SESSION, 0));
    send_frame(FTP_END, NULL, 0);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_ACK);
    CHECK(reply(p, &n) == -1);
}

static void test_failures(void)
{
    uint8_t p[600];
    size_t n;
    ftp_reset();
    taken = 0;
    /* a broken download resumes at the first missing byte */
    break_at = 30000;
    send_frame(FTP_START, NULL, 0);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_INFO && be32(p) == FILE_SIZE &&
          be32(p + 4) == crc32_update(0, file, FILE_SIZE));
    CHECK(strstr(fsp_commands, "AT+FTPREST=30000\n") != NULL);
    CHECK(opens == 2);
    get(29990, 20);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_DATA && n == 24 && memcmp(p + 4, file + 29990, 20) == 0);

    /* the server refuses the file: NAK 06 with the modem's code; the session stays */
    size_error = 77;
    uint8_t url[] = "ftp://h/missing.bin";
    send_frame(FTP_START, url, sizeof url - 1);
    run_frames(1);
    CHECK(is_nak(FTP_START, FTP_FAILED, 77));
    get(5, 3);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_DATA && n == 7 && memcmp(p + 4, file + 5, 3) == 0);

    /* bad sources */
    uint8_t http[] = "http://h/f";
    send_frame(FTP_START, http, sizeof http - 1);
    run_frames(1);
    CHECK(is_nak(FTP_START, FTP_BAD_SOURCE, 0));
    g_settings.ftp_path[0] = 0;
    send_frame(FTP_START, NULL, 0);
    run_frames(1);
    CHECK(is_nak(FTP_START, FTP_BAD_SOURCE, 0));

    /* no GPRS: START waits (the loop goes on), up to 60 s, then tries anyway */
    strcpy(g_settings.ftp_path, "/fw/image.bin");
    size_error = 0;
    fsp_gprs = false;
    send_frame(FTP_START, NULL, 0);
    run_frames(3);
    CHECK(reply(p, &n) == -1);
    host_advance(60001);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_INFO);

    /* a file of 0 bytes */
    fsp_gprs = true;
    file_size = 0;
    send_frame(FTP_START, NULL, 0);
    run_frames(1);
    CHECK(reply(p, &n) == FTP_INFO && be32(p) == 0 && be32(p + 4) == 0);
    get(0, 1);
    run_frames(1);
    CHECK(is_nak(FTP_GET, FTP_PAST_END, 0));
}

static void test_recognition(void)
{
    uint8_t p[600];
    size_t n;
    ftp_reset();
    taken = 0;
    g_settings.mode = MODE_NET;
    /* ordinary data is not protocol, binary pile data that looks like frames neither: a
     * GET with no download, END, a bad CRC, an unknown command, a length > 512 - none
     * answered (behaviour.md R-FTP-1) */
    CHECK(!ftp_serial_packet((const uint8_t *)"hello", 5));
    const uint8_t odd[] = {0x55, 0xAA, 0x07, 0x00, 0x00};
    CHECK(!ftp_serial_packet(odd, sizeof odd));
    const uint8_t big[] = {0x55, 0xAA, 0x01, 0x02, 0x01};
    CHECK(!ftp_serial_packet(big, sizeof big));
    const uint8_t pile[] = {0x55, 0xAA, 0x02, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x2B, 0x1A,
                            0x10, 0x20};
    CHECK(!ftp_serial_packet(pile, sizeof pile));
    uint8_t pkt[64];
    size_t k = ftp_build_frame(FTP_END, NULL, 0, pkt);
    CHECK(!ftp_serial_packet(pkt, k));
    uint8_t bad[64];
    size_t kb = ftp_build_frame(FTP_START, NULL, 0, bad);
    bad[kb - 1] ^= 0x01;
    CHECK(!ftp_serial_packet(bad, kb));
    run_frames(2);
    CHECK(reply(p, &n) == -1); /* nothing answered */

    /* START begins a download: its GETs and END are frames, data after a frame goes on */
    size_t ks = ftp_build_frame(FTP_START, NULL, 0, pkt);
    memcpy(pkt + ks, "tail", 4);
    CHECK(ftp_serial_packet(pkt, ks + 4));
    CHECK(fsp_packets_len == 5 && memcmp(fsp_packets, "tail|", 5) == 0);
    run_frames(3);
    CHECK(reply(p, &n) == FTP_INFO);
    CHECK(ftp_serial_packet(pile, sizeof pile)); /* now a GET, "10 20" after it is data */
    run_frames(1);
    CHECK(reply(p, &n) == FTP_DATA && be32(p) == 0x100);
    CHECK(fsp_packets_len == 8 && memcmp(fsp_packets + 5, "\x10\x20|", 3) == 0);
    k = ftp_build_frame(FTP_END, NULL, 0, pkt);
    /* a frame split over packets is reassembled */
    CHECK(ftp_serial_packet(pkt, 3));
    CHECK(ftp_serial_packet(pkt + 3, k - 3));
    run_frames(1);
    CHECK(reply(p, &n) == FTP_ACK);
    CHECK(!ftp_serial_packet(pile, sizeof pile)); /* the download is over: data again */
    /* a START fragment nobody completes: after 3 s it is ordinary data (NET mode) */
    fsp_packets_len = 0;
    k = ftp_build_frame(FTP_START, NULL, 0, pkt);
    CHECK(ftp_serial_packet(pkt, 4));
    host_advance(2999);
    run_frames(1);
    CHECK(fsp_packets_len == 0);
    host_advance(1);
    run_frames(1);
    CHECK(fsp_packets_len == 5 && memcmp(fsp_packets, pkt, 4) == 0);

    /* FTP mode: bytes outside frames are skipped; a length > 512 gets NAK 02 */
    g_settings.mode = MODE_FTP;
    fsp_packets_len = 0;
    uint8_t junk[64];
    memcpy(junk, "xyz\x55", 4);
    k = 4 + ftp_build_frame(FTP_END, NULL, 0, junk + 4);
    CHECK(ftp_serial_packet(junk, k));
    run_frames(2);
    CHECK(reply(p, &n) == FTP_ACK);
    CHECK(ftp_serial_packet((const uint8_t *)"garbage", 7));
    CHECK(ftp_serial_packet(big, sizeof big));
    run_frames(1);
    CHECK(is_nak(FTP_START, FTP_BAD_LENGTH, 0));
    CHECK(fsp_packets_len == 0);
    /* a fragment in FTP mode is dropped after 3 s */
    ftp_build_frame(FTP_END, NULL, 0, pkt);
    CHECK(ftp_serial_packet(pkt, 4));
    host_advance(3000);
    run_frames(1);
    CHECK(fsp_packets_len == 0);
    CHECK(ftp_serial_packet(pkt, k - 4)); /* a whole frame again works */
    run_frames(1);
    CHECK(reply(p, &n) == FTP_ACK);
}

int main(void)
{
    test_frames();
    test_url();
    test_session();
    test_failures();
    test_recognition();
    return unit_done("test_ftp");
}
