/* libFuzzer harness: the RS232 port (serial.c) as the pile drives it, in time:
 * the +++ escape, packing by time and length, command mode with echo,
 * backspace and over-long lines, the data prompts of AT+CISEND and AT+CMGS, and
 * the commands behind it (at.c, usr721.c) (docs/fuzzing.md "serial").
 *
 * Input: one byte choosing the work mode and the packing length, then chunks
 * "<gap> <n> <n bytes>": the clock moves <gap> (0..127 ms, or 128.. in steps of
 * 32 ms, up to 4 s: the escape's guard times) with the main loop running every
 * millisecond, then the host writes the n bytes at once (also while a command
 * waits for the host's data). Once the input is used, such a command gets Ctrl-Z bytes. The modules
 * behind the port are the unit tests' doubles (tests/fake_peers.c).
 * Properties, besides no sanitizer report: the packets handed on never hold
 * more bytes than the host wrote, and the running settings stay valid. */
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
        fprintf(stderr, "fuzz_serial: " __VA_ARGS__);                                              \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

/* The host: the chunks not yet written, and when the next one is due. */
static const uint8_t *chunks;
static size_t chunks_left, fed;
static uint32_t due;

static uint32_t gap_ms(uint8_t b) { return b < 128 ? b : (uint32_t)(b - 127) * 32; }

/* Write the chunks whose time has come; once the input is used, a command waiting for the
 * host's data gets Ctrl-Z (it ends AT+CMGS's text; any byte completes AT+CISEND's). Runs
 * from the main loop and from inside the firmware's waits (dtu_background). */
static void host_tick(bool waiting)
{
    while (chunks_left >= 2 && hal_millis() >= due) {
        size_t n = chunks[1] < chunks_left - 2 ? chunks[1] : chunks_left - 2;
        host_feed(PORT_RS232, chunks + 2, n);
        fed += n;
        chunks += 2 + n;
        chunks_left -= 2 + n;
        if (chunks_left >= 2)
            due = hal_millis() + gap_ms(chunks[0]);
    }
    if (chunks_left < 2 && waiting)
        host_feed(PORT_RS232, "\x1a", 1);
}

static void in_wait(void) { host_tick(true); }

static void pump(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        host_tick(false);
        serial_poll();
        serial_task();
        host_advance(1);
    }
    serial_poll();
    serial_task();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    host_reset();
    fp_reset();
    settings_factory(&g_settings);
    serial_init();
    at_shutdown_due = false;
    host_set_millis(10000);
    fp_background_hook = in_wait;
    g_settings.mode = (uint8_t)(data[0] % DTU_MODE_COUNT);
    if (data[0] >= 128) /* short packets: the length limit cuts them */
        g_settings.pack_len = (uint16_t)(1 + data[0] % 16);
    chunks = data + 1;
    chunks_left = size - 1;
    fed = 0;
    due = hal_millis() + (chunks_left ? gap_ms(chunks[0]) : 0);
    while (chunks_left >= 2)
        pump(1);
    pump(4000); /* every timer runs out: packets sent, an escape given up */
    size_t packet_bytes = fp_packets_len - (size_t)fp_packet_count; /* each is followed by '|' */
    if (fp_packets_len + DTU_PACK_LEN_MAX + 1 < sizeof fp_packets && packet_bytes > fed)
        FAIL("%zu bytes handed on as packets, the host wrote %zu", packet_bytes, fed);
    if (!settings_valid(&g_settings))
        FAIL("the running settings are invalid");
    return 0;
}
