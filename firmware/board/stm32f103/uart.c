/* The three serial ports on the USARTs the board file names (pins.h: BOARD_USART_RS232,
 * _MODEM, _DEBUG; RM0008 27), 115200 8N1 with BRR from the bus clock the start-up reached
 * (USART1 on PCLK2, the others on PCLK1). RX is interrupt-driven into 4 KiB rings; while a
 * ring is full its RXNE interrupt is off (the byte waits in the USART; hal_uart_read turns it
 * back on), so a level interrupt never spins. TX goes through a 4 KiB ring drained by the TXE
 * interrupt, enabled only while the ring holds bytes. */
#include "board.h"
#include "hal.h"

#define PORTS 3
#define RING 4096u /* a power of two */
#define BAUD 115200u

typedef struct {
    uint8_t buf[RING];
    volatile uint32_t head, tail; /* head: next write, tail: next read; free-running */
} ring_t;

static ring_t rx[PORTS], tx[PORTS];
static const unsigned usart_of[PORTS] = {
    [PORT_RS232] = BOARD_USART_RS232,
    [PORT_MODEM] = BOARD_USART_MODEM,
    [PORT_DEBUG] = BOARD_USART_DEBUG,
};
static uint32_t base[PORTS];

void uart_init(void)
{
    for (int n = 0; n < PORTS; n++) {
        unsigned usart = usart_of[n];
        stm32f1_pin_t tx_pin, rx_pin;
        stm32f1_usart_pins(usart, &tx_pin, &rx_pin);
        gpio_mode(tx_pin, PIN_AF_PP);
        gpio_mode(rx_pin, PIN_INPUT_FLOAT);
        uint32_t pclk = usart == 1u ? board_clocks.pclk2 : board_clocks.pclk1;
        if (usart == 1u)
            RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
        else
            RCC_APB1ENR |= RCC_APB1ENR_USARTEN(usart);
        base[n] = stm32f1_usart_base(usart);
        USART_BRR(base[n]) = stm32f1_usart_brr(pclk, BAUD);
        USART_CR1(base[n]) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
        unsigned irq = stm32f1_usart_irq(usart);
        NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
    }
}

/* Move bytes from the TX ring into the USART while it takes them; TXEIE while bytes remain. */
static void tx_pump(int n)
{
    ring_t *r = &tx[n];
    while (r->tail != r->head && (USART_SR(base[n]) & USART_SR_TXE)) {
        USART_DR(base[n]) = r->buf[r->tail % RING];
        r->tail++;
    }
    if (r->tail != r->head)
        USART_CR1(base[n]) |= USART_CR1_TXEIE;
    else
        USART_CR1(base[n]) &= ~USART_CR1_TXEIE;
}

/* Move received bytes into the RX ring while it has room; RXNEIE only while it has. */
static void rx_drain(int n)
{
    ring_t *r = &rx[n];
    while (r->head - r->tail < RING && (USART_SR(base[n]) & USART_SR_RXNE)) {
        r->buf[r->head % RING] = (uint8_t)USART_DR(base[n]);
        r->head++;
    }
    if (r->head - r->tail < RING)
        USART_CR1(base[n]) |= USART_CR1_RXNEIE;
    else
        USART_CR1(base[n]) &= ~USART_CR1_RXNEIE;
}

static void uart_isr(unsigned usart)
{
    for (int n = 0; n < PORTS; n++)
        if (usart_of[n] == usart) {
            rx_drain(n);
            tx_pump(n);
        }
}

void USART1_IRQHandler(void) { uart_isr(1); }
void USART2_IRQHandler(void) { uart_isr(2); }
void USART3_IRQHandler(void) { uart_isr(3); }
void UART4_IRQHandler(void) { uart_isr(4); }
void UART5_IRQHandler(void) { uart_isr(5); }

size_t hal_uart_read(enum hal_port port, uint8_t *buf, size_t max)
{
    ring_t *r = &rx[port];
    size_t n = 0;
    uint32_t saved = irq_save();
    rx_drain(port); /* what waited in the USART while the ring was full */
    irq_restore(saved);
    while (n < max && r->tail != r->head) {
        buf[n++] = r->buf[r->tail % RING];
        r->tail++;
    }
    if (n > 0) {
        saved = irq_save();
        rx_drain(port); /* room again: RXNEIE back on */
        irq_restore(saved);
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
        hal_idle(); /* the ring is full: the TXE interrupt makes room */
    }
}
