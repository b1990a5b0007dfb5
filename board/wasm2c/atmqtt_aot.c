/* atmqtt host core for the module translated ahead of time by wasm2c: the
 * API of board/core/atmqtt_host.h over the generated atmqtt_w2c.c, its
 * imports mapped onto board/core/hal.h as board/core/atmqtt_host.c maps
 * wasm3's. No image to load (the module is compiled in; atmqtt_start
 * ignores image/len). A trap (wasm2c's runtime longjmps back here) is
 * logged as "trap in EXPORT: WHAT" and the module is restarted in place
 * with backoff, as the wasm3 core does: memory and globals are re-made
 * from flash, nothing leaks. C99, no printf, no malloc. */
#include "atmqtt_host.h"
#include "hal.h"
#include "atmqtt_abi.h"
#include "atmqtt_w2c.h"

#include <setjmp.h>
#include <string.h>

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS   60000u
#define STABLE_MS        60000u

/* the one instance; named so that a --static-instance translation
 * (board/wasm2c/translate.py, AVR) reaches its globals at fixed addresses */
Z_atmqtt_instance_t w2c_instance;
#define inst w2c_instance
static jmp_buf trap_jb;

/* ---- log lines without printf ---- */

static char *put_s(char *o, char *end, const char *s)
{
    while (*s && o < end) *o++ = *s++;
    return o;
}

static char *put_u(char *o, char *end, uint32_t v)
{
    char d[10];
    int n = 0;
    do { d[n++] = (char)('0' + v % 10u); v /= 10u; } while (v);
    while (n && o < end) *o++ = d[--n];
    return o;
}

/* a + b + c, then num when with_num, then d */
static void logs(int32_t level, const char *a, const char *b, const char *c2, const char *d, uint32_t num, int with_num)
{
    char line[80], *o = line, *end = line + sizeof line;
    o = put_s(o, end, a);
    if (b) o = put_s(o, end, b);
    if (c2) o = put_s(o, end, c2);
    if (with_num) o = put_u(o, end, num);
    if (d) o = put_s(o, end, d);
    hal_log(level, line, (int32_t)(o - line));
}

/* ---- imports ---- */

/* p..p+n inside the linear memory, else the module traps */
static uint8_t *mem(uint32_t p, uint32_t n)
{
    if ((int32_t)n < 0 || p > W2C_MEMORY_BYTES || n > W2C_MEMORY_BYTES - p) wasm_rt_trap(WASM_RT_TRAP_OOB);
    return &w2c_linear_memory[(size_t)p];
}

u32 Z_hostZ_millis(struct Z_host_instance_t *h) { (void)h; return hal_millis(); }
u32 Z_hostZ_uart_write(struct Z_host_instance_t *h, u32 p, u32 n)
{ (void)h; return (u32)hal_uart_write(mem(p, n), (int32_t)n); }
u32 Z_hostZ_uart_read(struct Z_host_instance_t *h, u32 p, u32 n)
{ (void)h; return (u32)hal_uart_read(mem(p, n), (int32_t)n); }
void Z_hostZ_uart_set_baud(struct Z_host_instance_t *h, u32 baud) { (void)h; hal_uart_set_baud((int32_t)baud); }
void Z_hostZ_gpio_write(struct Z_host_instance_t *h, u32 pin, u32 level) { (void)h; hal_gpio_write((int32_t)pin, (int32_t)level); }
u32 Z_hostZ_sock_open(struct Z_host_instance_t *h, u32 hp, u32 hl, u32 port, u32 flags)
{ (void)h; return (u32)hal_sock_open((const char *)mem(hp, hl), (int32_t)hl, (int32_t)port, (int32_t)flags); }
u32 Z_hostZ_sock_write(struct Z_host_instance_t *h, u32 s, u32 p, u32 n)
{ (void)h; return (u32)hal_sock_write((int32_t)s, mem(p, n), (int32_t)n); }
u32 Z_hostZ_sock_read(struct Z_host_instance_t *h, u32 s, u32 p, u32 n)
{ (void)h; return (u32)hal_sock_read((int32_t)s, mem(p, n), (int32_t)n); }
u32 Z_hostZ_sock_state(struct Z_host_instance_t *h, u32 s) { (void)h; return (u32)hal_sock_state((int32_t)s); }
void Z_hostZ_sock_close(struct Z_host_instance_t *h, u32 s) { (void)h; hal_sock_close((int32_t)s); }
void Z_hostZ_random_fill(struct Z_host_instance_t *h, u32 p, u32 n) { (void)h; hal_random_fill(mem(p, n), (int32_t)n); }
void Z_hostZ_log(struct Z_host_instance_t *h, u32 level, u32 p, u32 n)
{ (void)h; hal_log((int32_t)level, (const char *)mem(p, n), (int32_t)n); }
u32 Z_hostZ_config_read(struct Z_host_instance_t *h, u32 key, u32 p, u32 max)
{ (void)h; return (u32)hal_config_read((int32_t)key, mem(p, max), (int32_t)max); }
void Z_hostZ_event(struct Z_host_instance_t *h, u32 kind, u32 a, u32 b, u32 p, u32 n)
{ (void)h; hal_event((int32_t)kind, (int32_t)a, (int32_t)b, mem(p, n), (int32_t)n); }
void Z_hostZ_message(struct Z_host_instance_t *h, u32 tp, u32 tl, u32 pp, u32 pl, u32 flags)
{
    const uint8_t *t = mem(tp, tl), *p = mem(pp, pl);
    (void)h;
    hal_message(t, (int32_t)tl, p, (int32_t)pl, (int32_t)flags);
}

