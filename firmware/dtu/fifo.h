/* A byte FIFO that remembers packet boundaries, for a socket's queue of serial
 * packets while it is down (R-NET-2, dtu/sockets.py put/_consume): FIFO_CAP
 * bytes at most; beyond that the oldest bytes are dropped (the newest part of
 * a partly dropped packet stays, as a packet of its own) and counted. Data is
 * never reordered or duplicated; it leaves only through fifo_consume. */
#ifndef FIFO_H
#define FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtu.h"

#define FIFO_CAP DTU_BUFFER_LIMIT

typedef struct {
    uint8_t data[FIFO_CAP];
    uint8_t starts[(FIFO_CAP + 7) / 8]; /* bit i: a packet starts at data[i] */
    size_t head;                        /* index of the oldest byte */
    size_t len;                         /* bytes queued */
    uint32_t dropped;                   /* bytes dropped on overflow since fifo_init */
} fifo_t;

void fifo_init(fifo_t *f);
/* Queue one packet (empty packets are ignored). */
void fifo_put(fifo_t *f, const uint8_t *data, size_t len);
static inline size_t fifo_len(const fifo_t *f) { return f->len; }
/* Copy the oldest bytes into out without removing them: at most max bytes, and
 * with whole_stream false no further than the end of the oldest packet.
 * Returns how many were copied. */
size_t fifo_peek(const fifo_t *f, uint8_t *out, size_t max, bool whole_stream);
/* Remove the n oldest bytes (what was sent); the rest of a partly consumed
 * packet stays a packet. */
void fifo_consume(fifo_t *f, size_t n);
/* Forget everything queued (not counted as dropped). */
void fifo_clear(fifo_t *f);

#endif
