/* atmqtt portable host core over wasm3's C API. See atmqtt_host.h. */
#include "atmqtt_host.h"
#include "hal.h"
#include "atmqtt_abi.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wasm3.h"
#include "m3_env.h"

enum { F_SETUP, F_LOOP, F_API_BUFFER, F_API_BUFFER_SIZE, F_PUBLISH, F_SUBSCRIBE,
       F_UNSUBSCRIBE, F_CONNECT, F_DISCONNECT, F_STATE, F_PENDING, F_COUNTER, F_COUNT };

static const char *const EXPORT_NAMES[F_COUNT] = {
    "setup", "loop", "api_buffer", "api_buffer_size", "publish", "subscribe",
    "unsubscribe", "connect", "disconnect", "state", "pending", "counter",
};

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS   60000u
#define STABLE_MS        60000u /* a module that ran this long resets the backoff */

static void logf_(int32_t level, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n >= (int)sizeof line) n = (int)sizeof line - 1;
    hal_log(level, line, n);
}

/* ---- image ---------------------------------------------------------- */

uint32_t atmqtt_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int atmqtt_image_check(const uint8_t *image, size_t len, const uint8_t **module, uint32_t *module_len)
{
    uint32_t mlen, want, got, version;
    if (len < ATMQTT_IMAGE_HEADER || memcmp(image, "AMQW", 4) != 0) {
        logf_(1, "image: bad magic (want \"AMQW\"), not loading");
        return ATMQTT_E_IMAGE;
    }
    mlen = le32(image + 4);
    want = le32(image + 8);
    version = le32(image + 12);
    if (version != ATMQTT_IMAGE_VERSION) {
        logf_(1, "image: version %lu unsupported (want %lu), not loading",
              (unsigned long)version, (unsigned long)ATMQTT_IMAGE_VERSION);
        return ATMQTT_E_IMAGE;
    }
    if ((size_t)mlen != len - ATMQTT_IMAGE_HEADER) {
        logf_(1, "image: length mismatch (header says %lu bytes, image holds %lu), not loading",
              (unsigned long)mlen, (unsigned long)(len - ATMQTT_IMAGE_HEADER));
        return ATMQTT_E_IMAGE;
    }
    got = atmqtt_crc32(image + ATMQTT_IMAGE_HEADER, mlen);
    if (got != want) {
        logf_(1, "image: CRC mismatch (expected 0x%08lx, got 0x%08lx), not loading",
              (unsigned long)want, (unsigned long)got);
        return ATMQTT_E_IMAGE;
    }
    *module = image + ATMQTT_IMAGE_HEADER;
    *module_len = mlen;
    return ATMQTT_OK;
}

int atmqtt_image_span(const uint8_t *header, uint32_t room, uint32_t *image_len)
{
    /* named arrays, not literals: -fdata-sections lets a board that never
     * calls this (AVR, where constants live in RAM) drop them with it */
    static const uint8_t erased[4] = { 0xFF, 0xFF, 0xFF, 0xFF };
    static const char none_msg[] = "image: none (erased flash): write one with npm run flash, not loading";
    static const char big_msg[] = "image: header says a %lu-byte module, this board holds %lu bytes of image, not loading";
    uint32_t mlen;
    if (memcmp(header, erased, 4) == 0) {
        logf_(1, none_msg);
        return ATMQTT_E_IMAGE;
    }
    if (memcmp(header, "AMQW", 4) != 0) {
        logf_(1, "image: bad magic (want \"AMQW\"), not loading");
        return ATMQTT_E_IMAGE;
    }
    mlen = le32(header + 4);
    if (room < ATMQTT_IMAGE_HEADER || mlen > room - ATMQTT_IMAGE_HEADER) {
        logf_(1, big_msg, (unsigned long)mlen, (unsigned long)room);
        return ATMQTT_E_IMAGE;
    }
    *image_len = ATMQTT_IMAGE_HEADER + mlen;
    return ATMQTT_OK;
}

/* ---- imports ---------------------------------------------------------- */

