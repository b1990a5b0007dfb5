/* Runs board/esp8266/image_flash.c on the desktop over a fake SPI flash (a
 * file standing for the chip's flash; bytes past its end read as erased
 * 0xFF), then the core with the POSIX HAL, so a test can check that what
 * `npm run flash -- --chip esp8266` writes is what the ESP8266 host loads.
 * spi_flash_read refuses unaligned calls, as the NONOS SDK's does.
 * usage: esp8266-image-harness FLASH.bin
 * prints "flash-read: N bytes in C calls" on stdout, then "started" when
 * wasm3 loaded the module and setup() ran; exit 0 started, 3 image
 * refused, 4 wasm3 refused, 5 setup refused, 2 usage. */
#include "atmqtt_host.h"
#include "hal_posix.h"

#include <stdio.h>
#include <string.h>

const uint8_t *board_image(uint32_t *len); /* image_flash.c */

static FILE *flash;
static unsigned long read_bytes, read_calls;

int spi_flash_read(uint32_t addr, uint32_t *dst, uint32_t size)
{
    size_t got = 0;
    read_calls++;
    if (addr % 4 || (uintptr_t)dst % 4 || size % 4) {
        fprintf(stderr, "spi_flash_read: unaligned (addr 0x%lx, size %lu)\n", (unsigned long)addr, (unsigned long)size);
        return 1;
    }
    read_bytes += size;
    if (fseek(flash, (long)addr, SEEK_SET) == 0) got = fread(dst, 1, size, flash);
    memset((uint8_t *)dst + got, 0xFF, size - got);
    return 0;
}

int main(int argc, char **argv)
{
    static atmqtt_core core;
    const uint8_t *image;
    uint32_t len = 0;
    int r;
    if (argc != 2 || !(flash = fopen(argv[1], "rb"))) { fprintf(stderr, "usage: %s FLASH.bin\n", argv[0]); return 2; }
    image = board_image(&len);
    printf("flash-read: %lu bytes in %lu calls\n", read_bytes, read_calls);
    if (!image) return 3;
    hal_posix_config[0] = "mqtt://127.0.0.1:1"; /* setup() needs a broker; never contacted */
    r = atmqtt_start(&core, image, len);
    if (r == ATMQTT_E_IMAGE) return 3;
    if (r == ATMQTT_E_WASM3) return 4;
    if (r != ATMQTT_OK) return 5;
    printf("started: %lu-byte image\n", (unsigned long)len);
    return 0;
}
