/* atmqtt-simavr: runs the ATmega1284P image in libsimavr at 16 MHz, in
 * real time (simulated time is throttled to wall time, so the modem
 * emulator's baud pacing holds), with
 * - USART1 (modem) on a TCP connection to 127.0.0.1:PORT speaking the
 *   framed protocol of sim/modem-server.ts: TX bytes -> kind-0 frames,
 *   PD4/PD5 changes -> kind-1 frames (ABI pins 4 PWRKEY, 5 RESET), UBRR1
 *   changes -> kind-2 frames (nearest standard rate); bytes from the socket
 *   go into USART1's receiver, which simavr paces at one byte per frame time;
 * - USART0 (console) on stdin/stdout. Nothing else goes to stdout: simavr's
 *   own messages are moved to stderr.
 * CPU cost: on SIGUSR1 and at exit, one line on stderr:
 *   "cycles TOTAL busy AWAKE sim_ms MS uart1_tx N uart1_rx N" (AWAKE: cycles
 *   not in SLEEP; N: modem UART bytes each way).
 * --profile FILE: a cycle profile per PC and per called address (profile.c),
 * written to FILE and zeroed on each SIGUSR2 (bench/avr-profile.ts reads it).
 * usage: atmqtt-simavr --elf FILE --modem-port PORT [--seconds N] [--profile FILE] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_irq.h>
#include <avr_uart.h>
#include <avr_ioport.h>

#include "profile.h"

#define FREQ 16000000u
#define POLL_CYCLES 4000u   /* 250 us of simulated time between I/O polls */
#define UBRR1L 0xCC
#define UBRR1H 0xCD
#define UCSR1A 0xC8

typedef struct {
    uint8_t buf[65536];
    size_t head, tail;      /* bytes waiting to go into a UART receiver */
    int xoff;               /* the receiver's FIFO is full */
    avr_irq_t *input;
} rxq_t;

static avr_t *avr;
static int sock = -1, console_out = -1;
static rxq_t modem_rx, console_rx;
static uint8_t modem_tx[4096];
static size_t modem_tx_n;
static uint8_t con_tx[4096];
static size_t con_tx_n;
static uint64_t busy_cycles, uart1_tx, uart1_rx;
static volatile sig_atomic_t want_report, want_stop, want_profile;
static int profiling;
static int pin_level[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
static uint32_t last_baud;

static void die(const char *what) { fprintf(stderr, "atmqtt-simavr: %s: %s\n", what, strerror(errno)); exit(1); }

static void send_all(const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(sock, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) { usleep(100); continue; }
            fprintf(stderr, "atmqtt-simavr: modem link: %s\n", strerror(errno));
            want_stop = 1;
            return;
        }
        p += w; n -= (size_t)w;
    }
}

static void frame(uint8_t kind, const uint8_t *data, size_t len)
{
    uint8_t h[3] = { kind, (uint8_t)(len >> 8), (uint8_t)len };
    send_all(h, 3);
    send_all(data, len);
}

static void flush_modem_tx(void)
{
    if (modem_tx_n) { frame(0, modem_tx, modem_tx_n); modem_tx_n = 0; }
}

static void flush_console(void)
{
    size_t o = 0;
    while (o < con_tx_n) {
        ssize_t w = write(console_out, con_tx + o, con_tx_n - o);
        if (w < 0) { if (errno == EINTR || errno == EAGAIN) continue; want_stop = 1; break; }
        o += (size_t)w;
    }
    con_tx_n = 0;
}

/* ---- simavr callbacks ---- */

static void on_modem_byte(avr_irq_t *irq, uint32_t v, void *p)
{
    (void)irq; (void)p;
    uart1_tx++;
    if (modem_tx_n == sizeof modem_tx) flush_modem_tx();
    modem_tx[modem_tx_n++] = (uint8_t)v;
}

static void on_console_byte(avr_irq_t *irq, uint32_t v, void *p)
{
    (void)irq; (void)p;
    if (con_tx_n == sizeof con_tx) flush_console();
    con_tx[con_tx_n++] = (uint8_t)v;
}

