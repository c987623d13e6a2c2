/* The SCC CFG1 register at 0x4002F004 (AN385 "Serial Communication
 * Controller"; QEMU drives its "SCC LED0..7" from it and traces every write):
 * bit0 POW, bit1 NET, bit2 DATA are the three DTU LEDs, bit3 the GPIO that
 * pulls the modem's PWRKEY (1 = pressed). A shadow copy of the register is
 * kept and the whole register written, so the LEDs and the key never clobber
 * each other. */
#include "board.h"
#include "hal.h"

#define SCC_CFG1 REG32(0x4002F004u)
#define PWRKEY_BIT 3u

static uint32_t shadow;

void leds_init(void)
{
    shadow = 0; /* LEDs off, the power key released */
    SCC_CFG1 = shadow;
}

static void set_bit(unsigned bit, bool on)
{
    uint32_t saved = irq_save();
    if (on)
        shadow |= 1u << bit;
    else
        shadow &= ~(1u << bit);
    SCC_CFG1 = shadow;
    irq_restore(saved);
}

void hal_led_set(enum hal_led led, bool on) { set_bit((unsigned)led, on); }

void hal_modem_pwrkey(bool pressed) { set_bit(PWRKEY_BIT, pressed); }
