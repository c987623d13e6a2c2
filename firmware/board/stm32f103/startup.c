/* Cortex-M3 start-up for the STM32F103 (ARMv7-M ARM B1.5; RM0008 10.1.2 table 63, the vector
 * table of the high-density parts: 16 system exceptions + 60 IRQs) at the start of flash
 * (0x08000000, aliased at 0 when booting from flash), and the default handler: a fault or an
 * unexpected interrupt restarts the MCU. The reset handler is every Cortex-M3 board's
 * (../cortex_m3.c). */
#include <stdint.h>

#include "hal.h"

extern uint32_t __stack_top;

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void USART1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void UART4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void UART5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

__attribute__((section(".vectors"), used)) static void (*const vectors[16 + 60])(void) = {
    [0] = (void (*)(void))&__stack_top,
    [1] = Reset_Handler,
    [2 ... 14] = Default_Handler, /* NMI, HardFault, MemManage, BusFault, UsageFault, SVC, ... */
    [15] = SysTick_Handler,       /* the millisecond clock (clock.c) */
    [16 ... 16 + 36] = Default_Handler,
    [16 + 37] = USART1_IRQHandler,
    [16 + 38] = USART2_IRQHandler,
    [16 + 39] = USART3_IRQHandler,
    [16 + 40 ... 16 + 51] = Default_Handler,
    [16 + 52] = UART4_IRQHandler,
    [16 + 53] = UART5_IRQHandler,
    [16 + 54 ... 16 + 59] = Default_Handler,
};

void Default_Handler(void)
{
    hal_restart();
}
