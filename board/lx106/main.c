/* The lx106 image's main loop: console commands, one loop() step, sleep.
 * Cycle figures for the S line come from CCOUNT around each step (under
 * QEMU -icount they count instructions: see emulator.ts). */
#include <stdint.h>
#include <string.h>
#include "atmqtt_host.h"
#include "clock.h"
#include "console.h"
#include "hal.h"
#include "startup.h"
#include "uart16550.h"

void rng_stir(void);

static atmqtt_core core;
static uint32_t steps, step_max, last_ccount;
static uint64_t step_cycles, all_cycles;

/* S line figures. Cycles in units of 1024 (kc) to stay in an int32:
 * step_kc inside atmqtt_step, busy_kc all but waiti, total_kc since boot */
static int stats(char *out, int max)
{
    extern uint8_t _data_start[], _stack_bottom[];
    char b[CONSOLE_STATS_BYTES + 24]; /* 9 keys of at most 20 bytes; cut to max below (console.c: CONSOLE_STATS_BYTES) */
    int k = 0;
    uint32_t now = ccount();
    all_cycles += now - last_ccount;
    last_ccount = now;
#define KV(key, v) do { memcpy(&b[k], " " key "=", sizeof(key) + 1); k += (int)sizeof(key) + 1; \
                        k += console_itoa((int32_t)(v), &b[k]); } while (0)
    KV("ram_static", (uint32_t)(_stack_bottom - _data_start));
    KV("stack_max", stack_high_water());
    KV("steps", steps);
    KV("step_kc", step_cycles >> 10);
    KV("step_max", step_max);
    KV("busy_kc", (all_cycles - clock_idle_cycles()) >> 10);
    KV("total_kc", all_cycles >> 10);
    KV("rx_lost", uart_rx_lost());
    KV("uart_bytes", uart_bytes());
#undef KV
    if (k > max) k = max;
    memcpy(out, b, (size_t)k);
    return k;
}

int main(void)
{
    clock_init();
    last_ccount = ccount();
    uart_init(115200);
    rng_stir();
    console_stats_hook = stats;
    console_init(&core, "lx106-qemu", "wasm2c", NULL, 0);
    for (;;) {
        uint32_t ms, c0, d;
        console_poll();
        c0 = ccount();
        ms = atmqtt_step(&core);
        d = ccount() - c0;
        steps++;
        if (d > step_max) step_max = d;
        step_cycles += d;
        /* the 64-bit total needs a look at least every 2^32 cycles */
        all_cycles += c0 - last_ccount;
        last_ccount = c0;
        if (ms) hal_sleep(ms);
    }
}
