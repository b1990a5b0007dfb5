#!/usr/bin/env bash
# Builds the ATmega1284P image: the small profile's module translated ahead
# of time by wabt's wasm2c (board/wasm2c), our wasm2c runtime and core,
# board/core/console.c and hal_avr.c, with Debian's avr-gcc + avr-libc, into
# build/avr/atmqtt-avr.elf (+ .hex); and the simavr harness
# build/avr/atmqtt-simavr (board/avr/simavr, libsimavr). Sizes from avr-size
# land in build/avr/sizes.txt.
# env: WASM (build/atmqtt-small.wasm), OUT (build/avr),
#      MEMORY (linear memory bytes, 4096: the small profile's budget),
#      CFLAGS_EXTRA (extra -D flags), CC (avr-gcc),
#      POKE_AFTER=N: a TEST build whose N-th loop() stores past the linear
#      memory (board/wasm2c/translate.py --poke-after), to see the trap,
#      NO_HARNESS=1: skip the simavr harness
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cc="${CC:-avr-gcc}"
prefix="${cc%gcc}"
need() { command -v "$1" >/dev/null || { echo "avr/build.sh: $1 not found (apt-get install $2)" >&2; exit 127; }; }
need "$cc" "gcc-avr avr-libc binutils-avr"
need wasm2c wabt
wasm="${WASM:-build/atmqtt-small.wasm}"
[ -f "$wasm" ] || { echo "avr/build.sh: $wasm missing: run npm run build:small first" >&2; exit 1; }
out="${OUT:-build/avr}"
memory="${MEMORY:-4096}"
mcu=atmega1284p
rm -rf "$out" && mkdir -p "$out"
t0=$(date +%s)
bash board/wasm2c/build-c.sh "$wasm" "$out" --static-instance ${POKE_AFTER:+--poke-after "$POKE_AFTER"} >/dev/null
# AVR_OPT: the optimisation flags, -O2 (docs/benchmarks.md: -O2 against -Os
# -mcall-prologues: +14 KB of flash for ~7 % fewer cycles a UART byte)
opt=(${AVR_OPT:--O2})
common=(-mmcu=$mcu -DF_CPU=16000000UL "${opt[@]}" -std=gnu99 -ffunction-sections -fdata-sections
  -DNDEBUG -DW2C_MEMORY_BYTES="${memory}u" -I"$out" -Iboard/wasm2c -Iboard/core ${CFLAGS_EXTRA:-})
ours=(-Wall -Wextra)
# generated code: its unused locals and discarded values are wasm2c's style
gen=(-Wall -Wno-unused-variable -Wno-unused-parameter -Wno-unused-value -Wno-unused-but-set-variable -Wno-unused-function)
log="$out/compile.log"
: > "$log"
"$cc" "${common[@]}" "${gen[@]}" -c "$out/atmqtt_w2c.c" -o "$out/atmqtt_w2c.o" 2>>"$log"
for c in board/wasm2c/w2c_rt.c board/wasm2c/atmqtt_aot.c board/core/console.c board/core/io_table.c board/core/hal_nosock.c board/avr/hal_avr.c; do
  "$cc" "${common[@]}" "${ours[@]}" -c "$c" -o "$out/$(basename "${c%.c}").o" 2>>"$log"
done
objs=("$out"/atmqtt_w2c.o "$out"/w2c_rt.o "$out"/atmqtt_aot.o "$out"/console.o "$out"/io_table.o "$out"/hal_nosock.o "$out"/hal_avr.o)
"$cc" -mmcu=$mcu "${opt[@]}" -Wl,--gc-sections -o "$out/atmqtt-avr.elf" "${objs[@]}" 2>>"$log"
"${prefix}objcopy" -O ihex -R .eeprom "$out/atmqtt-avr.elf" "$out/atmqtt-avr.hex"
if [ -s "$log" ]; then cat "$log" >&2; fi
t1=$(date +%s)
size="${prefix}size"
{
  echo "# avr build: $((t1 - t0)) s, module $wasm translated by wasm2c $(wasm2c --version) (ahead of time; no wasm3 interpreter), linear memory $memory bytes${POKE_AFTER:+, TEST build: loop() call $POKE_AFTER stores past it}"
  echo "# generated C: $(wc -c < "$out/atmqtt_w2c.c") bytes, $(wc -l < "$out/atmqtt_w2c.c") lines"
  echo "# module (objects):   $("$size" -t "$out/atmqtt_w2c.o" | awk 'END{print "text="$1" data="$2" bss="$3}')"
  echo "# runtime+core+console+hal: $("$size" -t "$out"/w2c_rt.o "$out"/atmqtt_aot.o "$out"/console.o "$out"/hal_avr.o | awk 'END{print "text="$1" data="$2" bss="$3}')"
  "$size" -C --mcu=$mcu "$out/atmqtt-avr.elf" | grep -E 'Program|Data|Device' | sed 's/^/# /'
} | tee "$out/sizes.txt"
# the simavr harness (host code)
if [ -z "${NO_HARNESS:-}" ]; then
  [ -f /usr/include/simavr/sim_avr.h ] || { echo "avr/build.sh: libsimavr headers missing (apt-get install libsimavr-dev simavr)" >&2; exit 127; }
  gcc -std=gnu99 -O2 -Wall -Wextra -I/usr/include/simavr -o "$out/atmqtt-simavr" board/avr/simavr/harness.c board/avr/simavr/profile.c -lsimavr -lelf
fi
