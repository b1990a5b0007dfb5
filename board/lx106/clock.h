/* Time from the core's cycle counter (CCOUNT) and idle waits that let the
 * emulator (or the silicon) sleep: waiti until the CCOMPARE0 timer or the
 * modem UART's receive interrupt. */
#ifndef LX106_CLOCK_H
#define LX106_CLOCK_H

#include <stdint.h>

/* reads the CPU clock (the lx60 FPGA register that QEMU fills from the
 * core's configuration) */
void     clock_init(void);
uint32_t clock_hz(void);
static inline uint32_t ccount(void)
{
    uint32_t c;
    __asm__ volatile("rsr %0, ccount" : "=r"(c));
    return c;
}
/* milliseconds since clock_init; call it at least once every 2^32 cycles */
uint32_t clock_millis(void);
/* sleeps the core for up to ms (at most one timer period; the UART wakes
 * it earlier when a byte arrives) */
void     clock_idle(uint32_t ms);
/* cycles spent in clock_idle since start */
uint64_t clock_idle_cycles(void);

#endif
