/* Where the ESP8266 host finds the atmqtt image.
 *
 * Default: the region `npm run flash -- --chip esp8266` writes,
 * ATMQTT_IMAGE_ADDR (0x300000, ESP8266_PARTITION in board/flash/flash.ts),
 * read with the SDK's spi_flash_read into a static RAM buffer of
 * ATMQTT_IMAGE_MAX bytes. A copy, because only the first 1 MB of flash is
 * memory-mapped and mapped flash allows only aligned 32-bit loads, while
 * wasm3 reads the module byte-wise and keeps pointers into it (lazy
 * compilation, data segments). The header is read first and checked
 * (magic, length against the buffer) so no more than the image is copied;
 * atmqtt_start checks the CRC.
 *
 * -DATMQTT_EMBED=1 (EMBED=1 build.sh): the image linked into the firmware
 * as a C array in .irom0.text (build/esp8266-embed/atmqtt_image.c), for
 * boards flashed as one binary; see README.md for its caveat. */
#include "atmqtt_host.h"
#include "hal.h"

#include <stdint.h>

const uint8_t *board_image(uint32_t *len);

#if ATMQTT_EMBED

extern const uint8_t atmqtt_image[];
extern const uint32_t atmqtt_image_len;

const uint8_t *board_image(uint32_t *len)
{
    *len = atmqtt_image_len;
    return atmqtt_image;
}

#else

#ifndef ATMQTT_IMAGE_ADDR
#define ATMQTT_IMAGE_ADDR 0x300000u
#endif
#ifndef ATMQTT_IMAGE_MAX
#define ATMQTT_IMAGE_MAX 32768u /* the default module (every modem driver and WebSocket, ~30.6 KB); a device build (npm run build:modem -- sim800 --no-ws, ~21 KB) fits IMAGE_MAX=24576 */
#endif
#if (ATMQTT_IMAGE_MAX) % 4 != 0 || (ATMQTT_IMAGE_ADDR) % 4 != 0
#error "spi_flash_read moves whole 32-bit words: ATMQTT_IMAGE_MAX and ATMQTT_IMAGE_ADDR must be multiples of 4"
#endif

/* SDK (weak: absent in the object-only build). 0 = SPI_FLASH_RESULT_OK.
 * Address, destination and size must be 4-byte aligned. */
extern int spi_flash_read(uint32_t src_addr, uint32_t *dst, uint32_t size) __attribute__((weak));

static uint32_t image_buf[ATMQTT_IMAGE_MAX / 4];

static void say(const char *s)
{
    int32_t n = 0;
    while (s[n]) n++;
    hal_log(1, s, n);
}

const uint8_t *board_image(uint32_t *len)
{
    const uint8_t *img = (const uint8_t *)image_buf;
    uint32_t total;
    if (!spi_flash_read) { say("image: no spi_flash_read (built without the SDK), not loading"); return 0; }
    if (spi_flash_read(ATMQTT_IMAGE_ADDR, image_buf, ATMQTT_IMAGE_HEADER) != 0) {
        say("image: spi_flash_read failed on the header, not loading");
        return 0;
    }
    if (atmqtt_image_span(img, ATMQTT_IMAGE_MAX, &total) != ATMQTT_OK) return 0;
    /* the rest in whole words: total rounded up stays within the buffer */
    if (spi_flash_read(ATMQTT_IMAGE_ADDR + ATMQTT_IMAGE_HEADER, image_buf + ATMQTT_IMAGE_HEADER / 4,
                       (total - ATMQTT_IMAGE_HEADER + 3u) & ~3u) != 0) {
        say("image: spi_flash_read failed on the module, not loading");
        return 0;
    }
    *len = total;
    return img;
}

#endif
