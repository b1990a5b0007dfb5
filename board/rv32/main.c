/* rv32-qemu board main: the shared console (board/core/console.c,
 * board/CONSOLE.md), one loop() step at a time, sleep. The console's kept
 * state (configuration, `start`, traps) and this board's backoff live in
 * .preserve (build.sh: CONSOLE_KEEP), which the board reset (board_reset)
 * leaves alone: after a trap the image waits out the backoff, starts over
 * and runs the module again with the same configuration by itself. */
#include "atmqtt_host.h"
#include "board_rv32.h"
#include "console.h"
#include "hal.h"

#include <stdio.h>
#include <string.h>

#ifndef BOARD_MEMORY_LIMIT
#define BOARD_MEMORY_LIMIT 16384u /* the default profile's RAM budget */
#endif
#ifndef BOARD_WASM_STACK
#define BOARD_WASM_STACK 4096u
#endif

extern const uint8_t atmqtt_image[];
extern const uint32_t atmqtt_image_len;

#define KEEP_MAGIC 0x72763332u /* "rv32" */

/* survives board_reset (not .bss: crt0 does not touch it) */
static struct {
    uint32_t magic;
    uint32_t backoff;   /* next restart delay, ms */
} keep __attribute__((section(".preserve")));

static atmqtt_core core;
static uint32_t traps_seen;
static uint32_t steps;
static uint64_t boot_insn, step_insn, sleep_insn; /* instret since this boot (board_reset is a jump) */

/* ---- the module's log, events, messages, configuration: the console ---- */

void hal_log(int32_t level, const char *text, int32_t len) { console_log(level, text, len); }
int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max) { return console_config_read(key, p, max); }
void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len) { console_event(kind, a, b, p, len); }
void hal_message(const uint8_t *topic, int32_t tl, const uint8_t *payload, int32_t pl, int32_t flags)
{ console_message(topic, tl, payload, pl, flags); }

/* ---- wasm3 heap high-water (m3_Malloc/m3_Realloc wrapped at link) ------ */

void *__real_m3_Malloc(size_t size);
void *__real_m3_Realloc(void *p, size_t size, size_t old);
static uintptr_t heap_base, heap_high;

static void heap_note(void *p, size_t size)
{
    uintptr_t end = (uintptr_t)p + size;
    if (!p) return;
    if (!heap_base || (uintptr_t)p < heap_base) heap_base = (uintptr_t)p;
    if (end > heap_high) heap_high = end;
}
void *__wrap_m3_Malloc(size_t size) { void *p = __real_m3_Malloc(size); heap_note(p, size); return p; }
void *__wrap_m3_Realloc(void *p, size_t size, size_t old)
{ void *q = __real_m3_Realloc(p, size, old); heap_note(q, size); return q; }

/* ---- the board's part of the S line ------------------------------------ */

/* instruction counts are 64-bit: printf here, not console_itoa */
static int stats(char *out, int max)
{
    int n = snprintf(out, (size_t)max,
                     " stack_max=%lu stack_size=%lu heap_used=%lu heap_cap=%lu"
                     " steps=%lu step_insn=%llu busy_insn=%llu ms=%lu",
                     (unsigned long)board_stack_used(), (unsigned long)board_stack_size(),
                     (unsigned long)(heap_high - heap_base), (unsigned long)BOARD_HEAP_CAP,
                     (unsigned long)steps, (unsigned long long)step_insn,
                     (unsigned long long)(board_instret() - boot_insn - sleep_insn), (unsigned long)hal_millis());
    if (n < 0) return 0;
    return n < max ? n : max - 1; /* cut short: what snprintf wrote */
}

int main(void)
{
    board_init();
    boot_insn = board_instret();
    if (keep.magic != KEEP_MAGIC) { memset(&keep, 0, sizeof keep); keep.magic = KEEP_MAGIC; }
    core.stack_bytes = BOARD_WASM_STACK;
    core.memory_limit = BOARD_MEMORY_LIMIT;
    core.backoff_ms = keep.backoff; /* 0 at power-on: the core's first */
    console_stats_hook = stats;
    /* after a restart this starts the module again with the kept configuration */
    console_init(&core, "rv32-qemu", "wasm3", atmqtt_image, atmqtt_image_len);
    for (;;) {
        uint32_t ms = 1000;
        console_poll();
        if (core.traps != traps_seen) { /* in setup, loop or a command: console.c printed the T line */
            traps_seen = core.traps;
            keep.backoff = core.backoff_ms;
        }
        if (core.running) {
            uint64_t i0 = board_instret();
            ms = atmqtt_step(&core);
            step_insn += board_instret() - i0;
            steps++;
        } else if (core.traps) {
            /* trapped: wait out the backoff, then start the image over (the
             * fixed heap cannot be freed, so no restart in place) */
            int32_t wait = (int32_t)(core.restart_at - hal_millis());
            if (wait <= 0) board_reset();
            ms = (uint32_t)wait;
        }
        if (!board_console_pending()) {
            uint64_t i0 = board_instret();
            hal_sleep(ms);
            sleep_insn += board_instret() - i0;
        }
    }
}
