#!/usr/bin/env python3
"""Fits the C that wabt's wasm2c 1.0.32 writes to our runtime (w2c_prelude.h).

usage: translate.py IN.c OUT.c [--poke-after N] [--static-instance]

- the generated macro prelude (from '#define TRAP' up to the module's first
  own line) is replaced by '#include "w2c_prelude.h"';
- every memory access '(u64)(VAR) + OFF' / '(u64)(VAR)' becomes 'VAR, OFF'
  (u32 address and constant offset, checked without 64-bit arithmetic);
- data segments get W2C_FLASH (PROGMEM on AVR);
- assert() and the unused float helpers go with the prelude.
--static-instance (AVR): the module's globals are read and written in the
one instance by name (w2c_instance, defined in atmqtt_aot.c), not through
the `instance` pointer: on AVR a pointer reaches only 63 bytes past itself
in one instruction (LDD/STD), and most of the ~110 globals lie further in
the struct, so each access computed its address first; a fixed address is
one LDS/STS a byte. The image has one instance; atmqtt_aot.c always passes
&w2c_instance, so both name the same memory.
--poke-after N (test builds only): the N-th call of the export loop()
first stores a word at W2C_MEMORY_BYTES, one past the linear memory,
through the same checked store the module uses: it must trap.
Each rewrite must match what 1.0.32 writes; anything else stops the build,
never a silent half-patched file."""
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
opts = sys.argv[3:]
poke = int(opts[opts.index('--poke-after') + 1]) if '--poke-after' in opts else 0
static_instance = '--static-instance' in opts
text = open(src, encoding='utf-8').read()

def fail(msg):
    sys.exit(f'wasm2c/translate.py: {msg} (wasm2c other than 1.0.32?)')

start = text.find('#define TRAP(x)')
end = text.find('static bool s_module_initialized')
if start < 0 or end < 0 or end < start:
    fail('prelude markers not found')
text = text[:start] + '#include "w2c_prelude.h"\n\n' + text[end:]

# memory accesses: i32_load(&instance->w2c_memory, (u64)(w2c_i0) + 4u)
access = re.compile(r'\(u64\)\((w2c_[A-Za-z0-9_]+)\)(?: \+ (\d+)u?)?')
count = 0
def addr(m):
    global count
    count += 1
    return f'{m.group(1)}, {m.group(2) or 0}u'
text = access.sub(addr, text)
# i64 comparisons are written (u64)((s64)a < (s64)b), i64.extend_i32_s
# (u64)(s64)(s32)(a): values, not addresses
if '(u64)' in re.sub(r'\(u64\)(?:\(\((?:s|u)64\)|\(s64\)\(s32\)\()', '', text.split('#include "w2c_prelude.h"', 1)[1]):
    fail('a (u64) cast left that is not a memory address')

seg, n_seg = re.subn(r'static const u8 (data_segment_data_)', r'static const u8 W2C_FLASH \1', text)
text = seg

# the module never runs before wasm_rt_init: the asserts only cost flash
text, n_assert = re.subn(r'^\s*assert\([^;]*\);\n', '', text, flags=re.M)
text = text.replace('#include <assert.h>\n', '').replace('#include <math.h>\n', '')
text = re.sub(r'#if defined\(_MSC_VER\)\n#include <intrin.h>\n#include <malloc.h>\n#define alloca _alloca\n#else\n#include <alloca.h>\n#endif\n', '', text)
if re.search(r'\balloca\b', text):
    fail('alloca still used')

n_static = 0
if static_instance:
    text, n_static = re.subn(r'\binstance->(w2c_\w+)', r'w2c_instance.\1', text)
    head = '#include "w2c_prelude.h"\n'
    text = text.replace(head, head + '/* --static-instance: the one instance, by name (atmqtt_aot.c) */\n'
                        'extern Z_atmqtt_instance_t w2c_instance;\n', 1)
    if n_static == 0:
        fail('--static-instance: no instance->w2c_... access found')

if poke:
    head = 'u32 Z_atmqttZ_loop(Z_atmqtt_instance_t* instance) {\n'
    if head not in text:
        fail('export loop not found for --poke-after')
    text = text.replace(head, head + f'  {{ static u32 test_calls; if (++test_calls == {poke}u) '
                        'i32_store(&instance->w2c_memory, W2C_MEMORY_BYTES, 0u, 0u); }\n')

# the runtime's static table and signature registry (wasm-rt.h) must hold
# what this module declares: an app adds its setup, handlers, timers and
# hooks to the table. Too small would be an abort() at start-up (on AVR a
# silent hang until the watchdog); make it a compile error that says so.
tab = re.search(r'wasm_rt_allocate_funcref_table\(&instance->w2c_T0, (\d+), (\d+)\)', text)
n_table = int(tab.group(1)) if tab else 0
n_types = text.count('wasm_rt_register_func_type(')
text += (f'\n#if W2C_TABLE_MAX < {n_table}u\n#error "the module\'s function table has {n_table} entries '
         f'(the firmware and the app\'s setup, handlers, timers, hooks): build with -DW2C_TABLE_MAX={n_table}u"\n#endif\n'
         f'#if W2C_FUNC_TYPES_MAX < {n_types}u\n#error "the module has {n_types} function signatures: '
         f'build with -DW2C_FUNC_TYPES_MAX={n_types}u"\n#endif\n')

open(dst, 'w', encoding='utf-8').write(text)
print(f'{dst}: {count} memory accesses, {n_seg} data segments in flash, {n_assert} asserts dropped'
      + (f', {n_static} global accesses by name' if static_instance else ''))
