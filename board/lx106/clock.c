/* CCOUNT time base and waiti-based idling (see clock.h). */
#include "clock.h"
#include "uart16550.h"

#define FPGA_CLOCK_HZ (*(volatile uint32_t *)0x9d020004u)
#define INT_UART  (1u << 0)  /* lx60: the 16550 on external interrupt 0 */
#define INT_TIMER (1u << 6)  /* CCOMPARE0 */

static uint32_t hz, cycles_per_ms, last, rest, ms;
static uint64_t idle;

void clock_init(void)
{
    hz = FPGA_CLOCK_HZ;
    if (hz < 1000000u) hz = 80000000u; /* the ESP8266's default, if unreadable */
    cycles_per_ms = hz / 1000u;
    last = ccount();
    rest = ms = 0;
}

uint32_t clock_hz(void) { return hz; }

uint32_t clock_millis(void)
{
    uint32_t now = ccount();
    rest += now - last;
    last = now;
    if (rest >= cycles_per_ms) {
        uint32_t whole = rest / cycles_per_ms;
        ms += whole;
        rest -= whole * cycles_per_ms;
    }
    return ms;
}

void clock_idle(uint32_t wait_ms)
{
    uint32_t c, t0;
    if (wait_ms == 0) return;
    if (wait_ms > 1000u) wait_ms = 1000u;
    uart_poll();
    if (uart_rx_news()) return;
    t0 = ccount();
    c = t0 + wait_ms * cycles_per_ms;
    __asm__ volatile("wsr %0, ccompare0; rsync" :: "r"(c));
    uart_rx_irq(1);
    /* the handler (start.S) clears INTENABLE; waiti sets PS.INTLEVEL 0 */
    __asm__ volatile("wsr %0, intenable; rsync; waiti 0" :: "r"(INT_UART | INT_TIMER) : "memory");
    __asm__ volatile("rsil %0, 15" : "=r"(c));
    uart_rx_irq(0);
    idle += ccount() - t0;
}

uint64_t clock_idle_cycles(void) { return idle; }
