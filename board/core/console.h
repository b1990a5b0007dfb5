/* The board console of board/CONSOLE.md, once for every board: line
 * commands in through hal_console_read, R/L/E/M/S/X/T lines out through
 * hal_console_write. The board forwards its hal_log, hal_event,
 * hal_message and hal_config_read to the console_ functions below and
 * calls console_poll from its main loop (never from inside the module).
 * Portable C99, no printf, no malloc: configuration lives in one fixed
 * buffer of CONSOLE_CFG_BYTES. */
#ifndef ATMQTT_CONSOLE_H
#define ATMQTT_CONSOLE_H

#include <stdint.h>
#include "atmqtt_host.h"

#ifndef CONSOLE_CFG_BYTES
#define CONSOLE_CFG_BYTES 256   /* all cfg values, 2 bytes of header each */
#endif
#ifndef CONSOLE_LINE_BYTES
#define CONSOLE_LINE_BYTES 320  /* longest command line (pub with a 256-byte payload) */
#endif

#ifndef CONSOLE_LOG_LEVEL
#define CONSOLE_LOG_LEVEL 4     /* L lines above this level are not printed (4: all) */
#endif
#ifndef CONSOLE_STATS_BYTES
#define CONSOLE_STATS_BYTES 160 /* the board's part of the S line */
#endif

/* A board that restarts its whole image after a trap (a watchdog reset:
 * rv32-qemu, whose wasm3 heap cannot be freed) and has RAM that the reset
 * leaves alone defines CONSOLE_KEEP to an attribute that puts the console's
 * kept state there (rv32: __attribute__((section(".preserve")))). The kept
 * state is the configuration, whether `start` was given and the traps
 * reported since power-on (the S line's traps=); console_init finds it
 * again after the reset and, when `start` had been given, starts the module
 * by itself. Unset: ordinary RAM, lost at a reset. */
#ifndef CONSOLE_KEEP
#define CONSOLE_KEEP
#endif

/* core: the host core the commands drive; image/len: what atmqtt_start
 * gets on `start` (the wasm3 image, or NULL for a compiled-in module).
 * Prints the R line; with a kept `start` (CONSOLE_KEEP) then starts the
 * module. */
void console_init(atmqtt_core *core, const char *board, const char *engine,
                  const uint8_t *image, uint32_t image_len);
/* Reads what the console has received and runs each whole line; returns
 * 1 when it ran a command (the module may have work), else 0. */
int console_poll(void);
/* Board figures for the S line: appends " key=value" pairs at out, at most
 * max bytes; returns how many it wrote. NULL: none. */
extern int (*console_stats_hook)(char *out, int max);

/* Bodies for the board's hal_log, hal_event, hal_message, hal_config_read */
void console_log(int32_t level, const char *text, int32_t len);
void console_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len);
void console_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags);
int32_t console_config_read(int32_t key, uint8_t *p, int32_t max);

/* A `P PIN LEVEL` line: an app's output pin changed (io_table_on_pin on
 * boards without wired pins; the AVR prints it beside its port write). */
void console_pin(int32_t pin, int32_t level);

/* Number formatting for console_stats_hook: writes v in decimal at out
 * (at most 11 bytes), returns the length. */
int console_itoa(int32_t v, char *out);

#endif
