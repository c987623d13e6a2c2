/* A bit-banged I2C master on the SBCon two-wire interface at 0x4002A000 (ARM
 * "SBCon" in the MPS2 AN385 peripheral list; QEMU 7.2 versatile_i2c /
 * arm_sbcon_i2c): writing 1s to CONTROLS releases (raises) lines, writing 1s to
 * CONTROLC pulls them low, reading CONTROL gives the bus levels. Bit0 = SCL,
 * bit1 = SDA. Bit order and ACKs follow the NXP I2C-bus specification (UM10204).
 * Emulators don't model bus timing, so no delays are inserted between edges. */
#include "board.h"

#define SB_CONTROL REG32(0x4002A000u)  /* read: line levels */
#define SB_CONTROLS REG32(0x4002A000u) /* write: set (release) */
#define SB_CONTROLC REG32(0x4002A004u) /* write: clear (drive low) */
#define SCL 1u
#define SDA 2u

static void scl(bool high) { if (high) SB_CONTROLS = SCL; else SB_CONTROLC = SCL; }
static void sda(bool high) { if (high) SB_CONTROLS = SDA; else SB_CONTROLC = SDA; }
static bool sda_in(void) { return (SB_CONTROL & SDA) != 0; }

void i2c_init(void)
{
    SB_CONTROLS = SCL | SDA; /* bus idle */
}

/* A START, or a repeated START when the bus is held (SCL low). */
void i2c_start(void)
{
    sda(true);
    scl(true);
    sda(false);
    scl(false);
}

void i2c_stop(void)
{
    sda(false);
    scl(true);
    sda(true);
}

bool i2c_write_byte(uint8_t byte)
{
    for (int bit = 7; bit >= 0; bit--) {
        sda((byte >> bit) & 1u);
        scl(true);
        scl(false);
    }
    sda(true); /* release SDA for the slave's ACK */
    scl(true);
    bool ack = !sda_in();
    scl(false);
    return ack;
}

uint8_t i2c_read_byte(bool ack)
{
    uint8_t byte = 0;
    sda(true);
    for (int bit = 0; bit < 8; bit++) {
        scl(true);
        byte = (uint8_t)(byte << 1 | sda_in());
        scl(false);
    }
    sda(!ack);
    scl(true);
    scl(false);
    return byte;
}