static void feed(rxq_t *q)
{
    while (!q->xoff && q->tail != q->head) {
        uint8_t b = q->buf[q->tail];
        q->tail = (q->tail + 1) % sizeof q->buf;
        if (q == &modem_rx) uart1_rx++;
        avr_raise_irq(q->input, b); /* may raise XOFF (re-entering on_xoff) */
    }
}

static void on_xon(avr_irq_t *irq, uint32_t v, void *p)
{
    rxq_t *q = p;
    (void)irq; (void)v;
    q->xoff = 0;
    feed(q);
}

static void on_xoff(avr_irq_t *irq, uint32_t v, void *p)
{
    rxq_t *q = p;
    (void)irq;
    q->xoff = v != 0;
}

static void on_pin(avr_irq_t *irq, uint32_t v, void *p)
{
    int pin = (int)(intptr_t)p;
    uint8_t d[2] = { (uint8_t)pin, (uint8_t)(v ? 1 : 0) };
    (void)irq;
    if (pin_level[pin] == d[1]) return;
    pin_level[pin] = d[1];
    flush_modem_tx(); /* keep the order of bytes and pin changes */
    frame(1, d, 2);
}

static void no_sleep(avr_t *a, avr_cycle_count_t how_long) { (void)a; (void)how_long; }

/* ---- host side ---- */

static void enqueue(rxq_t *q, const uint8_t *p, size_t n)
{
    while (n--) {
        size_t next = (q->head + 1) % sizeof q->buf;
        if (next == q->tail) { fprintf(stderr, "atmqtt-simavr: receive queue full, byte dropped\n"); continue; }
        q->buf[q->head] = *p++;
        q->head = next;
    }
    feed(q);
}

static void check_baud(void)
{
    static const uint32_t std[] = { 2400, 4800, 9600, 19200, 38400, 57600, 74880, 115200, 230400, 460800, 921600 };
    uint32_t ubrr = avr->data[UBRR1L] | (uint32_t)avr->data[UBRR1H] << 8;
    uint32_t div = (avr->data[UCSR1A] & 2) ? 8u : 16u, baud = FREQ / div / (ubrr + 1), best = baud, i;
    for (i = 0; i < sizeof std / sizeof std[0]; i++) {
        uint32_t d = std[i] > baud ? std[i] - baud : baud - std[i];
        if (d * 100u <= std[i] * 3u) { best = std[i]; break; } /* within 3 %: what the part would sync to */
    }
    if (!(avr->data[0xC9] & 0x08)) return; /* UCSR1B.TXEN1 off: not configured yet */
    if (best != last_baud) {
        uint8_t d[4] = { (uint8_t)(best >> 24), (uint8_t)(best >> 16), (uint8_t)(best >> 8), (uint8_t)best };
        last_baud = best;
        flush_modem_tx();
        frame(2, d, 4);
    }
}

static void poll_io(void)
{
    uint8_t b[4096];
    ssize_t n;
    flush_modem_tx();
    flush_console();
    check_baud();
    while ((n = recv(sock, b, sizeof b, MSG_DONTWAIT)) > 0) enqueue(&modem_rx, b, (size_t)n);
    if (n == 0) { fprintf(stderr, "atmqtt-simavr: the modem closed the link\n"); want_stop = 1; }
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) die("modem link");
    if (console_rx.input) {
        n = read(0, b, sizeof b);
        if (n > 0) enqueue(&console_rx, b, (size_t)n);
        else if (n == 0) console_rx.input = console_rx.input; /* stdin closed: nothing more to type */
    }
    feed(&modem_rx);
    feed(&console_rx);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void report(const char *why)
{
    fprintf(stderr, "cycles %llu busy %llu sim_ms %llu uart1_tx %llu uart1_rx %llu (%s)\n", (unsigned long long)avr->cycle,
            (unsigned long long)busy_cycles, (unsigned long long)(avr->cycle / (FREQ / 1000u)),
            (unsigned long long)uart1_tx, (unsigned long long)uart1_rx, why);
}

static void on_signal(int s) { if (s == SIGUSR1) want_report = 1; else if (s == SIGUSR2) want_profile = 1; else want_stop = 1; }

