/* Power-safe settings storage in the EEPROM (R-AT-7, R-PWR-1): two slots,
 * A at 0x000 and B at 0x800, each a 32-byte header page
 * ("DTUS" | seq u32 BE | length u16 BE | crc32 u32 BE over seq, length and payload)
 * followed by the payload pages (the settings_t record). store_save writes the
 * slot that does not hold the newest record, payload first and header last, so
 * a cut anywhere leaves the old settings or the new ones.
 * With STORE_UNSAFE defined (make UNSAFE_STORE=1, issue 6's broken build) it
 * writes one copy in place, header first. */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"

/* Load the newest valid record into *s; false (and factory settings) if none. */
bool store_load(settings_t *s);
bool store_save(const settings_t *s);

#endif
