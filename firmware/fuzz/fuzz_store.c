/* libFuzzer harness: the settings loader (store.c, settings.c) from any EEPROM
 * image (docs/fuzzing.md "store").
 *
 * Input: one byte of flags, then the image (up to 4096 bytes; the rest of the
 * chip erased, 0xFF). Flag bits 0 and 1 give slot A and slot B a header whose
 * length and CRC match their payload, so the fuzzer reaches the record's field
 * checks (settings_valid) instead of stopping at the CRC.
 * Properties, besides no sanitizer report:
 *   - store_load gives a record that settings_valid accepts, or false and the
 *     factory settings;
 *   - a record saved on top of that image (store_save) is the one loaded next,
 *     whatever the image held (sequence numbers included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "hal_host.h"
#include "settings.h"
#include "store.h"

settings_t g_settings; /* dtu.c's, not linked here */

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "fuzz_store: " __VA_ARGS__);                                               \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

/* A header for the slot at base whose length and CRC fit what follows it. */
static void seal(uint8_t *image, size_t base)
{
    uint8_t *h = image + base;
    memcpy(h, "DTUS", 4);
    uint16_t len = sizeof(settings_t);
    h[8] = (uint8_t)(len >> 8);
    h[9] = (uint8_t)len;
    uint32_t crc = crc32_update(0, h + 4, 6);
    crc = crc32_update(crc, image + base + HAL_EEPROM_PAGE, sizeof(settings_t));
    for (int i = 0; i < 4; i++)
        h[10 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    host_reset();
    uint8_t *image = host_eeprom();
    size_t n = size - 1 < HAL_EEPROM_SIZE ? size - 1 : HAL_EEPROM_SIZE;
    memcpy(image, data + 1, n);
    if (data[0] & 1)
        seal(image, 0x000);
    if (data[0] & 2)
        seal(image, 0x800);

    settings_t got, factory;
    settings_factory(&factory);
    bool loaded = store_load(&got);
    if (loaded && !settings_valid(&got))
        FAIL("store_load gave a record settings_valid refuses");
    if (!loaded && memcmp(&got, &factory, sizeof got) != 0)
        FAIL("store_load found nothing but did not give the factory settings");

    /* a new record on top of whatever the image holds */
    settings_t next = got;
    next.pack_time_ms = next.pack_time_ms == DTU_PACK_TIME_MS_MIN ? DTU_PACK_TIME_MS_MAX
                                                                  : DTU_PACK_TIME_MS_MIN;
    if (!store_save(&next))
        FAIL("store_save failed on a working EEPROM");
    settings_t again;
    if (!store_load(&again) || memcmp(&again, &next, sizeof again) != 0)
        FAIL("the record just saved is not the one loaded (loaded before: %d)", loaded);
    return 0;
}
