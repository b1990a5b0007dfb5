/* Integer division and 64-bit multiply helpers that Debian's lx106 libgcc
 * lacks (the ESP8266 boot ROM supplies them on silicon: __divsi3,
 * __udivsi3, __umodsi3, __muldi3, __udivdi3, __umoddi3). Restoring
 * shift-subtract division, one quotient bit a step from the highest set
 * bit (the core has NSAU, so __builtin_clz is one instruction); the
 * multiply from 16-bit halves so that it never calls itself. Only
 * 32-bit multiplies inside. C99. */
#include <stdint.h>

uint32_t __udivsi3(uint32_t n, uint32_t d);
uint32_t __umodsi3(uint32_t n, uint32_t d);
int32_t __divsi3(int32_t n, int32_t d);
uint64_t __muldi3(uint64_t a, uint64_t b);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);

/* quotient in the return value, remainder in *r; d != 0 (the callers
 * from C and from wasm2c's DIV_U check for zero first) */
static uint32_t udivmod32(uint32_t n, uint32_t d, uint32_t *r)
{
    uint32_t q = 0;
    int shift;
    if (d == 0) { *r = n; return 0xffffffffu; }
    if (n < d) { *r = n; return 0; }
    shift = __builtin_clz(d) - __builtin_clz(n);
    d <<= shift;
    for (; shift >= 0; shift--) {
        q <<= 1;
        if (n >= d) { n -= d; q |= 1; }
        d >>= 1;
    }
    *r = n;
    return q;
}

uint32_t __udivsi3(uint32_t n, uint32_t d) { uint32_t r; return udivmod32(n, d, &r); }
uint32_t __umodsi3(uint32_t n, uint32_t d) { uint32_t r; udivmod32(n, d, &r); return r; }

int32_t __divsi3(int32_t n, int32_t d)
{
    uint32_t un = n < 0 ? 0u - (uint32_t)n : (uint32_t)n;
    uint32_t ud = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
    uint32_t r, q = udivmod32(un, ud, &r);
    return (int32_t)((n < 0) != (d < 0) ? 0u - q : q);
}

static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *r)
{
    uint64_t q = 0;
    int shift;
    if (d == 0) { *r = n; return ~(uint64_t)0; }
    if (n < d) { *r = n; return 0; }
    if ((n >> 32) == 0) { /* both fit in 32 bits */
        uint32_t r32, q32 = udivmod32((uint32_t)n, (uint32_t)d, &r32);
        *r = r32;
        return q32;
    }
    shift = __builtin_clzll(d) - __builtin_clzll(n);
    d <<= shift;
    for (; shift >= 0; shift--) {
        q <<= 1;
        if (n >= d) { n -= d; q |= 1; }
        d >>= 1;
    }
    *r = n;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { uint64_t r; return udivmod64(n, d, &r); }
uint64_t __umoddi3(uint64_t n, uint64_t d) { uint64_t r; udivmod64(n, d, &r); return r; }

/* 32 x 32 -> 64 from four 16 x 16 products */
static uint64_t mul32x32(uint32_t a, uint32_t b)
{
    uint32_t al = a & 0xffffu, ah = a >> 16, bl = b & 0xffffu, bh = b >> 16;
    uint32_t p0 = al * bl, p1 = ah * bl, p2 = al * bh, p3 = ah * bh;
    uint32_t mid = (p0 >> 16) + (p1 & 0xffffu) + (p2 & 0xffffu);
    uint32_t lo = (p0 & 0xffffu) | (mid << 16);
    uint32_t hi = p3 + (p1 >> 16) + (p2 >> 16) + (mid >> 16);
    return (uint64_t)hi << 32 | lo;
}

uint64_t __muldi3(uint64_t a, uint64_t b)
{
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32);
    uint32_t bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    return mul32x32(al, bl) + ((uint64_t)(al * bh + ah * bl) << 32);
}
