/* Cycle profiler for the simavr harness (harness.c --profile FILE).
 * Every avr_run() executes one instruction (plus any interrupt entry);
 * its cycles go to the PC it ran at (self time). A shadow call stack,
 * kept from the stack pointer, gives inclusive time per called address:
 * a frame opens on CALL/RCALL/ICALL/EICALL (not the `rcall .+0` that
 * avr-gcc uses to reserve stack) and on an interrupt vector's entry,
 * and closes when SP rises above the return address again (RET, RETI,
 * longjmp all do). Only cycles the CPU was awake count; sleep is one
 * total. On prof_dump() the counters are written to FILE, then zeroed:
 *   sleep CYCLES
 *   self WORDADDR CYCLES        (one line per PC that ran)
 *   incl BYTEADDR CYCLES CALLS MIN  (one line per called address; MIN: the
 *        fewest cycles one call took, e.g. a loop() step with nothing to do)
 * bench/avr-profile.ts maps the addresses to symbols (avr-nm). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sim_avr.h>

#include "profile.h"

#define WORDS 65536u        /* 128 KiB of flash: a 16-bit word PC */
#define VECTORS_END 0x8Cu   /* 35 vectors of 4 bytes on the ATmega1284P */
#define DEPTH 256

typedef struct { uint32_t func; uint16_t sp; uint8_t partial; uint64_t start; } frame_t; /* partial: open across a dump */

static uint64_t self_c[WORDS], incl_c[WORDS], calls[WORDS];
static uint32_t min_c[WORDS];  /* fewest cycles of one call; 0: none closed */
static uint16_t active[WORDS];  /* frames of this address open (recursion counted once) */
static frame_t stack[DEPTH];
static int depth;
static uint64_t clock_busy, sleep_c;
static const char *out_path;

void prof_init(const char *path) { out_path = path; }

static uint16_t sp_of(avr_t *avr) { return (uint16_t)(avr->data[R_SPL] | avr->data[R_SPH] << 8); }

static int is_call(avr_t *avr, uint32_t pc)
{
    uint16_t op = (uint16_t)(avr->flash[pc] | avr->flash[pc + 1] << 8);
    if ((op & 0xFE0Eu) == 0x940Eu) return 1;           /* CALL k */
    if ((op & 0xF000u) == 0xD000u) return op != 0xD000u; /* RCALL k, but not rcall .+0 */
    return op == 0x9509u || op == 0x9519u;             /* ICALL, EICALL */
}

static void close_frames(uint16_t sp)
{
    while (depth > 0 && sp > stack[depth - 1].sp) {
        frame_t *f = &stack[--depth];
        uint32_t w = f->func >> 1;
        uint64_t d = clock_busy - f->start;
        if (--active[w] == 0) incl_c[w] += d;
        if (!f->partial && (min_c[w] == 0 || d < min_c[w])) min_c[w] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
}

void prof_step(avr_t *avr, uint32_t pc0, uint64_t cycles, int awake)
{
    uint16_t sp;
    uint32_t pc = avr->pc;
    if (!awake) { sleep_c += cycles; }
    else { self_c[(pc0 >> 1) & (WORDS - 1)] += cycles; clock_busy += cycles; }
    sp = sp_of(avr);
    close_frames(sp);
    if ((pc < VECTORS_END && pc0 >= VECTORS_END) || (pc != pc0 + 2 && pc0 + 1 < avr->flashend && is_call(avr, pc0))) {
        if (depth < DEPTH) {
            frame_t *f = &stack[depth++];
            f->func = pc; f->sp = sp; f->start = clock_busy; f->partial = 0;
            calls[(pc >> 1) & (WORDS - 1)]++;
            active[(pc >> 1) & (WORDS - 1)]++;
        }
    }
}

void prof_dump(void)
{
    uint32_t i;
    int d;
    FILE *f;
    if (!out_path) return;
    /* open frames: count what they ran so far, restart them at zero */
    for (d = depth - 1; d >= 0; d--) {
        uint32_t w = stack[d].func >> 1;
        int outer = 1, e;
        for (e = 0; e < d; e++) if (stack[e].func == stack[d].func) { outer = 0; break; }
        if (outer) incl_c[w] += clock_busy - stack[d].start;
    }
    f = fopen(out_path, "w");
    if (f) {
        fprintf(f, "sleep %llu\nbusy %llu\n", (unsigned long long)sleep_c, (unsigned long long)clock_busy);
        for (i = 0; i < WORDS; i++) if (self_c[i]) fprintf(f, "self %u %llu\n", i, (unsigned long long)self_c[i]);
        for (i = 0; i < WORDS; i++) if (incl_c[i] || calls[i]) fprintf(f, "incl %u %llu %llu %lu\n", i * 2u, (unsigned long long)incl_c[i], (unsigned long long)calls[i], (unsigned long)min_c[i]);
        fclose(f);
    }
    fprintf(stderr, "profile written to %s\n", out_path);
    memset(self_c, 0, sizeof self_c);
    memset(incl_c, 0, sizeof incl_c);
    memset(calls, 0, sizeof calls);
    memset(min_c, 0, sizeof min_c);
    sleep_c = 0;
    clock_busy = 0;
    for (d = 0; d < depth; d++) { stack[d].start = 0; stack[d].partial = 1; }
}
