/* What every Cortex-M3 board of the firmware shares (ARMv7-M ARM): the reset handler
 * (B1.5.5: copy .data from flash, zero .bss, run main), restart by SCB AIRCR SYSRESETREQ
 * (B3.2.6; QEMU and Renode reset the whole machine, RAM kept: the retained region, which no
 * linker section covers, comes through unchanged) and idle as WFI (woken by SysTick or a
 * UART). Each board's startup.c has the vector table that points here and the default
 * handler its weak aliases name (an alias must be defined beside it); its linker script
 * names the sections. */
#include <stdint.h>
#include <string.h>

#include "hal.h"

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define AIRCR_SYSRESETREQ 0x05FA0004u /* VECTKEY | SYSRESETREQ */

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern uint8_t __retained_start[];
int main(void);

void Reset_Handler(void) __attribute__((noreturn));

void Reset_Handler(void)
{
    memcpy(&__data_start, &__data_load, (size_t)((char *)&__data_end - (char *)&__data_start));
    memset(&__bss_start, 0, (size_t)((char *)&__bss_end - (char *)&__bss_start));
    main();
    hal_restart();
}

void hal_restart(void)
{
    __asm volatile("dsb" ::: "memory");
    SCB_AIRCR = AIRCR_SYSRESETREQ;
    __asm volatile("dsb" ::: "memory");
    for (;;)
        ;
}

void *hal_retained(void) { return __retained_start; }

void hal_idle(void)
{
    __asm volatile("wfi" ::: "memory");
}
