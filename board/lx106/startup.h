/* Board-level services of the lx106 image (startup.c). */
#ifndef LX106_STARTUP_H
#define LX106_STARTUP_H

#include <stdint.h>

/* deepest stack use since power-on, bytes (painted stack) */
uint32_t stack_high_water(void);
/* bytes between the end of .bss and the top of RAM */
uint32_t stack_size(void);
/* resets the whole board (QEMU lx60: the FPGA reset register) */
void board_reset(void) __attribute__((noreturn));

#endif
