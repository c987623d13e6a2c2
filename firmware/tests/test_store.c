/* store.c: the two-slot power-safe record (store.h). A cut between any two
 * EEPROM transactions of ATW leaves the old settings or the new ones. */
#include <string.h>

#include "hal_host.h"
#include "settings.h"
#include "crc32.h"
#include "store.h"
#include "unit.h"

settings_t g_settings; /* dtu.c's, not linked here */

static void new_settings(settings_t *s, int variant)
{
    settings_factory(s);
    s->mode = (uint8_t)(variant % 5);
    s->sock[0].enabled = 1;
    s->sock[0].port = (uint16_t)(40000 + variant);
    strcpy(s->sock[0].host, variant ? "new.example.com" : "old.example.com");
    strcpy(s->apn, variant ? "UNINET" : "CMNET");
    strcpy(s->password, variant ? "abc123" : "usr.cn");
    memset(s->ftp_path, 0, sizeof s->ftp_path);
    memset(s->ftp_path, 'a' + variant, 200); /* a record that spans many pages */
    s->pack_time_ms = (uint16_t)(100 + variant);
}

static void test_crc(void)
{
    CHECK(crc32_update(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u);
    uint32_t c = crc32_update(0, (const uint8_t *)"1234", 4);
    CHECK(crc32_update(c, (const uint8_t *)"56789", 5) == 0xCBF43926u);
    CHECK(crc32_update(0, NULL, 0) == 0);
}

static void test_empty_and_round_trip(void)
{
    host_reset();
    settings_t s, f, got;
    settings_factory(&f);
    CHECK(settings_valid(&f));
    memset(&s, 0x55, sizeof s);
    CHECK(!store_load(&s));
    CHECK(memcmp(&s, &f, sizeof s) == 0);

    new_settings(&s, 1);
    CHECK(settings_valid(&s));
    CHECK(store_save(&s));
    CHECK(store_load(&got) && memcmp(&got, &s, sizeof s) == 0);
    const uint8_t *e = host_eeprom();
    CHECK(memcmp(e, "DTUS", 4) == 0);
    CHECK(e[4] == 0 && e[5] == 0 && e[6] == 0 && e[7] == 1); /* seq 1, slot A */
    CHECK(e[8] == (sizeof(settings_t) >> 8) && e[9] == (sizeof(settings_t) & 0xFF));
    CHECK(e[14] == 0xFF && e[31] == 0xFF);
    CHECK(memcmp(e + 32, &s, sizeof s) == 0);

    new_settings(&s, 2);
    CHECK(store_save(&s));
    CHECK(memcmp(e + 0x800, "DTUS", 4) == 0 && e[0x800 + 7] == 2); /* seq 2, slot B */
    CHECK(store_load(&got) && memcmp(&got, &s, sizeof s) == 0);
    new_settings(&s, 3);
    CHECK(store_save(&s));
    CHECK(e[7] == 3); /* slot A again */
    CHECK(store_load(&got) && got.mode == 3);
}

static void test_corruption(void)
{
    host_reset();
    settings_t a, b, got;
    new_settings(&a, 0);
    new_settings(&b, 1);
    CHECK(store_save(&a) && store_save(&b)); /* a in slot A, b in slot B */
    uint8_t *e = host_eeprom();
    e[0x800 + 32 + 100] ^= 1; /* a payload bit of the newest */
    CHECK(store_load(&got) && memcmp(&got, &a, sizeof a) == 0);
    e[0x800 + 32 + 100] ^= 1;
    e[0x800 + 11] ^= 0x80; /* its CRC */
    CHECK(store_load(&got) && memcmp(&got, &a, sizeof a) == 0);
    e[0x800 + 11] ^= 0x80;
    CHECK(store_load(&got) && memcmp(&got, &b, sizeof b) == 0);
    e[32 + 5] ^= 0xFF; /* and the old one too: factory settings */
    e[0x800] = 'X';
    settings_t f;
    settings_factory(&f);
    CHECK(!store_load(&got) && memcmp(&got, &f, sizeof f) == 0);
}

static void test_invalid_record(void)
{
    host_reset();
    settings_t a, bad, got;
    new_settings(&a, 0);
    CHECK(store_save(&a));
    new_settings(&bad, 1);
    bad.pack_len = 0; /* out of range, yet with a right CRC */
    CHECK(!settings_valid(&bad));
    CHECK(store_save(&bad));
    CHECK(store_load(&got) && memcmp(&got, &a, sizeof a) == 0);
    bad.pack_len = 1460;
    bad.password[0] = 0;
    CHECK(!settings_valid(&bad));
    bad.password[0] = 'x';
    bad.mode = 5;
    CHECK(!settings_valid(&bad));
    bad.mode = 0;
    bad.baud = 1000;
    CHECK(!settings_valid(&bad));
}

/* The sequence number wraps after 0xFFFFFFFF (found by fuzz/fuzz_store.c): the record
 * saved after it, seq 0, is the newer one, and the one after that (seq 1) too. */
static void test_sequence_wrap(void)
{
    host_reset();
    settings_t a, b, c, got;
    new_settings(&a, 0);
    new_settings(&b, 1);
    new_settings(&c, 2);
    CHECK(store_save(&a)); /* slot A, seq 1: make it seq 0xFFFFFFFF with its CRC */
    uint8_t *e = host_eeprom();
    memset(e + 4, 0xFF, 4);
    uint32_t crc = crc32_update(crc32_update(0, e + 4, 6), e + 32, sizeof(settings_t));
    for (int i = 0; i < 4; i++)
        e[10 + i] = (uint8_t)(crc >> (24 - 8 * i));
    CHECK(store_load(&got) && memcmp(&got, &a, sizeof a) == 0);
    CHECK(store_save(&b));
    CHECK(e[0x800 + 4] == 0 && e[0x800 + 7] == 0); /* slot B, seq 0 */
    CHECK(store_load(&got) && memcmp(&got, &b, sizeof b) == 0);
    CHECK(store_save(&c));
    CHECK(e[7] == 1); /* slot A, seq 1 */
    CHECK(store_load(&got) && memcmp(&got, &c, sizeof c) == 0);
}

/* A cut from every transaction of the second (or third) save on. */
static void test_cut_points(int prior)
{
    host_reset();
    settings_t old, fresh, got;
    new_settings(&old, 0);
    new_settings(&fresh, 1);
    for (int i = 0; i < prior; i++)
        CHECK(store_save(&old));
    int start = host_eeprom_transactions();
    CHECK(store_save(&fresh));
    int total = host_eeprom_transactions() - start;
    CHECK(total == (int)((sizeof(settings_t) + 31) / 32) + 1);
    for (int cut = 0; cut <= total; cut++) {
        host_reset();
        for (int i = 0; i < prior; i++)
            CHECK(store_save(&old));
        host_eeprom_fail_from(host_eeprom_transactions() + cut);
        bool saved = store_save(&fresh);
        CHECK(saved == (cut == total));
        host_eeprom_fail_from(-1);
        bool loaded = store_load(&got);
        if (cut < total)
            CHECK(loaded == (prior > 0) && (prior ? memcmp(&got, &old, sizeof got) == 0 : 1));
        else
            CHECK(loaded && memcmp(&got, &fresh, sizeof got) == 0);
        /* and the next save after the cut works */
        CHECK(store_save(&fresh) && store_load(&got) && memcmp(&got, &fresh, sizeof got) == 0);
    }
}

int main(void)
{
    test_crc();
    test_empty_and_round_trip();
    test_corruption();
    test_invalid_record();
    test_sequence_wrap();
    test_cut_points(0);
    test_cut_points(1);
    test_cut_points(2);
    return unit_done("test_store");
}
