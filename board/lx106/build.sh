#!/usr/bin/env bash
# Builds the lx106 image (the ESP8266's CPU core, compiler and libc with a
# QEMU-board HAL): the module translated ahead of time by wabt's wasm2c
# (board/wasm2c), our wasm2c runtime and core, board/core/console.c, this
# HAL and start-up, our libgcc helpers, with Debian's xtensa-lx106-elf-gcc
# + picolibc, into build/lx106/atmqtt-lx106.elf. Sizes land in
# build/lx106/sizes.txt.
# The default profile's module fits (the ESP8266 leaves an application
# about 50 KB of its 80 KiB of data RAM; this image takes ~25 KB static).
# env: PROFILE (default | small: build/atmqtt.wasm, 16384 bytes of linear
#      memory, into build/lx106 | build/atmqtt-small.wasm, 4096, into
#      build/lx106-small), WASM, MEMORY, OUT to override each,
#      POKE_AFTER=N: a TEST build whose N-th loop() stores past the linear
#      memory (board/wasm2c/translate.py --poke-after), to see the trap,
#      CFLAGS_EXTRA, CC (xtensa-lx106-elf-gcc)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cc="${CC:-xtensa-lx106-elf-gcc}"
prefix="${cc%gcc}"
need() { command -v "$1" >/dev/null || { echo "lx106/build.sh: $1 not found (apt-get install $2)" >&2; exit 127; }; }
need "$cc" "gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf"
need wasm2c wabt
specs=/usr/lib/xtensa-lx106-elf/picolibc.specs
[ -f "$specs" ] || { echo "lx106/build.sh: $specs missing (apt-get install picolibc-xtensa-lx106-elf)" >&2; exit 127; }
profile="${PROFILE:-default}"
case "$profile" in
  default) d_wasm=build/atmqtt.wasm; d_mem=16384; d_out=build/lx106; npm_build=build:fw ;;
  small) d_wasm=build/atmqtt-small.wasm; d_mem=4096; d_out=build/lx106-small; npm_build=build:small ;;
  *) echo "lx106/build.sh: PROFILE is default or small, not $profile" >&2; exit 2 ;;
esac
wasm="${WASM:-$d_wasm}"
[ -f "$wasm" ] || { echo "lx106/build.sh: $wasm missing: run npm run $npm_build first" >&2; exit 1; }
out="${OUT:-$d_out}"
memory="${MEMORY:-$d_mem}"
here=board/lx106
rm -rf "$out" && mkdir -p "$out"
t0=$(date +%s)
bash board/wasm2c/build-c.sh "$wasm" "$out" ${POKE_AFTER:+--poke-after "$POKE_AFTER"} >/dev/null
# call0 ABI (lx106 has no register windows); -mtext-section-literals keeps
# each function's literals next to it, before its code in our script
common=(--specs="$specs" -Os -ffunction-sections -fdata-sections -mtext-section-literals
  -DNDEBUG -DW2C_MEMORY_BYTES="${memory}u" -I"$out" -Iboard/wasm2c -Iboard/core -I"$here" ${CFLAGS_EXTRA:-})
ours=(-std=c99 -Wall -Wextra)
# generated code: its unused locals and discarded values are wasm2c's style
gen=(-std=gnu99 -Wall -Wno-unused-variable -Wno-unused-parameter -Wno-unused-value -Wno-unused-but-set-variable -Wno-unused-function)
log="$out/compile.log"
: > "$log"
"$cc" "${common[@]}" "${gen[@]}" -include "$here/flash_copy.h" -c "$out/atmqtt_w2c.c" -o "$out/atmqtt_w2c.o" 2>>"$log"
objs=("$out/atmqtt_w2c.o")
for c in board/wasm2c/w2c_rt.c board/wasm2c/atmqtt_aot.c board/core/console.c board/core/io_table.c board/core/hal_nosock.c \
         "$here"/hal_lx106.c "$here"/main.c "$here"/startup.c "$here"/clock.c "$here"/uart16550.c \
         "$here"/semihost.c "$here"/flash_copy.c "$here"/libgcc_lx106.c; do
  "$cc" "${common[@]}" "${ours[@]}" -c "$c" -o "$out/$(basename "${c%.c}").o" 2>>"$log"
  objs+=("$out/$(basename "${c%.c}").o")
done
"$cc" "${common[@]}" -c "$here/start.S" -o "$out/start.o" 2>>"$log"
objs+=("$out/start.o")
"$cc" "${common[@]}" -nostartfiles -T "$here/lx106.ld" -Wl,--gc-sections -Wl,-Map="$out/atmqtt-lx106.map" \
  -o "$out/atmqtt-lx106.elf" "${objs[@]}" 2>>"$log"
if [ -s "$log" ]; then cat "$log" >&2; fi
t1=$(date +%s)
size="${prefix}size"
sec() { "$size" -A "$out/atmqtt-lx106.elf" | awk -v s="$1" '$1==s{print $2}'; }
flash=$(( $(sec .vectors) + $(sec .text) + $(sec .irom0) + $(sec .rodata) + $(sec .data) ))
ram=$(( $(sec .rodata) + $(sec .data) + $(sec .bss) ))
{
  echo "# lx106 build: $((t1 - t0)) s, module $wasm translated by wasm2c $(wasm2c --version) (ahead of time), linear memory $memory bytes${POKE_AFTER:+, TEST build: loop() call $POKE_AFTER stores past it}"
  echo "# generated C: $(wc -c < "$out/atmqtt_w2c.c") bytes, $(wc -l < "$out/atmqtt_w2c.c") lines"
  echo "# module (object): $("$size" -t "$out/atmqtt_w2c.o" | awk 'END{print "text="$1" data="$2" bss="$3}')"
  echo "# sections: iram .vectors=$(sec .vectors) flash .text=$(sec .text) .irom0(data segments)=$(sec .irom0) ram .rodata=$(sec .rodata) .data=$(sec .data) .bss=$(sec .bss)"
  echo "# flash $flash bytes, RAM static $ram of 81920 (the rest is the stack)"
  "$size" "$out/atmqtt-lx106.elf" | sed 's/^/# /'
} | tee "$out/sizes.txt"
