/* The modem UART: the 16550 of QEMU's lx60 board at 0x9d050020 (registers
 * 4 bytes apart, 115200 base clock), with a receive ring filled at every
 * poll so the 16-byte FIFO never overflows between loop() steps. */
#ifndef LX106_UART16550_H
#define LX106_UART16550_H

#include <stdint.h>

void    uart_init(uint32_t baud);
void    uart_set_baud(uint32_t baud);
/* moves what the FIFO holds into the ring; cheap, call it often */
void    uart_poll(void);
int32_t uart_read(uint8_t *p, int32_t max);
/* bytes taken (0 when the transmitter is busy) */
int32_t uart_write(const uint8_t *p, int32_t len);
/* 1 when bytes came after the last uart_read: what the firmware left
 * in the ring on purpose (its buffers full) does not count */
int     uart_rx_news(void);
/* ring overflows since start (bytes lost: should stay 0) */
uint32_t uart_rx_lost(void);
/* bytes sent plus bytes received since start (wraps) */
uint32_t uart_bytes(void);
/* the receive interrupt on/off (only to wake the core from waiti) */
void    uart_rx_irq(int on);

#endif
