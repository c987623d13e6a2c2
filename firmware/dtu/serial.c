/* The RS232 port to the host (the twin is dtu/serial_port.py; docs/usr721.md
 * "Framing" and "Entering and leaving command mode"; R-AT-1, R-AT-2, R-NET-5).
 *
 * serial_poll (called from dtu_background, also inside modem waits) only reads
 * the host's bytes, keeps the time, runs the +++ escape (answering 'a' and
 * "+ok" at once) and queues: finished transparent packets, or command-mode
 * input. serial_task (main loop only) hands the packets to dtu_serial_packet
 * and runs the command lines.
 *
 * The escape: after >= 200 ms of silence a '+' starts it; the other two may
 * follow in pieces, each within 200 ms. "+++" alone (nothing else within
 * BURST_MS, so "+++x" sent in one write is data) is answered 'a'; the host's
 * single 'a' within 3 s (again nothing after it within BURST_MS) is answered
 * "+ok" and the port is in command mode. Anything else turns the "+"s and what
 * followed into ordinary data. In AT work mode every byte is command input. */
#include <string.h>

#include "at.h"
#include "dtu.h"
#include "hal.h"
#include "settings.h"

#define GUARD_MS 200u    /* T1, and the most between the pieces of "+++" */
#define CONFIRM_MS 3000u /* T5: the host's 'a' */
#define BURST_MS 20u     /* bytes closer than this belong to one write of the host */
#define PACKETS_SIZE 16384u
#define INPUT_SIZE 4096u

typedef struct {
    uint8_t *buf;
    size_t size, head, count;
} ring_t;

static uint8_t packets_buf[PACKETS_SIZE], input_buf[INPUT_SIZE], held_buf[DTU_HELD_LIMIT];
static ring_t packets = {packets_buf, PACKETS_SIZE, 0, 0}; /* u16 length, then the bytes */
static ring_t input = {input_buf, INPUT_SIZE, 0, 0};       /* command-mode input */
static ring_t held = {held_buf, DTU_HELD_LIMIT, 0, 0};       /* for the host, after AT+ENTM */

enum escape { ESC_NONE, ESC_PLUS, ESC_BURST, ESC_CONFIRM, ESC_CONFIRM_BURST };

static bool echo, command_mode, in_session, heard;
static uint32_t last_rx, escape_at;
static enum escape escape;
static unsigned pluses;
static uint8_t packet[DTU_PACK_LEN_MAX];
static size_t packet_len;
static char line[DTU_LINE_MAX + 2];
static size_t line_len;

/* ---- rings ----------------------------------------------------------------------- */

static void ring_put(ring_t *r, uint8_t b) /* the oldest byte goes when full */
{
    if (r->count == r->size) {
        r->head = (r->head + 1) % r->size;
        r->count--;
    }
    r->buf[(r->head + r->count) % r->size] = b;
    r->count++;
}

static int ring_get(ring_t *r)
{
    if (!r->count)
        return -1;
    uint8_t b = r->buf[r->head];
    r->head = (r->head + 1) % r->size;
    r->count--;
    return b;
}

static void ring_clear(ring_t *r) { r->head = r->count = 0; }

static size_t packet_take(uint8_t *out) /* the oldest queued packet (its length, 0: none) */
{
    if (packets.count < 2)
        return 0;
    size_t len = (size_t)ring_get(&packets) << 8;
    len |= (size_t)ring_get(&packets);
    for (size_t i = 0; i < len; i++) {
        int b = ring_get(&packets);
        if (out)
            out[i] = (uint8_t)b;
    }
    return len;
}

/* ---- transparent data -------------------------------------------------------------- */

static void emit(void)
{
    if (!packet_len)
        return;
    while (PACKETS_SIZE - packets.count < packet_len + 2)
        packet_take(NULL); /* the oldest whole packets go first */
    ring_put(&packets, (uint8_t)(packet_len >> 8));
    ring_put(&packets, (uint8_t)packet_len);
    for (size_t i = 0; i < packet_len; i++)
        ring_put(&packets, packet[i]);
    packet_len = 0;
}

static void add(const char *bytes, size_t n)
{
    size_t limit = g_settings.pack_len;
    if (limit < 1 || limit > sizeof packet)
        limit = sizeof packet;
    for (size_t i = 0; i < n; i++) {
        packet[packet_len++] = (uint8_t)bytes[i];
        if (packet_len >= limit)
            emit();
    }
}

static void enter_command_mode(void)
{
    serial_write((const uint8_t *)"+ok", 3);
    command_mode = true;
    ring_clear(&input);
    line_len = 0;
}

static void transparent_byte(uint8_t b, uint32_t now, uint32_t silent)
{
    char c = (char)b;
    switch (escape) {
    case ESC_NONE:
        if (silent >= GUARD_MS && c == '+') {
            emit();
            escape = ESC_PLUS;
            pluses = 1;
            escape_at = now;
            return;
        }
        break;
    case ESC_PLUS:
        if (c == '+') {
            escape = ++pluses == 3 ? ESC_BURST : ESC_PLUS;
            escape_at = now;
            return;
        }
        add("++", pluses);
        break;
    case ESC_BURST:
        add("+++", 3);
        break;
    case ESC_CONFIRM:
        if (c == 'a') {
            escape = ESC_CONFIRM_BURST;
            escape_at = now;
            return;
        }
        add("+++", 3);
        break;
    case ESC_CONFIRM_BURST:
        add("+++a", 4);
        break;
    }
    escape = ESC_NONE;
    add(&c, 1);
}

