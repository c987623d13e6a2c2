/* The host HAL (host/hal_host.c) behaves as hal_host.h promises. */
#include "hal_host.h"
#include "unit.h"

static void test_ports(void)
{
    uint8_t buf[8];
    host_reset();
    CHECK(hal_uart_read(PORT_RS232, buf, sizeof buf) == 0);
    host_feed_str(PORT_RS232, "hello");
    CHECK(hal_uart_read(PORT_MODEM, buf, sizeof buf) == 0);
    CHECK(hal_uart_read(PORT_RS232, buf, 3) == 3 && memcmp(buf, "hel", 3) == 0);
    CHECK(hal_uart_read(PORT_RS232, buf, sizeof buf) == 2 && memcmp(buf, "lo", 2) == 0);
    CHECK(hal_uart_read(PORT_RS232, buf, sizeof buf) == 0);

    hal_uart_write(PORT_DEBUG, (const uint8_t *)"ab", 2);
    hal_uart_write(PORT_DEBUG, (const uint8_t *)"c", 1);
    CHECK_STR(host_take_str(PORT_DEBUG), "abc");
    CHECK_STR(host_take_str(PORT_DEBUG), "");
    hal_uart_write(PORT_MODEM, (const uint8_t *)"xyz", 3);
    CHECK(host_take(PORT_MODEM, buf, 2) == 2 && memcmp(buf, "xy", 2) == 0);
    CHECK_STR(host_take_str(PORT_MODEM), "z");

    static uint8_t big[100000];
    memset(big, 'q', sizeof big);
    host_feed(PORT_MODEM, big, sizeof big);
    size_t got = 0, n;
    while ((n = hal_uart_read(PORT_MODEM, buf, sizeof buf)) > 0)
        got += n;
    CHECK(got == sizeof big);

    host_feed_str(PORT_RS232, "left");
    hal_uart_write(PORT_RS232, (const uint8_t *)"over", 4);
    host_reset();
    CHECK(hal_uart_read(PORT_RS232, buf, sizeof buf) == 0);
    CHECK_STR(host_take_str(PORT_RS232), "");
}

static void test_clock_leds_timing(void)
{
    host_reset();
    CHECK(hal_millis() == 0);
    host_advance(250);
    CHECK(hal_millis() == 250);
    host_set_millis(0xFFFFFFF0u);
    host_advance(0x20);
    CHECK(hal_millis() == 0x10); /* wraps at 2^32 */

    hal_led_set(LED_NET, true);
    CHECK(host_led(LED_NET) && !host_led(LED_POW) && !host_led(LED_DATA));
    hal_led_set(LED_NET, false);
    CHECK(!host_led(LED_NET));
    hal_led_set(LED_DATA, true);
    host_reset();
    CHECK(!host_led(LED_DATA));

    host_set_timing(TIMING_FAST);
    CHECK(hal_timing_profile() == TIMING_FAST);
    host_set_timing(TIMING_REALISTIC);
    CHECK(hal_timing_profile() == TIMING_REALISTIC);
}

static void test_eeprom(void)
{
    uint8_t data[100], back[100];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    host_reset();
    CHECK(host_eeprom()[0] == 0xFF && host_eeprom()[HAL_EEPROM_SIZE - 1] == 0xFF);

    /* 0x1E..0x81: pages 0x00, 0x20, 0x40, 0x60, 0x80 -> 5 transactions */
    CHECK(hal_eeprom_write(0x1E, data, sizeof data));
    CHECK(host_eeprom_transactions() == 5);
    CHECK(hal_eeprom_read(0x1E, back, sizeof back) && memcmp(back, data, sizeof data) == 0);
    CHECK(host_eeprom()[0x1D] == 0xFF && host_eeprom()[0x82] == 0xFF);

    CHECK(!hal_eeprom_write(HAL_EEPROM_SIZE - 4, data, 5));
    CHECK(!hal_eeprom_read(HAL_EEPROM_SIZE - 4, back, 5));
    CHECK(hal_eeprom_read(HAL_EEPROM_SIZE - 5, back, 5));

    /* a cut before the 3rd transaction: pages 1 and 2 written, the rest not */
    host_reset();
    host_eeprom_fail_from(2);
    CHECK(!hal_eeprom_write(0x1E, data, sizeof data));
    CHECK(host_eeprom_transactions() == 2);
    CHECK(memcmp(host_eeprom() + 0x1E, data, 2 + 32) == 0);
    CHECK(host_eeprom()[0x40] == 0xFF);
    CHECK(!hal_eeprom_write(0x200, data, 1));
    host_eeprom_fail_from(-1);
    CHECK(hal_eeprom_write(0x200, data, 1));
    host_reset(); /* clears the cut too */
    CHECK(hal_eeprom_write(0x1E, data, sizeof data));
}

static void test_restart(void)
{
    static jmp_buf where;
    static volatile int restarts;
    restarts = 0;
    host_on_restart(&where);
    if (setjmp(where) == 0)
        hal_restart();
    else
        restarts++;
    CHECK(restarts == 1);
    host_on_restart(NULL);
}

int main(void)
{
    test_ports();
    test_clock_leds_timing();
    test_eeprom();
    test_restart();
    hal_init();
    hal_idle();
    hal_watchdog_kick();
    return unit_done("hal_host");
}
