/* HAL of the rv32-qemu board: an ESP32-C3-class rv32imc core on QEMU's
 * riscv32 'virt' machine. The modem is on the machine's NS16550A (UART0,
 * -serial tcp:...), the console on a second 16550 behind PCIe
 * (-device pci-serial), whose I/O BAR this file assigns through ECAM.
 * Both receive FIFOs are drained into rings whenever the board polls; the
 * QEMU chardevs stop reading their host side while a 16-byte FIFO is full,
 * so a slow guest delays bytes but never loses them. hal_sleep waits in
 * WFI with mstatus.MIE off: the CLINT timer and the PLIC (both UARTs' RX
 * interrupts) only wake the hart, no handler runs. No host sockets. */
#include "board_rv32.h"
#include "hal.h"
#include "io_table.h"
#include "console.h"
#include "virt.h"

#include <stdio.h>
#include <string.h>

/* ---- CSRs, time -------------------------------------------------------- */

#define csr_read(name) ({ uint32_t v_; __asm__ volatile ("csrr %0, " #name : "=r"(v_)); v_; })
#define csr_write(name, v) __asm__ volatile ("csrw " #name ", %0" :: "r"((uint32_t)(v)))

#define MIE_MTIE (1u << 7)
#define MIE_MEIE (1u << 11)

uint64_t board_mtime(void)
{
    uint32_t hi, lo;
    do {
        hi = REG32(CLINT_MTIME + 4);
        lo = REG32(CLINT_MTIME);
    } while (hi != REG32(CLINT_MTIME + 4));
    return (uint64_t)hi << 32 | lo;
}

uint64_t board_instret(void)
{
    uint32_t hi, lo;
    do {
        hi = csr_read(minstreth);
        lo = csr_read(minstret);
    } while (hi != csr_read(minstreth));
    return (uint64_t)hi << 32 | lo;
}

uint32_t hal_millis(void)
{
    return (uint32_t)(board_mtime() / (MTIME_HZ / 1000u));
}

static void set_mtimecmp(uint64_t t)
{
    REG32(CLINT_MTIMECMP0 + 4) = 0xffffffffu; /* no spurious match while half written */
    REG32(CLINT_MTIMECMP0) = (uint32_t)t;
    REG32(CLINT_MTIMECMP0 + 4) = (uint32_t)(t >> 32);
}

/* ---- entropy: mtime at each received byte (host scheduling jitter) ---- */

static uint64_t pool = 0x6a09e667f3bcc908ull;

static void entropy_mix(uint32_t v)
{
    pool ^= v;
    pool *= 0x9e3779b97f4a7c15ull;
    pool ^= pool >> 29;
}

void hal_random_fill(uint8_t *p, int32_t len)
{
    while (len > 0) {
        uint64_t z;
        int k;
        entropy_mix((uint32_t)board_mtime());
        z = pool += 0x9e3779b97f4a7c15ull; /* splitmix64 output of the pool */
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        for (k = 0; k < 8 && len > 0; k++, len--) *p++ = (uint8_t)(z >> (8 * k));
    }
}

/* ---- the two 16550s ---------------------------------------------------- */

typedef struct {
    uintptr_t base;
    uint8_t *buf;
    uint16_t size, head, tail; /* size a power of two; head - tail = bytes held */
    uint32_t received;         /* bytes ever taken off the FIFO */
} uart_rx;

static uint8_t modem_ring[2048], console_ring[1024];
static uart_rx modem = { VIRT_UART0, modem_ring, sizeof modem_ring, 0, 0, 0 };
static uart_rx console = { 0, console_ring, sizeof console_ring, 0, 0, 0 };

/* take what the FIFO holds while the ring has room (the rest waits in the
 * FIFO, and behind it in QEMU's chardev: flow control, not loss) */
static void drain(uart_rx *u)
{
    if (!u->base) return;
    while ((uint16_t)(u->head - u->tail) < u->size && (REG8(u->base + U_LSR) & LSR_DR)) {
        u->buf[u->head++ & (u->size - 1)] = REG8(u->base + U_RBR);
        u->received++;
        entropy_mix((uint32_t)board_mtime());
    }
}

