// The Internet checksum (RFC 1071) loop lwIP uses for every packet it sends (LWIP_CHKSUM in lwipopts.h):
// 64-bit accumulation over 32-bit words, several times faster than lwIP's portable loops.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* The non-inverted one's-complement sum of data as 16-bit words in memory order, folded to 16 bits and
 * returned in memory order: exactly what lwip_standard_chksum returns, for any alignment and length. */
unsigned short nefia_internet_checksum(const void* data, int length);

#ifdef __cplusplus
}
#endif