static void timers(uint32_t now)
{
    uint32_t since = dtu_since(escape_at, now);
    switch (escape) {
    case ESC_NONE:
        if (packet_len && dtu_since(last_rx, now) >= g_settings.pack_time_ms)
            emit();
        break;
    case ESC_PLUS:
        if (since >= GUARD_MS) { /* "+" or "++" and silence: data */
            escape = ESC_NONE;
            add("++", pluses);
        }
        break;
    case ESC_BURST:
        if (since >= BURST_MS) {
            serial_write((const uint8_t *)"a", 1);
            escape = ESC_CONFIRM;
            escape_at = now;
        }
        break;
    case ESC_CONFIRM:
        if (since >= CONFIRM_MS) { /* not confirmed: "+++" is data */
            escape = ESC_NONE;
            add("+++", 3);
            emit();
        }
        break;
    case ESC_CONFIRM_BURST:
        if (since >= BURST_MS) {
            escape = ESC_NONE;
            enter_command_mode();
        }
        break;
    }
}

static bool line_mode(void) { return command_mode || g_settings.mode == MODE_AT; }

void serial_poll(void)
{
    uint8_t buf[64];
    uint32_t now = hal_millis();
    if (!line_mode())
        timers(now);
    size_t n = hal_uart_read(PORT_RS232, buf, sizeof buf);
    for (size_t i = 0; i < n; i++) {
        uint32_t silent = heard ? dtu_since(last_rx, now) : UINT32_MAX;
        last_rx = now;
        heard = true;
        if (line_mode())
            ring_put(&input, buf[i]);
        else
            transparent_byte(buf[i], now, silent);
    }
}

/* ---- command mode ------------------------------------------------------------------ */

static void framed(void *ctx, const char *text)
{
    (void)ctx;
    serial_write((const uint8_t *)"\r\n", 2);
    serial_write((const uint8_t *)text, strlen(text));
    serial_write((const uint8_t *)"\r\n", 2);
}

static void flush_held(void)
{
    uint8_t chunk[128];
    while (held.count && !command_mode) {
        size_t n = 0;
        while (n < sizeof chunk && held.count)
            chunk[n++] = (uint8_t)ring_get(&held);
        serial_write(chunk, n);
    }
}

static void run_line(void)
{
    line[line_len] = 0;
    size_t n = line_len;
    line_len = 0;
    at_strip(line, &n);
    if (!n)
        return; /* an empty line gets no reply */
    in_session = true;
    at_execute(line, AT_FROM_SERIAL, framed, NULL);
    in_session = false;
    if (!command_mode)
        flush_held();
}

static void command_byte(uint8_t b)
{
    if (echo)
        serial_write(&b, 1);
    if (b == '\r')
        run_line();
    else if (b == 0x08) {
        if (line_len)
            line_len--;
    } else if (b != '\n' && line_len <= DTU_LINE_MAX) {
        line[line_len++] = (char)b; /* a 257th byte makes the line too long */
    }
}

void serial_task(void)
{
    static uint8_t data[DTU_PACK_LEN_MAX];
    size_t len;
    if (at_shutdown_due)
        dtu_shutdown();
    while ((len = packet_take(data)) > 0)
        dtu_serial_packet(data, len);
    while (line_mode() && input.count) {
        command_byte((uint8_t)ring_get(&input));
        if (!line_mode())
            ring_clear(&input); /* AT+ENTM: what the host typed after it is gone */
    }
}

/* ---- the API ------------------------------------------------------------------------ */

void serial_init(void)
{
    echo = true;
    command_mode = in_session = heard = false;
    escape = ESC_NONE;
    packet_len = line_len = 0;
    ring_clear(&packets);
    ring_clear(&input);
    ring_clear(&held);
}

void serial_write(const uint8_t *data, size_t len) { hal_uart_write(PORT_RS232, data, len); }

void serial_deliver(const uint8_t *data, size_t len)
{
    if (!command_mode) {
        serial_write(data, len);
        return;
    }
    for (size_t i = 0; i < len; i++)
        ring_put(&held, data[i]); /* beyond 15 KB the oldest bytes go */
}

bool serial_command_mode(void) { return command_mode; }

uint32_t serial_idle_ms(void) { return heard ? dtu_since(last_rx, hal_millis()) : hal_millis(); }

bool serial_in_session(void) { return in_session; }

void serial_set_echo(bool on) { echo = on; }

void serial_leave_command_mode(void)
{
    command_mode = false;
    net_apply_settings();
}

void serial_read_exact(uint8_t *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        int b = ring_get(&input);
        if (b >= 0) {
            buf[got++] = (uint8_t)b;
            continue;
        }
        dtu_background();
        hal_idle();
    }
}

int serial_read_until_ctrl_z(uint8_t *buf, size_t max)
{
    size_t n = 0;
    for (;;) {
        int b = ring_get(&input);
        if (b < 0) {
            dtu_background();
            hal_idle();
        } else if (b == 0x1A) {
            return (int)n;
        } else if (b == 0x1B) {
            return -1;
        } else if (n < max) {
            buf[n++] = (uint8_t)b;
        }
    }
}