/* offset/len inside the linear memory? */
#define CHECK(off, len) do { \
        if ((uint64_t)(uint32_t)(off) + (uint64_t)(uint32_t)(len) > (uint64_t)m3_GetMemorySize(runtime) || (int32_t)(len) < 0) \
            m3ApiTrap(m3Err_trapOutOfBoundsMemoryAccess); \
    } while (0)
#define MEM(off) ((uint8_t *)_mem + (uint32_t)(off))

m3ApiRawFunction(h_millis)
{
    m3ApiReturnType(int32_t);
    (void)_ctx; (void)_mem; (void)runtime;
    m3ApiReturn((int32_t)hal_millis());
}

m3ApiRawFunction(h_uart_write)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, n);
    (void)_ctx;
    CHECK(p, n);
    m3ApiReturn(hal_uart_write(MEM(p), n));
}

m3ApiRawFunction(h_uart_read)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, n);
    (void)_ctx;
    CHECK(p, n);
    m3ApiReturn(hal_uart_read(MEM(p), n));
}

m3ApiRawFunction(h_uart_set_baud)
{
    m3ApiGetArg(int32_t, baud);
    (void)_ctx; (void)_mem; (void)runtime;
    hal_uart_set_baud(baud);
    m3ApiSuccess();
}

m3ApiRawFunction(h_gpio_write)
{
    m3ApiGetArg(int32_t, pin);
    m3ApiGetArg(int32_t, level);
    (void)_ctx; (void)_mem; (void)runtime;
    hal_gpio_write(pin, level);
    m3ApiSuccess();
}

m3ApiRawFunction(h_sock_open)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(uint32_t, hp);
    m3ApiGetArg(int32_t, hl);
    m3ApiGetArg(int32_t, port);
    m3ApiGetArg(int32_t, flags);
    (void)_ctx;
    CHECK(hp, hl);
    m3ApiReturn(hal_sock_open((const char *)MEM(hp), hl, port, flags));
}

m3ApiRawFunction(h_sock_write)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, h);
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, n);
    (void)_ctx;
    CHECK(p, n);
    m3ApiReturn(hal_sock_write(h, MEM(p), n));
}

m3ApiRawFunction(h_sock_read)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, h);
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, n);
    (void)_ctx;
    CHECK(p, n);
    m3ApiReturn(hal_sock_read(h, MEM(p), n));
}

m3ApiRawFunction(h_sock_state)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, h);
    (void)_ctx; (void)_mem; (void)runtime;
    m3ApiReturn(hal_sock_state(h));
}

m3ApiRawFunction(h_sock_close)
{
    m3ApiGetArg(int32_t, h);
    (void)_ctx; (void)_mem; (void)runtime;
    hal_sock_close(h);
    m3ApiSuccess();
}

m3ApiRawFunction(h_random_fill)
{
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, n);
    (void)_ctx;
    CHECK(p, n);
    hal_random_fill(MEM(p), n);
    m3ApiSuccess();
}

m3ApiRawFunction(h_log)
{
    m3ApiGetArg(int32_t, level);
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, n);
    (void)_ctx;
    CHECK(p, n);
    hal_log(level, (const char *)MEM(p), n);
    m3ApiSuccess();
}

m3ApiRawFunction(h_config_read)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, key);
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, max);
    (void)_ctx;
    CHECK(p, max);
    m3ApiReturn(hal_config_read(key, MEM(p), max));
}

m3ApiRawFunction(h_event)
{
    m3ApiGetArg(int32_t, kind);
    m3ApiGetArg(int32_t, a);
    m3ApiGetArg(int32_t, b);
    m3ApiGetArg(uint32_t, p);
    m3ApiGetArg(int32_t, n);
    (void)_ctx;
    CHECK(p, n);
    hal_event(kind, a, b, MEM(p), n);
    m3ApiSuccess();
}

m3ApiRawFunction(h_message)
{
    m3ApiGetArg(uint32_t, tp);
    m3ApiGetArg(int32_t, tl);
    m3ApiGetArg(uint32_t, pp);
    m3ApiGetArg(int32_t, pl);
    m3ApiGetArg(int32_t, flags);
    (void)_ctx;
    CHECK(tp, tl);
    CHECK(pp, pl);
    hal_message(MEM(tp), tl, MEM(pp), pl, flags);
    m3ApiSuccess();
}

