/* libFuzzer harness: the RS232 port (serial.c) as the pile drives it, in time:
 * the +++ escape, packing by time and length, command mode with echo,
 * backspace and over-long lines, the data prompts of AT+CISEND and AT+CMGS, and
 * the commands behind it (at.c, usr721.c) (docs/fuzzing.md "serial").
 *
 * Input: one byte choosing the work mode and the packing length, then chunks
 * "<gap> <n> <n bytes>": the clock moves <gap> (0..127 ms, or 128.. in steps of
 * 32 ms, up to 4 s: the escape's guard times) with the main loop running every
 * millisecond, then the host writes the n bytes at once. Once the input is
 * used, a command waiting for the host's data gets Ctrl-Z bytes. The modules
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

static bool input_done;

/* The host's answer to a prompt once the input is over: Ctrl-Z ends AT+CMGS's
 * text, and any bytes complete AT+CISEND's. */
static void host_after_input(void)
{
    if (input_done)
        host_feed(PORT_RS232, "\x1a", 1);
}

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
    input_done = false;
    fp_background_hook = host_after_input;
    g_settings.mode = (uint8_t)(data[0] % DTU_MODE_COUNT);
    if (data[0] >= 128) /* short packets: the length limit cuts them */
        g_settings.pack_len = (uint16_t)(1 + data[0] % 16);
    data++;
    size--;
    size_t fed = 0;
    while (size >= 2) {
        uint32_t gap = data[0] < 128 ? data[0] : (uint32_t)(data[0] - 127) * 32;
        size_t n = data[1] < size - 2 ? data[1] : size - 2;
        pump(gap);
        host_feed(PORT_RS232, data + 2, n);
        fed += n;
        data += 2 + n;
        size -= 2 + n;
    }
    input_done = true;
    pump(4000); /* every timer runs out: packets sent, an escape given up */
    size_t packet_bytes = fp_packets_len - (size_t)fp_packet_count; /* each is followed by '|' */
    if (fp_packets_len + DTU_PACK_LEN_MAX + 1 < sizeof fp_packets && packet_bytes > fed)
        FAIL("%zu bytes handed on as packets, the host wrote %zu", packet_bytes, fed);
    if (!settings_valid(&g_settings))
        FAIL("the running settings are invalid");
    return 0;
}
