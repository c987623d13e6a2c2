/* The three DTU LEDs and the modem's PWRKEY on GPIO push-pull outputs, at the pins the board
 * file names (pins.h; 1 = LED on, PWRKEY pressed: the pin drives the transistor that pulls the
 * SIM800's PWRKEY low). A board file without a PWRKEY pin leaves hal_modem_pwrkey doing nothing
 * (a modem that powers up by itself). */
#include "board.h"
#include "hal.h"

static const stm32f1_pin_t led_pins[3] = {
    [LED_POW] = BOARD_PIN_POW,
    [LED_NET] = BOARD_PIN_NET,
    [LED_DATA] = BOARD_PIN_DATA,
};

void leds_init(void)
{
    for (unsigned i = 0; i < 3u; i++)
        gpio_output(led_pins[i], false);
#ifdef BOARD_PIN_PWRKEY
    gpio_output((stm32f1_pin_t)BOARD_PIN_PWRKEY, false); /* released */
#endif
}

void hal_led_set(enum hal_led led, bool on) { gpio_write(led_pins[led], on); }

void hal_modem_pwrkey(bool pressed)
{
#ifdef BOARD_PIN_PWRKEY
    gpio_write((stm32f1_pin_t)BOARD_PIN_PWRKEY, pressed);
#else
    (void)pressed;
#endif
}
