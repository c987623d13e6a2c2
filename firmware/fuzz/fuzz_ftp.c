/* libFuzzer harness: the FTP download frames from the pile (ftp.c,
 * docs/ftp-protocol.md): reassembly and recognition in every work mode, the
 * START URL, the GET window, through the real modem driver to a small
 * scripted SIM800 FTP client (docs/fuzzing.md "ftp").
 *
 * Input: one byte (bit 0: FTP work mode, else NET; the rest: the remote file's
 * size in 97-byte steps), then serial packets "<gap> <n> <n bytes>" (the clock
 * moves <gap> x 16 ms, ftp_task runs, then the packet arrives). Each packet's
 * bytes also go to ftp_parse_url and ftp_front directly.
 * Properties, besides no sanitizer report:
 *   - everything written to the pile is a sequence of whole frames with a right
 *     CRC, each INFO, DATA, ACK or NAK;
 *   - a URL ftp_parse_url accepts gives a printable host and file name and a port;
 *   - afterwards an END closes the session: the next GET is refused NO_SESSION. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtu.h"
#include "fake_sms_peers.h"
#include "hal_host.h"
#include "services.h"
#include "settings.h"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "fuzz_ftp: " __VA_ARGS__);                                                 \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

/* ---- the modem's FTP client: a file of file_size bytes, pattern i*7 --------------------- */
static uint32_t file_size, pos, rest;
static bool open_;

static void ftp_modem(const char *l)
{
    char say[80];
    if (strcmp(l, "AT+SAPBR=2,1") == 0) {
        fsp_modem_say("\r\n+SAPBR: 1,1,\"10.78.245.128\"\r\n\r\nOK\r\n");
    } else if (strcmp(l, "AT+FTPSIZE") == 0) {
        snprintf(say, sizeof say, "\r\nOK\r\n\r\n+FTPSIZE: 1,0,%lu\r\n", (unsigned long)file_size);
        fsp_modem_say(say);
    } else if (strncmp(l, "AT+FTPREST=", 11) == 0) {
        rest = (uint32_t)strtoul(l + 11, NULL, 10);
        fsp_modem_say("\r\nOK\r\n");
    } else if (strcmp(l, "AT+FTPGET=1") == 0) {
        open_ = true;
        pos = rest;
        fsp_modem_say("\r\nOK\r\n\r\n+FTPGET: 1,1\r\n");
    } else if (strncmp(l, "AT+FTPGET=2,", 12) == 0 && open_) {
        uint32_t n = (uint32_t)strtoul(l + 12, NULL, 10);
        if (n > file_size - pos)
            n = file_size - pos;
        snprintf(say, sizeof say, "\r\n+FTPGET: 2,%lu\r\n", (unsigned long)n);
        fsp_modem_say(say);
        for (uint32_t i = 0; i < n; i++) {
            uint8_t b = (uint8_t)((pos + i) * 7);
            fsp_modem_say_bytes(&b, 1);
        }
        fsp_modem_say("\r\nOK\r\n");
        pos += n;
        if (pos == file_size) {
            open_ = false;
            fsp_modem_say("\r\n+FTPGET: 1,0\r\n");
        }
    } else if (strncmp(l, "AT+FTPGET=2,", 12) == 0) {
        fsp_modem_say("\r\n+CME ERROR: 3\r\n");
    } else {
        fsp_modem_say("\r\nOK\r\n");
    }
}

/* ---- checks ---------------------------------------------------------------------------------- */
static void check_frames(void)
{
    size_t at = 0;
    while (at < fsp_written_len) {
        const uint8_t *f = fsp_written + at;
        size_t left = fsp_written_len - at;
        if (left < FTP_OVERHEAD || f[0] != FTP_SYNC0 || f[1] != FTP_SYNC1)
            FAIL("byte %zu written to the pile does not start a frame", at);
        size_t size = (size_t)f[3] << 8 | f[4];
        if (left < FTP_OVERHEAD + size)
            FAIL("a frame of %zu bytes cut after %zu", FTP_OVERHEAD + size, left);
        if (f[2] != FTP_INFO && f[2] != FTP_DATA && f[2] != FTP_ACK && f[2] != FTP_NAK)
            FAIL("a reply frame 0x%02x", f[2]);
        if (ftp_crc16(f + 2, size + 3) != (uint16_t)(f[FTP_HEADER + size] << 8 | f[FTP_HEADER + size + 1]))
            FAIL("a reply frame 0x%02x with a wrong CRC", f[2]);
        at += FTP_OVERHEAD + size;
    }
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return false;
    return true;
}

static void check_url(const uint8_t *payload, size_t len)
{
    ftp_source_t src;
    if (len > FTP_MAX_PAYLOAD || ftp_parse_url(&src, payload, len) != 0)
        return;
    if (!src.host[0] || !src.name[0] || src.port == 0 || !printable(src.host) ||
        !printable(src.name) || !printable(src.folder))
        FAIL("ftp_parse_url accepted a source without a usable host, name or port");
}

static void run_for(uint32_t ms)
{
    for (uint32_t t = 0; t < ms; t += 16) {
        ftp_task();
        host_advance(16);
    }
    ftp_task();
}

static void packet(uint8_t cmd, const uint8_t *payload, size_t len)
{
    uint8_t f[FTP_OVERHEAD + 8];
    size_t n = ftp_build_frame(cmd, payload, len, f);
    ftp_serial_packet(f, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fsp_reset();
    sms_init();
    fsp_modem_handler = ftp_modem;
    file_size = (uint32_t)(data[0] >> 1) * 97u;
    pos = rest = 0;
    open_ = false;
    g_settings.mode = (data[0] & 1) ? MODE_FTP : MODE_NET;
    data++;
    size--;
    while (size >= 2) {
        size_t n = data[1] < size - 2 ? data[1] : size - 2;
        run_for((uint32_t)data[0] * 16u);
        check_url(data + 2, n);
        int front = ftp_front(data + 2, n, true);
        if (front != FTP_FRONT_DATA && front != FTP_FRONT_WAIT && front != FTP_FRONT_FRAME)
            FAIL("ftp_front gave %d", front);
        if (!ftp_serial_packet(data + 2, n) && front == FTP_FRONT_FRAME &&
            data[2 + 2] == FTP_START)
            FAIL("a whole START frame was taken for data");
        data += 2 + n;
        size -= 2 + n;
    }
    run_for(4000); /* the queue answered, a fragment given up */
    check_frames();

    /* back to no session, the same for every input */
    g_settings.mode = MODE_FTP;
    packet(FTP_END, NULL, 0);
    run_for(16);
    size_t before = fsp_written_len;
    const uint8_t get[4] = {0, 0, 0, 0};
    packet(FTP_GET, get, sizeof get);
    run_for(16);
    check_frames();
    const uint8_t *r = fsp_written + before;
    if (fsp_written_len - before != FTP_OVERHEAD + 3 || r[2] != FTP_NAK || r[5] != FTP_GET ||
        r[6] != FTP_NO_SESSION)
        FAIL("a GET after END was not refused NO_SESSION");
    return 0;
}
