/* The three DTU LEDs on the SCC CFG1 register at 0x4002F004 (AN385 "Serial
 * Communication Controller"; QEMU drives its "SCC LED0..7" from it): bit0 POW,
 * bit1 NET, bit2 DATA. A shadow copy is kept and the whole register written. */
#include "board.h"
#include "hal.h"

#define SCC_CFG1 REG32(0x4002F004u)

static uint32_t shadow;

void leds_init(void)
{
    shadow = 0;
    SCC_CFG1 = shadow;
}

void hal_led_set(enum hal_led led, bool on)
{
    uint32_t saved = irq_save();
    if (on)
        shadow |= 1u << led;
    else
        shadow &= ~(1u << led);
    SCC_CFG1 = shadow;
    irq_restore(saved);
}
