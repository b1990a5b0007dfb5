/* QEMU's Xtensa semihosting (the simcall instruction, -semihosting): the
 * board console on QEMU's own stdin/stdout. Only for the emulated board;
 * a real ESP8266 has its console on UART1 instead. */
#ifndef LX106_SEMIHOST_H
#define LX106_SEMIHOST_H

#include <stdint.h>

/* bytes written to the host's fd (1 stdout, 2 stderr), or -1 */
int32_t sh_write(int32_t fd, const void *p, int32_t len);
/* 1 when stdin has bytes (or is at its end) */
int sh_stdin_ready(void);
/* bytes read from stdin, 0 when none are waiting (never blocks) */
int32_t sh_read_nb(void *p, int32_t max);
/* ends QEMU with this exit status */
void sh_exit(int32_t status) __attribute__((noreturn));

#endif
