/* The board as a process on the build host (hal.h), for the bench's native target
 * (platforms/native/, docs/targets.md "The native target"): the DTU logic (dtu/) runs as
 * a Linux process the bench starts, wired as the emulators wire the ARM image.
 *
 * The environment the bench gives it:
 *   DTULAB_UART0..2   inherited socket fds, one per UART (board.toml numbering: 0 RS232,
 *                     1 modem, 2 debug); a UART not given reads nothing and drops what is written
 *   DTULAB_EEPROM     the 4096-byte EEPROM image file
 *   DTULAB_STRAP      the timing strap word in hex (as Renode's peripheral takes it)
 * The board's signals go to stdout as the lines Renode's Python peripherals write
 * (platforms/renode/machine.py parse_event): "scc 4 <CFG1 hex> <ms>" (bits 0-2 the LEDs,
 * bit 3 PWRKEY, as board/leds.c; ms on CLOCK_MONOTONIC, which a warm reset does not restart),
 * "scc reset" at every reset, "ee <addr hex> <data hex>" after each write transaction is in
 * the image file.
 *
 * The MCU as a process: hal_millis is CLOCK_MONOTONIC since this reset; hal_idle sleeps in
 * poll(2) on the UARTs the firmware has drained, at most 1 ms (the board's SysTick);
 * hal_restart re-executes the program (statics initialised again), keeping the
 * retained RAM, a memfd the first run makes and names in DTULAB_RETAINED_FD (so a new
 * process, a power cut, gets a zeroed one, as the emulators do). The watchdog is
 * ITIMER_REAL: WATCHDOG_MS after the last kick SIGALRM resets the board. SIGUSR1 is the
 * reset pin (the bench's brown-out ends), SIGTERM the power cut: in a build with --coverage
 * (NATIVE_COVERAGE) the gcov counters are written first (__gcov_dump), then the process ends
 * at once; a reset writes them too before the program is executed again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hal.h"

#define PORTS 3
#define PWRKEY_BIT 3u
#define STRAP_FAST 0x54494D01ul /* the project's board.toml [strap] fast word */
#define WATCHDOG_MS 4000
#define WATCHDOG_REARM_MS 50 /* a kick re-arms the timer at most this often */

extern char **environ;
#ifdef NATIVE_COVERAGE /* built with --coverage (make native COVERAGE=1) */
void __gcov_dump(void); /* libgcov: write the counters now (merged into the .gcda files) */
#define COUNTERS_OUT() __gcov_dump()
#else
#define COUNTERS_OUT() ((void)0)
#endif

static int uart_fd[PORTS] = {-1, -1, -1};
static bool drained[PORTS]; /* the firmware found nothing more to read: idle waits for it */
static int eeprom_fd = -1;
static uint8_t eeprom[HAL_EEPROM_SIZE];
static struct timespec booted;
static uint32_t cfg1, last_arm;
static enum hal_timing timing = TIMING_REALISTIC;
static void *retained;

static void fail(const char *what)
{
    fprintf(stderr, "hal_native: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int env_fd(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? atoi(value) : -1;
}

static double monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

/* One line to the bench, in one write(2) (a pipe keeps it whole). */
static void event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void event(const char *fmt, ...)
{
    char line[2 * HAL_EEPROM_PAGE * 2 + 64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof line && write(STDOUT_FILENO, line, (size_t)n) < 0)
        _exit(1); /* the bench is gone */
}

/* ---- reset, power ----------------------------------------------------------------- */
static void reset_board(void) __attribute__((noreturn));
static void reset_board(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL); /* the new image unblocks once its handlers are in */
    COUNTERS_OUT();
    execve("/proc/self/exe", (char *[]){"dtu-native", NULL}, environ);
    _exit(127);
}

static void on_signal(int sig)
{
    if (sig == SIGTERM) { /* the power cut */
        COUNTERS_OUT();
        _exit(0);
    }
    reset_board(); /* SIGUSR1: the reset pin; SIGALRM: the watchdog */
}

static void arm_watchdog(void)
{
    struct itimerval timer = {.it_value = {WATCHDOG_MS / 1000, WATCHDOG_MS % 1000 * 1000}};
    setitimer(ITIMER_REAL, &timer, NULL);
    last_arm = hal_millis();
}

