/* The three serial ports on CMSDK APB UARTs (ARM DDI 0479 "Cortex-M System
 * Design Kit" 4.3; docs/qemu-board.md): UART0 = PORT_RS232, UART1 = PORT_MODEM,
 * UART2 = PORT_DEBUG. RX is interrupt-driven into 4 KiB rings; TX goes through a
 * 4 KiB ring drained by the TX interrupt. QEMU's UART holds one byte each way and
 * back-pressures the host, so nothing is lost while the rings have room. */
#include "board.h"
#include "hal.h"

#define UART_BASE(n) (0x40004000u + 0x1000u * (n))
#define UART_DATA(n) REG32(UART_BASE(n) + 0x00)
#define UART_STATE(n) REG32(UART_BASE(n) + 0x04)    /* bit0 TX full, bit1 RX full */
#define UART_CTRL(n) REG32(UART_BASE(n) + 0x08)     /* bit0 TX en, 1 RX en, 2 TX int, 3 RX int */
#define UART_INTCLEAR(n) REG32(UART_BASE(n) + 0x0C) /* bit0 TX, bit1 RX */
#define UART_BAUDDIV(n) REG32(UART_BASE(n) + 0x10)
#define STATE_TXFULL 1u
#define STATE_RXFULL 2u
#define INT_TX 1u
#define INT_RX 2u
#define NVIC_ISER0 REG32(0xE000E100u)

#define PORTS 3
#define RING 4096u /* a power of two */

typedef struct {
    uint8_t buf[RING];
    volatile uint32_t head, tail; /* head: next write, tail: next read; free-running */
} ring_t;

static ring_t rx[PORTS], tx[PORTS];

void uart_init(void)
{
    for (int n = 0; n < PORTS; n++) {
        UART_BAUDDIV(n) = SYSCLK_HZ / 115200u; /* 217; QEMU refuses to send below 16 */
        UART_CTRL(n) = 0xFu;                   /* TX, RX and both interrupts on */
    }
    NVIC_ISER0 = 0x3Fu; /* IRQ 0..5: UART0..2 RX and TX */
}

/* Move bytes from the TX ring into the UART while it takes them. */
static void tx_pump(int n)
{
    ring_t *r = &tx[n];
    while (r->tail != r->head && !(UART_STATE(n) & STATE_TXFULL)) {
        UART_DATA(n) = r->buf[r->tail % RING];
        r->tail++;
    }
}

/* Move received bytes into the RX ring while it has room. A full ring leaves them in
 * the UART: the emulators hold further bytes back until DATA is read (QEMU's chardev,
 * Renode's receive queue), so nothing is lost; hal_uart_read drains again. On
 * silicon the UART's one-byte buffer would overrun instead. */
static void rx_drain(int n)
{
    ring_t *r = &rx[n];
    while (r->head - r->tail < RING && (UART_STATE(n) & STATE_RXFULL)) {
        r->buf[r->head % RING] = (uint8_t)UART_DATA(n);
        r->head++;
    }
}

static void uart_isr(int n)
{
    /* Clear first: a byte arriving after the clear raises the interrupt again. */
    UART_INTCLEAR(n) = INT_RX | INT_TX;
    rx_drain(n);
    tx_pump(n);
}

void UART0_Handler(void) { uart_isr(0); }
void UART1_Handler(void) { uart_isr(1); }
void UART2_Handler(void) { uart_isr(2); }

size_t hal_uart_read(enum hal_port port, uint8_t *buf, size_t max)
{
    ring_t *r = &rx[port];
    size_t n = 0;
    uint32_t saved = irq_save(); /* bytes the ISR left in the UART while the ring was full */
    rx_drain(port);
    irq_restore(saved);
    while (n < max && r->tail != r->head) {
        buf[n++] = r->buf[r->tail % RING];
        r->tail++;
    }
    return n;
}

void hal_uart_write(enum hal_port port, const uint8_t *buf, size_t len)
{
    ring_t *r = &tx[port];
    size_t i = 0;
    for (;;) {
        while (i < len && r->head - r->tail < RING) {
            r->buf[r->head % RING] = buf[i++];
            r->head++;
        }
        uint32_t saved = irq_save(); /* the ISR pumps too */
        tx_pump(port);
        irq_restore(saved);
        if (i == len)
            return;
        hal_idle(); /* the ring is full: the TX interrupt makes room */
    }
}
