/* Replaces the macro prelude that wasm2c 1.0.32 writes at the top of each
 * generated .c file (translate.py cuts it out and includes this instead):
 * - loads and stores take (address, constant offset) as two u32, checked
 *   against the real size of the static linear memory: no u64 arithmetic
 *   (costly on 8-bit cores) and no guard pages;
 * - clz/ctz/popcnt on the long builtins (int is 16 bits on avr-gcc);
 * - data segments copied from flash (W2C_FLASH / W2C_FLASH_COPY, the only
 *   board-specific pieces; AVR: PROGMEM + memcpy_P).
 * Only integer operations: the module has no floats (a float op would be
 * an undefined name here, a compile error, not a silent fallback). */
#ifndef W2C_PRELUDE_H
#define W2C_PRELUDE_H

#include "wasm-rt.h"

#ifndef W2C_FLASH
#if defined(__AVR__)
#include <avr/pgmspace.h>
#define W2C_FLASH PROGMEM
#define W2C_FLASH_COPY memcpy_P
#else
#define W2C_FLASH
#define W2C_FLASH_COPY memcpy
#endif
#endif

#define TRAP(x) (wasm_rt_trap(WASM_RT_TRAP_##x), 0)
#define UNREACHABLE wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE)

#define FUNC_PROLOGUE \
    if (UNLIKELY(++w2c_call_depth > W2C_MAX_CALL_DEPTH)) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
#define FUNC_EPILOGUE --w2c_call_depth

#define CALL_INDIRECT(table, t, ft, x, ...)                \
    (LIKELY((x) < table.size && table.data[x].func &&      \
            table.data[x].func_type == func_types[ft]) ||  \
         TRAP(CALL_INDIRECT),                              \
     ((t)table.data[x].func)(__VA_ARGS__))

/* a + off + n <= W2C_MEMORY_BYTES without overflow; off is a constant */
#define W2C_OOB(a, off, n) \
    ((u32)(off) > (u32)W2C_MEMORY_BYTES - (n) || (u32)(a) > (u32)W2C_MEMORY_BYTES - (n) - (u32)(off))
#define W2C_AT(a, off) (&w2c_linear_memory[(size_t)((u32)(a) + (u32)(off))])

#define DEFINE_LOAD(name, t1, t2, t3)                                  \
    static inline t3 name(wasm_rt_memory_t *mem, u32 a, u32 off) {     \
        t1 r;                                                          \
        (void)mem;                                                     \
        if (UNLIKELY(W2C_OOB(a, off, sizeof(t1)))) wasm_rt_trap(WASM_RT_TRAP_OOB);\
        memcpy(&r, W2C_AT(a, off), sizeof(t1));                        \
        return (t3)(t2)r;                                              \
    }
#define DEFINE_STORE(name, t1, t2)                                     \
    static inline void name(wasm_rt_memory_t *mem, u32 a, u32 off, t2 v) { \
        t1 w = (t1)v;                                                  \
        (void)mem;                                                     \
        if (UNLIKELY(W2C_OOB(a, off, sizeof(t1)))) wasm_rt_trap(WASM_RT_TRAP_OOB);\
        memcpy(W2C_AT(a, off), &w, sizeof(t1));                        \
    }

DEFINE_LOAD(i32_load, u32, u32, u32)
DEFINE_LOAD(i64_load, u64, u64, u64)
DEFINE_LOAD(i32_load8_s, s8, s32, u32)
DEFINE_LOAD(i64_load8_s, s8, s64, u64)
DEFINE_LOAD(i32_load8_u, u8, u32, u32)
DEFINE_LOAD(i64_load8_u, u8, u64, u64)
DEFINE_LOAD(i32_load16_s, s16, s32, u32)
DEFINE_LOAD(i64_load16_s, s16, s64, u64)
DEFINE_LOAD(i32_load16_u, u16, u32, u32)
DEFINE_LOAD(i64_load16_u, u16, u64, u64)
DEFINE_LOAD(i64_load32_s, s32, s64, u64)
DEFINE_LOAD(i64_load32_u, u32, u64, u64)
DEFINE_STORE(i32_store, u32, u32)
DEFINE_STORE(i64_store, u64, u64)
DEFINE_STORE(i32_store8, u8, u32)
DEFINE_STORE(i32_store16, u16, u32)
DEFINE_STORE(i64_store8, u8, u64)
DEFINE_STORE(i64_store16, u16, u64)
DEFINE_STORE(i64_store32, u32, u64)

