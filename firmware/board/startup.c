/* Cortex-M3 start-up for the mps2-an385 board (ARMv7-M ARM B1.5; AN385 IRQ map
 * as wired by QEMU 7.2 hw/arm/mps2.c): the vector table at 0x0 and the default
 * handler: a fault or an unexpected interrupt restarts the MCU. The reset handler
 * is every Cortex-M3 board's (cortex_m3.c). */
#include <stdint.h>

#include "hal.h"

extern uint32_t __stack_top;

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UART0_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UART1_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UART2_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* 16 system exceptions + IRQ 0..31 (UARTn RX = 2n, TX = 2n+1; one handler each). */
__attribute__((section(".vectors"), used)) static void (*const vectors[48])(void) = {
    [0] = (void (*)(void))&__stack_top,
    [1] = Reset_Handler,
    [2] = NMI_Handler,           /* the watchdog's first timeout (watchdog.c) */
    [3 ... 14] = Default_Handler, /* HardFault, MemManage, BusFault, UsageFault, SVC, ... */
    [15] = SysTick_Handler,      /* the 1 kHz wake-up tick (clock.c) */
    [16 + 0] = UART0_Handler, [16 + 1] = UART0_Handler,
    [16 + 2] = UART1_Handler, [16 + 3] = UART1_Handler,
    [16 + 4] = UART2_Handler, [16 + 5] = UART2_Handler,
    [16 + 6 ... 47] = Default_Handler,
};

void Default_Handler(void)
{
    hal_restart();
}
