/* Power-safe settings storage in the EEPROM (R-AT-7, R-PWR-1; the reference
 * twin is dtu/store.py, the layout is store.h's).
 *
 * Two slots, A at 0x000 and B at 0x800. Each slot is a 32-byte header page
 *   "DTUS" | seq u32 BE | length u16 BE | crc32 u32 BE | 0xFF padding
 * followed by the payload pages: the settings_t record byte for byte. The CRC
 * (zlib's CRC-32) covers seq, length and payload. store_save writes the slot
 * that does not hold the newest valid record, payload first and the header
 * page last, so a cut between (or inside) any two page transactions leaves the
 * old record or the new one valid, never a mixture. store_load takes the valid
 * record (magic, length == sizeof(settings_t), CRC, settings_valid) with the
 * later sequence number, or the factory settings. The number wraps after
 * 0xFFFFFFFF: "later" is serial-number arithmetic (RFC 1982), so the record
 * saved after seq 0xFFFFFFFF (seq 0) is still the one loaded.
 *
 * STORE_UNSAFE (make UNSAFE_STORE=1): a deliberately broken build for the
 * fault-injection campaign (issue 6). It writes one copy in place, always in
 * slot A, header first and payload after it: a power cut between the two
 * leaves a header whose CRC does not match the payload, and the DTU comes back
 * with factory settings. Never ship it. */
#include "store.h"

#include <string.h>

#include "crc32.h"
#include "hal.h"

#define SLOT_A 0x000u
#define SLOT_B 0x800u
#define SLOT_SIZE 0x800u
#define HEADER_LEN 14u

_Static_assert(sizeof(settings_t) <= SLOT_SIZE - HAL_EEPROM_PAGE, "settings_t does not fit a slot");

static void put_be(uint8_t *p, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint32_t get_be(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Sequence number a is later than b (RFC 1982 on 32 bits: the counter wraps). */
static bool seq_later(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d != 0 && d < 0x80000000u;
}

static uint32_t record_crc(uint32_t seq, const settings_t *s)
{
    uint8_t head[6];
    put_be(head, seq, 4);
    put_be(head + 4, sizeof *s, 2);
    uint32_t crc = crc32_update(0, head, sizeof head);
    return crc32_update(crc, (const uint8_t *)s, sizeof *s);
}

/* The record in the slot at `base` into *s; false if it is not valid. */
static bool read_slot(uint16_t base, settings_t *s, uint32_t *seq)
{
    uint8_t h[HEADER_LEN];
    if (!hal_eeprom_read(base, h, sizeof h) || memcmp(h, "DTUS", 4) != 0)
        return false;
    *seq = get_be(h + 4, 4);
    if (get_be(h + 8, 2) != sizeof *s)
        return false;
    if (!hal_eeprom_read((uint16_t)(base + HAL_EEPROM_PAGE), (uint8_t *)s, sizeof *s))
        return false;
    return record_crc(*seq, s) == get_be(h + 10, 4) && settings_valid(s);
}

static settings_t scratch; /* a slot being read (static: too big for a small stack) */

/* Which slot holds the newest valid record, the later sequence number (-1: none),
 * copied into *s if s != NULL. */
static int newest(settings_t *s, uint32_t *seq)
{
    static const uint16_t bases[2] = {SLOT_A, SLOT_B};
    int best = -1;
    for (int i = 0; i < 2; i++) {
        uint32_t q;
        if (!read_slot(bases[i], &scratch, &q) || (best >= 0 && !seq_later(q, *seq)))
            continue;
        best = i;
        *seq = q;
        if (s)
            memcpy(s, &scratch, sizeof *s);
    }
    return best;
}

bool store_load(settings_t *s)
{
    uint32_t seq = 0;
    if (newest(s, &seq) >= 0)
        return true;
    settings_factory(s);
    return false;
}

static bool write_header(uint16_t base, uint32_t seq, uint32_t crc)
{
    uint8_t page[HAL_EEPROM_PAGE];
    memset(page, 0xFF, sizeof page);
    memcpy(page, "DTUS", 4);
    put_be(page + 4, seq, 4);
    put_be(page + 8, sizeof(settings_t), 2);
    put_be(page + 10, crc, 4);
    return hal_eeprom_write(base, page, sizeof page);
}

bool store_save(const settings_t *s)
{
    static settings_t record; /* a copy: *s may be g_settings, changed by nobody meanwhile */
    memcpy(&record, s, sizeof record);
    uint32_t seq = 0;
    int slot = newest(NULL, &seq);
    seq = slot >= 0 ? seq + 1 : 1;
    uint32_t crc = record_crc(seq, &record);
    const uint8_t *payload = (const uint8_t *)&record;
#ifdef STORE_UNSAFE
    return write_header(SLOT_A, seq, crc) &&
           hal_eeprom_write(SLOT_A + HAL_EEPROM_PAGE, payload, sizeof record);
#else
    uint16_t base = slot == 0 ? SLOT_B : SLOT_A;
    return hal_eeprom_write((uint16_t)(base + HAL_EEPROM_PAGE), payload, sizeof record) &&
           write_header(base, seq, crc);
#endif
}