/* Board I/O: a module whose app calls none of these does not import them,
 * and these wrappers are then never called. The modem's pins are refused
 * here for every board. */
u32 Z_hostZ_pin_mode(struct Z_host_instance_t *h, u32 pin, u32 mode)
{ (void)h; return HAL_MODEM_PIN((int32_t)pin) ? (u32)ATMQTT_ERR_PIN_RESERVED : (u32)hal_pin_mode((int32_t)pin, (int32_t)mode); }
u32 Z_hostZ_pin_read(struct Z_host_instance_t *h, u32 pin)
{ (void)h; return HAL_MODEM_PIN((int32_t)pin) ? (u32)ATMQTT_ERR_PIN_RESERVED : (u32)hal_pin_read((int32_t)pin); }
u32 Z_hostZ_pin_write(struct Z_host_instance_t *h, u32 pin, u32 level)
{ (void)h; return HAL_MODEM_PIN((int32_t)pin) ? (u32)ATMQTT_ERR_PIN_RESERVED : (u32)hal_pin_write((int32_t)pin, (int32_t)level); }
u32 Z_hostZ_adc_read(struct Z_host_instance_t *h, u32 ch) { (void)h; return (u32)hal_adc_read((int32_t)ch); }
u32 Z_hostZ_i2c_xfer(struct Z_host_instance_t *h, u32 addr, u32 wp, u32 wl, u32 rp, u32 rl)
{
    const uint8_t *w = mem(wp, wl);
    uint8_t *r = mem(rp, rl);
    (void)h;
    if (addr > 127u) return (u32)ATMQTT_ERR_BAD_ARGUMENT;
    return (u32)hal_i2c_xfer((int32_t)addr, w, (int32_t)wl, r, (int32_t)rl);
}

/* The translated module's exports are C functions known at build time:
 * no lookup by name here (board/core/atmqtt_host.h). */
int32_t atmqtt_call(atmqtt_core *c, const char *name, int argc, const int32_t *args, int32_t *out)
{
    (void)c; (void)name; (void)argc; (void)args; (void)out;
    return ATMQTT_E_WASM3;
}

/* ---- calls, traps, restarts ---- */

static void schedule_restart(atmqtt_core *c)
{
    uint32_t now = hal_millis();
    c->running = 0;
    if ((uint32_t)(now - c->started_at) >= STABLE_MS) c->backoff_ms = BACKOFF_FIRST_MS;
    c->restart_at = now + c->backoff_ms;
    logs(2, "restarting the module in ", NULL, NULL, " ms", c->backoff_ms, 1);
    c->backoff_ms = c->backoff_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : c->backoff_ms * 2u;
}

static void trapped(atmqtt_core *c, const char *where, int why)
{
    w2c_trap_target = NULL;
    c->traps++;
    /* "trap in " opens the line: console.c turns it into a T line */
    logs(1, "trap in ", where, ": ", wasm_rt_strerror((wasm_rt_trap_t)why), 0, 0);
    schedule_restart(c);
}

/* Runs EXPR (an export call) under the trap target. A nested call (from a
 * HAL function the module called) would overwrite the target: refused. */
#define GUARDED(c, where, expr)                                   \
    do {                                                          \
        int why_;                                                 \
        if (!(c)->running || w2c_trap_target) return ATMQTT_E_DOWN; \
        w2c_trap_target = &trap_jb;                               \
        why_ = setjmp(trap_jb);                                   \
        if (why_) { trapped((c), (where), why_); return ATMQTT_E_TRAP; } \
        expr;                                                     \
        w2c_trap_target = NULL;                                   \
    } while (0)