/* board I/O: the modem's pins are refused here for every board */
m3ApiRawFunction(h_pin_mode)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, pin);
    m3ApiGetArg(int32_t, mode);
    (void)_ctx; (void)_mem; (void)runtime;
    m3ApiReturn(HAL_MODEM_PIN(pin) ? ATMQTT_ERR_PIN_RESERVED : hal_pin_mode(pin, mode));
}

m3ApiRawFunction(h_pin_read)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, pin);
    (void)_ctx; (void)_mem; (void)runtime;
    m3ApiReturn(HAL_MODEM_PIN(pin) ? ATMQTT_ERR_PIN_RESERVED : hal_pin_read(pin));
}

m3ApiRawFunction(h_pin_write)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, pin);
    m3ApiGetArg(int32_t, level);
    (void)_ctx; (void)_mem; (void)runtime;
    m3ApiReturn(HAL_MODEM_PIN(pin) ? ATMQTT_ERR_PIN_RESERVED : hal_pin_write(pin, level));
}

m3ApiRawFunction(h_adc_read)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, ch);
    (void)_ctx; (void)_mem; (void)runtime;
    m3ApiReturn(hal_adc_read(ch));
}

m3ApiRawFunction(h_i2c_xfer)
{
    m3ApiReturnType(int32_t);
    m3ApiGetArg(int32_t, addr);
    m3ApiGetArg(uint32_t, wp);
    m3ApiGetArg(int32_t, wl);
    m3ApiGetArg(uint32_t, rp);
    m3ApiGetArg(int32_t, rl);
    (void)_ctx;
    CHECK(wp, wl);
    CHECK(rp, rl);
    if (addr < 0 || addr > 127) m3ApiReturn(ATMQTT_ERR_BAD_ARGUMENT);
    m3ApiReturn(hal_i2c_xfer(addr, MEM(wp), wl, MEM(rp), rl));
}

static const struct { const char *name, *sig; M3RawCall fn; } IMPORTS[] = {
    { "millis",        "i()",      h_millis },
    { "uart_write",    "i(ii)",    h_uart_write },
    { "uart_read",     "i(ii)",    h_uart_read },
    { "uart_set_baud", "v(i)",     h_uart_set_baud },
    { "gpio_write",    "v(ii)",    h_gpio_write },
    { "sock_open",     "i(iiii)",  h_sock_open },
    { "sock_write",    "i(iii)",   h_sock_write },
    { "sock_read",     "i(iii)",   h_sock_read },
    { "sock_state",    "i(i)",     h_sock_state },
    { "sock_close",    "v(i)",     h_sock_close },
    { "random_fill",   "v(ii)",    h_random_fill },
    { "log",           "v(iii)",   h_log },
    { "config_read",   "i(iii)",   h_config_read },
    { "event",         "v(iiiii)", h_event },
    { "message",       "v(iiiii)", h_message },
    { "pin_mode",      "i(ii)",    h_pin_mode },
    { "pin_read",      "i(i)",     h_pin_read },
    { "pin_write",     "i(ii)",    h_pin_write },
    { "adc_read",      "i(i)",     h_adc_read },
    { "i2c_xfer",      "i(iiiii)", h_i2c_xfer },
};

/* ---- load, run, restart ------------------------------------------------ */

static void log_trap(atmqtt_core *c, const char *where, M3Result r)
{
    M3ErrorInfo info;
    memset(&info, 0, sizeof info);
    m3_GetErrorInfo((IM3Runtime)c->runtime, &info);
    logf_(1, "trap in %s: %s%s%s", where, r,
          (info.message && info.message[0]) ? ": " : "", info.message ? info.message : "");
}

static void unload(atmqtt_core *c)
{
    if (c->runtime) m3_FreeRuntime((IM3Runtime)c->runtime); /* frees the loaded module */
    c->runtime = NULL;
    c->wasm_module = NULL;
    c->running = 0;
}

