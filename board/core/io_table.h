/* Board I/O kept in a table (board/ABI.md, "Board I/O"): for hosts whose
 * pins are not wired to anything real (the POSIX host, the emulated
 * boards), the pins, ADC channels and one register-file I2C device live
 * here; inputs are set from outside (`set pin|adc|i2c`), output changes go
 * to io_table_on_pin. Portable C99, no malloc, sizes fixed below. */
#ifndef ATMQTT_IO_TABLE_H
#define ATMQTT_IO_TABLE_H

#include <stdint.h>

#ifndef IO_PINS
#define IO_PINS 32       /* pins 0..IO_PINS-1 */
#endif
#ifndef IO_ADC
#define IO_ADC 8         /* ADC channels 0..IO_ADC-1 */
#endif
#ifndef IO_I2C_BYTES
#define IO_I2C_BYTES 32  /* registers of the one simulated I2C device */
#endif

/* An output pin changed (its first write included). NULL: not reported. */
extern void (*io_table_on_pin)(int32_t pin, int32_t level);

int32_t io_table_pin_mode(int32_t pin, int32_t mode);
int32_t io_table_pin_read(int32_t pin);
int32_t io_table_pin_write(int32_t pin, int32_t level);
int32_t io_table_adc_read(int32_t ch);
int32_t io_table_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen);

/* Whether `set pin` / `set adc` gave this input (a board with real inputs
 * reads its own otherwise), and whether `set i2c` gave a device. */
int io_table_input_given(int32_t pin);
int io_table_adc_given(int32_t ch);
int io_table_i2c_given(void);

/* One `set` command, its words after `set`: `pin N 0|1`, `adc CH VALUE`,
 * `i2c ADDR HEX` (ADDR decimal or 0x..; HEX the device's registers from
 * register 0). Returns NULL when done, else a usage text. */
const char *io_table_set(const char *what, const char *a, const char *b);

#endif