static int load(atmqtt_core *c)
{
    uint32_t r = 0;
    c->running = 1;
    c->started_at = hal_millis();
    GUARDED(c, "instantiate", Z_atmqtt_instantiate(&inst, NULL));
    GUARDED(c, "setup", r = Z_atmqttZ_setup(&inst));
    c->setup_result = (int32_t)r;
    if (r != 0) {
        logs(1, "setup() returned -", NULL, NULL, NULL, (uint32_t)-(int32_t)r, 1);
        return ATMQTT_E_SETUP;
    }
    return ATMQTT_OK;
}

int atmqtt_start(atmqtt_core *c, const uint8_t *image, size_t len)
{
    (void)image; (void)len;
    if (!c->backoff_ms) c->backoff_ms = BACKOFF_FIRST_MS; /* or the board's, kept across its reset */
    if (!wasm_rt_is_initialized()) {
        wasm_rt_init();
        Z_atmqtt_init_module();
    }
    c->env = &inst; /* started: atmqtt_step restarts it after a trap */
    return load(c);
}

uint32_t atmqtt_step(atmqtt_core *c)
{
    uint32_t ms = 0;
    int why;
    if (!c->running) {
        int32_t wait = (int32_t)(c->restart_at - hal_millis());
        if (!c->env) return 1000;
        if (wait > 0) return (uint32_t)wait;
        logs(3, "restarting the module after trap ", NULL, NULL, NULL, c->traps, 1);
        { int r = load(c); if (r != ATMQTT_OK && r != ATMQTT_E_TRAP) schedule_restart(c); }
        return 0;
    }
    if (w2c_trap_target) return 0; /* called from inside the module: refused */
    w2c_trap_target = &trap_jb;
    why = setjmp(trap_jb);
    if (why) { trapped(c, "loop", why); return 0; }
    ms = Z_atmqttZ_loop(&inst);
    w2c_trap_target = NULL;
    return (int32_t)ms < 0 ? 0 : ms;
}

void atmqtt_run(atmqtt_core *c)
{
    while (!c->stop) {
        uint32_t ms = atmqtt_step(c);
        if (c->stop) break;
        hal_sleep(ms);
    }
}

uint8_t *atmqtt_memory(atmqtt_core *c, uint32_t *size)
{
    *size = 0;
    if (!c->running) return NULL;
    *size = W2C_MEMORY_BYTES;
    return w2c_linear_memory;
}

int32_t atmqtt_api_buffer(atmqtt_core *c, uint8_t **buf, int32_t *size)
{
    uint32_t p = 0, n = 0;
    GUARDED(c, "api_buffer", p = Z_atmqttZ_api_buffer(&inst));
    GUARDED(c, "api_buffer_size", n = Z_atmqttZ_api_buffer_size(&inst));
    if (p > W2C_MEMORY_BYTES || n > W2C_MEMORY_BYTES - p) return ATMQTT_E_DOWN;
    *buf = &w2c_linear_memory[(size_t)p];
    *size = (int32_t)n;
    return ATMQTT_OK;
}

#define EXPORT_I32(where, expr) { uint32_t v_ = 0; GUARDED(c, where, v_ = (expr)); return (int32_t)v_; }

int32_t atmqtt_publish(atmqtt_core *c, int32_t tl, int32_t pl, int32_t qos, int32_t retain)
EXPORT_I32("publish", Z_atmqttZ_publish(&inst, (u32)tl, (u32)pl, (u32)qos, (u32)retain))
int32_t atmqtt_subscribe(atmqtt_core *c, int32_t len) EXPORT_I32("subscribe", Z_atmqttZ_subscribe(&inst, (u32)len))
int32_t atmqtt_unsubscribe(atmqtt_core *c, int32_t len) EXPORT_I32("unsubscribe", Z_atmqttZ_unsubscribe(&inst, (u32)len))
int32_t atmqtt_state(atmqtt_core *c) EXPORT_I32("state", Z_atmqttZ_state(&inst))
int32_t atmqtt_pending(atmqtt_core *c) EXPORT_I32("pending", Z_atmqttZ_pending(&inst))
int32_t atmqtt_counter(atmqtt_core *c, int32_t i) EXPORT_I32("counter", Z_atmqttZ_counter(&inst, (u32)i))
int32_t atmqtt_connect(atmqtt_core *c) { GUARDED(c, "connect", Z_atmqttZ_connect(&inst)); return ATMQTT_OK; }
int32_t atmqtt_disconnect(atmqtt_core *c) { GUARDED(c, "disconnect", Z_atmqttZ_disconnect(&inst)); return ATMQTT_OK; }
