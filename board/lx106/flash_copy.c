/* Byte copy out of mapped flash with aligned 32-bit loads only. */
#include <stdint.h>
#include "flash_copy.h"

void *lx106_flash_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    uintptr_t a = (uintptr_t)src;
    const volatile uint32_t *w = (const volatile uint32_t *)(a & ~(uintptr_t)3);
    unsigned shift = (unsigned)(a & 3u) * 8u;
    uint32_t word = n ? *w++ : 0;
    while (n--) {
        *d++ = (uint8_t)(word >> shift);
        shift += 8;
        if (shift == 32 && n) { word = *w++; shift = 0; }
    }
    return dst;
}
