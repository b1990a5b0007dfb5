/* atmqtt HAL for the lx106 image under QEMU (lx60-nommu -cpu lx106): the
 * CPU, compiler and libc of the ESP8266 with a QEMU-board HAL, not an
 * ESP8266:
 * - modem: the lx60 board's 16550 UART (uart16550.c), QEMU -serial tcp:;
 * - console (board/CONSOLE.md): QEMU's stdin/stdout through semihosting;
 * - modem pins: nothing is wired, so gpio_write is a console G line;
 * - time: CCOUNT (clock.c); idle: waiti until the timer or the UART;
 * - random: CCOUNT jitter mixed into a pool;
 * - sockets: none (the module talks through the modem).
 * The module itself is compiled in (board/wasm2c, atmqtt_aot.c). */
#include <stdint.h>
#include <string.h>
#include "atmqtt_host.h"
#include "clock.h"
#include "console.h"
#include "hal.h"
#include "io_table.h"
#include "semihost.h"
#include "startup.h"
#include "uart16550.h"

uint32_t hal_millis(void)
{
    uart_poll(); /* the firmware asks for the time often: keep the FIFO drained */
    return clock_millis();
}

int32_t hal_uart_write(const uint8_t *p, int32_t len) { return uart_write(p, len); }
int32_t hal_uart_read(uint8_t *p, int32_t max) { return uart_read(p, max); }
void hal_uart_set_baud(int32_t baud) { uart_set_baud((uint32_t)baud); }

/* ---- console: semihosting on QEMU's stdin/stdout ---- */
int32_t hal_console_read(uint8_t *p, int32_t max) { return sh_read_nb(p, max); }

/* console.c writes a record a few bytes at a time: gathered up to its
 * newline, so that each line is one semihosting call (one write(2) of
 * QEMU's) instead of one a byte */
static uint8_t con_buf[256];
static uint32_t con_len;

static void con_flush(void)
{
    uint32_t done = 0;
    while (done < con_len) {
        int32_t n = sh_write(1, con_buf + done, (int32_t)(con_len - done));
        if (n <= 0) break; /* stdout gone: drop, the board keeps running */
        done += (uint32_t)n;
    }
    con_len = 0;
}

int32_t hal_console_write(const uint8_t *p, int32_t len)
{
    int32_t i;
    for (i = 0; i < len; i++) {
        con_buf[con_len++] = p[i];
        if (p[i] == '\n' || con_len == sizeof con_buf) con_flush();
    }
    return len;
}

/* ---- GPIO: no pins wired in QEMU; the harness drives the modem's ---- */
void hal_gpio_write(int32_t pin, int32_t level)
{
    char line[32];
    int n = 0;
    line[n++] = 'G';
    line[n++] = ' ';
    n += console_itoa(pin, &line[n]);
    line[n++] = ' ';
    n += console_itoa(level ? 1 : 0, &line[n]);
    line[n++] = '\n';
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

/* ---- sockets: none (board/core/hal_nosock.c) ---- */

/* ---- random: the low bits of CCOUNT at each call (when the host
 * scheduled this CPU, when modem bytes came) stirred into a 32-bit pool
 * with a multiply-xorshift mix ---- */
static uint32_t pool = 0x9e3779b9u;

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16; x *= 0x7feb352du;
    x ^= x >> 15; x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

void rng_stir(void) { pool = mix(pool ^ ccount()); }

void hal_random_fill(uint8_t *p, int32_t len)
{
    int32_t i;
    for (i = 0; i < len; i++) {
        pool = mix(pool + ccount() + (uint32_t)i);
        p[i] = (uint8_t)(pool >> 24);
    }
}

/* ---- the module's log, events, messages, configuration: the console ---- */
void hal_log(int32_t level, const char *text, int32_t len) { console_log(level, text, len); }
int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max) { return console_config_read(key, p, max); }
void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len) { console_event(kind, a, b, p, len); }
void hal_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags)
{ console_message(topic, topic_len, payload, payload_len, flags); }

/* ---- sleep: waiti in slices, so that console input (which cannot
 * interrupt: semihosting) is seen within CONSOLE_POLL_MS; the main loop
 * reads it ---- */
#define CONSOLE_POLL_MS 5u

void hal_sleep(uint32_t ms)
{
    uint32_t t0 = hal_millis();
    for (;;) {
        uint32_t gone = hal_millis() - t0;
        if (uart_rx_news() || gone >= ms || sh_stdin_ready()) return;
        clock_idle(ms - gone < CONSOLE_POLL_MS ? ms - gone : CONSOLE_POLL_MS);
        rng_stir();
    }
}