static void schedule_restart(atmqtt_core *c)
{
    uint32_t now = hal_millis();
    unload(c);
    if ((uint32_t)(now - c->started_at) >= STABLE_MS) c->backoff_ms = BACKOFF_FIRST_MS;
    c->restart_at = now + c->backoff_ms;
    logf_(2, "restarting the module in %lu ms", (unsigned long)c->backoff_ms);
    c->backoff_ms = c->backoff_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/* call an export; ATMQTT_E_TRAP after a trap (restart scheduled) */
static int call(atmqtt_core *c, int f, int32_t *out, int argc, int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    IM3Function fn = (IM3Function)c->fn[f];
    M3Result r;
    int32_t v = 0;
    if (!c->running) return ATMQTT_E_DOWN;
    switch (argc) {
    case 0: r = m3_CallV(fn); break;
    case 1: r = m3_CallV(fn, a0); break;
    default: r = m3_CallV(fn, a0, a1, a2, a3); break;
    }
    if (r != m3Err_none) {
        c->traps++;
        log_trap(c, EXPORT_NAMES[f], r);
        schedule_restart(c);
        return ATMQTT_E_TRAP;
    }
    if (out) {
        r = m3_GetResultsV(fn, &v);
        if (r != m3Err_none) v = 0;
        *out = v;
    }
    return ATMQTT_OK;
}

static int load(atmqtt_core *c)
{
    IM3Runtime rt;
    IM3Module mod = NULL;
    M3Result r;
    size_t i;

    rt = m3_NewRuntime((IM3Environment)c->env, c->stack_bytes, c);
    if (!rt) { logf_(1, "wasm3: no memory for the runtime"); return ATMQTT_E_WASM3; }
    rt->memoryLimit = c->memory_limit;
    c->runtime = rt;

    r = m3_ParseModule((IM3Environment)c->env, &mod, c->module, c->module_len);
    if (r) { logf_(1, "wasm3: parse: %s", r); unload(c); return ATMQTT_E_WASM3; }
    r = m3_LoadModule(rt, mod);
    if (r) { logf_(1, "wasm3: load: %s", r); m3_FreeModule(mod); unload(c); return ATMQTT_E_WASM3; }
    c->wasm_module = mod;
    for (i = 0; i < sizeof IMPORTS / sizeof IMPORTS[0]; i++) {
        r = m3_LinkRawFunction(mod, "host", IMPORTS[i].name, IMPORTS[i].sig, IMPORTS[i].fn);
        if (r && r != m3Err_functionLookupFailed) {
            logf_(1, "wasm3: link host.%s: %s", IMPORTS[i].name, r);
            unload(c);
            return ATMQTT_E_WASM3;
        }
    }
    for (i = 0; i < F_COUNT; i++) {
        IM3Function fn = NULL;
        r = m3_FindFunction(&fn, rt, EXPORT_NAMES[i]);
        if (r) { logf_(1, "wasm3: export %s: %s", EXPORT_NAMES[i], r); unload(c); return ATMQTT_E_WASM3; }
        c->fn[i] = fn;
    }
    c->running = 1;
    c->started_at = hal_millis();
    r = call(c, F_SETUP, &c->setup_result, 0, 0, 0, 0, 0) == ATMQTT_OK ? m3Err_none : "trap";
    if (r) return ATMQTT_E_TRAP;
    if (c->setup_result != 0) {
        logf_(1, "setup() returned %ld", (long)c->setup_result);
        return ATMQTT_E_SETUP;
    }
    return ATMQTT_OK;
}

int atmqtt_start(atmqtt_core *c, const uint8_t *image, size_t len)
{
    int r;
    if (!c->stack_bytes) c->stack_bytes = ATMQTT_DEFAULT_STACK;
    if (!c->memory_limit) c->memory_limit = ATMQTT_DEFAULT_MEMORY_LIMIT;
    if (!c->backoff_ms) c->backoff_ms = BACKOFF_FIRST_MS; /* or the board's, kept across its reset */
    r = atmqtt_image_check(image, len, &c->module, &c->module_len);
    if (r) return r;
    c->env = m3_NewEnvironment();
    if (!c->env) { logf_(1, "wasm3: no memory for the environment"); return ATMQTT_E_WASM3; }
    return load(c);
}

uint32_t atmqtt_step(atmqtt_core *c)
{
    int32_t ms = 0;
    if (!c->running) {
        int32_t wait = (int32_t)(c->restart_at - hal_millis());
        if (!c->env || !c->module) return 1000;
        if (wait > 0) return (uint32_t)wait;
        logf_(3, "restarting the module (trap %lu)", (unsigned long)c->traps);
        { int r = load(c); if (r != ATMQTT_OK && r != ATMQTT_E_TRAP) schedule_restart(c); }
        return 0;
    }
    if (call(c, F_LOOP, &ms, 0, 0, 0, 0, 0) != ATMQTT_OK) return 0;
    return ms < 0 ? 0 : (uint32_t)ms;
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
    return m3_GetMemory((IM3Runtime)c->runtime, size, 0);
}

int32_t atmqtt_api_buffer(atmqtt_core *c, uint8_t **buf, int32_t *size)
{
    int32_t p = 0, n = 0, r;
    uint32_t memsize;
    uint8_t *mem;
    if ((r = call(c, F_API_BUFFER, &p, 0, 0, 0, 0, 0)) != ATMQTT_OK) return r;
    if ((r = call(c, F_API_BUFFER_SIZE, &n, 0, 0, 0, 0, 0)) != ATMQTT_OK) return r;
    mem = atmqtt_memory(c, &memsize);
    if (!mem || p < 0 || n < 0 || (uint64_t)(uint32_t)p + (uint32_t)n > memsize) return ATMQTT_E_DOWN;
    *buf = mem + p;
    *size = n;
    return ATMQTT_OK;
}

static int32_t simple(atmqtt_core *c, int f, int argc, int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    int32_t v = 0;
    int r = call(c, f, &v, argc, a0, a1, a2, a3);
    return r != ATMQTT_OK ? r : v;
}

int32_t atmqtt_publish(atmqtt_core *c, int32_t tl, int32_t pl, int32_t qos, int32_t retain)
{ return simple(c, F_PUBLISH, 4, tl, pl, qos, retain); }
int32_t atmqtt_subscribe(atmqtt_core *c, int32_t len) { return simple(c, F_SUBSCRIBE, 1, len, 0, 0, 0); }
int32_t atmqtt_unsubscribe(atmqtt_core *c, int32_t len) { return simple(c, F_UNSUBSCRIBE, 1, len, 0, 0, 0); }
int32_t atmqtt_connect(atmqtt_core *c) { return call(c, F_CONNECT, NULL, 0, 0, 0, 0, 0); }
int32_t atmqtt_disconnect(atmqtt_core *c) { return call(c, F_DISCONNECT, NULL, 0, 0, 0, 0, 0); }
int32_t atmqtt_state(atmqtt_core *c) { return simple(c, F_STATE, 0, 0, 0, 0, 0); }
int32_t atmqtt_pending(atmqtt_core *c) { return simple(c, F_PENDING, 0, 0, 0, 0, 0); }
int32_t atmqtt_counter(atmqtt_core *c, int32_t i) { return simple(c, F_COUNTER, 1, i, 0, 0, 0); }

int32_t atmqtt_call(atmqtt_core *c, const char *name, int argc, const int32_t *args, int32_t *out)
{
    IM3Function fn = NULL;
    M3Result r;
    int32_t v = 0, a[4] = { 0, 0, 0, 0 };
    int i;
    if (!c->running) return ATMQTT_E_DOWN;
    if (argc < 0 || argc > 4 || m3_FindFunction(&fn, (IM3Runtime)c->runtime, name) != m3Err_none) return ATMQTT_E_WASM3;
    if ((int)m3_GetArgCount(fn) != argc) return ATMQTT_E_WASM3;
    for (i = 0; i < argc; i++) a[i] = args[i];
    r = m3_CallV(fn, a[0], a[1], a[2], a[3]);
    if (r != m3Err_none) {
        c->traps++;
        log_trap(c, name, r);
        schedule_restart(c);
        return ATMQTT_E_TRAP;
    }
    if (m3_GetRetCount(fn) > 0 && m3_GetResultsV(fn, &v) != m3Err_none) v = 0;
    *out = v;
    return ATMQTT_OK;
}
