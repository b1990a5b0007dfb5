/* Board I/O kept in a table: see io_table.h. */
#include "io_table.h"
#include "hal.h"
#include "atmqtt_abi.h"

#include <string.h>

void (*io_table_on_pin)(int32_t pin, int32_t level);

/* per pin: bits 0-1 mode, bit 2 driven level, bit 3 driven yet, bit 4 input level, bit 5 input set */
static uint8_t pins[IO_PINS];
static uint16_t adc[IO_ADC];
static uint32_t adc_given; /* bit per channel */
static uint8_t i2c_addr = 0xff; /* none */
static uint8_t i2c_regs[IO_I2C_BYTES];
static uint16_t i2c_len;
static uint8_t i2c_ptr;

#define MODE(p)   (pins[p] & 3u)
#define OUTPUT    1u
#define PULLUP    2u

static int32_t check(int32_t pin)
{
    if (HAL_MODEM_PIN(pin)) return ATMQTT_ERR_PIN_RESERVED;
    return (pin >= 0 && pin < IO_PINS) ? 0 : ATMQTT_ERR_NO_SUCH_PIN;
}

int32_t io_table_pin_mode(int32_t pin, int32_t mode)
{
    int32_t r = check(pin);
    uint8_t was;
    if (r) return r;
    if (mode < 0 || mode > 2) return ATMQTT_ERR_NO_SUCH_PIN;
    was = MODE(pin);
    pins[pin] = (uint8_t)((pins[pin] & ~3u) | (uint8_t)mode);
    if ((uint8_t)mode == OUTPUT && was != OUTPUT && (pins[pin] & 8u) && io_table_on_pin)
        io_table_on_pin(pin, (pins[pin] >> 2) & 1);
    return 0;
}

int32_t io_table_pin_read(int32_t pin)
{
    int32_t r = check(pin);
    if (r) return r;
    if (MODE(pin) == OUTPUT) return (pins[pin] >> 2) & 1;
    if (pins[pin] & 32u) return (pins[pin] >> 4) & 1;
    return MODE(pin) == PULLUP ? 1 : 0;
}

int32_t io_table_pin_write(int32_t pin, int32_t level)
{
    int32_t r = check(pin);
    uint8_t v = level ? 4u : 0u;
    if (r) return r;
    if ((pins[pin] & 8u) && (pins[pin] & 4u) == v) return 0;
    pins[pin] = (uint8_t)((pins[pin] & ~4u) | v | 8u);
    /* as on a chip: an input's latch is set, shown once it drives */
    if (MODE(pin) == OUTPUT && io_table_on_pin) io_table_on_pin(pin, v ? 1 : 0);
    return 0;
}

int32_t io_table_adc_read(int32_t ch)
{
    return (ch >= 0 && ch < IO_ADC) ? (int32_t)adc[ch] : ATMQTT_ERR_NO_SUCH_PIN;
}

/* a register-file device: the first byte written sets the register
 * pointer, more bytes are stored from there, reads come from there */
int32_t io_table_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen)
{
    int32_t i;
    if (addr < 0 || addr > 127 || wlen < 0 || rlen < 0) return ATMQTT_ERR_BAD_ARGUMENT;
    if ((uint8_t)addr != i2c_addr || i2c_len == 0) return ATMQTT_ERR_I2C_NACK;
    if (wlen > 0) {
        i2c_ptr = (uint8_t)(w[0] % i2c_len);
        for (i = 1; i < wlen; i++) { i2c_regs[i2c_ptr] = w[i]; i2c_ptr = (uint8_t)((i2c_ptr + 1u) % i2c_len); }
    }
    for (i = 0; i < rlen; i++) { r[i] = i2c_regs[i2c_ptr]; i2c_ptr = (uint8_t)((i2c_ptr + 1u) % i2c_len); }
    return rlen;
}

int io_table_input_given(int32_t pin) { return pin >= 0 && pin < IO_PINS && (pins[pin] & 32u); }
int io_table_adc_given(int32_t ch) { return ch >= 0 && ch < IO_ADC && ch < 32 && (adc_given >> ch & 1u); }
int io_table_i2c_given(void) { return i2c_len > 0; }

/* decimal or 0x-hex, -1 when not a number */
static int32_t number(const char *s)
{
    int32_t v = 0, base = 10;
    if (!s || !*s) return -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; s += 2; if (!*s) return -1; }
    for (; *s; s++) {
        int d = (*s >= '0' && *s <= '9') ? *s - '0' : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : 99;
        if (d >= base || v > 0x7fffff) return -1;
        v = v * base + d;
    }
    return v;
}

static int hexval(char c)
{
    return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

const char *io_table_set(const char *what, const char *a, const char *b)
{
    int32_t n = number(a), v;
    if (what && !strcmp(what, "pin")) {
        if (n < 0 || n >= IO_PINS || !b || (strcmp(b, "0") && strcmp(b, "1"))) return "set pin N 0|1";
        if (HAL_MODEM_PIN(n)) return "set pin: the modem's pin (PWRKEY/RESET)";
        pins[n] = (uint8_t)((pins[n] & ~16u) | 32u | (b[0] == '1' ? 16u : 0u));
        return NULL;
    }
    if (what && !strcmp(what, "adc")) {
        v = number(b);
        if (n < 0 || n >= IO_ADC || v < 0 || v > 65535) return "set adc CH VALUE (VALUE 0..65535)";
        adc[n] = (uint16_t)v;
        adc_given |= 1ul << n;
        return NULL;
    }
    if (what && !strcmp(what, "i2c")) {
        size_t len = b ? strlen(b) : 0, i;
        if (n < 0 || n > 127 || len == 0 || len % 2 || len / 2 > IO_I2C_BYTES) return "set i2c ADDR HEX (the registers from 0)";
        for (i = 0; i < len; i++) if (hexval(b[i]) < 0) return "set i2c ADDR HEX (the registers from 0)";
        for (i = 0; i < len / 2; i++) i2c_regs[i] = (uint8_t)(hexval(b[2 * i]) << 4 | hexval(b[2 * i + 1]));
        i2c_len = (uint16_t)(len / 2);
        i2c_addr = (uint8_t)n;
        i2c_ptr = 0;
        return NULL;
    }
    return "set pin N 0|1 | set adc CH VALUE | set i2c ADDR HEX";
}
