/* The settings EEPROM: an AT24C32-class part (Microchip AT24C32 datasheet: 4096 bytes, 32-byte
 * pages, a 2-byte word address, the write cycle ACK-polled) on the I2C controller and at the
 * address the board file names (pins.h: BOARD_EEPROM_I2C, BOARD_EEPROM_ADDR), driven as the
 * master in standard mode by polling, after RM0008 26.3.3 (master transmitter and receiver; the
 * closing of a read by the BTF method of 26.3.3 "method 2", as ST's libraries do). A write is
 * split at page boundaries into one START..STOP transaction per page. Every wait is bounded: a
 * bus that hangs makes the call fail rather than the DTU stall. */
#include "board.h"
#include "hal.h"

#define I2C BOARD_I2C_BASE
#define EE_WRITE (BOARD_EEPROM_ADDR << 1)
#define EE_READ (BOARD_EEPROM_ADDR << 1 | 1u)
#define POLLS 100000u   /* a bound on each flag wait */
#define ACK_POLLS 1000u /* the datasheet's 10 ms write cycle is far below this */

void i2c_init(void)
{
    stm32f1_pin_t scl, sda;
    stm32f1_i2c_pins(BOARD_EEPROM_I2C, &scl, &sda);
    gpio_mode(scl, PIN_AF_OD);
    gpio_mode(sda, PIN_AF_OD);
    RCC_APB1ENR |= BOARD_EEPROM_I2C == 1 ? RCC_APB1ENR_I2C1EN : RCC_APB1ENR_I2C2EN;
    I2C_CR1(I2C) = I2C_CR1_SWRST;
    I2C_CR1(I2C) = 0;
    I2C_CR2(I2C) = board_clocks.pclk1 / 1000000u; /* FREQ: PCLK1 in MHz */
    I2C_CCR(I2C) = stm32f1_i2c_ccr(board_clocks.pclk1);
    I2C_TRISE(I2C) = stm32f1_i2c_trise(board_clocks.pclk1);
    I2C_CR1(I2C) = I2C_CR1_PE;
}

static bool wait_sr1(uint32_t flag)
{
    for (uint32_t i = 0; i < POLLS; i++) {
        uint32_t sr1 = I2C_SR1(I2C);
        if (sr1 & flag)
            return true;
        if (sr1 & I2C_SR1_AF)
            return false;
    }
    return false;
}

static void stop(void)
{
    I2C_CR1(I2C) |= I2C_CR1_STOP;
    I2C_SR1(I2C) &= ~I2C_SR1_AF; /* a NACK, if any, is answered */
}

/* START (or a repeated one) and the device address; true once it ACKed (ADDR), which stays
 * set for the caller to clear (SR1 then SR2) when it is ready. */
static bool address(uint8_t byte)
{
    I2C_CR1(I2C) |= I2C_CR1_START;
    if (!wait_sr1(I2C_SR1_SB))
        return false;
    I2C_DR(I2C) = byte;
    return wait_sr1(I2C_SR1_ADDR);
}

static void clear_addr(void)
{
    (void)I2C_SR1(I2C);
    (void)I2C_SR2(I2C);
}

/* EV8 (RM0008 figure 273): the next byte once the data register is empty (TxE). */
static bool send(uint8_t byte)
{
    if (!wait_sr1(I2C_SR1_TXE))
        return false;
    I2C_DR(I2C) = byte;
    return true;
}

/* EV8_2: the last byte is out (TxE and BTF) before a STOP or a repeated START. */
static bool sent(void)
{
    return wait_sr1(I2C_SR1_BTF);
}

/* START, the device (write), the 2-byte word address; false on a NACK (the bus stopped). */
static bool select(uint16_t addr)
{
    bool ok = address(EE_WRITE);
    if (ok) {
        clear_addr();
        ok = send((uint8_t)(addr >> 8)) && send((uint8_t)addr) && sent();
    }
    if (!ok)
        stop();
    return ok;
}

static bool receive(uint8_t *byte)
{
    if (!wait_sr1(I2C_SR1_RXNE))
        return false;
    *byte = (uint8_t)I2C_DR(I2C);
    return true;
}

/* The read of len >= 1 bytes after the address (read) was ACKed, closed as RM0008 says: the
 * NACK set before the last byte comes, STOP before it is read. */
static bool read_bytes(uint8_t *buf, size_t len)
{
    if (len == 1) {
        I2C_CR1(I2C) &= ~I2C_CR1_ACK;
        clear_addr();
        stop();
        return receive(buf);
    }
    if (len == 2) {
        I2C_CR1(I2C) = (I2C_CR1(I2C) & ~I2C_CR1_ACK) | I2C_CR1_POS;
        clear_addr();
        bool ok = wait_sr1(I2C_SR1_BTF);
        stop();
        I2C_CR1(I2C) &= ~I2C_CR1_POS;
        return ok && receive(&buf[0]) && receive(&buf[1]);
    }
    I2C_CR1(I2C) |= I2C_CR1_ACK;
    clear_addr();
    size_t i = 0;
    while (len - i > 3)
        if (!receive(&buf[i++]))
            return false;
    if (!wait_sr1(I2C_SR1_BTF)) /* N-2 in DR, N-1 in the shift register */
        return false;
    I2C_CR1(I2C) &= ~I2C_CR1_ACK;
    bool ok = receive(&buf[i++]);
    stop();
    return ok && receive(&buf[i++]) && receive(&buf[i]);
}

bool hal_eeprom_read(uint16_t addr, uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    if (len == 0)
        return true;
    if (!select(addr))
        return false;
    if (!address(EE_READ)) { /* the repeated START, then a sequential read */
        stop();
        return false;
    }
    bool ok = read_bytes(buf, len);
    if (!ok)
        stop();
    return ok;
}

/* ACK polling: the part NACKs its address until the write cycle is over. */
static bool wait_ready(void)
{
    for (uint32_t i = 0; i < ACK_POLLS; i++) {
        bool ack = address(EE_WRITE);
        if (ack)
            clear_addr();
        stop();
        if (ack)
            return true;
    }
    return false;
}

bool hal_eeprom_write(uint16_t addr, const uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    while (len > 0) {
        size_t chunk = HAL_EEPROM_PAGE - addr % HAL_EEPROM_PAGE;
        if (chunk > len)
            chunk = len;
        if (!select(addr))
            return false;
        bool ok = true;
        for (size_t i = 0; ok && i < chunk; i++)
            ok = send(buf[i]);
        ok = ok && sent();
        stop();
        if (!ok || !wait_ready())
            return false;
        addr = (uint16_t)(addr + chunk);
        buf += chunk;
        len -= chunk;
    }
    return true;
}