/* data segment i (in flash) to offset o */
#define LOAD_DATA(m, o, i, s)                                                   \
    do {                                                                        \
        (void)(m);                                                              \
        if ((u32)(o) + (u32)(s) > (u32)W2C_MEMORY_BYTES) wasm_rt_trap(WASM_RT_TRAP_OOB);\
        W2C_FLASH_COPY(&w2c_linear_memory[(size_t)(o)], (i), (size_t)(s));      \
    } while (0)

/* long is at least 32 bits everywhere; subtract what is above 32 */
#define W2C_LONG_EXTRA ((int)(8 * sizeof(unsigned long)) - 32)
#define I32_CLZ(x) ((x) ? (u32)(__builtin_clzl((unsigned long)(x)) - W2C_LONG_EXTRA) : 32u)
#define I32_CTZ(x) ((x) ? (u32)__builtin_ctzl((unsigned long)(x)) : 32u)
#define I32_POPCNT(x) ((u32)__builtin_popcountl((unsigned long)(x)))
#define I64_CLZ(x) ((x) ? (u64)__builtin_clzll(x) : 64u)
#define I64_CTZ(x) ((x) ? (u64)__builtin_ctzll(x) : 64u)
#define I64_POPCNT(x) ((u64)__builtin_popcountll(x))

#define DIV_S(ut, min, x, y)                                              \
    ((UNLIKELY((y) == 0)) ? TRAP(DIV_BY_ZERO)                             \
     : (UNLIKELY((x) == min && (y) == -1)) ? TRAP(INT_OVERFLOW)           \
                                           : (ut)((x) / (y)))
#define REM_S(ut, min, x, y)                                              \
    ((UNLIKELY((y) == 0)) ? TRAP(DIV_BY_ZERO)                             \
     : (UNLIKELY((x) == min && (y) == -1)) ? 0 : (ut)((x) % (y)))
#define I32_DIV_S(x, y) DIV_S(u32, INT32_MIN, (s32)x, (s32)y)
#define I64_DIV_S(x, y) DIV_S(u64, INT64_MIN, (s64)x, (s64)y)
#define I32_REM_S(x, y) REM_S(u32, INT32_MIN, (s32)x, (s32)y)
#define I64_REM_S(x, y) REM_S(u64, INT64_MIN, (s64)x, (s64)y)
#define DIVREM_U(op, x, y) ((UNLIKELY((y) == 0)) ? TRAP(DIV_BY_ZERO) : ((x)op(y)))
#define DIV_U(x, y) DIVREM_U(/, x, y)
#define REM_U(x, y) DIVREM_U(%, x, y)

#define ROTL(x, y, mask) (((x) << ((y) & (mask))) | ((x) >> (((mask) - (y) + 1) & (mask))))
#define ROTR(x, y, mask) (((x) >> ((y) & (mask))) | ((x) << (((mask) - (y) + 1) & (mask))))
#define I32_ROTL(x, y) ROTL(x, y, 31)
#define I64_ROTL(x, y) ROTL(x, y, 63)
#define I32_ROTR(x, y) ROTR(x, y, 31)
#define I64_ROTR(x, y) ROTR(x, y, 63)

typedef struct {
    uint32_t func_type_index;
    wasm_rt_function_ptr_t func;
    size_t module_offset;
} wasm_elem_segment_expr_t;

static inline void funcref_table_init(wasm_rt_funcref_table_t *dest, const wasm_elem_segment_expr_t *src,
                                      u32 src_size, u32 dest_addr, u32 src_addr, u32 n,
                                      void *module_instance, const u32 *func_types)
{
    u32 i;
    if (UNLIKELY(src_addr > src_size || n > src_size - src_addr)) wasm_rt_trap(WASM_RT_TRAP_OOB);
    if (UNLIKELY(dest_addr > dest->size || n > dest->size - dest_addr)) wasm_rt_trap(WASM_RT_TRAP_OOB);
    for (i = 0; i < n; i++) {
        const wasm_elem_segment_expr_t *e = &src[src_addr + i];
        wasm_rt_funcref_t *d = &dest->data[dest_addr + i];
        d->func_type = func_types[e->func_type_index];
        d->func = e->func;
        d->module_instance = (char *)module_instance + e->module_offset;
    }
}

#endif
