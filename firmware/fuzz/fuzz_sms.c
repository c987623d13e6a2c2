/* libFuzzer harness: the SMS text decoding of sms.c (the firmware keeps the
 * modem in UCS2 text mode, AT+CMGF=1 and AT+CSCS="UCS2": it has no PDU codec)
 * and an incoming SMS read with AT+CMGR from whatever the modem answers
 * (docs/fuzzing.md "sms").
 *
 * Input: one byte (bit 0: SMS commands on, AT+CISMSAT; bit 1: SMS work mode),
 * then a text, then 0xFF and the modem's whole answer to AT+CMGR=1 (its
 * information lines and final, as bytes on the modem's UART).
 * Properties, besides no sanitizer report:
 *   - UTF-8 → code points → UCS2 hex → UTF-8 → code points gives the same code
 *     points, and valid UTF-8 (no U+FFFD) comes back byte for byte;
 *   - sms_text_from_modem never writes past its buffer and decodes what
 *     sms_ucs2_hex made back to the text;
 *   - a "<pw>#AT..." shape lies inside the text and starts its command with "AT";
 *   - reading the SMS hands on no more than one SMS's text. */
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
        fprintf(stderr, "fuzz_sms: " __VA_ARGS__);                                                 \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

#define TEXT_MAX 1024

static void check_coding(const uint8_t *text, size_t len)
{
    static uint32_t cps[TEXT_MAX], again[TEXT_MAX];
    static char hex[TEXT_MAX * 8 + 1];
    static uint8_t utf8[TEXT_MAX * 4 + 1];
    size_t n = sms_utf8_decode(text, len, cps, TEXT_MAX);
    if (n > len)
        FAIL("%zu code points from %zu bytes", n, len);
    size_t h = sms_ucs2_hex(cps, n, hex, sizeof hex);
    if (n && (h < 4 * n || h % 4 || hex[h]))
        FAIL("%zu code points gave %zu hex digits", n, h);
    int u = sms_ucs2_hex_to_utf8(hex, h, utf8, sizeof utf8);
    if (u < 0)
        FAIL("sms_ucs2_hex_to_utf8 refused what sms_ucs2_hex made");
    size_t m = sms_utf8_decode(utf8, (size_t)u, again, TEXT_MAX);
    if (m != n || memcmp(again, cps, n * sizeof cps[0]) != 0)
        FAIL("the code points did not survive UCS2 and UTF-8");
    bool replaced = false;
    for (size_t i = 0; i < n; i++)
        replaced |= cps[i] == 0xFFFD;
    if (!replaced && n == (size_t)(m) && len <= TEXT_MAX &&
        ((size_t)u != len || memcmp(utf8, text, len) != 0))
        FAIL("valid UTF-8 did not come back byte for byte");
    static uint8_t out[TEXT_MAX * 4 + 1];
    if (sms_text_from_modem(hex, h, out, sizeof out) != (size_t)u || memcmp(out, utf8, (size_t)u))
        FAIL("sms_text_from_modem did not decode UCS2 hex");
    uint8_t small[16];
    if (sms_text_from_modem((const char *)text, len, small, sizeof small) > sizeof small)
        FAIL("sms_text_from_modem wrote past its buffer");
    size_t start, cmd_len;
    if (sms_password_shape((const char *)text, len, &start, &cmd_len)) {
        if (start + cmd_len > len)
            FAIL("the password command lies outside the text");
        const char *hash = memchr(text + start, '#', cmd_len);
        if (!hash || (size_t)(hash - (const char *)text) + 3 > start + cmd_len ||
            (hash[1] | 0x20) != 'a' || (hash[2] | 0x20) != 't')
            FAIL("a password command without \"#AT\"");
    }
}

static const uint8_t *answer;
static size_t answer_len;

static void sms_modem(const char *line)
{
    if (strncmp(line, "AT+CMGR=", 8) == 0)
        fsp_modem_say_bytes(answer, answer_len);
    else
        fsp_modem_say("\r\nOK\r\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    data++;
    size--;
    const uint8_t *sep = memchr(data, 0xFF, size);
    size_t text_len = sep ? (size_t)(sep - data) : size;
    check_coding(data, text_len);
    if (!sep)
        return 0;
    answer = sep + 1;
    answer_len = size - text_len - 1;

    fsp_reset();
    sms_init();
    g_settings.sms_at = flags & 1;
    g_settings.mode = (flags & 2) ? MODE_SMS : MODE_NET;
    fsp_modem_handler = sms_modem;
    sms_modem_setup();
    if (!sms_on_urc("+CMTI: \"SM\",1"))
        FAIL("+CMTI not taken");
    sms_task();
    for (int i = 0; i < 100; i++) {
        dtu_background();
        sms_task();
    }
    if (fsp_delivered_len > TEXT_MAX)
        FAIL("%zu bytes handed on from one SMS", fsp_delivered_len);
    return 0;
}
