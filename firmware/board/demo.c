/* board-demo.elf: exercises the board HAL alone (no DTU logic) for bench and
 * QEMU checks. Prints "board-demo ready" on UART2 (debug) and UART0, echoes
 * UART0 and UART1 back to themselves, and runs commands from UART2 lines:
 *   led <n> <0|1>      set LED n (0 POW, 1 NET, 2 DATA)
 *   ee w <addr> <hex>  write bytes to the EEPROM      -> "ok" / "err"
 *   ee r <addr> <len>  read them back                 -> hex / "err"
 *   ms                 print hal_millis()
 *   tim                print hal_timing_profile()
 *   reset              hal_restart()
 *   wd                 stop kicking the watchdog (it resets the board) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"

static void say(enum hal_port port, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        hal_uart_write(port, (const uint8_t *)line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static bool kicking = true;

static void eeprom_command(char *args)
{
    char *end;
    char op = args[0];
    unsigned long addr = strtoul(args + 1, &end, 0);
    uint8_t data[64];
    if (op == 'w') {
        while (*end == ' ')
            end++;
        size_t len = 0;
        for (; end[0] && end[1] && len < sizeof data; end += 2) {
            char hex[3] = {end[0], end[1], 0};
            data[len++] = (uint8_t)strtoul(hex, NULL, 16);
        }
        say(PORT_DEBUG, "%s\r\n", len && hal_eeprom_write((uint16_t)addr, data, len) ? "ok" : "err");
    } else if (op == 'r') {
        size_t len = strtoul(end, NULL, 0);
        if (len > sizeof data || !hal_eeprom_read((uint16_t)addr, data, len)) {
            say(PORT_DEBUG, "err\r\n");
            return;
        }
        for (size_t i = 0; i < len; i++)
            say(PORT_DEBUG, "%02x", data[i]);
        say(PORT_DEBUG, "\r\n");
    } else {
        say(PORT_DEBUG, "err\r\n");
    }
}

static void command(char *line)
{
    if (strncmp(line, "led ", 4) == 0) {
        char *end;
        unsigned long n = strtoul(line + 4, &end, 10);
        if (n > LED_DATA) {
            say(PORT_DEBUG, "err\r\n");
            return;
        }
        hal_led_set((enum hal_led)n, strtoul(end, NULL, 10) != 0);
        say(PORT_DEBUG, "ok\r\n");
    } else if (strncmp(line, "ee ", 3) == 0) {
        eeprom_command(line + 3);
    } else if (strcmp(line, "ms") == 0) {
        say(PORT_DEBUG, "%lu\r\n", (unsigned long)hal_millis());
    } else if (strcmp(line, "tim") == 0) {
        say(PORT_DEBUG, "timing %d\r\n", (int)hal_timing_profile());
    } else if (strcmp(line, "reset") == 0) {
        hal_restart();
    } else if (strcmp(line, "wd") == 0) {
        kicking = false;
        say(PORT_DEBUG, "ok\r\n");
    } else if (line[0]) {
        say(PORT_DEBUG, "err\r\n");
    }
}

static bool echo(enum hal_port port)
{
    uint8_t buf[256];
    size_t n = hal_uart_read(port, buf, sizeof buf);
    hal_uart_write(port, buf, n);
    return n > 0;
}

int main(void)
{
    static char line[128];
    size_t used = 0;

    hal_init();
    say(PORT_DEBUG, "board-demo ready\r\n");
    say(PORT_RS232, "board-demo ready\r\n");
    for (;;) {
        if (kicking)
            hal_watchdog_kick();
        bool busy = echo(PORT_RS232) | echo(PORT_MODEM);
        uint8_t c;
        while (hal_uart_read(PORT_DEBUG, &c, 1)) {
            busy = true;
            if (c == '\r' || c == '\n') {
                line[used] = 0;
                used = 0;
                command(line);
            } else if (used < sizeof line - 1) {
                line[used++] = (char)c;
            }
        }
        if (!busy)
            hal_idle();
    }
}
