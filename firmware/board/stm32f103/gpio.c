/* GPIO pins (RM0008 9.2): a pin's mode in CRL (pins 0-7) or CRH (8-15), its level through
 * BSRR (set in the low half, reset in the high half: one write, no read-modify-write); the
 * port's clock is enabled first (7.3.7). */
#include "board.h"

void gpio_mode(stm32f1_pin_t pin, enum stm32f1_pin_mode mode)
{
    RCC_APB2ENR |= RCC_APB2ENR_IOPEN(pin.port) | RCC_APB2ENR_AFIOEN;
    if (pin.pin < 8u)
        GPIO_CRL(pin.port) = stm32f1_gpio_cr(GPIO_CRL(pin.port), pin.pin, mode);
    else
        GPIO_CRH(pin.port) = stm32f1_gpio_cr(GPIO_CRH(pin.port), pin.pin, mode);
}

void gpio_write(stm32f1_pin_t pin, bool level)
{
    GPIO_BSRR(pin.port) = level ? 1u << pin.pin : 1u << (pin.pin + 16u);
}

void gpio_output(stm32f1_pin_t pin, bool level)
{
    gpio_write(pin, level); /* the level first, so the pin never glitches */
    gpio_mode(pin, PIN_OUTPUT_PP);
}
