// CRC-32C (Castagnoli), the checksum of write-ahead log records.
//
// Chosen over a 64-bit hash because a CRC detects every burst error up to 32
// bits and every odd number of flipped bits, which is what a torn or damaged
// record looks like; and x86 computes it in hardware (SSE4.2), 8 bytes a step.
#ifndef SEER_BASE_CRC32C_H
#define SEER_BASE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

// The CRC of data continued from crc (0 to start): seer_crc32c(seer_crc32c(0, a, n), b, m)
// is the CRC of a followed by b. seer_crc32c(0, "123456789", 9) == 0xe3069283.
uint32_t seer_crc32c(uint32_t crc, const void *data, size_t n);

#endif
