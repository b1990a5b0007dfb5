/* rv32-qemu board main with a bring-up console (board/CONSOLE.md), kept
 * until board/core/console.c lands and replaces the console part.
 * Configuration comes as `cfg` lines and is kept in .preserve, which the
 * board reset (board_reset) leaves alone: after a trap the image starts
 * over and runs the module again with the same configuration by itself. */
#include "atmqtt_host.h"
#include "board_rv32.h"
#include "hal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BOARD_MEMORY_LIMIT
#define BOARD_MEMORY_LIMIT 16384u /* the default profile's RAM budget */
#endif
#ifndef BOARD_WASM_STACK
#define BOARD_WASM_STACK 4096u
#endif

extern const uint8_t atmqtt_image[];
extern const uint32_t atmqtt_image_len;

#define KEYS 21
#define POOL 1024
#define KEEP_MAGIC 0x72763332u /* "rv32" */

/* survives board_reset (not .bss: crt0 does not touch it) */
static struct {
    uint32_t magic;
    uint32_t started;   /* `start` was given: start again after a reset */
    uint32_t traps;     /* module traps since power-on */
    uint32_t backoff;   /* next restart delay, ms */
    uint16_t off[KEYS], len[KEYS];
    uint16_t used;
    char pool[POOL];
} keep __attribute__((section(".preserve")));

static atmqtt_core core;
static int running, down;
static uint32_t traps_seen;
static char trap_text[160];
static uint32_t steps;
static uint64_t step_insn, sleep_insn;

/* ---- console output ---------------------------------------------------- */

static void out(const char *s, int n) { hal_console_write((const uint8_t *)s, n); }

static void outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void outf(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n >= (int)sizeof line) { n = (int)sizeof line - 1; line[n - 1] = '\n'; }
    out(line, n);
}

static void out_hex(const uint8_t *p, int32_t len)
{
    static const char digits[] = "0123456789abcdef";
    char buf[64];
    int n = 0;
    int32_t i;
    if (len <= 0) { out("-", 1); return; }
    for (i = 0; i < len; i++) {
        buf[n++] = digits[p[i] >> 4];
        buf[n++] = digits[p[i] & 15];
        if (n == sizeof buf) { out(buf, n); n = 0; }
    }
    out(buf, n);
}

void hal_log(int32_t level, const char *text, int32_t len)
{
    if (level == 1 && len > 8 && memcmp(text, "trap in ", 8) == 0) {
        int n = len < (int32_t)sizeof trap_text - 1 ? (int)len : (int)sizeof trap_text - 1;
        memcpy(trap_text, text, (size_t)n);
        trap_text[n] = 0;
    }
    outf("L %ld ", (long)level);
    out(text, len);
    out("\n", 1);
}

void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len)
{
    outf("E %ld %ld %ld ", (long)kind, (long)a, (long)b);
    out_hex(p, len);
    out("\n", 1);
}

void hal_message(const uint8_t *topic, int32_t tl, const uint8_t *payload, int32_t pl, int32_t flags)
{
    outf("M %ld ", (long)flags);
    out_hex(topic, tl);
    out(" ", 1);
    out_hex(payload, pl);
    out("\n", 1);
}

int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max)
{
    int32_t n;
    if (key < 0 || key >= KEYS || !keep.len[key]) return -1;
    n = keep.len[key] - 1; /* stored +1 so that 0 means unset */
    memcpy(p, keep.pool + keep.off[key], (size_t)(n < max ? n : max));
    return n;
}

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

/* ---- commands ---------------------------------------------------------- */

static void refuse(int32_t code, const char *what) { outf("X %ld %s\n", (long)code, what); }

static void check(int32_t r, const char *what) { if (r < 0) refuse(r, what); }

static void start(void)
{
    int r;
    core.stack_bytes = BOARD_WASM_STACK;
    core.memory_limit = BOARD_MEMORY_LIMIT;
    running = 1;
    r = atmqtt_start(&core, atmqtt_image, atmqtt_image_len);
    if (keep.backoff) core.backoff_ms = keep.backoff;
    if (r != ATMQTT_OK && r != ATMQTT_E_TRAP) { refuse(r, "start failed"); down = 1; }
}

static void cmd_cfg(char *rest)
{
    char *end;
    long key = strtol(rest, &end, 10);
    size_t n;
    if (running) { refuse(-10, "cfg only before start"); return; }
    if (end == rest || key < 0 || key >= KEYS || (*end != ' ' && *end)) { refuse(-10, "cfg KEY VALUE"); return; }
    if (*end) end++;
    n = strlen(end);
    if (keep.used + n > POOL) { refuse(-1, "cfg: no room"); return; }
    memcpy(keep.pool + keep.used, end, n);
    keep.off[key] = keep.used;
    keep.len[key] = (uint16_t)(n + 1);
    keep.used = (uint16_t)(keep.used + n);
}

static void cmd_stats(void)
{
    outf("S state=%ld pending=%ld stack_max=%lu stack_size=%lu heap_used=%lu heap_cap=%lu traps=%lu"
         " steps=%lu step_insn=%llu busy_insn=%llu ms=%lu\n",
         (long)atmqtt_state(&core), (long)atmqtt_pending(&core),
         (unsigned long)board_stack_used(), (unsigned long)board_stack_size(),
         (unsigned long)(heap_high - heap_base), (unsigned long)BOARD_HEAP_CAP, (unsigned long)keep.traps,
         (unsigned long)steps, (unsigned long long)step_insn, (unsigned long long)(board_instret() - sleep_insn),
         (unsigned long)hal_millis());
}

