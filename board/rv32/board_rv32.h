/* What the rv32-qemu board offers its main beyond hal.h. */
#ifndef BOARD_RV32_H
#define BOARD_RV32_H

#include <stdint.h>

void board_init(void);
void board_reset(void) __attribute__((noreturn));
uint64_t board_mtime(void);
uint64_t board_instret(void);          /* retired instructions (QEMU: needs -icount) */
uint32_t board_console_pending(void);  /* console bytes waiting */
uint32_t board_stack_used(void);       /* painted-stack high-water, bytes */
uint32_t board_stack_size(void);

#endif
