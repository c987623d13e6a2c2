/* The settings EEPROM: an AT24C32-class part (Microchip AT24C32 datasheet:
 * 4096 bytes, 32-byte pages, 2-byte word address, write cycle ACK-polled) at
 * I2C address 0x50 on the SBCon bus (QEMU 7.2 at24c-eeprom, bus=i2c). A write
 * is split at page boundaries into one START..STOP transaction per page; QEMU
 * stores each transaction to the backing file at its STOP. */
#include "board.h"
#include "hal.h"

#define EE_ADDR 0x50u
#define EE_WRITE (EE_ADDR << 1)
#define EE_READ (EE_ADDR << 1 | 1u)
#define ACK_POLLS 1000 /* the datasheet's 10 ms write cycle is far below this */

/* START, device address (write) and the 2-byte word address; false on a NACK. */
static bool select(uint16_t addr)
{
    i2c_start();
    return i2c_write_byte(EE_WRITE) && i2c_write_byte((uint8_t)(addr >> 8)) &&
           i2c_write_byte((uint8_t)addr);
}

/* ACK polling: the part NACKs its address until the write cycle is over. */
static bool wait_ready(void)
{
    for (int i = 0; i < ACK_POLLS; i++) {
        i2c_start();
        bool ack = i2c_write_byte(EE_WRITE);
        i2c_stop();
        if (ack)
            return true;
    }
    return false;
}

bool hal_eeprom_read(uint16_t addr, uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    if (len == 0)
        return true;
    bool ok = select(addr);
    if (ok) {
        i2c_start(); /* repeated START, then a sequential read */
        ok = i2c_write_byte(EE_READ);
        for (size_t i = 0; ok && i < len; i++)
            buf[i] = i2c_read_byte(i + 1 < len);
    }
    i2c_stop();
    return ok;
}

bool hal_eeprom_write(uint16_t addr, const uint8_t *buf, size_t len)
{
    if (addr + len > HAL_EEPROM_SIZE)
        return false;
    while (len > 0) {
        size_t chunk = HAL_EEPROM_PAGE - addr % HAL_EEPROM_PAGE;
        if (chunk > len)
            chunk = len;
        bool ok = select(addr);
        for (size_t i = 0; ok && i < chunk; i++)
            ok = i2c_write_byte(buf[i]);
        i2c_stop();
        if (!ok || !wait_ready())
            return false;
        addr = (uint16_t)(addr + chunk);
        buf += chunk;
        len -= chunk;
    }
    return true;
}