static void command(char *line)
{
    char *sp, *verb = line;
    uint8_t *buf;
    int32_t size, r;
    size_t n;
    while (*verb == ' ') verb++;
    if (!*verb) return;
    sp = strchr(verb, ' ');
    if (sp) *sp++ = 0; else sp = verb + strlen(verb);
    if (!strcmp(verb, "cfg")) { cmd_cfg(sp); return; }
    if (!strcmp(verb, "stats")) { cmd_stats(); return; }
    if (!strcmp(verb, "start")) {
        if (running) { refuse(-10, "already started"); return; }
        keep.started = 1;
        start();
        return;
    }
    if (!running || down) { outf("X %d not running: %s\n", ATMQTT_E_DOWN, verb); return; }
    if (!strcmp(verb, "pub")) {
        /* pub TOPIC QOS RETAIN PAYLOAD... */
        char *topic = sp, *q = strchr(sp, ' ');
        size_t tl, pl;
        if (!q || q[1] < '0' || q[1] > '2' || q[2] != ' ' || (q[3] != '0' && q[3] != '1') || (q[4] && q[4] != ' ')) {
            refuse(-10, "pub TOPIC QOS RETAIN PAYLOAD"); return;
        }
        tl = (size_t)(q - topic);
        pl = q[4] ? strlen(q + 5) : 0;
        if ((r = atmqtt_api_buffer(&core, &buf, &size)) != ATMQTT_OK) { refuse(r, "pub"); return; }
        if (tl + pl > (size_t)size) { refuse(-6, "pub: too large"); return; }
        memcpy(buf, topic, tl);
        memcpy(buf + tl, q + 5, pl);
        check(atmqtt_publish(&core, (int32_t)tl, (int32_t)pl, q[1] - '0', q[3] - '0'), "pub");
    } else if (!strcmp(verb, "sub") || !strcmp(verb, "unsub")) {
        int sub = verb[0] == 's';
        char *q = strchr(sp, ' ');
        n = q ? (size_t)(q - sp) : strlen(sp);
        if (!n || (sub && (!q || q[1] < '0' || q[1] > '2'))) { refuse(-10, sub ? "sub FILTER QOS" : "unsub FILTER"); return; }
        if ((r = atmqtt_api_buffer(&core, &buf, &size)) != ATMQTT_OK) { refuse(r, verb); return; }
        if (n + 3 > (size_t)size) { refuse(-6, "filter too large"); return; }
        buf[0] = (uint8_t)(n >> 8); buf[1] = (uint8_t)n;
        memcpy(buf + 2, sp, n);
        if (sub) { buf[2 + n] = (uint8_t)(q[1] - '0'); check(atmqtt_subscribe(&core, (int32_t)(n + 3)), "sub"); }
        else check(atmqtt_unsubscribe(&core, (int32_t)(n + 2)), "unsub");
    } else if (!strcmp(verb, "disconnect")) {
        check(atmqtt_disconnect(&core), "disconnect");
    } else if (!strcmp(verb, "connect")) {
        check(atmqtt_connect(&core), "connect");
    } else {
        refuse(-10, "unknown command");
    }
}

static char cmdline[600];
static size_t cmdlen;

static void console_poll(void)
{
    uint8_t b[32];
    int32_t n, i;
    while ((n = hal_console_read(b, sizeof b)) > 0) {
        for (i = 0; i < n; i++) {
            if (b[i] == '\n') {
                if (cmdlen && cmdline[cmdlen - 1] == '\r') cmdlen--;
                cmdline[cmdlen] = 0;
                cmdlen = 0;
                command(cmdline);
            } else if (cmdlen < sizeof cmdline - 1) {
                cmdline[cmdlen++] = (char)b[i];
            }
        }
    }
}

int main(void)
{
    board_init();
    if (keep.magic != KEEP_MAGIC) { memset(&keep, 0, sizeof keep); keep.magic = KEEP_MAGIC; }
    out("R rv32-qemu wasm3\n", 18);
    if (keep.started) start();
    for (;;) {
        uint32_t ms = 1000;
        console_poll();
        if (core.traps != traps_seen) { /* in setup, loop or a command */
            traps_seen = core.traps;
            keep.traps++;
            keep.backoff = core.backoff_ms;
            outf("T %s\n", trap_text[0] ? trap_text : "trap");
        }
        if (running && !down) {
            if (!core.running && core.traps) {
                /* trapped: wait out the backoff, then start the image over */
                int32_t wait = (int32_t)(core.restart_at - hal_millis());
                if (wait <= 0) board_reset();
                ms = (uint32_t)wait;
            } else {
                uint64_t i0 = board_instret();
                ms = atmqtt_step(&core);
                step_insn += board_instret() - i0;
                steps++;
            }
        }
        if (!board_console_pending()) {
            uint64_t i0 = board_instret();
            hal_sleep(ms);
            sleep_insn += board_instret() - i0;
        }
    }
}
