/* The per-socket packet FIFO (fifo.h). */
#include "fifo.h"

#include <string.h>

static void set_start(fifo_t *f, size_t i, bool on)
{
    if (on)
        f->starts[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        f->starts[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static bool is_start(const fifo_t *f, size_t i) { return (f->starts[i / 8] >> (i % 8)) & 1u; }

void fifo_init(fifo_t *f)
{
    f->head = 0;
    f->len = 0;
    f->dropped = 0;
    memset(f->starts, 0, sizeof f->starts);
}

void fifo_clear(fifo_t *f)
{
    f->head = 0;
    f->len = 0;
}

static void drop_oldest(fifo_t *f, size_t n)
{
    if (n > f->len)
        n = f->len;
    f->head = (f->head + n) % FIFO_CAP;
    f->len -= n;
    if (f->len)
        set_start(f, f->head, true); /* the rest of a cut packet is a packet */
    else
        f->head = 0;
}

void fifo_put(fifo_t *f, const uint8_t *data, size_t len)
{
    if (!len)
        return;
    if (len > FIFO_CAP) { /* only the newest FIFO_CAP bytes of it can stay */
        f->dropped += (uint32_t)(len - FIFO_CAP);
        data += len - FIFO_CAP;
        len = FIFO_CAP;
    }
    if (f->len + len > FIFO_CAP) {
        size_t excess = f->len + len - FIFO_CAP;
        f->dropped += (uint32_t)excess;
        drop_oldest(f, excess);
    }
    size_t tail = (f->head + f->len) % FIFO_CAP;
    for (size_t i = 0; i < len; i++) {
        size_t at = (tail + i) % FIFO_CAP;
        f->data[at] = data[i];
        set_start(f, at, i == 0);
    }
    f->len += len;
}

size_t fifo_peek(const fifo_t *f, uint8_t *out, size_t max, bool whole_stream)
{
    size_t n = 0;
    while (n < max && n < f->len) {
        size_t at = (f->head + n) % FIFO_CAP;
        if (n > 0 && !whole_stream && is_start(f, at))
            break;
        out[n++] = f->data[at];
    }
    return n;
}

void fifo_consume(fifo_t *f, size_t n) { drop_oldest(f, n); }