static int32_t ring_read(uart_rx *u, uint8_t *p, int32_t max)
{
    int32_t n = 0;
    drain(u);
    while (n < max && u->head != u->tail) p[n++] = u->buf[u->tail++ & (u->size - 1)];
    return n;
}

static void uart_init(uintptr_t base, int32_t baud)
{
    uint32_t div = (UART_CLOCK_HZ + 8u * (uint32_t)baud) / (16u * (uint32_t)baud);
    if (div == 0) div = 1;
    REG8(base + U_IER) = 0;
    REG8(base + U_LCR) = 0x80;            /* DLAB */
    REG8(base + U_DLL) = (uint8_t)div;
    REG8(base + U_DLM) = (uint8_t)(div >> 8);
    REG8(base + U_LCR) = 0x03;            /* 8N1 */
    REG8(base + U_FCR) = 0x07;            /* FIFOs on and cleared, RX trigger 1 byte */
    REG8(base + U_MCR) = 0x0b;            /* DTR, RTS, OUT2 (IRQ gate on PC-style boards) */
    REG8(base + U_IER) = 0x01;            /* RX data available */
}

void hal_uart_set_baud(int32_t baud)
{
    if (baud <= 0) return;
    drain(&modem);
    uart_init(modem.base, baud);
}

int32_t hal_uart_read(uint8_t *p, int32_t max) { return ring_read(&modem, p, max); }

static int32_t uart_put(uintptr_t base, const uint8_t *p, int32_t len)
{
    int32_t n = 0;
    if (!(REG8(base + U_LSR) & LSR_THRE)) return 0; /* FIFO not yet empty */
    while (n < len && n < UART_FIFO) REG8(base + U_THR) = p[n++];
    return n;
}

int32_t hal_uart_write(const uint8_t *p, int32_t len) { return uart_put(modem.base, p, len); }

/* ---- console (the PCI 16550) ------------------------------------------- */

int32_t hal_console_read(uint8_t *p, int32_t max) { return ring_read(&console, p, max); }

int32_t hal_console_write(const uint8_t *p, int32_t len)
{
    int32_t done = 0;
    if (!console.base) return len;
    while (done < len) {
        done += uart_put(console.base, p + done, len - done);
        drain(&modem); /* keep the modem FIFO moving while we wait */
    }
    return len;
}

void hal_gpio_write(int32_t pin, int32_t level)
{
    /* nothing is wired on virt: the harness drives the emulated modem's pin */
    char line[32];
    int n = snprintf(line, sizeof line, "G %ld %ld\n", (long)pin, (long)level);
    hal_console_write((const uint8_t *)line, n);
}

/* ---- board I/O: nothing is wired, so a pin table (io_table.c): outputs
 * as console P lines, inputs from the console's `set` ---- */
int32_t hal_pin_mode(int32_t pin, int32_t mode) { io_table_on_pin = console_pin; return io_table_pin_mode(pin, mode); }
int32_t hal_pin_read(int32_t pin) { return io_table_pin_read(pin); }
int32_t hal_pin_write(int32_t pin, int32_t level) { io_table_on_pin = console_pin; return io_table_pin_write(pin, level); }
int32_t hal_adc_read(int32_t channel) { return io_table_adc_read(channel); }
int32_t hal_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen)
{ return io_table_i2c_xfer(addr, w, wlen, r, rlen); }

/* ---- no host sockets: AT-modem links only (board/core/hal_nosock.c) ---- */

/* ---- sleep ------------------------------------------------------------- */

uint32_t board_console_pending(void)
{
    drain(&console);
    return (uint16_t)(console.head - console.tail);
}

void hal_sleep(uint32_t ms)
{
    uint64_t end = board_mtime() + (uint64_t)ms * (MTIME_HZ / 1000u);
    uint32_t m0 = modem.received, c0 = console.received;
    set_mtimecmp(end);
    for (;;) {
        uint32_t claim;
        drain(&modem);
        drain(&console);
        if (modem.received != m0 || console.received != c0 || board_mtime() >= end) break;
        __asm__ volatile ("wfi");
        while ((claim = REG32(VIRT_PLIC + 0x200004u)) != 0) REG32(VIRT_PLIC + 0x200004u) = claim;
    }
    set_mtimecmp(UINT64_MAX);
}

