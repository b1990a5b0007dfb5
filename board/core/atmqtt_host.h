/* atmqtt portable host core: loads an atmqtt image into wasm3, links the
 * imports of board/ABI.md to the board's HAL (hal.h), runs setup() and
 * loop() and restarts the module with backoff after a trap. C99. */
#ifndef ATMQTT_HOST_H
#define ATMQTT_HOST_H

#include <stddef.h>
#include <stdint.h>

#define ATMQTT_IMAGE_HEADER   16
#define ATMQTT_IMAGE_VERSION  1u
#define ATMQTT_DEFAULT_MEMORY_LIMIT 16384u
#define ATMQTT_DEFAULT_STACK  (32u * 1024u)

/* core results (not the firmware's error codes) */
#define ATMQTT_OK          0
#define ATMQTT_E_IMAGE    -100 /* bad image: magic, length, CRC or version */
#define ATMQTT_E_WASM3    -101 /* wasm3 refused (parse, load, link, missing export) */
#define ATMQTT_E_TRAP     -102 /* the module trapped; a restart is scheduled */
#define ATMQTT_E_SETUP    -103 /* setup() returned non-zero (in core->setup_result) */
#define ATMQTT_E_DOWN     -104 /* the module is not running (waiting for a restart) */

typedef struct atmqtt_core {
    /* set before atmqtt_start */
    uint32_t stack_bytes;   /* wasm3 stack, bytes (default ATMQTT_DEFAULT_STACK) */
    uint32_t memory_limit;  /* RAM budget for linear memory (default 16384) */
    uint32_t backoff_ms;    /* next restart delay (default the first, 1 s; a
                               board that resets its image after a trap sets
                               the one it kept) */
    /* state */
    const uint8_t *module;  /* the module bytes inside the image (must stay valid) */
    uint32_t module_len;
    void *env, *runtime, *wasm_module;
    void *fn[12];
    int32_t setup_result;
    int running;            /* module loaded and set up */
    uint32_t restart_at;    /* millis of the scheduled restart */
    uint32_t started_at;    /* millis when the module last started */
    uint32_t traps;
    volatile int stop;      /* atmqtt_run returns once this is set */
} atmqtt_core;

/* CRC-32 (IEEE 802.3, as zlib's crc32) */
uint32_t atmqtt_crc32(const uint8_t *p, size_t n);

/* Checks the image header and CRC; on success sets *module / *module_len.
 * On failure logs one line through hal_log and returns ATMQTT_E_IMAGE. */
int atmqtt_image_check(const uint8_t *image, size_t len, const uint8_t **module, uint32_t *module_len);

/* For images kept in flash (ESP partitions): checks the magic of the
 * 16-byte header and that header + module fit in room bytes, and sets
 * *image_len to header + module, so the board reads or maps no more than
 * that. The CRC is checked later, by atmqtt_start. On failure logs one line
 * through hal_log and returns ATMQTT_E_IMAGE. */
int atmqtt_image_span(const uint8_t *header, uint32_t room, uint32_t *image_len);

/* Checks the image, loads the module and calls setup(). */
int atmqtt_start(atmqtt_core *c, const uint8_t *image, size_t len);
/* One loop() step (or a due restart); returns the milliseconds to sleep. */
uint32_t atmqtt_step(atmqtt_core *c);
/* atmqtt_step + hal_sleep until c->stop. */
void atmqtt_run(atmqtt_core *c);

/* The linear memory (NULL when not running); *size gets its length. */
uint8_t *atmqtt_memory(atmqtt_core *c, uint32_t *size);

/* Export wrappers. They return ATMQTT_E_DOWN / ATMQTT_E_TRAP when the
 * module is not running or trapped, else the export's result. */
int32_t atmqtt_api_buffer(atmqtt_core *c, uint8_t **buf, int32_t *size);
int32_t atmqtt_publish(atmqtt_core *c, int32_t topic_len, int32_t payload_len, int32_t qos, int32_t retain);
int32_t atmqtt_subscribe(atmqtt_core *c, int32_t len);
int32_t atmqtt_unsubscribe(atmqtt_core *c, int32_t len);
int32_t atmqtt_connect(atmqtt_core *c);
int32_t atmqtt_disconnect(atmqtt_core *c);
int32_t atmqtt_state(atmqtt_core *c);
int32_t atmqtt_pending(atmqtt_core *c);
int32_t atmqtt_counter(atmqtt_core *c, int32_t i);

/* Any other i32 export by name, with up to 4 i32 arguments (a module's own
 * additions, e.g. the probe build's io_* calls); ATMQTT_E_WASM3 when it has
 * no such export or another argument count, else as the wrappers above. */
int32_t atmqtt_call(atmqtt_core *c, const char *name, int argc, const int32_t *args, int32_t *out);

#endif
