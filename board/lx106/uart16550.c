/* 16550 driver for the modem UART (see uart16550.h). */
#include "uart16550.h"

#define UART_BASE 0x9d050020u
#define REG(n) (*(volatile uint32_t *)(UART_BASE + 4u * (n)))
#define RBR REG(0)
#define THR REG(0)
#define DLL REG(0)
#define IER REG(1)
#define DLM REG(1)
#define FCR REG(2)
#define LCR REG(3)
#define MCR REG(4)
#define LSR REG(5)
#define LSR_DR   0x01u
#define LSR_THRE 0x20u
#define UART_CLOCK_BAUD 115200u /* QEMU: serial_mm_init(..., 115200, ...) */

#ifndef UART_RX_RING
#define UART_RX_RING 512u /* a power of two; > one AT answer burst */
#endif

static uint8_t ring[UART_RX_RING];
static uint32_t head, tail, lost, tx_total;
/* head at the last uart_read: bytes after it are news to the firmware */
static uint32_t seen;

void uart_set_baud(uint32_t baud)
{
    uint32_t div = baud ? UART_CLOCK_BAUD / baud : 1u;
    if (div == 0) div = 1;
    LCR = 0x83;            /* DLAB, 8N1 */
    DLL = div & 0xffu;
    DLM = (div >> 8) & 0xffu;
    LCR = 0x03;
}

void uart_init(uint32_t baud)
{
    IER = 0;
    uart_set_baud(baud);
    FCR = 0x07;            /* FIFO on, both cleared */
    MCR = 0x0b;            /* DTR, RTS, OUT2 (the interrupt line) */
    head = tail = lost = seen = 0;
}

void uart_rx_irq(int on) { IER = on ? 0x01u : 0u; }

void uart_poll(void)
{
    while (LSR & LSR_DR) {
        uint8_t b = (uint8_t)RBR;
        if (head - tail < UART_RX_RING) ring[head++ % UART_RX_RING] = b;
        else lost++;
    }
}

int32_t uart_read(uint8_t *p, int32_t max)
{
    int32_t n = 0;
    uart_poll();
    seen = head;
    while (n < max && tail != head) p[n++] = ring[tail++ % UART_RX_RING];
    return n;
}

int32_t uart_write(const uint8_t *p, int32_t len)
{
    int32_t n = 0;
    /* THRE: the transmit FIFO is empty, so 16 bytes fit; never waits */
    if (LSR & LSR_THRE)
        while (n < len && n < 16) THR = p[n++];
    tx_total += (uint32_t)n;
    uart_poll();
    return n;
}

int uart_rx_news(void) { return head != seen; }
uint32_t uart_rx_lost(void) { return lost; }
uint32_t uart_bytes(void) { return tx_total + head; }