/* ---- bring-up ---------------------------------------------------------- */

#define ECAM_FN(dev) (VIRT_PCIE_ECAM + ((uint32_t)(dev) << 15))
#define CONSOLE_IO_PORT 0x1000u

/* find QEMU's pci-serial (1b36:0002) and map its I/O BAR */
static uintptr_t pci_serial(void)
{
    uint32_t dev;
    for (dev = 0; dev < 32; dev++) {
        uintptr_t cfg = ECAM_FN(dev);
        if (REG32(cfg) != 0x00021b36u) continue;
        REG32(cfg + 0x10) = CONSOLE_IO_PORT;          /* BAR0: 8 I/O ports */
        REG16(cfg + 0x04) = REG16(cfg + 0x04) | 0x1u; /* command: I/O space on */
        return VIRT_PCIE_PIO + CONSOLE_IO_PORT;
    }
    return 0;
}

static void plic_enable(uint32_t irq)
{
    REG32(VIRT_PLIC + 4u * irq) = 1;                             /* priority */
    REG32(VIRT_PLIC + 0x2000u + 4u * (irq / 32u)) |= 1u << (irq % 32u); /* context 0: hart 0 M */
}

extern char __stack[], __heap_end[];
#define STACK_PAINT 0xa5a5a5a5u

static void paint_stack(void)
{
    uint32_t *p = (uint32_t *)(void *)__heap_end;
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0) - 64; /* leave our own frame alone */
    while (p < sp) *p++ = STACK_PAINT;
}

uint32_t board_stack_used(void)
{
    const uint32_t *p = (const uint32_t *)(void *)__heap_end;
    while (p < (const uint32_t *)(void *)__stack && *p == STACK_PAINT) p++;
    return (uint32_t)((uintptr_t)__stack - (uintptr_t)p);
}

uint32_t board_stack_size(void) { return (uint32_t)((uintptr_t)__stack - (uintptr_t)__heap_end); }

void board_fault(void);

void board_init(void)
{
    uint32_t i;
    paint_stack();
    csr_write(mstatus, csr_read(mstatus) & ~0x8u); /* MIE off: interrupts only wake WFI */
    csr_write(mtvec, (uintptr_t)board_fault);
    set_mtimecmp(UINT64_MAX);
    modem.head = modem.tail = console.head = console.tail = 0;
    uart_init(modem.base, 115200);
    console.base = pci_serial();
    if (console.base) uart_init(console.base, 115200);
    REG32(VIRT_PLIC + 0x200000u) = 0; /* threshold */
    plic_enable(UART0_IRQ);
    for (i = 0; i < PCIE_IRQ_COUNT; i++) plic_enable(PCIE_IRQ_FIRST + i);
    csr_write(mie, MIE_MTIE | MIE_MEIE);
    entropy_mix((uint32_t)board_mtime());
}

extern void _start(void);

/* the board's watchdog reset: the fixed heap cannot be freed, so a module
 * restart starts the image over (crt0 clears .bss and copies .data again;
 * .preserve survives) */
void board_reset(void)
{
    csr_write(mie, 0);
    REG8(modem.base + U_IER) = 0;
    if (console.base) REG8(console.base + U_IER) = 0;
    __asm__ volatile ("jr %0" :: "r"(_start));
    for (;;) {}
}

/* machine trap (never taken for interrupts: MIE stays off): report, reset */
__attribute__((aligned(4), noreturn)) void board_fault(void)
{
    char line[96];
    int n = snprintf(line, sizeof line, "T cpu fault mcause=%lu mepc=0x%08lx mtval=0x%08lx\n",
                     (unsigned long)csr_read(mcause), (unsigned long)csr_read(mepc),
                     (unsigned long)csr_read(mtval));
    hal_console_write((const uint8_t *)line, n);
    board_reset();
    for (;;) {}
}

/* picolibc's crt0 calls exit() when main returns: start over */
void _exit(int status)
{
    (void)status;
    board_reset();
    for (;;) {}
}
