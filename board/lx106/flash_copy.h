/* The module's data segments live in mapped flash (.irom0.rodata), which
 * on the ESP8266 takes only aligned 32-bit loads: copied word by word.
 * Included into the generated C (build.sh) as wasm2c's W2C_FLASH_COPY. */
#ifndef LX106_FLASH_COPY_H
#define LX106_FLASH_COPY_H

#include <stddef.h>

#define W2C_FLASH __attribute__((section(".irom0.rodata"), aligned(4)))
#define W2C_FLASH_COPY lx106_flash_copy

void *lx106_flash_copy(void *dst, const void *src, size_t n);

#endif
