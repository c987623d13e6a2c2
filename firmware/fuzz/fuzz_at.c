/* libFuzzer harness: the usr721 command line (at.c) and every command handler
 * (usr721.c) through at_execute, and the password commands of the network and
 * SMS through at_run_remote (docs/fuzzing.md "at").
 *
 * Input: one byte choosing the origin (serial, network, SMS) and the work
 * mode, then command lines separated by '\n'. The modules the commands use
 * (net.c, sms.c, modem.c, dtu.c) are the unit tests' doubles (tests/fake_peers.c).
 * Properties, besides no sanitizer report:
 *   - at_parse gives -1, 0, 1 or 2, and a stored name is upper case and fits;
 *   - at_split_args of a parsed SET's parameters holds at most AT_MAX_ARGS;
 *   - a command line from the serial port gets a reply whose last line is its
 *     final: true from at_execute means "OK" or "SEND OK", false anything else;
 *   - whatever a command accepted, the running settings stay valid
 *     (settings_valid): ATW would store a record that store_load refuses. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"
#include "dtu.h"
#include "fake_peers.h"
#include "hal_host.h"
#include "settings.h"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "fuzz_at: " __VA_ARGS__);                                                  \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

static char last[DTU_LINE_MAX * 4 + 64];
static int replies;

static void collect(void *ctx, const char *line)
{
    (void)ctx;
    replies++;
    snprintf(last, sizeof last, "%s", line);
}

/* strlen within cap bytes (cap if there is no NUL). */
static size_t bounded_len(const char *s, size_t cap)
{
    const char *z = memchr(s, 0, cap);
    return z ? (size_t)(z - s) : cap;
}

static void check_parse(const char *line, size_t len)
{
    if (len < 2 || toupper((unsigned char)line[0]) != 'A' || toupper((unsigned char)line[1]) != 'T')
        return;
    at_cmd_t cmd;
    int count = at_parse(line + 2, len - 2, &cmd);
    if (count < -1 || count > 2)
        FAIL("at_parse gave %d", count);
    if (count < 1)
        return;
    size_t n = bounded_len(cmd.name, sizeof cmd.name);
    if (n == sizeof cmd.name || n == 0)
        FAIL("at_parse stored a name of %zu bytes", n);
    for (size_t i = 0; i < n; i++)
        if (islower((unsigned char)cmd.name[i]))
            FAIL("at_parse stored the name \"%s\" not in upper case", cmd.name);
    if (bounded_len(cmd.raw, sizeof cmd.raw) == sizeof cmd.raw)
        FAIL("at_parse stored parameters without their end");
    at_args_t args;
    if (cmd.kind == AT_SET && at_split_args(cmd.raw, &args) && args.n > AT_MAX_ARGS)
        FAIL("at_split_args gave %d parameters", args.n);
}

static void run_line(const char *line, enum at_origin origin)
{
    replies = 0;
    last[0] = 0;
    if (origin == AT_FROM_SERIAL) {
        bool ok = at_execute(line, origin, collect, NULL);
        if (!replies)
            FAIL("\"%s\": no reply", line);
        bool final_ok = !strcmp(last, "OK") || !strcmp(last, "SEND OK");
        if (ok != final_ok)
            FAIL("\"%s\": at_execute gave %d but the last line is \"%s\"", line, ok, last);
    } else {
        at_run_remote(line, origin, collect, NULL);
    }
    if (!settings_valid(&g_settings))
        FAIL("\"%s\" left the running settings invalid", line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char line[2048];
    if (size < 1)
        return 0;
    host_reset();
    fp_reset();
    settings_factory(&g_settings);
    serial_init();
    at_shutdown_due = false;
    enum at_origin origin = (enum at_origin)(data[0] % 3);
    g_settings.mode = (uint8_t)(data[0] / 3 % DTU_MODE_COUNT);
    data++;
    size--;
    while (size) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t n = nl ? (size_t)(nl - data) : size;
        size_t keep = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, data, keep);
        line[keep] = 0;
        check_parse(line, strlen(line));
        run_line(line, origin);
        data += n + (nl ? 1 : 0);
        size -= n + (nl ? 1 : 0);
    }
    return 0;
}
