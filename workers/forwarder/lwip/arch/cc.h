/* lwIP platform glue for the forwarder: compiler/libc facts, diagnostics, randomness, byte swaps.
 * Must never pull in anything that needs threads or locks: lwIP runs NO_SYS on one libuv loop. */
#ifndef NEFIA_LWIP_ARCH_CC_H
#define NEFIA_LWIP_ARCH_CC_H

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>

/* Use the system's errno values so lwIP's err_t -> errno mapping matches what the kernel says. */
#define LWIP_ERRNO_INCLUDE <errno.h>
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

/* Used for the first ephemeral port only; arc4random (glibc >= 2.36) is seeded by the kernel. */
#define LWIP_RAND() ((u32_t)arc4random())

/* An lwIP assertion is our own broken invariant: say where and abort (no silent continuation). */
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { \
    fprintf(stderr, "nefia-forward: lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
    fflush(stderr); abort(); } while (0)

/* lwIP's portable byte swaps are function calls; the compiler builtins are single instructions. */
#if BYTE_ORDER == LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))
#endif

#endif /* NEFIA_LWIP_ARCH_CC_H */
