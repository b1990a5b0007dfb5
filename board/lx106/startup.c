/* C start-up after start.S: .data from flash, .bss zeroed, the stack
 * painted for the high-water figure; and the fatal exception report. */
#include <stdint.h>
#include <string.h>
#include "startup.h"
#include "semihost.h"

extern uint32_t _data_start[], _data_end[], _data_load[];
extern uint32_t _bss_start[], _bss_end[];
extern uint8_t _stack_bottom[], _stack_top[];

#define PAINT 0xa5u
#define FPGA_RESET (*(volatile uint32_t *)0x9d020010u)

int main(void);
void lx106_start(void);
void lx106_fatal(uint32_t vector, uint32_t cause, uint32_t epc, uint32_t vaddr);

void lx106_start(void)
{
    uint32_t *s = _data_load, *d = _data_start;
    uint8_t *p, *sp;
    /* word copies: mapped flash takes only aligned 32-bit loads */
    while (d < _data_end) *d++ = *s++;
    for (d = _bss_start; d < _bss_end; d++) *d = 0;
    /* paint from the bottom of the stack up to just below this frame */
    __asm__ volatile("mov %0, a1" : "=r"(sp));
    for (p = _stack_bottom; p < sp - 64; p++) *p = PAINT;
    main();
    board_reset();
}

uint32_t stack_high_water(void)
{
    const uint8_t *p = _stack_bottom;
    while (p < _stack_top && *p == PAINT) p++;
    return (uint32_t)(_stack_top - p);
}

uint32_t stack_size(void) { return (uint32_t)(_stack_top - _stack_bottom); }

void board_reset(void)
{
    /* the lx60 FPGA's reset register: the whole board, as a watchdog */
    FPGA_RESET = 0xdead;
    for (;;) {}
}

static char *hex32(char *o, uint32_t v)
{
    int i;
    for (i = 28; i >= 0; i -= 4) *o++ = "0123456789abcdef"[(v >> i) & 15u];
    return o;
}

void lx106_fatal(uint32_t vector, uint32_t cause, uint32_t epc, uint32_t vaddr)
{
    /* one T line on the console, then a reset */
    char line[80], *o = line;
    const char *t = "T exception vector ";
    while (*t) *o++ = *t++;
    *o++ = (char)('0' + vector);
    t = " cause ";
    while (*t) *o++ = *t++;
    o = hex32(o, cause);
    t = " pc ";
    while (*t) *o++ = *t++;
    o = hex32(o, epc);
    t = " addr ";
    while (*t) *o++ = *t++;
    o = hex32(o, vaddr);
    *o++ = '\n';
    sh_write(1, line, (int32_t)(o - line));
    board_reset();
}

/* libc's abort and exit end here too: report and reset */
void abort(void)
{
    sh_write(1, "T abort\n", 8);
    board_reset();
}

void _exit(int status)
{
    (void)status;
    sh_write(1, "T exit\n", 7);
    board_reset();
}