static void connect_modem(int port)
{
    struct sockaddr_in a;
    int one = 1;
    sock = socket(AF_INET, SOCK_STREAM, 0);
    if (sock < 0) die("socket");
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(sock, (struct sockaddr *)&a, sizeof a) < 0) die("connect to the modem");
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void wire_uart(char name, avr_irq_notify_t out, rxq_t *q)
{
    uint32_t flags = 0;
    avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS(name), &flags);
    flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
    avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS(name), &flags);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(name), UART_IRQ_OUTPUT), out, NULL);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(name), UART_IRQ_OUT_XON), on_xon, q);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(name), UART_IRQ_OUT_XOFF), on_xoff, q);
    q->input = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(name), UART_IRQ_INPUT);
}

int main(int argc, char **argv)
{
    const char *elf = NULL;
    int port = 0, i;
    double seconds = 0;
    elf_firmware_t fw;
    uint64_t t0, next_poll = 0;
    struct sigaction sa;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--elf") && i + 1 < argc) elf = argv[++i];
        else if (!strcmp(argv[i], "--modem-port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--profile") && i + 1 < argc) { prof_init(argv[++i]); profiling = 1; }
        else { fprintf(stderr, "usage: atmqtt-simavr --elf FILE --modem-port PORT [--seconds N] [--profile FILE]\n"); return 2; }
    }
    if (!elf || port <= 0) { fprintf(stderr, "usage: atmqtt-simavr --elf FILE --modem-port PORT [--seconds N] [--profile FILE]\n"); return 2; }

    /* stdout is the console alone: simavr prints to stdout, so it gets stderr */
    console_out = dup(1);
    if (console_out < 0 || dup2(2, 1) < 0) die("dup");
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);

    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(elf, &fw) != 0) { fprintf(stderr, "atmqtt-simavr: cannot read %s\n", elf); return 1; }
    avr = avr_make_mcu_by_name("atmega1284p");
    if (!avr) { fprintf(stderr, "atmqtt-simavr: simavr has no atmega1284p\n"); return 1; }
    avr_init(avr);
    avr->log = LOG_ERROR;
    fw.frequency = FREQ;
    avr_load_firmware(avr, &fw);
    avr->frequency = FREQ;
    avr->sleep = no_sleep; /* real time is kept by the throttle below */

    connect_modem(port);
    modem_rx.xoff = console_rx.xoff = 1; /* until the receiver is enabled (XON) */
    wire_uart('1', on_modem_byte, &modem_rx);
    wire_uart('0', on_console_byte, &console_rx);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('D'), 4), on_pin, (void *)(intptr_t)4);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('D'), 5), on_pin, (void *)(intptr_t)5);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    t0 = now_ns();
    while (!want_stop) {
        avr_cycle_count_t c0 = avr->cycle;
        int was = avr->state;
        uint32_t pc0 = avr->pc;
        int st = avr_run(avr);
        /* the SLEEP instruction's run also jumps to the next timer: not busy */
        if (was == cpu_Running && avr->state == cpu_Running) busy_cycles += avr->cycle - c0;
        if (profiling) prof_step(avr, pc0, avr->cycle - c0, was == cpu_Running && avr->state == cpu_Running);
        if (st == cpu_Done || st == cpu_Crashed) {
            fprintf(stderr, "atmqtt-simavr: the CPU %s\n", st == cpu_Done ? "stopped" : "crashed");
            break;
        }
        if (avr->cycle >= next_poll) {
            uint64_t sim_ns = avr->cycle * 1000u / (FREQ / 1000000u);
            uint64_t wall = now_ns() - t0;
            next_poll = avr->cycle + POLL_CYCLES;
            poll_io();
            if (sim_ns > wall + 200000u) { /* ahead of the wall clock: wait */
                struct timespec ts = { 0, (long)(sim_ns - wall) };
                nanosleep(&ts, NULL);
            }
            if (want_report) { want_report = 0; report("SIGUSR1"); }
            if (want_profile) { want_profile = 0; prof_dump(); }
            if (seconds > 0 && (double)sim_ns / 1e9 >= seconds) break;
        }
    }
    flush_modem_tx();
    flush_console();
    report("exit");
    return 0;
}
