/* atmqtt's wasm2c runtime (see wasm-rt.h): static linear memory and table,
 * signature registry without malloc, traps by longjmp. C99. */
#include "wasm-rt.h"

#include <stdarg.h>
#include <stdlib.h>

uint8_t w2c_linear_memory[W2C_MEMORY_BYTES];
uint8_t w2c_call_depth;
jmp_buf *w2c_trap_target;

static wasm_rt_funcref_t table_store[W2C_TABLE_MAX];
/* a signature packed as params | results << 4 | argument types 2 bits
 * each (i32/i64/f32/f64 only; the module's imports and exports are i32) */
static uint32_t sigs[W2C_FUNC_TYPES_MAX];
static uint8_t n_sigs;
static bool initialized;

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }

WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t why)
{
    w2c_call_depth = 0;
    if (w2c_trap_target) longjmp(*w2c_trap_target, (int)why);
    abort(); /* a trap outside an export call: the board's abort (AVR: halt, the watchdog resets) */
}

const char *wasm_rt_strerror(wasm_rt_trap_t trap)
{
    switch (trap) {
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    default: return "trap";
    }
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...)
{
    uint32_t sig = params | results << 4, i, bits = 0;
    va_list ap;
    va_start(ap, results);
    for (i = 0; i < params + results && i < 12u; i++)
        bits |= ((uint32_t)va_arg(ap, int) & 3u) << (2u * i);
    va_end(ap);
    if (params > 15u || results > 1u || params + results > 12u) abort(); /* not this module's shapes */
    sig |= bits << 8;
    for (i = 0; i < n_sigs; i++)
        if (sigs[i] == sig) return i;
    if (n_sigs >= W2C_FUNC_TYPES_MAX) abort(); /* raise W2C_FUNC_TYPES_MAX */
    sigs[n_sigs] = sig;
    return n_sigs++;
}

/* zeroed on each instantiation: a restart starts from a clean memory */
void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t initial_pages, uint32_t max_pages)
{
    memset(w2c_linear_memory, 0, sizeof w2c_linear_memory);
    m->data = w2c_linear_memory;
    m->pages = initial_pages;
    m->max_pages = max_pages;
    m->size = W2C_MEMORY_BYTES;
}

void wasm_rt_free_memory(wasm_rt_memory_t *m) { m->data = NULL; m->size = 0; }

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t elements, uint32_t max_elements)
{
    if (elements > W2C_TABLE_MAX) abort(); /* raise W2C_TABLE_MAX */
    memset(table_store, 0, sizeof table_store);
    t->data = table_store;
    t->size = elements;
    t->max_size = max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *t) { t->data = NULL; t->size = 0; }