static void signals_init(void)
{
    /* A timer and a pending SIGALRM survive execve: disarm, discard, then listen. */
    signal(SIGALRM, SIG_IGN);
    setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed UART is an error return, not death */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void retained_init(void)
{
    int fd = env_fd("DTULAB_RETAINED_FD");
    if (fd < 0) { /* a cold boot: new RAM, zeroed */
        fd = memfd_create("dtu-retained", 0);
        if (fd < 0 || ftruncate(fd, HAL_RETAINED_SIZE) < 0)
            fail("retained RAM");
        char value[16];
        snprintf(value, sizeof value, "%d", fd);
        setenv("DTULAB_RETAINED_FD", value, 1);
    }
    retained = mmap(NULL, HAL_RETAINED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (retained == MAP_FAILED)
        fail("retained RAM");
}

void hal_init(void)
{
    clock_gettime(CLOCK_MONOTONIC, &booted);
    signals_init();
    retained_init();
    char name[] = "DTULAB_UART0";
    for (int n = 0; n < PORTS; n++) {
        name[sizeof name - 2] = (char)('0' + n);
        uart_fd[n] = env_fd(name);
        if (uart_fd[n] >= 0 && fcntl(uart_fd[n], F_SETFL, O_NONBLOCK) < 0)
            fail(name);
    }
    const char *path = getenv("DTULAB_EEPROM");
    memset(eeprom, 0xFF, sizeof eeprom);
    if (path && *path) {
        eeprom_fd = open(path, O_RDWR | O_CLOEXEC);
        if (eeprom_fd < 0 || pread(eeprom_fd, eeprom, sizeof eeprom, 0) < 0)
            fail(path);
    }
    const char *strap = getenv("DTULAB_STRAP");
    timing = strap && strtoul(strap, NULL, 16) == STRAP_FAST ? TIMING_FAST : TIMING_REALISTIC;
    cfg1 = 0; /* LEDs off, the power key released */
    event("scc reset\n");
    arm_watchdog();
}

void hal_restart(void)
{
    reset_board();
}

void *hal_retained(void) { return retained; }

void hal_watchdog_kick(void)
{
    if (hal_millis() - last_arm >= WATCHDOG_REARM_MS)
        arm_watchdog();
}

enum hal_timing hal_timing_profile(void) { return timing; }

uint32_t hal_millis(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - booted.tv_sec) * 1000 + (now.tv_nsec - booted.tv_nsec) / 1000000;
    return (uint32_t)ms;
}

/* ---- UARTs ------------------------------------------------------------------------- */
size_t hal_uart_read(enum hal_port port, uint8_t *buf, size_t max)
{
    int fd = uart_fd[port];
    if (fd < 0 || max == 0)
        return 0;
    ssize_t n = read(fd, buf, max);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        uart_fd[port] = -1; /* the bench closed its end: nothing more comes */
        return 0;
    }
    drained[port] = n < (ssize_t)max;
    return n > 0 ? (size_t)n : 0;
}

void hal_uart_write(enum hal_port port, const uint8_t *buf, size_t len)
{
    while (len > 0 && uart_fd[port] >= 0) {
        ssize_t n = write(uart_fd[port], buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            poll(&(struct pollfd){.fd = uart_fd[port], .events = POLLOUT}, 1, 1);
        } else {
            uart_fd[port] = -1; /* the bench closed its end: the bytes are lost */
        }
    }
}

void hal_idle(void)
{
    struct pollfd fds[PORTS];
    nfds_t count = 0;
    for (int n = 0; n < PORTS; n++)
        if (uart_fd[n] >= 0 && drained[n])
            fds[count++] = (struct pollfd){.fd = uart_fd[n], .events = POLLIN};
    poll(fds, count, 1);
}

/* ---- LEDs, the power key ----------------------------------------------------------- */
static void set_bit(unsigned bit, bool on)
{
    uint32_t value = on ? cfg1 | 1u << bit : cfg1 & ~(1u << bit);
    if (value == cfg1)
        return; /* the register unchanged: no pin moves */
    cfg1 = value;
    event("scc 4 %x %.3f\n", (unsigned)cfg1, monotonic_ms());
}

void hal_led_set(enum hal_led led, bool on) { set_bit((unsigned)led, on); }

void hal_modem_pwrkey(bool pressed) { set_bit(PWRKEY_BIT, pressed); }

/* ---- the EEPROM ---------------------------------------------------------------------- */
bool hal_eeprom_read(uint16_t addr, uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    memcpy(buf, eeprom + addr, len);
    return true;
}

bool hal_eeprom_write(uint16_t addr, const uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    while (len > 0) {
        size_t chunk = HAL_EEPROM_PAGE - addr % HAL_EEPROM_PAGE;
        if (chunk > len)
            chunk = len;
        memcpy(eeprom + addr, buf, chunk);
        if (eeprom_fd >= 0 && pwrite(eeprom_fd, buf, chunk, addr) != (ssize_t)chunk)
            return false; /* the image could not be written: a bus error */
        char hex[2 * HAL_EEPROM_PAGE + 1];
        for (size_t i = 0; i < chunk; i++)
            snprintf(hex + 2 * i, 3, "%02x", buf[i]);
        event("ee %x %s\n", (unsigned)addr, hex);
        addr = (uint16_t)(addr + chunk);
        buf += chunk;
        len -= chunk;
    }
    return true;
}
