/* CRC-32 (zlib's): crc32_update(0, data, len) of a whole buffer, or continued over
 * several pieces by passing the previous result. */
#ifndef CRC32_H
#define CRC32_H

#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const uint8_t *data, uint32_t len);

#endif
